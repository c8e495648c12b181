"""Demo data drawn from the facts of the source articles (shared/seeds/).

Every function is idempotent: it looks rows up by a natural key and updates
them, so `seed_demo` can run on every `make run`.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from campaigns import services as campaign_services
from campaigns.models import ActionKind, Campaign, OfflineReport
from pages import demo_translations
from pages.demo_translations import localised
from prisoners.models import CaseEvent, Facility, Imprisonment, Prisoner

AMNESTY = "Amnesty International"
MARATHON_TOTAL = 104_731

# The 36 countries of the 2012 marathon, with an illustrative weight: the
# article gives the total and the list, not the split per country.
MARATHON_COUNTRIES = {
    "PL": 30,
    "IT": 9,
    "GB": 8,
    "JP": 7,
    "KR": 7,
    "CH": 5,
    "SE": 5,
    "AT": 4,
    "BE": 4,
    "CZ": 4,
    "FI": 4,
    "IE": 3,
    "LU": 3,
    "SI": 3,
    "PT": 3,
    "SK": 2,
    "LV": 2,
    "CA": 2,
    "RU": 2,
    "UA": 2,
    "RO": 2,
    "BG": 2,
    "MD": 1,
    "PY": 2,
    "TG": 1,
    "TN": 1,
    "GH": 1,
    "ML": 1,
    "MT": 1,
    "CY": 1,
    "IS": 1,
    "MN": 1,
    "TW": 1,
    "VE": 1,
    "PR": 1,
    "BM": 1,
}


@transaction.atomic
def seed_prisoners() -> dict[str, Prisoner]:
    siza1, _ = Facility.objects.update_or_create(
        name="SIZA-1 (Pre-trial detention centre No. 1)",
        defaults={
            "name_original": "СИЗО-1",
            "address": "2 Valadarski St\n220030 Minsk\nBelarus",
            "address_original": "СИЗО-1\nул. Володарского, 2\n220030 г. Минск\nБеларусь",
            "city": "Minsk",
            "country": "BY",
        },
    )
    shklou, _ = Facility.objects.update_or_create(
        name="Penal colony No. 17, Škloŭ",
        defaults={
            "name_original": "ИК-17",
            "address": "Penal colony No. 17\n213004 Shklov, Mogilev region\nBelarus",
            "address_original": "ИК-17\n213004 г. Шклов, Могилёвская обл.\nБеларусь",
            "city": "Škloŭ",
            "country": "BY",
        },
    )
    for facility in (siza1, shklou):
        Facility.objects.filter(pk=facility.pk).update(
            **localised(demo_translations.FACILITIES[facility.name_en])
        )
    people = {
        "ales-bialiatski": {
            "name": "Ales Bialiatski",
            "name_original": "Алесь Бяляцкі",
            "status": Prisoner.Status.RELEASED,
            "birthday_month": 9,
            "birthday_day": 25,
            "charges": "“Concealment of income on an especially large scale”, "
            "Article 243, part 2, of the Criminal Code of Belarus",
            "sentence": "4.5 years in a strict-regime colony, confiscation of property",
            "accepts_letters": True,
            "letter_languages": "be,ru,en",
            "bio": (
                "Founder and head of the Human Rights Centre Viasna, which he set up in 1996 "
                "to give legal help to civic and political activists, and vice-president of the "
                "International Federation for Human Rights (FIDH). A scholar of Belarusian "
                "literature and a member of the Belarusian Writers' Union.\n\n"
                "His case was brought over Viasna's work: the authorities refused the "
                "organisation registration, and working for an unregistered organisation is "
                "illegal in Belarus. In 2012 more than a hundred thousand people in 36 countries "
                "took part in Amnesty International's letter marathon for him; in prison he "
                "received up to 500 letters a day. He was released early, in 2014."
            ),
        },
        "vitold-ashurak": {
            "name": "Vitold Ashurak",
            "name_original": "Вітольд Ашурак",
            "status": Prisoner.Status.DIED,
            "accepts_letters": False,
            "bio": (
                "Activist and political prisoner. He died in penal colony No. 17 in Škloŭ on "
                "21 May 2021; the Day of Solidarity with Political Prisoners of Belarus is "
                "held on the anniversary of his death."
            ),
        },
        "mikalai-klimovich": {
            "name": "Mikalai Klimovich",
            "name_original": "Мікалай Клімовіч",
            "status": Prisoner.Status.DIED,
            "accepts_letters": False,
            "bio": "Political prisoner who died behind bars. His portrait was among those "
            "placed near the Belarusian embassy in Moscow on 20 May 2024.",
        },
        "ales-pushkin": {
            "name": "Ales Pushkin",
            "name_original": "Алесь Пушкін",
            "status": Prisoner.Status.DIED,
            "accepts_letters": False,
            "bio": "Artist and political prisoner who died behind bars. His portrait was among "
            "those placed near the Belarusian embassy in Moscow on 20 May 2024.",
        },
        "miya-mitkevich": {
            "name": "Miya Mitkevich",
            "name_original": "Мія Міткевіч",
            "status": Prisoner.Status.RELEASED,
            "sentence": "3 years in a penal colony",
            "accepts_letters": False,
            "bio": "Former political prisoner. She served a three-year sentence and spoke about "
            "the women still behind bars at the Belarusian House in Warsaw on the 2024 Day of "
            "Solidarity.",
        },
        "mikalai-statkevich": {
            "name": "Mikalai Statkevich",
            "name_original": "Мікалай Статкевіч",
            "status": Prisoner.Status.CONVICTED,
            "accepts_letters": True,
            "letter_languages": "be,ru",
            "bio": "Presidential candidate in December 2010, imprisoned after the election.",
        },
        "andrei-sannikau": {
            "name": "Andrei Sannikau",
            "name_original": "Андрэй Саннікаў",
            "status": Prisoner.Status.RELEASED,
            "accepts_letters": False,
            "bio": "Presidential candidate in December 2010, imprisoned after the election.",
        },
    }
    prisoners = {}
    for slug, fields in people.items():
        fields.update(localised(demo_translations.PRISONERS[slug]))
        prisoner, _ = Prisoner.objects.update_or_create(slug=slug, defaults=fields)
        prisoners[slug] = prisoner

    bialiatski = prisoners["ales-bialiatski"]
    Imprisonment.objects.update_or_create(
        prisoner=bialiatski,
        facility=siza1,
        defaults={"since": dt.date(2011, 8, 4), "until": dt.date(2014, 6, 21)},
    )
    Imprisonment.objects.update_or_create(
        prisoner=prisoners["vitold-ashurak"],
        facility=shklou,
        defaults={"since": None, "until": dt.date(2021, 5, 21)},
    )
    timeline = [
        (
            dt.date(2011, 8, 4),
            CaseEvent.Kind.ARREST,
            "Detained in Minsk and charged with concealing income on an especially large scale.",
        ),
        (
            dt.date(2011, 11, 24),
            CaseEvent.Kind.SENTENCE,
            "The Pershamayski District Court of Minsk sentenced him to four and a half years in a "
            "strict-regime colony and ordered his property confiscated, including Viasna's office.",
        ),
        (
            dt.date(2011, 11, 24),
            CaseEvent.Kind.FINE,
            "Fined 757,526,717 Belarusian roubles (about 70,000 euros).",
        ),
        (
            dt.date(2012, 1, 24),
            CaseEvent.Kind.APPEAL,
            "The Minsk City Court upheld the sentence and rejected every motion of the defence.",
        ),
        (
            dt.date(2012, 3, 29),
            CaseEvent.Kind.FINE,
            "The same court added a penalty of 140,366,151 roubles (nearly 12,700 euros) for "
            "allegedly late payment.",
        ),
        (dt.date(2014, 6, 21), CaseEvent.Kind.RELEASE, "Released early."),
    ]
    for (date, kind, text), other in zip(timeline, demo_translations.TIMELINE, strict=True):
        CaseEvent.objects.update_or_create(
            prisoner=bialiatski,
            date=date,
            kind=kind,
            defaults={"text": text, **{f"text_{lang}": t for lang, t in other.items()}},
        )
    return prisoners


@transaction.atomic
def seed_campaigns(prisoners: dict[str, Prisoner]) -> dict[str, Campaign]:
    specs = {
        "letter-marathon-2012": {
            "title": "Write for Rights 2012: letters for Ales Bialiatski",
            "kind": Campaign.Kind.LETTER_MARATHON,
            "summary": "Amnesty International's letter-writing marathon, launched on the eve of "
            "Human Rights Day.",
            "description": (
                "The marathon opened on 7 December 2012 under the slogan “Write for Rights!” "
                "and ran for about three months. People wrote letters and postcards, signed "
                "petitions, made lanterns in Japan and South Korea, floated them down the river "
                "in Luxembourg, rode bicycles with a petition in Paraguay and put up street "
                "banners in Slovenia. Ales Bialiatski received up to 500 letters a day."
            ),
            "starts_on": dt.date(2012, 12, 7),
            "ends_on": dt.date(2013, 3, 7),
            "goal": 100_000,
            "prisoners": ["ales-bialiatski"],
        },
        "day-of-solidarity-2017": {
            "title": "International Day of Solidarity with Belarusian civil society 2017",
            "kind": Campaign.Kind.DAY_OF_SOLIDARITY,
            "summary": "A day first held in 2012 in answer to the arrest of Ales Bialiatski.",
            "description": (
                "On 4 August people show Belarusian activists, human rights defenders and "
                "journalists that they are not alone: pickets, photos with the action's "
                "posters, letters to the authorities and the symbolic renaming of streets "
                "after political prisoners."
            ),
            "starts_on": dt.date(2017, 8, 4),
            "ends_on": dt.date(2017, 8, 4),
            "goal": None,
            "prisoners": ["ales-bialiatski"],
        },
        "day-of-solidarity-2024": {
            "title": "Day of Solidarity with Political Prisoners of Belarus 2024",
            "kind": Campaign.Kind.DAY_OF_SOLIDARITY,
            "summary": "More than 30 events around the world on the anniversary of Vitold "
            "Ashurak's death in custody.",
            "description": (
                "Held on 21 May, the day Vitold Ashurak died in penal colony No. 17 in 2021. "
                "In 2024 events began on 19 May and went on for several days: rallies, "
                "bike rides, letter marathons, exhibitions and flags with the names of "
                "every political prisoner."
            ),
            "starts_on": dt.date(2024, 5, 19),
            "ends_on": dt.date(2024, 5, 24),
            "goal": None,
            "prisoners": ["vitold-ashurak", "mikalai-klimovich", "ales-pushkin"],
        },
    }
    campaigns = {}
    for slug, spec in specs.items():
        slugs = spec.pop("prisoners")
        campaign, _ = Campaign.objects.update_or_create(
            slug=slug,
            defaults={
                **spec,
                **localised(demo_translations.CAMPAIGNS[slug]),
                "is_published": True,
            },
        )
        campaign.prisoners.set([prisoners[s] for s in slugs])
        campaigns[slug] = campaign
    return campaigns


def marathon_split(total: int = MARATHON_TOTAL) -> list[tuple[str, str, int]]:
    """Split the marathon's total into (country, kind, quantity) that add up exactly."""
    weight_sum = sum(MARATHON_COUNTRIES.values())
    rows = []
    for code, weight in sorted(MARATHON_COUNTRIES.items()):
        share = total * weight // weight_sum
        letters = share * 6 // 10
        signatures = share - letters
        rows.append((code, ActionKind.LETTER, letters))
        rows.append((code, ActionKind.SIGNATURE, signatures))
    # What integer division left over goes to Poland's letters.
    remainder = total - sum(q for _, _, q in rows)
    rows = [
        (c, k, q + remainder) if (c, k) == ("PL", ActionKind.LETTER) else (c, k, q)
        for c, k, q in rows
    ]
    return rows


@transaction.atomic
def seed_marathon_reports(campaign: Campaign) -> None:
    for code, kind, quantity in marathon_split():
        report = OfflineReport.objects.filter(campaign=campaign, country=code, kind=kind).first()
        report = report or OfflineReport(campaign=campaign, country=code, kind=kind)
        report.quantity = quantity
        report.organisation = AMNESTY
        report.reported_on = dt.date(2013, 3, 7)
        report.note = "Demo figure: the per-country split is illustrative; the total is Amnesty's."
        campaign_services.offline_report_save(report=report)
    campaign_services.campaign_tallies_recompute(campaign_id=campaign.pk)


def seed_staff(*, email: str, password: str, group: str | None = None):
    """A staff account that can sign in now: a superuser, or a member of one role."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first() or User(
        username=email.split("@")[0], email=email
    )
    user.is_staff = True
    user.is_superuser = group is None
    user.set_password(password)
    user.save()
    if group is not None:
        user.groups.set([Group.objects.get(name=group)])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user
