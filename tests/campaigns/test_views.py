import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_campaign_page_shows_totals_goal_and_country_table(client, campaign):
    factories.make_report(campaign, country="PL", kind="letter", quantity=1500)
    factories.make_report(campaign, country="JP", kind="other", quantity=1000)
    response = client.get(campaign.get_absolute_url())
    assert response.status_code == 200
    body = response.text
    assert 'data-counter="total">2,500<' in body
    assert 'data-counter="countries">2<' in body
    assert "2% of the goal of 100,000 actions" in body
    assert 'data-country="PL"' in body and "Poland" in body
    assert "Ales Bialiatski" in body


def test_campaign_list_shows_published_campaigns_only(client, campaign):
    factories.make_campaign(title="Draft campaign", is_published=False)
    response = client.get(reverse("campaigns:list"))
    assert "Letter marathon 2012" in response.text
    assert "Draft campaign" not in response.text


def test_unknown_and_unpublished_campaigns_are_404(client):
    draft = factories.make_campaign(is_published=False)
    assert client.get("/campaigns/no-such-thing/").status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_campaign_pages_refuse_post(client, campaign):
    assert client.post(campaign.get_absolute_url()).status_code == 405
    assert client.post(reverse("campaigns:list")).status_code == 405


@pytest.mark.parametrize("countries", [["PL"], ["PL", "DE", "FR", "IT", "JP", "KR", "GB", "SE"]])
def test_campaign_page_query_count_is_constant(
    client, django_assert_num_queries, campaign, countries
):
    for code in countries:
        factories.make_report(campaign, country=code, quantity=3)
        factories.make_report(campaign, country=code, kind="signature", quantity=3)
    # campaign, its tally rows, its daily tally rows, its materials, its
    # wall of solidarity, its prisoners, its appeal text (none here;
    # appeals/selectors.py)
    with django_assert_num_queries(7):
        response = client.get(campaign.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 12])
def test_campaign_list_query_count_is_constant(client, django_assert_num_queries, n):
    for _ in range(n):
        factories.make_report(factories.make_campaign(), quantity=2)
    with django_assert_num_queries(1):
        assert client.get(reverse("campaigns:list")).status_code == 200


def test_campaign_page_table_follows_a_recompute_despite_the_cache(client, campaign):
    factories.make_report(campaign, country="PL", quantity=5)
    assert 'data-country="PL"' in client.get(campaign.get_absolute_url()).text
    factories.make_report(campaign, country="LT", quantity=7)
    body = client.get(campaign.get_absolute_url()).text
    assert 'data-country="LT"' in body
