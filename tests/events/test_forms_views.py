import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import RequestFactory
from django.views.static import serve
from PIL import Image

from events.models import Event, EventPhoto
from tests.events.conftest import (
    assert_no_metadata,
    jpeg_with_metadata,
    make_event,
    upload,
)

pytestmark = pytest.mark.django_db


def _stamp(client, url="/events/new/"):
    return client.get(url).context["form"].initial["started"]


def _data(client, **overrides):
    data = {
        "kind": "rally",
        "title": "Rally on Cathedral Square",
        "description": "Speeches and songs.",
        "timezone_name": "Europe/Vilnius",
        "starts_at": "2024-05-21T18:00",
        "ends_at": "2024-05-21T20:00",
        "country": "LT",
        "city": "Vilnius",
        "venue": "Cathedral Square",
        "latitude": "54.68580",
        "longitude": "25.28770",
        "organiser_name": "Belarusians of Vilnius",
        "contact": "+370 600 00000",
        "photo_caption": "The square",
        "photo_credit": "Radio Svaboda",
        "website": "",
        "started": _stamp(client),
    }
    data.update(overrides)
    return data


def test_it_lets_a_verified_activist_log_an_event_in_its_time_zone(client, organiser, campaign):
    client.force_login(organiser)
    response = client.post(
        "/events/new/",
        _data(client, campaign=campaign.pk, photos=[upload(jpeg_with_metadata())]),
    )
    assert response.status_code == 302
    assert response["Location"] == "/events/mine/"
    event = Event.objects.get()
    assert event.status == Event.Status.SUBMITTED
    assert event.organiser == organiser
    # 18:00 in Vilnius (UTC+3 in May) is 15:00 UTC.
    assert event.starts_at.isoformat() == "2024-05-21T15:00:00+00:00"
    assert event.campaign == campaign
    photo = event.photos.get()
    assert photo.caption == "The square" and photo.credit == "Radio Svaboda"
    with photo.image.open("rb") as f:
        stored = f.read()
    assert_no_metadata(stored)
    mine = client.get("/events/mine/")
    assert "Waiting for review" in mine.content.decode()


def test_it_serves_photos_without_metadata(client, organiser, moderator):
    client.force_login(organiser)
    client.post("/events/new/", _data(client, photos=[upload(jpeg_with_metadata())]))
    event = Event.objects.get()
    from events.services import event_publish

    event_publish(event=event, moderator=moderator)
    client.logout()
    page = client.get(f"/events/{event.pk}/").content.decode()
    for url in re.findall(r'(/media/events/[^"]+)"', page):
        # config/urls.py binds MEDIA_ROOT when first imported, while each test
        # gets its own MEDIA_ROOT: call the same view with the current one.
        request = RequestFactory().get(url)
        response = serve(request, url.removeprefix("/media/"), document_root=settings.MEDIA_ROOT)
        served = b"".join(response.streaming_content)
        response.close()
        assert served[:2] == b"\xff\xd8"
        assert_no_metadata(served)
    assert len(re.findall(r"/media/events/", page)) == 2  # the photo and its thumbnail


def test_it_refuses_reversed_dates_next_to_the_field(client, organiser):
    client.force_login(organiser)
    response = client.post("/events/new/", _data(client, ends_at="2024-05-20T18:00"))
    assert response.status_code == 200
    assert "The end is before the start" in str(response.context["form"].errors["ends_at"])
    assert response.context["form"]["title"].value() == "Rally on Cathedral Square"
    assert not Event.objects.exists()


def test_it_refuses_a_point_outside_the_country(client, organiser):
    client.force_login(organiser)
    # Warsaw's coordinates with Lithuania chosen
    response = client.post("/events/new/", _data(client, latitude="52.2297", longitude="21.0122"))
    assert response.status_code == 200
    assert "not in Lithuania" in str(response.context["form"].errors["latitude"])
    assert not Event.objects.exists()


