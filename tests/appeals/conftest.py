import pytest

from appeals.models import AppealTarget, AppealText


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
