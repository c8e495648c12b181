"""Content in three languages: translated where given, English and marked
lang="en" where not."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prisoners.models import Prisoner
from tests import factories
from tests.languages import reverse_in

pytestmark = pytest.mark.django_db


def h1(page):
    return re.search(r"<h1[^>]*>.*?</h1>", page, re.S).group(0)


def test_a_profile_is_in_the_language_of_its_address(client, prisoner):
    Prisoner.objects.filter(pk=prisoner.pk).update(
        name_be="Алесь Бяляцкі", name_ru="Алесь Беляцкий", bio_ru="Правозащитник."
    )
    assert h1(client.get(reverse_in("be", "prisoners:detail", slug=prisoner.slug)).text) == (
        "<h1>Алесь Бяляцкі</h1>"
    )
    ru = client.get(reverse_in("ru", "prisoners:detail", slug=prisoner.slug)).text
    assert h1(ru) == "<h1>Алесь Беляцкий</h1>"
    assert "Правозащитник." in ru
    assert h1(client.get(reverse_in("en", "prisoners:detail", slug=prisoner.slug)).text) == (
        "<h1>Ales Bialiatski</h1>"
    )


def test_a_missing_translation_shows_english_marked_as_english(client, prisoner):
    Prisoner.objects.filter(pk=prisoner.pk).update(
        name_be="Алесь Бяляцкі", bio_en="Founder of Viasna.", bio_be=""
    )
    page = client.get(reverse_in("be", "prisoners:detail", slug=prisoner.slug)).text
    assert h1(page) == "<h1>Алесь Бяляцкі</h1>"  # translated: no mark
    assert '<div class="prose" lang="en"><p>Founder of Viasna.</p></div>' in page
    write = client.get(reverse_in("ru", "letters:write", slug=prisoner.slug)).text
    assert h1(write) == '<h1>Написать: <span lang="en">Ales Bialiatski</span></h1>'


def test_a_campaign_is_in_the_language_of_its_address(client, campaign):
    campaign.title_ru = "Марафон писем 2012"
    campaign.save()
    page = client.get(reverse_in("ru", "campaigns:detail", slug=campaign.slug)).text
    assert "<h1>Марафон писем 2012</h1>" in page
    be = client.get(reverse_in("be", "campaigns:list")).text
    assert f'<h2 lang="en"><a href="/be/campaigns/{campaign.slug}/">Letter marathon 2012' in be


def test_the_list_costs_the_same_queries_in_every_language(
    client, django_assert_num_queries, prisoner
):
    # Translations are columns on the same row: no join, no extra query.
    factories.make_prisoner(name="Mikalai Statkevich", slug="mikalai-statkevich")
    with CaptureQueriesContext(connection) as english:
        client.get(reverse_in("en", "prisoners:list"))
    with django_assert_num_queries(len(english.captured_queries)):
        client.get(reverse_in("be", "prisoners:list"))


def test_editors_fill_each_language_in_the_admin(client, editor, prisoner):
    client.force_login(editor)
    page = client.get(f"/admin/prisoners/prisoner/{prisoner.pk}/change/").text
    for field in ("name_en", "name_be", "name_ru", "bio_be", "charges_ru", "sentence_be"):
        assert f'name="{field}"' in page, field


def test_the_demo_speaks_three_languages(db):
    call_command("seed_demo", "--no-admin", verbosity=0)
    bialiatski = Prisoner.objects.get(slug="ales-bialiatski")
    assert (bialiatski.name_en, bialiatski.name_be, bialiatski.name_ru) == (
        "Ales Bialiatski",
        "Алесь Бяляцкі",
        "Алесь Беляцкий",
    )
    for prisoner in Prisoner.objects.all():
        assert prisoner.name_be and prisoner.name_ru and prisoner.bio_be and prisoner.bio_ru
    from campaigns.models import Campaign
    from prisoners.models import CaseEvent, Facility

    for campaign in Campaign.objects.all():
        assert campaign.title_be and campaign.summary_ru and campaign.description_be
    assert all(f.name_be and f.name_ru for f in Facility.objects.all())
    assert all(e.text_be and e.text_ru for e in CaseEvent.objects.all())
