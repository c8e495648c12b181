import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from events.forms import EventForm
from events.models import Event
from tests.events.conftest import admin_post_data, make_event

pytestmark = pytest.mark.django_db

CHANGE = "/admin/events/event/{}/change/"


@pytest.mark.parametrize("name", ["Mars/Olympus", "Europe", "", "../../etc/passwd", "localtime"])
def test_it_refuses_a_time_zone_that_does_not_exist(organiser, name):
    event = make_event(organiser)
    event.timezone_name = name
    with pytest.raises(ValidationError) as refusal:
        event.full_clean()
    assert "timezone_name" in refusal.value.message_dict


def test_it_shows_the_admin_the_same_time_zone_select_as_the_form(client, moderator, organiser):
    event = make_event(organiser, timezone_name="Europe/Vilnius")
    client.force_login(moderator)
    page = client.get(CHANGE.format(event.pk)).content.decode()
    assert '<select name="timezone_name"' in page
    assert '<option value="Europe/Vilnius" selected>Europe/Vilnius</option>' in page
    request = RequestFactory().get("/")
    request.user = moderator
    admin_form = admin.site._registry[Event].get_form(request, event)(instance=event)
    assert admin_form.fields["timezone_name"].choices == EventForm().fields["timezone_name"].choices


def test_it_keeps_an_events_own_zone_outside_the_short_list(client, moderator, organiser):
    event = make_event(organiser, timezone_name="Asia/Almaty")
    client.force_login(moderator)
    page = client.get(CHANGE.format(event.pk)).content.decode()
    assert '<option value="Asia/Almaty" selected>Asia/Almaty</option>' in page
    assert ("Asia/Almaty", "Asia/Almaty") in EventForm(instance=event).fields[
        "timezone_name"
    ].choices
    assert ("Asia/Almaty", "Asia/Almaty") not in EventForm().fields["timezone_name"].choices


def test_it_repairs_unknown_zones_already_stored(client, organiser):
    broken = make_event(organiser, status="published")
    Event.objects.filter(pk=broken.pk).update(timezone_name="Mars/Olympus")
    fine = make_event(organiser, status="published", timezone_name="Asia/Almaty")
    migration = importlib.import_module("events.migrations.0005_event_timezone_must_exist")
    migration.repair_unknown_zones(apps, None)
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert (broken.timezone_name, fine.timezone_name) == ("UTC", "Asia/Almaty")
    assert client.get(f"/events/{broken.pk}/").status_code == 200


def test_it_refuses_an_unknown_zone_in_the_admin_next_to_the_field(client, moderator, organiser):
    event = make_event(organiser)
    client.force_login(moderator)
    data = admin_post_data(client.get(CHANGE.format(event.pk)))
    refused = client.post(CHANGE.format(event.pk), {**data, "timezone_name": "Mars/Olympus"})
    assert refused.status_code == 200
    assert "timezone_name" in refused.context["adminform"].form.errors
    saved = client.post(CHANGE.format(event.pk), {**data, "timezone_name": "Asia/Tokyo"})
    assert saved.status_code == 302
    event.refresh_from_db()
    assert event.timezone_name == "Asia/Tokyo"
