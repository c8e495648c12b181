import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django_countries import countries
from modeltranslation.utils import build_localized_fieldname
from modeltranslation.utils import get_language as content_language

from campaigns import mapdata
from campaigns.models import ActionKind, Campaign, DailyTally, GlobalTally, Tally

# Columns of the per-country table, in the order a reader expects them.
TABLE_KINDS = [
    ActionKind.LETTER,
    ActionKind.POSTCARD,
    ActionKind.SIGNATURE,
    ActionKind.APPEAL,
    ActionKind.EVENT,
    ActionKind.PARTICIPANT,
    ActionKind.OTHER,
]


def campaign_list_published() -> QuerySet[Campaign]:
    return Campaign.objects.published()


def campaigns_for_home(*, limit: int = 6) -> list[Campaign]:
    """Active campaigns first, then the most recent ones."""
    campaigns = list(campaign_list_published()[: limit * 2])
    campaigns.sort(key=lambda c: not c.is_active)
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
            # The country page's address with "__CODE__" for the alpha-2 code.
            "country_url": reverse("country", kwargs={"code": "__CODE__"}),
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
    """Every act, in or outside campaigns: the global tally rows, cached.

    A draft campaign's acts count here too: people did them, and the figures
    say nothing about the campaign.
    """
    # Per language: the country names and labels in it are translated.
    key = f"map-data:world:{get_language()}"
    data = cache.get(key)
    if data is None:
        tally = _tally_from_rows(GlobalTally.objects.values_list("country", "kind", "quantity"))
        data = _map_data(tally, [])
        # Short: no tally time keys the global rows; they move with every action.
        cache.set(key, data, settings.WORLD_MAP_CACHE_SECONDS)
    return data


@dataclass
class CampaignInCountry:
    slug: str
    title: str
    total: int
    by_kind: dict[str, int]
    # "en" when the title is English standing in for a missing translation.
    title_lang: str = ""

    def cells(self) -> list[int]:
        return [self.by_kind.get(k, 0) for k in TABLE_KINDS]


@dataclass
class CountryFigures:
    """One country's figures: by kind (all acts) and by published campaign."""

    code: str
    name: str
    map: MapData
    campaigns: list[CampaignInCountry]

    @property
    def tally(self) -> CampaignTally:
        return self.map.tally

    def outside_campaigns(self) -> dict[str, int]:
        """What no published campaign's row holds: acts outside any, or in a draft."""
        inside: dict[str, int] = {}
        for c in self.campaigns:
            for kind, quantity in c.by_kind.items():
                inside[kind] = inside.get(kind, 0) + quantity
        by_kind = self.tally.by_kind
        return {k: by_kind.get(k, 0) - inside.get(k, 0) for k in TABLE_KINDS}


def country_figures(*, code: str) -> CountryFigures:
    """Read two sets of tally rows (global, campaigns'), cached like /map/."""
    key = f"country-figures:{get_language()}:{code}"
    data = cache.get(key)
    if data is None:
        tally = _tally_from_rows(
            GlobalTally.objects.filter(country=code).values_list("country", "kind", "quantity")
        )
        by_campaign: dict[int, CampaignInCountry] = {}
        # values_list reads the plain column (English): read the visitor's
        # language's column, falling back to English as modeltranslation does.
        default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
        own = F("campaign__" + build_localized_fieldname("title", content_language()))
        english = F("campaign__" + build_localized_fieldname("title", default))
        for campaign_id, slug, title, own_title, kind, quantity in (
            Tally.objects.filter(country=code, campaign__is_published=True)
            .order_by("campaign__starts_on", "campaign_id")
            .annotate(
                shown_title=Coalesce(NullIf(own, Value("")), english, output_field=CharField()),
                own_title=NullIf(own, Value("")),
            )
            .values_list(
                "campaign_id", "campaign__slug", "shown_title", "own_title", "kind", "quantity"
            )
        ):
            row = by_campaign.setdefault(
                campaign_id,
                CampaignInCountry(slug, title, 0, {}, "" if own_title else default),
            )
            row.by_kind[kind] = quantity
            row.total += quantity
        data = CountryFigures(
            code=code,
            name=str(countries.name(code)),
            map=_map_data(tally, []),
            campaigns=sorted(by_campaign.values(), key=lambda c: -c.total),
        )
        cache.set(key, data, settings.WORLD_MAP_CACHE_SECONDS)
    return data


def country_payload(*, figures: CountryFigures) -> dict:
    """The tally API's country answer: figures only, nothing about who acted."""
    return {
        "country": figures.code,
        "name": figures.name,
        "totals": {
            "actions": figures.tally.total,
            "by_kind": {k: figures.tally.count(k) for k in TABLE_KINDS},
        },
        "campaigns": [
            {
                "campaign": c.slug,
                "title": c.title,
                "total": c.total,
                "by_kind": {k: c.by_kind.get(k, 0) for k in TABLE_KINDS},
            }
            for c in figures.campaigns
        ],
        "outside_campaigns": figures.outside_campaigns(),
    }


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


# When the periodic reconcile last finished (services.tallies_reconcile): in
# the cache, not a table, because it is a liveness signal for /healthz, not
# data to keep; a lost key reads as "not yet" until the next run.
RECONCILED_AT_KEY = "campaigns:tallies-reconciled-at"


def tallies_reconciled_at() -> dt.datetime | None:
    stamp = cache.get(RECONCILED_AT_KEY)
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC) if stamp is not None else None
