import datetime as dt
import importlib
import io
import json
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from campaigns import mapdata, rendering, services
from campaigns.models import Action, Campaign, DailyTally, OfflineReport
from tests import factories
from tests.factories import committed

pytestmark = pytest.mark.django_db

POLAND = (19.4, 52.1)  # lon, lat: inside Poland


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def close(a, b, tolerance=6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def rendered_png(campaign) -> Image.Image:
    campaign.refresh_from_db()
    assert campaign.map_version, "the map was not rendered"
    name = services.map_file_names(campaign_id=campaign.pk, version=campaign.map_version)["png"]
    with default_storage.open(name) as f:
        return Image.open(io.BytesIO(f.read()))


def test_it_renders_the_map_with_poland_coloured_when_poland_has_actions(campaign):
    factories.make_report(campaign, country="PL", quantity=500)
    factories.make_report(campaign, country="JP", quantity=5)
    img = rendered_png(campaign)
    assert img.size == (1200, 630)
    x, y = rendering.project(*POLAND)
    classes = mapdata.map_classes([500, 5])
    assert close(img.getpixel((int(x), int(y)))[:3], hex_rgb(classes[-1].colour))


def test_it_leaves_poland_grey_when_poland_has_none(campaign):
    factories.make_report(campaign, country="DE", quantity=500)
    img = rendered_png(campaign)
    x, y = rendering.project(*POLAND)
    assert close(img.getpixel((int(x), int(y)))[:3], hex_rgb(mapdata.NO_ACTIONS_COLOUR))


def test_rendering_twice_is_a_no_op_and_a_new_tally_replaces_the_old_files(campaign):
    factories.make_report(campaign, country="PL", quantity=5)
    campaign.refresh_from_db()
    first = services.map_file_names(campaign_id=campaign.pk, version=campaign.map_version)
    assert services.campaign_map_render(campaign_id=campaign.pk) is False
    assert all(default_storage.exists(n) for n in first.values())

    factories.make_report(campaign, country="DE", quantity=7)
    campaign.refresh_from_db()
    second = services.map_file_names(campaign_id=campaign.pk, version=campaign.map_version)
    assert second != first
    assert all(default_storage.exists(n) for n in second.values())
    assert not any(default_storage.exists(n) for n in first.values())


def test_the_svg_map_carries_codes_counts_and_an_escaped_title(campaign):
    Campaign.objects.filter(pk=campaign.pk).update(title="<script>alert(1)</script> & co")
    factories.make_report(campaign, country="PL", quantity=1234)
    campaign.refresh_from_db()
    name = services.map_file_names(campaign_id=campaign.pk, version=campaign.map_version)["svg"]
    with default_storage.open(name) as f:
        svg = f.read().decode()
    assert 'data-code="PL" data-count="1234"' in svg
    assert 'data-code="DE" data-count="0"' in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg
    assert "<script>" not in svg
    assert "1,234 actions from 1 country" in svg


def test_the_campaign_page_offers_the_map_as_preview_and_download(client, campaign):
    factories.make_report(campaign, country="PL", quantity=5)
    campaign.refresh_from_db()
    files = services.map_file_names(campaign_id=campaign.pk, version=campaign.map_version)
    body = client.get(campaign.get_absolute_url()).text
    assert f'property="og:image" content="http://127.0.0.1:8000/media/{files["png"]}"' in body
    assert f'href="/media/{files["svg"]}" download="{campaign.slug}-map.svg"' in body
    # (Not fetched through /media/: config/urls.py binds MEDIA_ROOT at import,
    # and each test has its own.)
    assert default_storage.exists(files["png"])


def test_the_page_passes_the_map_figures_as_json_without_inline_script(client, campaign):
    factories.make_report(campaign, country="PL", quantity=30)
    factories.make_report(campaign, country="MT", kind="signature", quantity=4)
    body = client.get(campaign.get_absolute_url()).text
    start = body.index('<script id="map-data" type="application/json">') + 46
    data = json.loads(body[start : body.index("</script>", start)])
    assert data["countries"]["PL"]["total"] == 30
    assert data["countries"]["MT"]["by_kind"] == {"signature": 4}
    assert data["events_url"] == f"/api/events.geojson?campaign={campaign.slug}"
    # Malta has no 1:110m shape: the script draws it as a circle at its centre.
    assert "Too small to draw at this scale" not in body
    assert "drawn as circles at their centre" in body
    # every <script> either loads a file or is the JSON island
    for tag in body.split("<script")[1:]:
        assert tag.startswith((' src="/static/', ' id="map-data" type="application/json"'))


def test_daily_tallies_follow_the_ledger_by_utc_day(client, campaign):
    for day, quantity in [(7, 3), (7, 2), (9, 10)]:
        factories.make_report(campaign, quantity=quantity, reported_on=dt.date(2012, 12, day))
    assert list(DailyTally.objects.filter(campaign=campaign).values_list("day", "quantity")) == [
        (dt.date(2012, 12, 7), 5),
        (dt.date(2012, 12, 9), 10),
    ]
    campaign.ends_on = dt.date(2012, 12, 20)
    campaign.save()
    body = client.get(campaign.get_absolute_url()).text
    assert 'data-day="2012-12-07" data-count="5"' in body
    assert 'data-day="2012-12-09" data-count="10"' in body
    # One bar per day of the campaign, empty days included (with no height).
    assert body.count('data-day="') == 14
    assert 'data-day="2012-12-08" data-count="0"' in body
    assert "Actions per day, 7 December 2012 to 20 December 2012" in body
    # The genitive, not Django's nominative abbreviation ("7 Дек 2012").
    russian = client.get("/ru" + campaign.get_absolute_url()).text
    assert "Действия по дням, с 7 декабря 2012 по 20 декабря 2012" in russian


def _bulk_actions(campaign, n: int) -> None:
    report_type = ContentType.objects.get_for_model(OfflineReport)
    countries = ["PL", "DE", "JP", "KR", "IT", "MT", "BM", ""]
    kinds = ["letter", "signature", "postcard", "event"]
    Action.objects.bulk_create(
        [
            Action(
                campaign=campaign,
                kind=kinds[i % 4],
                country=countries[i % 8],
                quantity=1 + i % 3,
                source_type=report_type,
                source_id=i + 1,
                occurred_at=dt.datetime(2012, 12, 7, tzinfo=dt.UTC) + dt.timedelta(hours=i % 500),
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    services.campaign_tallies_recompute(campaign_id=campaign.pk)


@pytest.mark.parametrize("n", [10, 10_000])
def test_the_campaign_page_reads_tallies_not_the_ledger(
    client, django_assert_num_queries, campaign, n
):
    _bulk_actions(campaign, n)
    # campaign, its tally rows, its daily tally rows, its materials, its
    # wall of solidarity, its prisoners, its appeal text (none here;
    # appeals/selectors.py)
    with django_assert_num_queries(7):
        response = client.get(campaign.get_absolute_url())
    assert response.status_code == 200
    # then the figures come from the cache: campaign, materials, wall,
    # prisoners and appeal text only (plain reads of a few rows, none of the ledger)
    with django_assert_num_queries(5):
        client.get(campaign.get_absolute_url())


def test_a_recompute_shows_on_the_page_at_once(client, campaign):
    factories.make_report(campaign, country="PL", quantity=5)
    client.get(campaign.get_absolute_url())  # fills the cache
    factories.make_report(campaign, country="PL", quantity=6)
    assert 'data-counter="total">11<' in client.get(campaign.get_absolute_url()).text
    api = client.get(reverse("campaigns_api:tally", args=[campaign.slug])).json()
    assert api["totals"]["actions"] == 11


def test_the_tally_api_gives_figures_per_country_and_kind(client, campaign):
    factories.make_report(campaign, country="PL", kind="letter", quantity=7)
    factories.make_report(campaign, country="PL", kind="signature", quantity=3)
    factories.make_report(campaign, country="JP", kind="other", quantity=2)
    response = client.get(reverse("campaigns_api:tally", args=[campaign.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age" in response["Cache-Control"]
    data = response.json()
    campaign.refresh_from_db()
    assert data["tallied_at"] == campaign.tallied_at.isoformat()
    assert data["totals"]["actions"] == 12 and data["totals"]["countries"] == 2
    assert data["totals"]["by_kind"]["signature"] == 3
    poland = next(c for c in data["countries"] if c["code"] == "PL")
    assert poland["total"] == 10 and poland["by_kind"]["letter"] == 7
    assert poland["name"] == "Poland"


def test_the_tally_api_is_read_only_and_hides_drafts(client, campaign):
    draft = factories.make_campaign(is_published=False)
    assert client.get(reverse("campaigns_api:tally", args=[draft.slug])).status_code == 404
    assert client.post(reverse("campaigns_api:tally", args=[campaign.slug])).status_code == 405


def test_the_embed_may_be_framed_and_other_pages_may_not(client, campaign):
    factories.make_report(campaign, country="PL", quantity=4321)
    embed = client.get(reverse("campaigns:embed", args=[campaign.slug]))
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    assert "frame-ancestors *" in embed["Content-Security-Policy"]
    assert 'data-counter="total">4,321<' in embed.text
    assert 'id="map-data"' in embed.text
    page = client.get(campaign.get_absolute_url())
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert client.post(reverse("campaigns:embed", args=[campaign.slug])).status_code == 405


def test_the_world_map_sums_every_act_draft_campaigns_included(client, campaign):
    other = factories.make_campaign()
    draft = factories.make_campaign(is_published=False)
    factories.make_report(campaign, country="PL", quantity=10)
    factories.make_report(other, country="PL", kind="signature", quantity=5)
    # People wrote these; a campaign page not yet public does not undo that,
    # and the map names no campaign.
    factories.make_report(draft, country="DE", quantity=99)
    response = client.get(reverse("map"))
    assert response.status_code == 200
    body = response.text
    assert 'data-counter="total">114<' in body
    assert 'data-counter="countries">2<' in body
    assert 'data-country="PL"' in body and 'data-country="DE"' in body
    assert draft.title not in body
    assert '"events_url": "/api/events.geojson"' in body


@pytest.mark.parametrize("n", [1, 9])
def test_the_world_map_query_count_is_constant(client, django_assert_num_queries, n):
    for _ in range(n):
        with committed():
            factories.make_report(factories.make_campaign(), quantity=2)
    with django_assert_num_queries(1):
        assert client.get(reverse("map")).status_code == 200


def test_the_map_classes_are_quantiles_of_the_counts_shown_and_all_used():
    assert mapdata.map_classes([]) == []
    assert mapdata.map_classes([0, 0]) == []
    assert [(c.minimum, c.maximum) for c in mapdata.map_classes([7])] == [(7, 7)]
    # The marathon's shape: many small countries, one very large.
    counts = [818] * 13 + [1636] * 8 + [2454] * 4 + [3272] * 4 + [4091] * 2 + [5727] * 2
    counts += [6545, 7363, 24561]
    classes = mapdata.map_classes(counts)
    assert [(c.minimum, c.maximum) for c in classes] == [
        (818, 818),
        (1636, 1636),
        (2454, 2454),
        (3272, 3272),
        (4091, 24561),
    ]
    assert [c.colour for c in classes] == mapdata.CLASS_COLOURS
    # Every class holds at least one country, and every count falls in its own range.
    for n in counts:
        (c,) = [c for c in classes if c.minimum <= n <= c.maximum]
        assert mapdata.colour_for(n, classes) == c.colour
    assert mapdata.colour_for(0, classes) == mapdata.NO_ACTIONS_COLOUR


def test_fewer_distinct_counts_than_colours_give_fewer_classes_darkest_last():
    classes = mapdata.map_classes([5, 5, 300, 5])
    assert [(c.minimum, c.maximum) for c in classes] == [(5, 5), (300, 300)]
    assert [c.colour for c in classes] == mapdata.CLASS_COLOURS[-2:]


def test_counts_a_reader_cannot_tell_apart_share_a_class():
    # /map/ once had "1,636" and "1,637" as two colours: one more letter from
    # Latvia made it darker than Bulgaria.
    counts = [818] * 6 + [1636] * 6 + [1637] + [4091] * 4 + [24561] * 3
    classes = mapdata.map_classes(counts)
    assert (1636, 1637) in [(c.minimum, c.maximum) for c in classes]
    assert mapdata.colour_for(1636, classes) == mapdata.colour_for(1637, classes)
    assert len({c.colour for c in classes}) == len(classes)


def test_ten_even_counts_split_two_by_two():
    classes = mapdata.map_classes(range(1, 11))
    assert [(c.minimum, c.maximum) for c in classes] == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]


def test_the_day_chart_has_one_bar_per_campaign_day_and_sparse_dated_ticks():
    from campaigns import charts

    svg = charts.daily_chart_svg(
        [(dt.date(2013, 3, 7), 104_731)], first=dt.date(2012, 12, 7), last=dt.date(2013, 3, 7)
    )
    assert svg.count("<rect ") == 91
    ticks = re.findall(r'<text class="tick[^"]*"[^>]*>([^<]+)</text>', svg)
    assert 4 <= len(ticks) <= charts.MAX_TICKS
    assert ticks[0] == "7 December 2012" and "2013" in "".join(ticks[1:])
    assert len(set(ticks)) == len(ticks)
    # The one day with actions is a narrow bar at the end, not the whole plot.
    (width,) = re.findall(r'width="([\d.]+)"[^>]*data-count="104731"', svg)
    assert float(width) < 10


def test_the_first_date_on_a_short_campaign_does_not_run_into_the_next():
    from campaigns import charts

    svg = charts.daily_chart_svg(
        [(dt.date(2026, 11, 26), 40)], first=dt.date(2026, 11, 25), last=dt.date(2027, 1, 1)
    )
    ticks = re.findall(r'<text class="tick[^"]*" x="([\d.]+)"[^>]*>([^<]+)</text>', svg)
    assert ticks[0][1] == "25 November 2026"
    # Each label's extent at 12 px (about 6.6 px a character): the first starts
    # at its tick, the others are centred on theirs.
    spans = [
        (float(x), float(x) + len(t) * 6.6)
        if n == 0
        else (float(x) - len(t) * 3.3, float(x) + len(t) * 3.3)
        for n, (x, t) in enumerate(ticks)
    ]
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert [t for _, t in ticks][1:] == ["9 December", "16 December", "23 December", "30 December"]


def test_renaming_a_campaign_keeps_its_map_and_leaves_no_files_behind(client, campaign):
    factories.make_report(campaign, country="PL", quantity=5)
    campaign.refresh_from_db()
    campaign.slug = "letter-marathon-2012-renamed"
    campaign.save()
    body = client.get(campaign.get_absolute_url()).text
    png = re.search(r'property="og:image" content="http://127.0.0.1:8000/media/([^"]+)"', body)
    svg = re.search(r'href="/media/([^"]+\.svg)"', body)
    assert png and svg, "the renamed campaign lost its map"
    assert default_storage.exists(png.group(1)) and default_storage.exists(svg.group(1))

    # The next drawing replaces the files; none from before the rename stays.
    factories.make_report(campaign, country="DE", quantity=7)
    campaign.refresh_from_db()
    current = [
        name
        for language in ("en", "be", "ru")
        for name in services.map_file_names(
            campaign_id=campaign.pk, version=campaign.map_version, language=language
        ).values()
    ]
    assert sorted(default_storage.listdir("maps")[1]) == sorted(
        name.removeprefix("maps/") for name in current
    )


def test_the_migration_moves_slug_named_maps_to_their_campaign_id(campaign):
    from django.apps import apps
    from django.core.files.base import ContentFile

    migration = importlib.import_module("campaigns.migrations.0003_map_files_by_campaign_id")
    missing = factories.make_campaign()
    Campaign.objects.filter(pk__in=[campaign.pk, missing.pk]).update(map_version=17)
    for ext in ("png", "svg"):
        default_storage.save(f"maps/{campaign.slug}-17.{ext}", ContentFile(ext.encode()))

    migration.forwards(apps, None)

    for ext in ("png", "svg"):
        with default_storage.open(f"maps/campaign-{campaign.pk}-17.{ext}") as f:
            assert f.read() == ext.encode()
    assert not default_storage.exists(f"maps/{campaign.slug}-17.png")
    # No file to move: drawn again at the next recompute.
    assert Campaign.objects.get(pk=missing.pk).map_version == 0
    assert Campaign.objects.get(pk=campaign.pk).map_version == 17


@pytest.mark.parametrize("n", [10, 10_000])
def test_the_embed_reads_tallies_only(client, django_assert_num_queries, campaign, n):
    _bulk_actions(campaign, n)
    url = reverse("campaigns:embed", args=[campaign.slug])
    # campaign, its tally rows, its daily tally rows (no prisoners: not shown)
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("n", [10, 10_000])
def test_the_tally_api_reads_tallies_only(client, django_assert_num_queries, campaign, n):
    _bulk_actions(campaign, n)
    url = reverse("campaigns_api:tally", args=[campaign.slug])
    # campaign, its tally rows, its daily tally rows; then the cached body
    with django_assert_num_queries(3):
        assert client.get(url).json()["totals"]["actions"] > 0
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200


def test_places_too_small_for_the_shapes_are_circles_in_the_pictures(campaign):
    factories.make_report(campaign, country="MT", quantity=818)
    factories.make_report(campaign, country="PL", quantity=30_000)
    svg = rendering.render_svg(
        title="Marathon", counts={"MT": 818, "PL": 30_000}, total=30_818, countries=2
    ).decode()
    (circle,) = re.findall(r"<circle [^>]*>.*?</circle>", svg)
    assert 'data-code="MT"' in circle and "Malta: 818" in circle
    x, y = rendering.project(*mapdata.centres()["MT"])
    assert f'cx="{x:.1f}" cy="{y:.1f}"' in circle
    img = rendered_png(campaign)
    classes = mapdata.map_classes([818, 30_000])
    assert close(img.getpixel((int(x), int(y)))[:3], hex_rgb(classes[0].colour))


def test_every_iso_country_has_a_centre():
    from django_countries import countries

    centres = mapdata.centres()
    assert {code for code, _ in countries} <= set(centres)
    lon, lat = centres["MT"]
    assert 14.3 < lon < 14.6 and 35.8 < lat < 36.0  # Valletta
    lon, lat = centres["PL"]
    assert 17 < lon < 21 and 51 < lat < 53.5


def test_the_map_is_drawn_in_each_language_with_its_numbers_and_plurals(campaign):
    Campaign.objects.filter(pk=campaign.pk).update(
        title_be="Марафон лістоў 2012", title_ru="Марафон писем 2012"
    )
    factories.make_report(campaign, country="PL", quantity=1234)
    campaign.refresh_from_db()

    def svg(language):
        name = services.map_file_names(
            campaign_id=campaign.pk, version=campaign.map_version, language=language
        )["svg"]
        with default_storage.open(name) as f:
            return f.read().decode()

    english, belarusian, russian = svg("en"), svg("be"), svg("ru")
    assert "1,234 actions from 1 country" in english
    # Grouped with a no-break space; "actions" follows 1234, "country" follows 1.
    assert "1\xa0234 дзеянні з 1 краіны" in belarusian
    assert "Марафон лістоў 2012" in belarusian
    assert "<title>Польшча: 1\xa0234</title>" in belarusian
    assert "1\xa0234 действия из 1 страны" in russian
    assert "Марафон писем 2012" in russian
    for language in ("en", "be", "ru"):
        name = services.map_file_names(
            campaign_id=campaign.pk, version=campaign.map_version, language=language
        )["png"]
        assert default_storage.exists(name)


def test_the_page_offers_the_map_drawn_in_its_language(client, campaign):
    factories.make_report(campaign, country="PL", quantity=5)
    campaign.refresh_from_db()
    files = services.map_file_names(
        campaign_id=campaign.pk, version=campaign.map_version, language="be"
    )
    assert files["png"].endswith("-be.png")
    body = client.get(f"/be/campaigns/{campaign.slug}/").text
    assert f'property="og:image" content="http://127.0.0.1:8000/media/{files["png"]}"' in body
    assert f'href="/media/{files["svg"]}" download="{campaign.slug}-map.svg"' in body


def test_the_migration_retires_the_english_only_drawings(campaign):
    from django.apps import apps
    from django.core.files.base import ContentFile

    migration = importlib.import_module("campaigns.migrations.0010_maps_per_language")
    Campaign.objects.filter(pk=campaign.pk).update(map_version=17)
    for ext in ("png", "svg"):
        default_storage.save(f"maps/campaign-{campaign.pk}-17.{ext}", ContentFile(b"x"))
    migration.forwards(apps, None)
    assert not default_storage.exists(f"maps/campaign-{campaign.pk}-17.png")
    # Drawn again, in every language, at the next recompute.
    assert Campaign.objects.get(pk=campaign.pk).map_version == 0
