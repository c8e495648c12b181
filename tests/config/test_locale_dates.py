import datetime as dt

import pytest

from tests import factories
from tests.languages import reverse_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "date"),
    [("en", "30 November 2026"), ("ru", "30 ноября 2026"), ("be", "30 лістапада 2026")],
)
def test_a_page_writes_dates_as_each_language_does(client, language, date):
    campaign = factories.make_campaign(
        starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 11, 30)
    )
    page = client.get(reverse_in(language, "campaigns:sign", campaign.slug)).text
    assert date in page
    assert "Ноябрь" not in page


@pytest.mark.parametrize(
    ("language", "figure"),
    [("en", "12,345"), ("ru", "12\xa0345"), ("be", "12\xa0345")],
)
def test_a_page_groups_numbers_as_each_language_does(client, campaign, language, figure):
    factories.make_report(campaign, country="DE", quantity=12345)
    page = client.get(reverse_in(language, "campaigns:detail", campaign.slug)).text
    assert f'data-counter="total">{figure}<' in page


@pytest.mark.parametrize(
    ("day", "belarusian"),
    [
        (dt.date(2013, 3, 7), "7 сакавіка 2013"),  # Django's be has the nominative here
        (dt.date(2024, 5, 19), "19 траўня 2024"),  # Belarusian, not the Russian "мая"
        (dt.date(2012, 12, 7), "7 снежня 2012"),  # and "сьнежня"
    ],
)
def test_belarusian_months_are_genitive_and_in_the_official_orthography(day, belarusian):
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override("be"):
        assert date_format(day, "j E Y") == belarusian


def test_belarusian_may_is_travien_standing_alone_and_trauna_in_a_date():
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override("be"):
        assert date_format(dt.date(2024, 5, 19), "F Y") == "Травень 2024"
        assert date_format(dt.date(2024, 5, 19), "j E") == "19 траўня"
