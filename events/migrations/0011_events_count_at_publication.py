"""Every published event counts once in its country, with or without a campaign.

Before, an event counted only with a campaign and a published report. Now a
published event yields its "event" action at publication and its published
report adds the figures, campaign or not. The tallies are rebuilt from the
ledger by campaigns 0007, which this runs before.
"""

from django.db import migrations

REPORT_KINDS = {
    "participant": "participants",
    "letter": "letters_written",
    "signature": "signatures",
    "other": "other_actions",
}


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Action = apps.get_model("campaigns", "Action")
    Event = apps.get_model("events", "Event")
    EventReport = apps.get_model("events", "EventReport")
    event_type, _ = ContentType.objects.get_or_create(app_label="events", model="event")
    reports = {r.event_id: r for r in EventReport.objects.filter(is_published=True)}
    for event in Event.objects.filter(status="published").iterator():
        prisoner = event.prisoners.order_by("name", "pk").first()
        figures = {"event": 1}
        report = reports.get(event.pk)
        if report is not None:
            figures.update({kind: getattr(report, field) for kind, field in REPORT_KINDS.items()})
        for kind, quantity in figures.items():
            lookup = {"source_type": event_type, "source_id": event.pk, "kind": kind}
            if quantity:
                Action.objects.update_or_create(
                    **lookup,
                    defaults={
                        "campaign_id": event.campaign_id,
                        "country": event.country,
                        "quantity": quantity,
                        "prisoner": prisoner,
                        "occurred_at": event.starts_at,
                    },
                )
            else:
                Action.objects.filter(**lookup).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("campaigns", "0006_global_tallies_optional_campaign"),
        ("events", "0010_report_postcards"),
    ]
    run_before = [("campaigns", "0007_rebuild_tallies")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
