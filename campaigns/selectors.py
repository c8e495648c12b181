from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django_countries import countries

from campaigns.models import ActionKind, Campaign, Tally

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


def campaign_get_published(*, slug: str) -> Campaign:
    return campaign_list_published().prefetch_related("prisoners").get(slug=slug)


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
    rows: dict[str, CountryRow] = {}
    by_kind: dict[str, int] = {}
    for country, kind, quantity in Tally.objects.filter(campaign_id=campaign_id).values_list(
        "country", "kind", "quantity"
    ):
        row = rows.get(country)
        if row is None:
            name = countries.name(country) if country else ""
            row = rows[country] = CountryRow(code=country, name=str(name or country))
        row.by_kind[kind] = row.by_kind.get(kind, 0) + quantity
        row.total += quantity
        by_kind[kind] = by_kind.get(kind, 0) + quantity
    ordered = sorted(rows.values(), key=lambda r: (not r.code, -r.total, r.name))
    return CampaignTally(rows=ordered, by_kind=by_kind, total=sum(by_kind.values()))
