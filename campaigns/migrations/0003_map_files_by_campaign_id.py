"""Rendered maps were named by slug; they are now named by campaign id.

Moves the current files of each campaign to their new names. Where a file is
missing, the map version goes back to 0, so the next recompute draws it again.
"""

from django.core.files.storage import default_storage
from django.db import migrations


def forwards(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    for campaign in Campaign.objects.filter(map_version__gt=0):
        moved = True
        for ext in ("png", "svg"):
            old = f"maps/{campaign.slug}-{campaign.map_version}.{ext}"
            new = f"maps/campaign-{campaign.pk}-{campaign.map_version}.{ext}"
            if default_storage.exists(new):
                continue
            if not default_storage.exists(old):
                moved = False
                continue
            with default_storage.open(old) as f:
                default_storage.save(new, f)
            default_storage.delete(old)
        if not moved:
            Campaign.objects.filter(pk=campaign.pk).update(map_version=0)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0002_signatures_daily_tallies_map")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
