import pytest

from campaigns import mapdata, selectors
from pages import demo

pytestmark = pytest.mark.django_db


def test_the_marathon_demo_shows_its_36_countries_on_the_map(client):
    prisoners = demo.seed_prisoners()
    campaign = demo.seed_campaigns(prisoners)["letter-marathon-2012"]
    demo.seed_marathon_reports(campaign)
    campaign.refresh_from_db()
    data = selectors.campaign_map_data(campaign=campaign)
    codes = {row.code for row in data.tally.rows}
    assert len(codes) == 36 and campaign.actions_total == 104_731
    # Malta and Bermuda are too small for the 110m shapes: circles at their centre.
    assert {row.code for row in data.not_drawn} == {"MT", "BM"}
    assert len(codes & mapdata.shape_codes()) == 34
    body = client.get(campaign.get_absolute_url()).text
    assert "drawn as circles at their centre" in body
    # The legend lists the quantile classes of these 36 counts, each used.
    totals = [row.total for row in data.tally.rows if row.code]
    assert len(data.classes) == 5
    assert all(any(c.minimum <= t <= c.maximum for t in totals) for c in data.classes)
    assert body.count("data-class-min=") == 5
