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
    # Malta and Bermuda are too small for the 110m shapes: listed, not drawn.
    assert {row.code for row in data.not_drawn} == {"MT", "BM"}
    assert len(codes & mapdata.shape_codes()) == 34
    body = client.get(campaign.get_absolute_url()).text
    assert "Malta (818), Bermuda (818)" in body or "Bermuda (818), Malta (818)" in body
