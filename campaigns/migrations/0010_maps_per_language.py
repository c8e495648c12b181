"""Rendered maps are now drawn once per language (campaign-<id>-<version>-<lang>).

The drawings from before were English only, under names without a language.
They are removed and the map version goes back to 0, so the next recompute
(the periodic reconcile does one) draws the map again in every language.
"""

from django.core.files.storage import default_storage
from django.db import migrations


def forwards(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    for campaign in Campaign.objects.filter(map_version__gt=0):
        for ext in ("png", "svg"):
            old = f"maps/campaign-{campaign.pk}-{campaign.map_version}.{ext}"
            if default_storage.exists(old):
                default_storage.delete(old)
        Campaign.objects.filter(pk=campaign.pk).update(map_version=0)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0009_field_verbose_names")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
