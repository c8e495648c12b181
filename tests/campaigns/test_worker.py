"""Through a real Celery worker on Redis (CI's PostgreSQL run)."""

import pytest

from campaigns.models import Action, Campaign, Tally
from tests import factories
from tests.factories import wait_for

pytestmark = pytest.mark.worker


def test_a_burst_of_actions_ends_exact_with_few_recomputes(real_worker):
    campaign = factories.make_campaign()
    countries = ["PL", "DE", "LT", "JP", "KR"]
    for i in range(200):
        factories.make_report(campaign, country=countries[i % 5], quantity=i % 7 + 1)

    expected = sum(Action.objects.filter(campaign=campaign).values_list("quantity", flat=True))

    def settled():
        c = Campaign.objects.get(pk=campaign.pk)
        return c.tally_dirty_at is None and c.actions_total == expected

    assert wait_for(settled), "the worker did not bring the tallies up to date"
    by_country = {t.country: t.quantity for t in Tally.objects.filter(campaign=campaign)}
    assert sum(by_country.values()) == expected
    assert set(by_country) == set(countries)
    recomputes = Campaign.objects.get(pk=campaign.pk).tally_recomputes
    assert 1 <= recomputes <= 20, f"{recomputes} recomputes for 200 actions"
