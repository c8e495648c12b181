import re

import django.db.models.deletion
from django.db import migrations, models

# What letters.services wrote before: an English note, whatever the reader's language.
OLD_NOTE = re.compile(r"^batch (\d+)$")


def notes_to_references(apps, schema_editor):
    LetterLog = apps.get_model("letters", "LetterLog")
    DeliveryBatch = apps.get_model("letters", "DeliveryBatch")
    existing = set(DeliveryBatch.objects.values_list("pk", flat=True))
    for entry in LetterLog.objects.filter(note__startswith="batch "):
        match = OLD_NOTE.match(entry.note)
        if match and int(match[1]) in existing:
            entry.batch_id = int(match[1])
            entry.note = ""
            entry.save(update_fields=["batch", "note"])


def references_to_notes(apps, schema_editor):
    LetterLog = apps.get_model("letters", "LetterLog")
    for entry in LetterLog.objects.filter(batch__isnull=False, note=""):
        entry.note = f"batch {entry.batch_id}"
        entry.save(update_fields=["note"])


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0008_field_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="letterlog",
            name="batch",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="letters.deliverybatch",
                verbose_name="delivery batch",
            ),
        ),
        migrations.RunPython(notes_to_references, references_to_notes),
    ]
