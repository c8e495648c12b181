import zoneinfo

from django.db import migrations, models


def backfill(apps, schema_editor):
    # The same rule as services.event_local_dates_set, on the stored rows.
    Event = apps.get_model("events", "Event")
    batch = []
    for event in Event.objects.only("starts_at", "ends_at", "timezone_name").iterator(
        chunk_size=2000
    ):
        zone = zoneinfo.ZoneInfo(event.timezone_name)
        event.starts_on_local = event.starts_at.astimezone(zone).date()
        event.ends_on_local = event.ends_at.astimezone(zone).date()
        batch.append(event)
        if len(batch) == 2000:
            Event.objects.bulk_update(batch, ["starts_on_local", "ends_on_local"])
            batch = []
    Event.objects.bulk_update(batch, ["starts_on_local", "ends_on_local"])


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0008_status_mails_owed_until_sent'),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='starts_on_local',
            field=models.DateField(editable=False, null=True, verbose_name='starts on (local date)'),
        ),
        migrations.AddField(
            model_name='event',
            name='ends_on_local',
            field=models.DateField(editable=False, null=True, verbose_name='ends on (local date)'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='event',
            name='starts_on_local',
            field=models.DateField(editable=False, verbose_name='starts on (local date)'),
        ),
        migrations.AlterField(
            model_name='event',
            name='ends_on_local',
            field=models.DateField(editable=False, verbose_name='ends on (local date)'),
        ),
    ]
