import datetime as dt

import pytest
from django.urls import reverse

from appeals.models import AppealTarget, AppealText
from campaigns.models import Campaign, OfflineReport
from pages import demo, demo_running
from tests.factories import committed

pytestmark = pytest.mark.django_db


def test_it_seeds_a_running_campaign_dated_from_today_twice_the_same(client):
    prisoners = demo.seed_prisoners()
    with committed():
        demo_running.seed_running_campaign(today=dt.date(2026, 12, 2))
        campaign = demo_running.seed_running_campaign(today=dt.date(2026, 12, 2))
    assert Campaign.objects.filter(slug=demo_running.SLUG).count() == 1
    assert AppealText.objects.count() == 1 and AppealTarget.objects.count() == 2
    assert OfflineReport.objects.filter(campaign=campaign).count() == len(demo_running.HISTORY)
    campaign.refresh_from_db()
    assert (campaign.starts_on, campaign.ends_on) == (dt.date(2026, 11, 25), dt.date(2027, 1, 1))
    assert campaign.actions_total == sum(q for _c, _k, q, _d in demo_running.HISTORY)
    assert list(campaign.prisoners.all()) == [prisoners["mikalai-statkevich"]]
    # A day later the dates move with it; nothing is added.
    with committed():
        demo_running.seed_running_campaign(today=dt.date(2026, 12, 3))
    campaign.refresh_from_db()
    assert campaign.starts_on == dt.date(2026, 11, 26)
    assert OfflineReport.objects.filter(campaign=campaign).count() == len(demo_running.HISTORY)


def test_the_demo_campaign_takes_names_and_appeals_today(client):
    demo.seed_prisoners()
    with committed():
        campaign = demo_running.seed_running_campaign()
    page = client.get(campaign.get_absolute_url()).text
    assert "Add your name" in page and "Send this appeal" in page
    assert "Ministry of Internal Affairs of the Republic of Belarus" in page
    assert "interior-ministry@example.org" not in page
    sign = client.get(reverse("campaigns:sign", args=[campaign.slug])).text
    assert 'name="display_name"' in sign
    home = client.get("/").text
    assert campaign.title in home