def test_it_accepts_a_coastal_point_and_any_point_in_a_country_without_a_shape(client, organiser):
    client.force_login(organiser)
    # Klaipėda sits on the coast, just outside the coarse 110m outline.
    assert (
        client.post(
            "/events/new/", _data(client, latitude="55.7033", longitude="21.1443")
        ).status_code
        == 302
    )
    # Malta is too small for the 110m shapes.
    assert (
        client.post(
            "/events/new/",
            _data(client, country="MT", city="Valletta", latitude="35.8989", longitude="14.5146"),
        ).status_code
        == 302
    )


def test_it_refuses_a_text_file_named_jpg(client, organiser):
    client.force_login(organiser)
    response = client.post(
        "/events/new/", _data(client, photos=[upload(b"hello, I am text\n" * 50, name="x.jpg")])
    )
    assert response.status_code == 200
    assert "x.jpg: This file is not a JPEG, PNG or WebP photo." in str(
        response.context["form"].errors["photos"]
    )
    assert not Event.objects.exists()
    assert not EventPhoto.objects.exists()


def test_it_refuses_a_60_megapixel_image(client, organiser):
    out = io.BytesIO()
    Image.new("1", (8000, 7500)).save(out, "PNG")
    client.force_login(organiser)
    response = client.post(
        "/events/new/",
        _data(client, photos=[upload(out.getvalue(), name="big.png", content_type="image/png")]),
    )
    assert response.status_code == 200
    assert "more than 40 megapixels" in str(response.context["form"].errors["photos"])
    assert not Event.objects.exists()


def test_it_refuses_11_photos(client, organiser):
    client.force_login(organiser)
    photos = [upload(jpeg_with_metadata(), name=f"p{i}.jpg") for i in range(11)]
    response = client.post("/events/new/", _data(client, photos=photos))
    assert response.status_code == 200
    assert "At most 10 photos" in str(response.context["form"].errors["photos"])
    assert not Event.objects.exists()


def test_it_refuses_photos_past_ten_on_edit(client, organiser):
    event = make_event(organiser)
    for i in range(9):
        EventPhoto.objects.create(event=event, image=f"x{i}.jpg", thumbnail=f"t{i}.jpg")
    client.force_login(organiser)
    url = f"/events/{event.pk}/edit/"
    data = _data(client, started=_stamp(client, url))
    data["photos"] = [upload(jpeg_with_metadata(), name=f"p{i}.jpg") for i in range(2)]
    response = client.post(url, data)
    assert "At most 1 photos" in str(response.context["form"].errors["photos"])


def test_it_keeps_bots_out_with_the_honeypot(client, organiser):
    client.force_login(organiser)
    response = client.post("/events/new/", _data(client, website="http://spam.example"))
    assert response.status_code == 200
    assert not Event.objects.exists()


def test_it_asks_an_unverified_user_to_confirm_their_e_mail(client, unverified):
    client.force_login(unverified)
    response = client.get("/events/new/")
    assert response.status_code == 403
    assert "Confirm your e-mail address first" in response.content.decode()
    assert client.post("/events/new/", {}).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/events/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_refuses_an_outsider_editing_or_reporting_someone_elses_event(
    client, organiser, outsider
):
    event = make_event(organiser)
    client.force_login(outsider)
    assert client.get(f"/events/{event.pk}/edit/").status_code == 404
    assert client.post(f"/events/{event.pk}/edit/", {"title": "Mine now"}).status_code == 404
    assert client.get(f"/events/{event.pk}/report/").status_code == 404
    event.refresh_from_db()
    assert event.title == "Rally on Cathedral Square"


def test_it_refuses_a_wrong_method(client, organiser):
    client.force_login(organiser)
    assert client.put("/events/new/").status_code == 405
    assert client.post("/events/").status_code == 405


