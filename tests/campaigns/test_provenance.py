"""Provenance: the ledger says where each figure comes from, and a
campaign's total is broken down by source and country, linked to the ledger."""

import datetime as dt
import html
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from campaigns import services
from campaigns.models import Action, OfflineReport
from letters import services as letters
from tests import factories
from tests.factories import committed
from tests.letters.conftest import make_letter

pytestmark = pytest.mark.django_db

LEDGER = "admin:campaigns_action_changelist"


@pytest.fixture
def moderator(db):
    user = factories.make_user(email="moderator@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def superuser(db):
    return factories.make_user(email="root@example.org", is_staff=True, is_superuser=True)


def approved_letter(prisoner, moderator, country="PL"):
    letter = make_letter(prisoner, country=country)
    with committed():
        letters.letter_approve(letter=letter, moderator=moderator)
    return letter


def offline_report(campaign, quantity=40, country="DE"):
    with committed():
        return services.offline_report_save(
            report=OfflineReport(
                campaign=campaign,
                kind="letter",
                quantity=quantity,
                country=country,
                organisation="Amnesty Germany",
                reported_on=dt.date(2012, 12, 10),
            )
        )


def test_it_links_each_action_to_its_source_where_the_reader_may_open_it(
    client, moderator, superuser, prisoner, campaign
):
    letter = approved_letter(prisoner, moderator)
    report = offline_report(campaign)
    letter_url = reverse("admin:letters_letter_change", args=[letter.pk])
    report_url = reverse("admin:campaigns_offlinereport_change", args=[report.pk])

    client.force_login(moderator)
    page = client.get(reverse(LEDGER))
    assert page.status_code == 200
    assert f'<a href="{letter_url}">Letter #{letter.pk}</a>' in page.text
    # Moderators do not open offline reports: the label, no dead link.
    assert f"Offline report #{report.pk}" in page.text and report_url not in page.text
    assert "Letters | letter" not in page.text and "Campaigns | offline report" not in page.text

    client.force_login(superuser)
    page = client.get(reverse(LEDGER))
    assert f'<a href="{report_url}">Offline report #{report.pk}</a>' in page.text
    report_action = Action.objects.get(source_type__model="offlinereport")
    detail = client.get(reverse("admin:campaigns_action_change", args=[report_action.pk]))
    assert detail.status_code == 200
    assert f'<a href="{report_url}">Offline report #{report.pk}</a>' in detail.text


def test_it_breaks_a_campaign_total_down_by_source_and_country_with_ledger_links(
    client, moderator, prisoner, campaign
):
    for country in ("PL", "PL", "LT"):
        approved_letter(prisoner, moderator, country=country)
    offline_report(campaign, quantity=40, country="DE")
    client.force_login(moderator)
    page = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    assert page.status_code == 200
    rows = {
        label: int(n)
        for label, n in re.findall(
            r'<th scope="row"><a href="[^"]*">([^<]+)</a></th><td>(\d+)</td>', page.text
        )
    }
    assert rows == {"Offline report": 40, "Letter": 3, "Germany": 40, "Poland": 2, "Lithuania": 1}
    links = {
        label: html.unescape(href)
        for href, label in re.findall(r'<th scope="row"><a href="([^"]*)">([^<]+)</a>', page.text)
    }
    for label, expected in rows.items():
        filtered = client.get(links[label])
        assert filtered.status_code == 200
        result = filtered.context["cl"].queryset
        assert sum(a.quantity for a in result) == expected, label


@pytest.mark.parametrize("n", [2, 12])
def test_it_lists_the_ledger_in_a_number_of_queries_that_does_not_grow(
    client, django_assert_num_queries, superuser, prisoner, campaign, n
):
    for i in range(n):
        offline_report(campaign, quantity=i + 1, country=["DE", "PL"][i % 2])
    client.force_login(superuser)
    client.get(reverse(LEDGER))  # warm the content-type cache, as a running site has
    # session, user, the page's rows, the campaign / source / country / date
    # filters' choices; no query per row.
    with django_assert_num_queries(9):
        page = client.get(reverse(LEDGER))
    assert len(page.context["cl"].result_list) == n
