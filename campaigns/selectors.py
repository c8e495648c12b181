import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django_countries import countries

from campaigns import mapdata
from campaigns.models import ActionKind, Campaign, DailyTally, Tally

# Columns of the per-country table, in the order a reader expects them.
TABLE_KINDS = [
    ActionKind.LETTER,
    ActionKind.POSTCARD,
    ActionKind.SIGNATURE,
    ActionKind.EVENT,
    ActionKind.PARTICIPANT,
    ActionKind.OTHER,
]


def campaign_list_published() -> QuerySet[Campaign]:
    return Campaign.objects.filter(is_published=True)


def campaigns_for_home(*, limit: int = 6) -> list[Campaign]:
    """Active campaigns first, then the most recent ones."""
    today = timezone.localdate()
    campaigns = list(campaign_list_published()[: limit * 2])
    campaigns.sort(
        key=lambda c: (not (c.starts_on <= today and (c.ends_on is None or c.ends_on >= today)),)
    )
    return campaigns[:limit]


def campaign_get_published(*, slug: str, with_prisoners: bool = True) -> Campaign:
    """A published campaign; with_prisoners=False for pages that do not show them."""
    qs = campaign_list_published()
    if with_prisoners:
        qs = qs.prefetch_related("prisoners")
    return qs.get(slug=slug)


@dataclass
class CountryRow:
    code: str
    name: str
    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def cells(self) -> list[int]:
        return [self.by_kind.get(k, 0) for k in TABLE_KINDS]


@dataclass
class CampaignTally:
    rows: list[CountryRow]
    by_kind: dict[str, int]
    total: int

    def count(self, kind: str) -> int:
        return self.by_kind.get(kind, 0)

    @property
    def letters(self) -> int:
        return self.count(ActionKind.LETTER) + self.count(ActionKind.POSTCARD)


def campaign_tally(*, campaign_id: int) -> CampaignTally:
    """The per-country table, read from tally rows (never from the ledger)."""
    return _tally_from_rows(
        Tally.objects.filter(campaign_id=campaign_id).values_list("country", "kind", "quantity")
    )


def _tally_from_rows(triples) -> CampaignTally:
    rows: dict[str, CountryRow] = {}
    by_kind: dict[str, int] = {}
    for country, kind, quantity in triples:
        row = rows.get(country)
        if row is None:
            name = countries.name(country) if country else ""
            row = rows[country] = CountryRow(code=country, name=str(name or country))
        row.by_kind[kind] = row.by_kind.get(kind, 0) + quantity
        row.total += quantity
        by_kind[kind] = by_kind.get(kind, 0) + quantity
    ordered = sorted(rows.values(), key=lambda r: (not r.code, -r.total, r.name))
    return CampaignTally(rows=ordered, by_kind=by_kind, total=sum(by_kind.values()))


def table_kinds() -> list[tuple[str, str]]:
    return [(k, ActionKind(k).label) for k in TABLE_KINDS]


@dataclass
class MapData:
    """Everything the map, counters, legend and chart show; cacheable."""

    tally: CampaignTally
    days: list[tuple[dt.date, int]]
    classes: list[mapdata.MapClass]
    # Countries with actions that the 110m shapes are too coarse to draw.
    not_drawn: list[CountryRow]

    def as_json(self, *, events_url: str) -> dict:
        """What static/js/solidarity-map.js reads (through json_script)."""
        return {
            "countries": {
                row.code: {"name": row.name, "total": row.total, "by_kind": row.by_kind}
                for row in self.tally.rows
                if row.code
            },
            "classes": [{"min": c.minimum, "colour": c.colour} for c in self.classes],
            "none_colour": mapdata.NO_ACTIONS_COLOUR,
            "kinds": {k: str(label) for k, label in table_kinds()},
            "events_url": events_url,
            "total_label": gettext("Total"),
            "no_actions_label": gettext("No actions counted yet."),
        }


def _map_data(tally: CampaignTally, days: list[tuple[dt.date, int]]) -> MapData:
    codes = mapdata.shape_codes()
    return MapData(
        tally=tally,
        days=days,
        classes=mapdata.map_classes(r.total for r in tally.rows if r.code),
        not_drawn=[r for r in tally.rows if r.code and r.code not in codes],
    )


def campaign_map_data(*, campaign: Campaign) -> MapData:
    """Tallies and days of one campaign: from the cache, or two reads of tally rows.

    The key carries the tally time, so a recompute makes a new entry and no
    one has to invalidate anything, and the language, as country names and
    labels in it are translated.
    """
    stamp = campaign.tallied_at.timestamp() if campaign.tallied_at else 0
    key = f"map-data:{get_language()}:{campaign.pk}:{stamp}"
    data = cache.get(key)
    if data is None:
        days = list(
            DailyTally.objects.filter(campaign_id=campaign.pk).values_list("day", "quantity")
        )
        data = _map_data(campaign_tally(campaign_id=campaign.pk), days)
        cache.set(key, data, settings.MAP_DATA_CACHE_SECONDS)
    return data


def world_map_data() -> MapData:
    """All published campaigns together, summed from their tally rows."""
    # Per language: the country names and labels in it are translated.
    key = f"map-data:world:{get_language()}"
    data = cache.get(key)
    if data is None:
        tally = _tally_from_rows(
            Tally.objects.filter(campaign__is_published=True)
            .values_list("country", "kind")
            .annotate(quantity=Sum("quantity"))
            .values_list("country", "kind", "quantity")
        )
        data = _map_data(tally, [])
        # Short: many campaigns feed it and no single tally time keys it.
        cache.set(key, data, settings.WORLD_MAP_CACHE_SECONDS)
    return data


def campaign_tally_payload(*, campaign: Campaign) -> dict:
    """The public tally API: figures only, nothing about who acted."""
    tally = campaign_map_data(campaign=campaign).tally
    return {
        "campaign": campaign.slug,
        "title": campaign.title,
        "goal": campaign.goal,
        "tallied_at": campaign.tallied_at.isoformat() if campaign.tallied_at else None,
        "totals": {
            "actions": campaign.actions_total,
            "countries": campaign.countries_total,
            "by_kind": {k: tally.count(k) for k in TABLE_KINDS},
        },
        "countries": [
            {
                "code": row.code or None,
                "name": row.name or None,
                "total": row.total,
                "by_kind": {k: row.by_kind.get(k, 0) for k in TABLE_KINDS},
            }
            for row in tally.rows
        ],
    }


def campaign_map_files(*, campaign: Campaign) -> dict[str, str]:
    """URLs of the rendered map (PNG, SVG), or {} before the first drawing."""
    if not campaign.map_version:
        return {}
    from campaigns.services import map_file_names

    return {
        ext: default_storage.url(name)
        for ext, name in map_file_names(
            campaign_id=campaign.pk, version=campaign.map_version
        ).items()
    }
