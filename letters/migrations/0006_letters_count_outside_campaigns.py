"""Approved letters outside any campaign now count (in the global tallies).

Before, a letter in no campaign yielded no action. The tallies are rebuilt
from the ledger by campaigns 0007, which this runs before.
"""

from django.db import migrations

COUNTED = ["approved", "printed", "posted", "returned", "reply_received"]


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Action = apps.get_model("campaigns", "Action")
    Letter = apps.get_model("letters", "Letter")
    letter_type, _ = ContentType.objects.get_or_create(app_label="letters", model="letter")
    counted = set(
        Action.objects.filter(source_type=letter_type).values_list("source_id", flat=True)
    )
    Action.objects.bulk_create(
        Action(
            source_type=letter_type,
            source_id=letter.pk,
            kind="letter" if letter.kind == "letter" else "postcard",
            campaign_id=None,
            country=letter.country,
            quantity=1,
            prisoner_id=letter.prisoner_id,
            occurred_at=letter.created_at,
        )
        for letter in Letter.objects.filter(campaign__isnull=True, status__in=COUNTED).iterator()
        if letter.pk not in counted
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("campaigns", "0006_global_tallies_optional_campaign"),
        ("letters", "0005_letterlog_action_codes"),
    ]
    run_before = [("campaigns", "0007_rebuild_tallies")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
