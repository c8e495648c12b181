import datetime as dt
import itertools
import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve, reverse

from campaigns import services
from campaigns.models import Action, Campaign, Signature, Tally
from tests import factories
from tests.factories import committed, sign

pytestmark = pytest.mark.django_db

CANARY = "canary-7f3a9@example.org"


def confirm_link(message) -> str:
    return re.search(r"http://\S+/sign/confirm/\S+/", message.body).group(0)


def test_it_counts_a_signature_only_once_its_email_is_confirmed(client, campaign):
    response = sign(client, campaign, email="Anna@Example.org")
    assert "We sent you an e-mail" in response.text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna@example.org"]
    assert not Action.objects.exists()

    path = confirm_link(mail.outbox[0]).split("8000", 1)[1]
    page = client.get(path)
    assert "Confirm my signature" in page.text
    assert not Action.objects.exists(), "opening the link (a mail scanner) must not confirm"
    with committed():
        response = client.post(path, follow=True)
    assert "Your signature is confirmed and counted" in response.text
    assert Tally.objects.get(campaign=campaign).quantity == 1
    assert Tally.objects.get(campaign=campaign).kind == "signature"
    assert 'data-counter="signatures">1<' in client.get(campaign.get_absolute_url()).text


def test_it_confirms_twice_without_counting_twice(client, campaign):
    sign(client, campaign)
    path = confirm_link(mail.outbox[0]).split("8000", 1)[1]
    with committed():
        client.post(path)
    with committed():
        response = client.post(path, follow=True)
    assert "already confirmed" in response.text
    assert Action.objects.count() == 1
    assert Tally.objects.get(campaign=campaign).quantity == 1


def test_the_page_never_tells_whether_an_address_already_signed(client, campaign):
    first = sign(client, campaign, email="anna@example.org")
    again = sign(client, campaign, email=" ANNA@example.org ", display_name="Other")
    assert Signature.objects.count() == 1
    # Same answer for a new and a pending address; the link goes to the owner.
    assert "We sent you an e-mail" in first.text and "We sent you an e-mail" in again.text
    assert "already" not in again.text
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["anna@example.org"]
    assert "/sign/confirm/" in mail.outbox[1].body

    with committed():
        client.post(confirm_link(mail.outbox[0]).split("8000", 1)[1])
    Signature.objects.update(confirmation_resent_at=None)  # a day later
    counted = sign(client, campaign, email="anna@example.org")
    assert "We sent you an e-mail" in counted.text and "already" not in counted.text
    assert len(mail.outbox) == 3
    assert "already confirmed and counted" in mail.outbox[2].body
    assert "/sign/confirm/" not in mail.outbox[2].body
    assert Action.objects.count() == 1


def test_the_database_refuses_a_second_signature_for_one_address(campaign):
    Signature.objects.create(
        campaign=campaign, display_name="A", country="PL", email="a@x.org", token="t1"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            campaign=campaign, display_name="B", country="PL", email="A@X.ORG", token="t2"
        )


def test_an_ended_campaign_says_so_and_takes_no_signature(client, campaign):
    url = reverse("campaigns:sign", args=[campaign.slug])
    # A page opened while the campaign ran: its stamp passes the spam checks.
    stamp = re.search(r'name="started" value="([^"]+)"', client.get(url).text).group(1)
    campaign.ends_on = dt.date(2013, 3, 7)
    campaign.save()
    page = client.get(url)
    assert "This campaign ended on 7 March 2013" in page.text
    assert '<form method="post" novalidate>' not in page.text
    form = {"display_name": "A", "country": "PL", "email": "a@x.org", "website": ""}
    with committed():
        response = client.post(url, {**form, "started": stamp})
    assert "This campaign ended on 7 March 2013" in response.text
    assert not Signature.objects.exists() and not mail.outbox
    assert "Add your name" not in client.get(campaign.get_absolute_url()).text


def test_the_service_refuses_a_signature_for_an_ended_campaign(campaign):
    campaign.ends_on = dt.date(2013, 3, 7)
    campaign.save()
    with pytest.raises(services.SignatureError), committed():
        services.signature_submit(
            campaign=campaign, display_name="A", country="PL", email="a@x.org"
        )
    assert not Signature.objects.exists() and not mail.outbox


def test_unpublished_and_unknown_campaigns_have_no_sign_page(client):
    draft = factories.make_campaign(is_published=False)
    assert client.get(reverse("campaigns:sign", args=[draft.slug])).status_code == 404
    assert client.get("/campaigns/nope/sign/").status_code == 404


def test_it_shows_errors_next_to_fields_and_keeps_the_input(client, campaign):
    response = sign(client, campaign, email="not-an-address", country="", display_name="Zoë")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert "This field is required." in response.text
    assert 'value="Zoë"' in response.text
    assert not Signature.objects.exists()


def test_it_refuses_a_bot_that_fills_the_honeypot(client, campaign):
    response = sign(client, campaign, website="http://spam.example")
    assert "Please leave the last field empty" in response.text
    assert not Signature.objects.exists() and not mail.outbox


