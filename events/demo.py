"""Demo events: the Day of Solidarity with Political Prisoners, 19-21 May 2024.

Facts (dates, places, kinds, the one figure) from Viasna's report in
shared/seeds/004; the sentences are ours. The article gives no times: every
event is put at 18:00 local time for two hours (the Turin exhibition runs
until 24 May), and points are the named place or the city centre.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from campaigns.models import Campaign
from events.models import Event, EventReport
from events.services import event_ledger_sync
from prisoners.models import Prisoner

ACTIVIST_EMAIL = "activist@example.org"
APPROXIMATE = "The time and the exact spot are approximate; the report does not give them."

EVENTS = [
    {
        "title": "Bike ride with white-red-white flags in Klaipėda",
        "kind": Event.Kind.BIKE_RIDE,
        "day": 21,
        "city": "Klaipėda",
        "country": "LT",
        "tz": "Europe/Vilnius",
        "point": (55.7033, 21.1443),
        "venue": "",
        "organiser_name": "Belarusians of Klaipėda",
        "description": "Local Belarusians rode through the city with flags and symbols of "
        "free Belarus for the Day of the Political Prisoner.",
    },
    {
        "title": "Letter marathon at the Belarusian Youth Hub",
        "kind": Event.Kind.LETTERS,
        "day": 21,
        "city": "Warsaw",
        "country": "PL",
        "tz": "Europe/Warsaw",
        "point": (52.2297, 21.0122),
        "venue": "Belarusian Youth Hub",
        "hours": 3,
        "organiser_name": "Belarusian Youth Hub",
        "description": "Three hours of writing words of support to people behind bars, with "
        "letters volunteers had prepared in advance; writers could take home tote bags and "
        "T-shirts from Dissidentby.",
    },
    {
        "title": "Meeting about political prisoners at the Belarusian House",
        "kind": Event.Kind.OTHER,
        "day": 21,
        "city": "Warsaw",
        "country": "PL",
        "tz": "Europe/Warsaw",
        "point": (52.2370, 21.0175),
        "venue": "Belarusian House",
        "organiser_name": "Belarusian House in Warsaw",
        "description": "Yauheniya Dolhaya of the Politvyazynka initiative and Ales Zarembiuk "
        "spoke; former prisoners, among them Miya Mitkevich, shared what they went through.",
    },
    {
        "title": "Rally on Cathedral Square with a petition",
        "kind": Event.Kind.RALLY,
        "day": 21,
        "city": "Vilnius",
        "country": "LT",
        "tz": "Europe/Vilnius",
        "point": (54.6858, 25.2877),
        "venue": "Cathedral Square",
        "organiser_name": "Belarusians of Vilnius",
        "description": "Songs and performances between speeches by politicians, former "
        "political prisoners and human rights defenders. A petition asking Lithuania's Foreign "
        "Ministry to call for the prisoners' release was read out and offered for signing.",
        "report": {"participants": 100, "summary": "More than a hundred people came."},
    },
    {
        "title": "Solidarity rally in Zurich",
        "kind": Event.Kind.RALLY,
        "day": 21,
        "city": "Zurich",
        "country": "CH",
        "tz": "Europe/Zurich",
        "point": (47.3769, 8.5417),
        "venue": "",
        "organiser_name": "RAZAM and Libereco Switzerland",
        "description": "Former political prisoners, members of the Belarusian-Swiss "
        "association RAZAM and human rights defenders of Libereco's Swiss branch.",
    },
    {
        "title": "Action near the Belarusian consulate in Białystok",
        "kind": Event.Kind.RALLY,
        "day": 21,
        "city": "Białystok",
        "country": "PL",
        "tz": "Europe/Warsaw",
        "point": (53.1325, 23.1688),
        "venue": "Near the Consulate of Belarus",
        "organiser_name": "Belarusians of Białystok",
        "description": "A solidarity action outside the consulate on the Day of the Political "
        "Prisoner.",
    },
    {
        "title": "Flags with the names of every political prisoner",
        "kind": Event.Kind.OTHER,
        "day": 20,
        "city": "Scotland",
        "country": "GB",
        "tz": "Europe/London",
        "point": (55.9533, -3.1883),
        "venue": "",
        "organiser_name": "Belarusians of Scotland",
        "description": "Belarusians in Scotland set up flags bearing the names of all "
        "Belarusian political prisoners. The report names no city: the point is Edinburgh.",
    },
    {
        "title": "Portraits of prisoners who died, near the Belarusian embassy",
        "kind": Event.Kind.OTHER,
        "day": 20,
        "city": "Moscow",
        "country": "RU",
        "tz": "Europe/Moscow",
        "point": (55.7577, 37.6377),
        "venue": "Near the Embassy of Belarus",
        "organiser_name": "Anonymous",
        "prisoners": ["vitold-ashurak", "mikalai-klimovich", "ales-pushkin"],
        "description": "Overnight, portraits of Vitold Ashurak, Mikalai Klimovich and Ales "
        "Pushkin appeared by the embassy. Police stopped a Russian woman from speaking in "
        "their memory.",
    },
    {
        "title": "Rally in Brussels and postcards to prisoners",
        "kind": Event.Kind.RALLY,
        "day": 20,
        "city": "Brussels",
        "country": "BE",
        "tz": "Europe/Brussels",
        "point": (50.8467, 4.3525),
        "venue": "Mission of Democratic Belarus",
        "organiser_name": "Belarusians of Belgium",
        "description": "A rally in the heart of Europe, then postcards at the Mission of "
        "Democratic Belarus for prisoners with birthdays in May, with Uladzimir Astapenko.",
    },
    {
        "title": "Ksisha Anhelava's portraits of political prisoners",
        "kind": Event.Kind.EXHIBITION,
        "day": 20,
        "end_day": 24,
        "city": "Turin",
        "country": "IT",
        "tz": "Europe/Rome",
        "point": (45.0703, 7.6869),
        "venue": "National University Library of Turin",
        "organiser_name": "Talaka Association",
        "description": "The artist's first exhibition in Italy: almost 400 portraits of "
        "Belarusian political prisoners, on show until 24 May.",
    },
    {
        "title": "Rally for the Day of the Political Prisoner in Rome",
        "kind": Event.Kind.RALLY,
        "day": 19,
        "city": "Rome",
        "country": "IT",
        "tz": "Europe/Rome",
        "point": (41.9028, 12.4964),
        "venue": "",
        "organiser_name": "People's Embassy of Belarus in Italy",
        "description": "Organised by the People's Embassy of Belarus in Italy, with "
        "politicians of several Italian parties and Volha Surynava.",
    },
    {
        "title": "Solidarity rally in Parliament Square",
        "kind": Event.Kind.RALLY,
        "day": 19,
        "city": "London",
        "country": "GB",
        "tz": "Europe/London",
        "point": (51.5007, -0.1262),
        "venue": "Parliament Square",
        "organiser_name": "Belarusians of Great Britain",
        "description": "Belarusians of Great Britain gathered for the political prisoners.",
    },
    {
        "title": "“Mury” (Walls): an open-air exhibition",
        "kind": Event.Kind.EXHIBITION,
        "day": 19,
        "city": "Warsaw",
        "country": "PL",
        "tz": "Europe/Warsaw",
        "point": (52.2404, 21.0179),
        "venue": "By the Copernicus monument",
        "organiser_name": "Belarusians of Warsaw",
        "description": "Photos of political prisoners on stylised barbed wire. Recently "
        "released prisoners spoke of torture in detention; Yana Shostak ended the day with "
        "her performance “A Minute of Screaming”.",
    },
]


def seed_activist():
    User = get_user_model()
    user = User.objects.filter(email__iexact=ACTIVIST_EMAIL).first()
    if user is None:
        user = User(username="demo-activist", email=ACTIVIST_EMAIL, first_name="Demo")
        user.set_unusable_password()
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=ACTIVIST_EMAIL, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def seed_events(campaign: Campaign) -> list[Event]:
    organiser = seed_activist()
    events = []
    for spec in EVENTS:
        zone = ZoneInfo(spec["tz"])
        starts = dt.datetime(2024, 5, spec["day"], 18, 0, tzinfo=zone)
        ends = (
            dt.datetime(2024, 5, spec["end_day"], 18, 0, tzinfo=zone)
            if "end_day" in spec
            else starts + dt.timedelta(hours=spec.get("hours", 2))
        )
        event, _ = Event.objects.update_or_create(
            organiser=organiser,
            title=spec["title"],
            defaults={
                "kind": spec["kind"],
                "description": f"{spec['description']}\n\n{APPROXIMATE}",
                "starts_at": starts,
                "ends_at": ends,
                # starts and ends are already on the event's clocks.
                "starts_on_local": starts.date(),
                "ends_on_local": ends.date(),
                "timezone_name": spec["tz"],
                "city": spec["city"],
                "country": spec["country"],
                "latitude": spec["point"][0],
                "longitude": spec["point"][1],
                "venue": spec["venue"],
                "campaign": campaign,
                "organiser_name": spec["organiser_name"],
                "contact": "demo-organiser@example.org",
                "status": Event.Status.PUBLISHED,
                "rejection_reason": "",
            },
        )
        event.prisoners.set(Prisoner.objects.filter(slug__in=spec.get("prisoners", [])))
        if "report" in spec:
            EventReport.objects.update_or_create(
                event=event, defaults={**spec["report"], "is_published": True}
            )
        event_ledger_sync(event=event)
        events.append(event)
    return events
