import pytest
from django.db import IntegrityError, transaction

from config.photos import photo_clean
from events import services
from events.models import EventPhoto, EventReport
from tests.events.conftest import admin_post_data, jpeg_with_metadata, make_event, upload
from tests.factories import committed

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


def test_it_lets_a_moderator_take_a_bad_photo_down(client, organiser, moderator):
    event = make_event(organiser, status="published")
    services._photos_store(
        event=event,
        photos=[(photo_clean(upload(jpeg_with_metadata())), "Faces", "")] * 2,
        stage=EventPhoto.Stage.ANNOUNCEMENT,
    )
    bad, kept = event.photos.order_by("pk")
    storage = bad.image.storage
    assert storage.exists(bad.image.name) and storage.exists(bad.thumbnail.name)
    client.force_login(moderator)
    url = f"/admin/events/event/{event.pk}/change/"
    form = client.get(url)
    assert 'name="photos-0-DELETE"' in form.content.decode()
    with committed():
        response = client.post(url, {**admin_post_data(form), "photos-0-DELETE": "on"})
    assert response.status_code == 302
    assert list(event.photos.all()) == [kept]
    assert not storage.exists(bad.image.name)
    assert not storage.exists(bad.thumbnail.name)
    assert storage.exists(kept.image.name)
    assert bad.thumbnail.name not in client.get(f"/events/{event.pk}/").content.decode()


COUNTS = ("participants", "letters_written", "signatures", "other_actions")


@pytest.mark.parametrize("name", COUNTS)
def test_it_refuses_a_report_figure_above_ten_million_next_to_the_field(client, organiser, name):
    event = make_event(organiser)
    client.force_login(organiser)
    figures = dict.fromkeys(COUNTS, "0")
    data = {**figures, name: "10000001", "other_actions_description": "lanterns"}
    response = client.post(f"/events/{event.pk}/report/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [name]
    assert "10000000" in str(errors[name]).replace(",", "").replace("\u202f", "")
    assert not EventReport.objects.exists()
    accepted = client.post(f"/events/{event.pk}/report/", {**data, name: "10000000"})
    assert accepted.status_code == 302
    assert getattr(EventReport.objects.get(), name) == 10_000_000


@pytest.mark.parametrize("name", COUNTS)
def test_it_keeps_every_report_figure_plausible_in_the_database(organiser, name):
    event = make_event(organiser)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventReport.objects.create(event=event, **{name: 10_000_001})
