"""Bench data: one big campaign, a small one, prisoners, and letters/events if built.

Usage (against the database DATABASE_URL names; the bench runner sets it):
    python bench/generate.py --preset small|full [--actions N] [--prisoners N]
        [--letters N] [--events N]
Sizes can also come from BENCH_ACTIONS, BENCH_PRISONERS, BENCH_LETTERS, BENCH_EVENTS.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

PRESETS = {
    "small": {"actions": 10_000, "prisoners": 20, "letters": 1_000, "events": 100},
    "full": {"actions": 1_000_000, "prisoners": 200, "letters": 100_000, "events": 10_000},
}
SMALL_ACTIONS = 1_000  # the second campaign: query counts and one more action at small size
BIG_SLUG, SMALL_SLUG = "bench-big", "bench-small"
SOURCE_OFFSET = 10**12  # ledger source ids far above any real offline report's
BATCH = 50_000


def progress(label: str, done: int, total: int, started: float) -> None:
    width = 30
    filled = width * done // max(total, 1)
    rate = done / max(time.monotonic() - started, 1e-9)
    end = "\n" if done >= total else ""
    sys.stderr.write(
        f"\r{label:<10} [{'#' * filled}{'.' * (width - filled)}] {done:>10,}/{total:,}"
        f" {rate:>9,.0f}/s{end}"
    )
    sys.stderr.flush()


def sizes(preset: str, **overrides: int | None) -> dict[str, int]:
    chosen = dict(PRESETS[preset])
    for key in chosen:
        env = os.environ.get(f"BENCH_{key.upper()}")
        if overrides.get(key) is not None:
            chosen[key] = overrides[key]
        elif env:
            chosen[key] = int(env)
    return chosen


def _insert_actions(*, campaign, prisoner_ids: list[int], countries: list[str], n: int, first: int):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from campaigns.models import OfflineReport

    source_type = ContentType.objects.get_for_model(OfflineReport)
    kinds = ["letter"] * 3 + ["signature"] * 4 + ["postcard", "event", "participant", "other"]
    started = time.monotonic()
    for lo in range(0, n, BATCH):
        hi = min(n, lo + BATCH)
        with connection.cursor() as cursor:
            # Skewed on purpose: a few countries carry most actions, as in a
            # real letter marathon; every country appears.
            cursor.execute(
                "INSERT INTO campaigns_action (kind, campaign_id, prisoner_id, country,"
                " quantity, source_type_id, source_id, occurred_at, recorded_at)"
                " SELECT (%(kinds)s::text[])[1 + (i * 7) %% cardinality(%(kinds)s::text[])],"
                " %(campaign)s,"
                " (%(prisoners)s::bigint[])[1 + i %% cardinality(%(prisoners)s::bigint[])],"
                " (%(countries)s::text[])[1 + floor(cardinality(%(countries)s::text[])"
                "   * power((((i %% 1000003) * 48271) %% 1000003) / 1000003.0, 3))::int],"
                " 1 + (i %% 5 = 0)::int, %(source_type)s, %(offset)s + i,"
                " now() - (i %% 864000) * interval '1 second', now()"
                " FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i",
                {
                    "kinds": kinds,
                    "campaign": campaign.pk,
                    "prisoners": prisoner_ids,
                    "countries": countries,
                    "source_type": source_type.pk,
                    "offset": SOURCE_OFFSET,
                    "lo": first + lo,
                    "hi": first + hi - 1,
                },
            )
        progress(campaign.slug, hi, n, started)


SEED_ROWS = 100  # letters and events present at the small size


def seed(*, prisoners: int) -> dict:
    """Prisoners, the two campaigns, and 1,000 actions in each: the small size."""
    from django.db import transaction
    from django_countries import countries as all_countries

    from campaigns.models import Campaign
    from prisoners.models import Prisoner

    codes = [code for code, _ in all_countries][:150]
    with transaction.atomic():
        people = Prisoner.objects.bulk_create(
            Prisoner(
                name=f"Bench Prisoner {i}",
                slug=f"bench-prisoner-{i}",
                status=Prisoner.Status.CONVICTED,
                bio="Held for a peaceful protest. " * 5,
                letter_languages="be,ru",
                birthday_month=1 + i % 12,
                birthday_day=1 + i % 28,
            )
            for i in range(max(prisoners, 1))
        )
        big, small = (
            Campaign.objects.create(
                slug=slug,
                title=title,
                kind=Campaign.Kind.LETTER_MARATHON,
                starts_on=dt.date.today() - dt.timedelta(days=5),
                goal=2_000_000,
                is_published=True,
                summary="Write for the prisoners of conscience.",
            )
            for slug, title in ((BIG_SLUG, "Bench marathon"), (SMALL_SLUG, "Bench small"))
        )
        big.prisoners.set(people[:12])
        small.prisoners.set(people[:12])
    seeded = {
        "big": big,
        "small": small,
        "prisoner": people[0],
        "ids": [p.pk for p in people],
        "codes": codes,
    }
    _actions(seeded, campaign=big, n=SMALL_ACTIONS, first=0)
    _actions(seeded, campaign=small, n=SMALL_ACTIONS, first=SOURCE_OFFSET // 10)
    seeded["report"] = {"prisoners": len(people), "actions": SMALL_ACTIONS}
    for key, n in (("letters", SEED_ROWS), ("events", SEED_ROWS)):
        seeded["report"][key] = _rows(key, seeded, n=n, first=0)
    return seeded


def grow(seeded: dict, *, actions: int, letters: int, events: int) -> dict:
    """Grow the big campaign and the letters and events to the chosen size."""
    big = seeded["big"]
    _actions(seeded, campaign=big, n=max(actions - SMALL_ACTIONS, 0), first=SMALL_ACTIONS)
    report = {**seeded["report"], "actions": max(actions, SMALL_ACTIONS)}
    for key, n in (("letters", letters), ("events", events)):
        report[key] = SEED_ROWS + _rows(key, seeded, n=max(n - SEED_ROWS, 0), first=SEED_ROWS)
    return report


def _actions(seeded: dict, *, campaign, n: int, first: int) -> None:
    from django.db import connection

    from campaigns.services import campaign_tallies_recompute, global_tallies_recompute

    _insert_actions(
        campaign=campaign, prisoner_ids=seeded["ids"], countries=seeded["codes"], n=n, first=first
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_action")
    campaign_tallies_recompute(campaign_id=campaign.pk)
    # Rows inserted in bulk bypass the differences: fill /map/'s rows too.
    global_tallies_recompute()


def _rows(key: str, seeded: dict, *, n: int, first: int) -> int:
    """Approved letters or published events, as visitors would see them."""
    import hashlib

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from events.models import Event
    from letters.models import Letter

    now = timezone.now()
    campaign, prisoner = seeded["big"], seeded["prisoner"]
    codes = seeded["codes"]
    started = time.monotonic()
    if key == "letters":

        def make(i):
            body = f"Dear friend, you are not alone. Letter {i} of the benchmark."
            return Letter(
                prisoner=prisoner,
                campaign=campaign,
                status=Letter.Status.APPROVED,
                sender_name=f"Bench {i}",
                country=codes[i % len(codes)],
                language="en",
                body=body,
                body_fingerprint=hashlib.sha256(body.encode()).hexdigest(),
                withdraw_token=f"bench-{i}",
                moderated_at=now,
            )

        model = Letter
    else:
        # Events belong to an organiser; one bench account owns them all.
        organiser, _ = get_user_model().objects.get_or_create(
            username="bench-organiser", defaults={"email": "bench-organiser@example.org"}
        )

        def make(i):
            return Event(
                kind=Event.Kind.RALLY,
                title=f"Bench rally {i}",
                starts_at=now,
                ends_at=now + dt.timedelta(hours=2),
                starts_on_local=now.date(),
                ends_on_local=now.date(),
                city="Warsaw",
                country="PL",
                latitude=52.2297,
                longitude=21.0122,
                campaign=campaign,
                organiser=organiser,
                organiser_name="Bench group",
                status=Event.Status.PUBLISHED,
                moderated_at=now,
            )

        model = Event
    with transaction.atomic():
        for lo in range(0, n, 5_000):
            hi = min(n, lo + 5_000)
            model.objects.bulk_create(make(first + i) for i in range(lo, hi))
            progress(key, hi, n, started)
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=PRESETS, default="small")
    for key in PRESETS["small"]:
        parser.add_argument(f"--{key}", type=int)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    chosen = sizes(args.preset, **{k: getattr(args, k) for k in PRESETS["small"]})
    seeded = seed(prisoners=chosen["prisoners"])
    print(
        grow(seeded, actions=chosen["actions"], letters=chosen["letters"], events=chosen["events"])
    )


if __name__ == "__main__":
    main()
