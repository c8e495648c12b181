"""The public face's promises that hold in the HTML itself (issue 15); what
the browser sees (axe, phones) is tests/e2e/test_design.py."""

import re

import pytest
from django.urls import reverse

from campaigns import services
from tests import factories

pytestmark = pytest.mark.django_db


def card(body: str, name: str) -> str:
    (found,) = re.findall(
        rf'<article class="card prisoner-card[^"]*">(?:(?!</article>).)*?{name}.*?</article>',
        body,
        re.S,
    )
    return found


def test_every_card_of_someone_behind_bars_has_a_write_button_and_no_other_does(client, facility):
    held = factories.make_prisoner(name="Held Person", facility=facility)
    factories.make_prisoner(name="Freed Person", status="released")
    factories.make_prisoner(name="Late Person", status="died")
    body = client.get(reverse("prisoners:list")).text
    write = reverse("letters:write", kwargs={"slug": held.slug})
    assert f'href="{write}"' in card(body, "Held Person")
    assert "/write/" not in card(body, "Freed Person")
    assert "/write/" not in card(body, "Late Person")


def test_those_who_died_in_custody_have_a_memorial_card_unlike_the_released(client):
    factories.make_prisoner(name="Freed Person", status="released")
    factories.make_prisoner(name="Late Person", status="died")
    body = client.get(reverse("prisoners:list")).text
    assert "is-memorial" in card(body, "Late Person")
    assert "In memory. We remember." in card(body, "Late Person")
    assert "is-memorial" not in card(body, "Freed Person")


def test_the_campaign_page_shares_through_a_panel_not_raw_embed_code(client, campaign):
    body = client.get(campaign.get_absolute_url()).text
    assert '<details class="share" id="share">' in body
    # The embed code is text to copy, never a frame on the page itself.
    assert "<iframe" not in body
    assert "&lt;iframe src=" in body
    assert reverse("campaigns:embed", args=[campaign.slug]) in body


def test_the_campaign_table_hides_the_kinds_no_country_has(client, campaign):
    factories.make_report(campaign, country="PL", kind="letter", quantity=12)
    factories.make_report(campaign, country="LT", kind="signature", quantity=7)
    services.campaign_tallies_recompute(campaign_id=campaign.pk)
    body = client.get(campaign.get_absolute_url()).text
    (table,) = re.findall(r"<table.*?</table>", body, re.S)
    headers = [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
    ]
    assert "Letters" in headers and "Signatures" in headers
    assert "Postcards" not in headers and "Appeals" not in headers