def test_it_sends_a_published_event_back_to_review_when_edited(client, organiser, moderator):
    from events.services import event_publish
    from tests.factories import committed

    event = make_event(organiser)
    event_publish(event=event, moderator=moderator)
    client.force_login(organiser)
    url = f"/events/{event.pk}/edit/"
    form_page = client.get(url)
    assert "goes back to the moderators" in form_page.content.decode()
    # The form shows the times as they were entered, in Vilnius time.
    assert form_page.context["form"]["starts_at"].value().isoformat() == "2024-05-21T18:00:00"
    with committed():
        response = client.post(url, _data(client, started=_stamp(client, url), title="Changed"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.status) == ("Changed", Event.Status.SUBMITTED)
    assert client.get(f"/events/{event.pk}/").status_code == 404
    assert "Waiting for review" in mail.outbox[-1].subject


def test_it_takes_a_report_after_the_event_with_more_photos(client, organiser):
    event = make_event(organiser)
    client.force_login(organiser)
    url = f"/events/{event.pk}/report/"
    response = client.post(
        url,
        {
            "participants": "120",
            "letters_written": "30",
            "signatures": "0",
            "other_actions": "0",
            "photos": [upload(jpeg_with_metadata())],
        },
    )
    assert response.status_code == 302
    assert event.report.participants == 120
    assert event.photos.get().stage == EventPhoto.Stage.REPORT


def test_it_refuses_negative_figures_in_a_report(client, organiser):
    event = make_event(organiser)
    client.force_login(organiser)
    response = client.post(
        f"/events/{event.pk}/report/",
        {"participants": "-5", "letters_written": "0", "signatures": "0", "other_actions": "2"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "participants" in errors and "other_actions_description" in errors


def test_it_waits_for_the_event_before_a_report(client, organiser):
    import datetime as dt

    from django.utils import timezone

    event = make_event(organiser, starts_at=timezone.now() + dt.timedelta(days=3))
    client.force_login(organiser)
    response = client.get(f"/events/{event.pk}/report/")
    assert "once it has begun" in response.content.decode()


def test_it_shows_the_organiser_every_status_with_the_reason(client, organiser, outsider):
    make_event(organiser, title="Waiting one")
    make_event(organiser, title="Refused one", status="rejected", rejection_reason="Too vague")
    make_event(outsider, title="Not mine")
    client.force_login(organiser)
    page = client.get("/events/mine/").content.decode()
    assert "Waiting for review" in page and "Rejected" in page and "Too vague" in page
    assert "Not mine" not in page


def test_it_sends_anonymous_visitors_from_my_events_to_sign_in(client):
    assert client.get("/events/mine/")["Location"].startswith("/accounts/login/")


def test_it_rate_limits_event_submissions(client, organiser, settings):
    client.force_login(organiser)
    for _ in range(20):
        assert client.post("/events/new/", _data(client, title="")).status_code == 200
    response = client.post("/events/new/", _data(client))
    assert "Please wait an hour" in str(response.context["form"].non_field_errors())
    assert not Event.objects.exists()


def test_an_earlier_success_message_does_not_show_above_a_refused_upload(
    client, organiser, campaign
):
    client.force_login(organiser)
    first = _data(client, campaign=campaign.pk)
    second = _data(client, campaign=campaign.pk, photos=[upload(b"not an image", name="x.jpg")])
    # A client that does not follow the redirect (a script, a second tab)
    # leaves the "thank you" queued; the next page it gets is the refusal.
    assert client.post("/events/new/", first).status_code == 302
    refused = client.post("/events/new/", second)
    assert refused.status_code == 200
    assert refused.context["form"].errors["photos"]
    assert "Your event is waiting for a moderator" not in refused.content.decode()
    # Nor does it come back on the next page.
    assert "Your event is waiting for a moderator" not in client.get("/events/mine/").text


def test_an_event_keeps_the_language_it_was_written_in(client, organiser):
    client.force_login(organiser)
    form = client.get("/ru/events/new/").context["form"]
    assert form.initial["language"] == "ru"  # the organiser's site language
    response = client.post(
        "/ru/events/new/",
        _data(client, title="Пикет у посольства", description="Речи и песни.", language="ru"),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.language == "ru"
    event.status = Event.Status.PUBLISHED
    event.save()
    page = client.get(f"/be/events/{event.pk}/").text
    assert '<h1 lang="ru">Пикет у посольства</h1>' in page
    assert '<div class="prose" lang="ru"><p>Речи и песни.</p></div>' in page


def test_an_event_sent_without_a_language_takes_the_sites(client, organiser):
    client.force_login(organiser)
    response = client.post("/be/events/new/", _data(client, language=""))
    assert response.status_code == 302
    assert Event.objects.get().language == "be"
