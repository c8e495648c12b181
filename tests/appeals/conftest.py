import pytest

from appeals.models import AppealTarget, AppealText
from campaigns import services as campaign_services


@pytest.fixture(autouse=True)
def _no_map_drawing(monkeypatch):
    # Each confirmation refreshes the campaign and would draw its PNG/SVG
    # map (tested in tests/campaigns): here that is only time spent.
    monkeypatch.setattr(campaign_services.tallies, "_map_render_enqueue", lambda campaign_id: None)


@pytest.fixture
def appeal_campaign(db, campaign):
    """The shared campaign, running, with an appeal and two targets."""
    campaign.ends_on = None
    campaign.save()
    AppealText.objects.create(
        campaign=campaign,
        subject="Shorten the entry ban",
        body="Please shorten the entry ban on Alena Tankachova.",
        subject_be="Скараціце забарону на ўезд",
        body_be="Просім скараціць тэрмін забароны на ўезд Алены Танкачовай.",
    )
    AppealTarget.objects.create(
        campaign=campaign,
        name="Ministry of Internal Affairs",
        position="Minister",
        country="BY",
        postal_address="Garadski Val St 4\n220030 Minsk",
        email="secret-ministry@example.org",
        delivery=AppealTarget.Delivery.EMAIL_EACH,
    )
    AppealTarget.objects.create(
        campaign=campaign,
        name="Ministry of Foreign Affairs",
        country="BY",
        postal_address="Lenin St 19\n220030 Minsk",
        delivery=AppealTarget.Delivery.POST,
    )
    return campaign
