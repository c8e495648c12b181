import pytest

from events.models import EventPhoto, EventReport
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db


def _photo(event, name, stage, order=0):
    return EventPhoto.objects.create(
        event=event,
        image=f"events/{name}.jpg",
        thumbnail=f"events/thumbs/{name}.jpg",
        stage=stage,
        order=order,
    )


def test_it_hides_report_photos_with_a_hidden_report(client, organiser):
    event = make_event(organiser, status="published")
    report = EventReport.objects.create(event=event, participants=12, is_published=False)
    # The report photo comes first, so it would be the list's cover.
    _photo(event, "from-report", EventPhoto.Stage.REPORT, order=0)
    _photo(event, "announced", EventPhoto.Stage.ANNOUNCEMENT, order=1)
    detail = client.get(f"/events/{event.pk}/").content.decode()
    listing = client.get("/events/").content.decode()
    assert "from-report" not in detail and "from-report" not in listing
    assert "thumbs/announced.jpg" in detail and "thumbs/announced.jpg" in listing
    report.is_published = True
    report.save()
    detail = client.get(f"/events/{event.pk}/").content.decode()
    listing = client.get("/events/").content.decode()
    assert "thumbs/from-report.jpg" in detail and "thumbs/from-report.jpg" in listing