def test_it_rate_limits_signatures_from_one_client(client, campaign, settings):
    settings.SIGNATURE_RATE_LIMIT = 2
    sign(client, campaign, email="a1@example.org")
    sign(client, campaign, email="a2@example.org")
    response = sign(client, campaign, email="a3@example.org", display_name="Third")
    assert "Too many signatures from here" in response.text
    assert 'value="Third"' in response.text
    assert Signature.objects.count() == 2


def test_an_invalid_confirmation_link_is_a_clear_404(client, campaign):
    response = client.get(reverse("campaigns:sign_confirm", args=[campaign.slug, "nonsense"]))
    assert response.status_code == 404
    assert "This confirmation link is not valid" in response.text
    assert (
        client.post(reverse("campaigns:sign_confirm", args=[campaign.slug, "x"])).status_code == 404
    )


def test_the_sign_page_refuses_other_methods(client, campaign):
    assert client.put(reverse("campaigns:sign", args=[campaign.slug])).status_code == 405


def test_a_signers_email_never_appears_in_public(client, campaign):
    sign(client, campaign, email=CANARY, display_name="Canary Person")
    with committed():
        client.post(confirm_link(mail.outbox[0]).split("8000", 1)[1])
    pages = [
        campaign.get_absolute_url(),
        reverse("campaigns:sign", args=[campaign.slug]),
        reverse("campaigns:embed", args=[campaign.slug]),
        reverse("campaigns_api:tally", args=[campaign.slug]),
        reverse("campaigns:list"),
        reverse("map"),
        "/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "canary-7f3a9" not in response.content.decode(), path
        # Names go on the delivered petition only: relatives can be persecuted.
        assert "Canary Person" not in response.content.decode(), path
    assert Tally.objects.get(campaign=campaign, country="PL").quantity == 1


def test_a_confirmation_link_with_a_nul_byte_is_a_404_not_a_500(client, campaign):
    # PostgreSQL refuses NUL in a query parameter; the URL must not reach it.
    response = client.get(f"/campaigns/{campaign.slug}/sign/confirm/%00/")
    assert response.status_code == 404
    with pytest.raises(Resolver404):
        resolve(f"/campaigns/{campaign.slug}/sign/confirm/\x00/")
    assert client.post(f"/campaigns/{campaign.slug}/sign/confirm/a%00b/").status_code == 404


def test_it_refuses_an_address_longer_than_the_column_next_to_the_field(client, campaign):
    # Valid for the e-mail validator (up to 320 characters) but not for the
    # varchar(254) column: PostgreSQL would refuse it with a 500.
    long_address = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"
    assert 254 < len(long_address) <= 320
    response = sign(client, campaign, email=long_address, display_name="Long")
    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters" in response.text
    assert 'value="Long"' in response.text
    assert not Signature.objects.exists() and not mail.outbox


def test_the_sign_form_says_the_name_is_not_shown_on_the_site(client, campaign):
    page = client.get(reverse("campaigns:sign", args=[campaign.slug])).text
    assert "Shown publicly" not in page and "as shown" not in page
    assert "goes on the petition delivered to its addressees" in page
    assert "not shown on this site" in page
    assert "A first name or a pseudonym is enough." in page


def test_a_campaign_ending_while_the_form_is_sent_is_a_form_error(client, campaign, monkeypatch):
    # The view sees the campaign open, the service (a moment later, past
    # midnight) sees it ended.
    url = reverse("campaigns:sign", args=[campaign.slug])
    stamp = re.search(r'name="started" value="([^"]+)"', client.get(url).text).group(1)
    answers = itertools.chain([False], itertools.repeat(True))
    monkeypatch.setattr(Campaign, "has_ended", property(lambda self: next(answers)))
    form = {"display_name": "Late", "country": "PL", "email": "late@example.org"}
    with committed():
        response = client.post(url, {**form, "website": "", "started": stamp})
    assert response.status_code == 200
    assert "This campaign is not collecting signatures." in response.text
    assert 'value="Late"' in response.text
    assert not Signature.objects.exists() and not mail.outbox


def test_a_signature_deleted_while_being_confirmed_is_a_clear_404(client, campaign, monkeypatch):
    sign(client, campaign)
    path = confirm_link(mail.outbox[0]).split("8000", 1)[1]
    assert client.get(path).status_code == 200
    confirm = services.signature_confirm

    def purged_meanwhile(**kwargs):
        # The hourly purge (or an erasure request) wins the race.
        Signature.objects.all().delete()
        return confirm(**kwargs)

    monkeypatch.setattr(services, "signature_confirm", purged_meanwhile)
    response = client.post(path)
    assert response.status_code == 404
    assert "This confirmation link is not valid" in response.text
    assert not Action.objects.exists()


def test_an_empty_post_shows_the_required_fields(client, campaign):
    response = client.post(reverse("campaigns:sign", args=[campaign.slug]), {})
    assert response.status_code == 200
    # Each of the three: once next to its field, once in the error summary
    # at the top, which links to the field.
    assert response.text.count("This field is required.") == 6
    summary = response.text[response.text.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert summary.count("This field is required.") == 3
    assert 'href="#id_display_name"' in summary
    assert not Signature.objects.exists()


def test_confirming_an_unknown_token_is_a_signature_error(campaign):
    with pytest.raises(services.SignatureError):
        services.signature_confirm(token="no-such-token")
