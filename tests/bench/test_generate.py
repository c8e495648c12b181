from django_countries import countries

from bench.generate import _rows
from events.models import Event
from letters.models import Letter


def test_generated_letters_and_events_are_what_visitors_see(client, campaign, prisoner):
    seeded = {
        "big": campaign,
        "prisoner": prisoner,
        "codes": [code for code, _ in countries][:5],
    }
    assert _rows("letters", seeded, n=12, first=0) == 12
    assert _rows("events", seeded, n=7, first=0) == 7
    assert Letter.objects.filter(status=Letter.Status.APPROVED).count() == 12
    for letter in Letter.objects.all():
        letter.full_clean()
    for event in Event.objects.all():
        event.full_clean()
    page = client.get("/events/").text
    assert "Bench rally 0" in page and "Bench rally 6" in page
