"""The events export: each event with its report, without the private contact."""

import pytest

from events.models import EventReport
from tests.events.conftest import make_event
from tests.export_reading import export, read

pytestmark = pytest.mark.django_db

EVENTS = "admin:events_event_changelist"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_events_with_their_reports(client, moderator, organiser, fmt):
    reported = make_event(organiser, title="Lanterns in Vilnius", status="published")
    EventReport.objects.create(
        event=reported, participants=120, letters_written=45, summary="Cold but bright."
    )
    make_event(organiser, title="Not yet reported")
    client.force_login(moderator)

    header, *rows = read(export(client, EVENTS, fmt), fmt)

    by_title = {r[header.index("title")]: dict(zip(header, r, strict=True)) for r in rows}
    assert set(by_title) == {"Lanterns in Vilnius", "Not yet reported"}
    lanterns = by_title["Lanterns in Vilnius"]
    assert int(lanterns["report_participants"]) == 120
    assert int(lanterns["report_letters"]) == 45
    assert lanterns["report_summary"] == "Cold but bright."
    assert lanterns["city"] == "Vilnius" and lanterns["country"] == "LT"
    assert by_title["Not yet reported"]["report_participants"] in ("", None)
    assert "CANARY-contact" not in str(rows)


def test_anonymous_cannot_export_events(client, organiser):
    make_event(organiser)
    response = export(client, EVENTS, "csv")
    assert response.status_code == 302
