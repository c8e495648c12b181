"""Rebuild every tally from the ledger: per campaign and, new, global.

The events and letters migrations that add the actions the new rules count
run before this one (their run_before), so the rows come out of the whole
ledger as it now reads. Plain SQL, as the recompute in campaigns.services
does it; the campaign totals follow from the rows.
"""

import datetime as dt

from django.db import migrations
from django.db.models import Count, Sum


def _day(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def forwards(apps, schema_editor):
    Action = apps.get_model("campaigns", "Action")
    Campaign = apps.get_model("campaigns", "Campaign")
    Tally = apps.get_model("campaigns", "Tally")
    DailyTally = apps.get_model("campaigns", "DailyTally")
    GlobalTally = apps.get_model("campaigns", "GlobalTally")
    GlobalDailyTally = apps.get_model("campaigns", "GlobalDailyTally")
    PrisonerTally = apps.get_model("campaigns", "PrisonerTally")
    table = Action._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT campaign_id, country, kind, SUM(quantity) FROM {table} "
            "WHERE campaign_id IS NOT NULL GROUP BY campaign_id, country, kind"
        )
        by_campaign = cursor.fetchall()
        cursor.execute(
            f"SELECT campaign_id, DATE(occurred_at), SUM(quantity) FROM {table} "
            "WHERE campaign_id IS NOT NULL GROUP BY campaign_id, DATE(occurred_at)"
        )
        by_campaign_day = cursor.fetchall()
        cursor.execute(f"SELECT country, kind, SUM(quantity) FROM {table} GROUP BY country, kind")
        by_country = cursor.fetchall()
        cursor.execute(
            f"SELECT DATE(occurred_at), SUM(quantity) FROM {table} GROUP BY DATE(occurred_at)"
        )
        by_day = cursor.fetchall()
        cursor.execute(
            f"SELECT prisoner_id, kind, SUM(quantity) FROM {table} "
            "WHERE prisoner_id IS NOT NULL GROUP BY prisoner_id, kind"
        )
        by_prisoner = cursor.fetchall()
    Tally.objects.all().delete()
    Tally.objects.bulk_create(
        Tally(campaign_id=c, country=country, kind=kind, quantity=q)
        for c, country, kind, q in by_campaign
    )
    DailyTally.objects.all().delete()
    DailyTally.objects.bulk_create(
        DailyTally(campaign_id=c, day=_day(day), quantity=q) for c, day, q in by_campaign_day
    )
    GlobalTally.objects.all().delete()
    GlobalTally.objects.bulk_create(
        GlobalTally(country=country, kind=kind, quantity=q) for country, kind, q in by_country
    )
    GlobalDailyTally.objects.all().delete()
    GlobalDailyTally.objects.bulk_create(
        GlobalDailyTally(day=_day(day), quantity=q) for day, q in by_day
    )
    PrisonerTally.objects.all().delete()
    PrisonerTally.objects.bulk_create(
        PrisonerTally(prisoner_id=p, kind=kind, quantity=q) for p, kind, q in by_prisoner
    )
    totals = {
        row["campaign_id"]: row
        for row in Tally.objects.values("campaign_id").annotate(
            actions=Sum("quantity"), countries=Count("country", distinct=True)
        )
    }
    for campaign in Campaign.objects.all():
        row = totals.get(campaign.pk, {})
        # Blank country ("not known") is no country; Count counts it, so subtract.
        blank = Tally.objects.filter(campaign_id=campaign.pk, country="").exists()
        Campaign.objects.filter(pk=campaign.pk).update(
            actions_total=row.get("actions") or 0,
            countries_total=max(0, (row.get("countries") or 0) - blank),
            # A new tally time: cached pages keyed on it show the new figures.
            tallied_at=dt.datetime.now(dt.UTC),
        )


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0006_global_tallies_optional_campaign")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
