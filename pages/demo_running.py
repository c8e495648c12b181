"""The demo's running campaign: dated from the day seed_demo runs.

The three historical campaigns ended long ago; this one is always going on
(started a week ago, ends in a month), so writing, signing and appealing
work right after `make run`. Its appeal asks the Belarusian Interior and
Foreign Ministries to shorten Alena Tankachova's entry ban, as the 2017 Day
of Solidarity did (seed 002). Idempotent: rows are found by natural keys,
and the dates move with the day it runs.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from appeals.models import AppealTarget, AppealText
from campaigns import services as campaign_services
from campaigns.models import ActionKind, Campaign, OfflineReport
from pages.demo_translations import localised
from prisoners.models import Prisoner

SLUG = "letters-for-political-prisoners"
PARTNERS = "Demo partners"

CAMPAIGN = {
    "en": {
        "title": "Letters for political prisoners",
        "summary": "Write to a political prisoner who can receive letters, add your name, "
        "and send the appeal to the Belarusian ministries.",
        "description": (
            "A letter tells a prisoner they are not forgotten: Ales Bialiatski received up "
            "to 500 a day during the 2012 marathon. Write to someone behind bars today, add "
            "your name to the campaign, and ask the Ministry of Internal Affairs and the "
            "Ministry of Foreign Affairs of Belarus to shorten the entry ban on the human "
            "rights defender Alena Tankachova."
        ),
    },
    "be": {
        "title": "Лісты палітвязням",
        "summary": "Напішыце палітвязню, які можа атрымліваць лісты, дадайце сваё імя і "
        "дашліце зварот у беларускія міністэрствы.",
        "description": (
            "Ліст кажа вязню, што пра яго памятаюць: падчас марафону 2012 года Алесь "
            "Бяляцкі атрымліваў да 500 лістоў у дзень. Напішыце сёння таму, хто за кратамі, "
            "дадайце сваё імя да кампаніі і папрасіце Міністэрства ўнутраных спраў і "
            "Міністэрства замежных спраў Беларусі скараціць тэрмін забароны на ўезд "
            "праваабаронцы Алены Танкачовай."
        ),
    },
    "ru": {
        "title": "Письма политзаключённым",
        "summary": "Напишите политзаключённому, который может получать письма, добавьте своё "
        "имя и отправьте обращение в белорусские министерства.",
        "description": (
            "Письмо говорит заключённому, что о нём помнят: во время марафона 2012 года "
            "Алесь Беляцкий получал до 500 писем в день. Напишите сегодня тому, кто за "
            "решёткой, добавьте своё имя к кампании и попросите Министерство внутренних дел "
            "и Министерство иностранных дел Беларуси сократить срок запрета на въезд "
            "правозащитницы Елены Тонкачёвой."
        ),
    },
}

APPEAL = {
    "en": {
        "subject": "Please shorten the entry ban on Alena Tankachova",
        "body": (
            "Dear Minister,\n\n"
            "Alena Tankachova, head of the Centre for Legal Transformation (LawTrend), has "
            "defended human rights in Belarus for many years and is still not allowed to "
            "enter the country. I ask you to shorten the period of her entry ban, so that she "
            "can return to her home and her work."
        ),
    },
    "be": {
        "subject": "Просім скараціць тэрмін забароны на ўезд Алены Танкачовай",
        "body": (
            "Паважаны спадар міністр,\n\n"
            "Алена Танкачова, кіраўніца Цэнтра прававой трансфармацыі (Lawtrend), шмат гадоў "
            "абараняе правы чалавека ў Беларусі, і ёй дагэтуль забаронены ўезд у краіну. "
            "Прашу вас скараціць тэрмін забароны на ўезд, каб яна змагла вярнуцца дадому і "
            "да сваёй працы."
        ),
    },
    "ru": {
        "subject": "Просим сократить срок запрета на въезд Елены Тонкачёвой",
        "body": (
            "Уважаемый господин министр,\n\n"
            "Елена Тонкачёва, руководитель Центра правовой трансформации (Lawtrend), много "
            "лет защищает права человека в Беларуси, и ей до сих пор запрещён въезд в страну. "
            "Прошу вас сократить срок запрета на въезд, чтобы она смогла вернуться домой и к "
            "своей работе."
        ),
    },
}

# example.org addresses: the demo must never mail a real ministry.
TARGETS = [
    {
        "name": "Ministry of Internal Affairs of the Republic of Belarus",
        "position": "Minister of Internal Affairs",
        "country": "BY",
        "postal_address": "Garadski Val St 4\n220030 Minsk\nBelarus",
        "email": "interior-ministry@example.org",
        "delivery": AppealTarget.Delivery.EMAIL_DIGEST,
        "language": "ru",
    },
    {
        "name": "Ministry of Foreign Affairs of the Republic of Belarus",
        "position": "Minister of Foreign Affairs",
        "country": "BY",
        "postal_address": "Lenin St 19\n220030 Minsk\nBelarus",
        "email": "",
        "delivery": AppealTarget.Delivery.POST,
        "language": "ru",
    },
]

# (country, kind, quantity, days ago): a few days of a campaign under way.
HISTORY = [
    ("PL", ActionKind.LETTER, 42, 6),
    ("LT", ActionKind.SIGNATURE, 35, 6),
    ("DE", ActionKind.LETTER, 18, 5),
    ("LT", ActionKind.APPEAL, 12, 4),
    ("GB", ActionKind.POSTCARD, 15, 3),
    ("CZ", ActionKind.SIGNATURE, 27, 2),
    ("PL", ActionKind.APPEAL, 9, 1),
    ("UA", ActionKind.LETTER, 11, 1),
]


@transaction.atomic
def seed_running_campaign(*, today: dt.date | None = None) -> Campaign:
    today = today or timezone.localdate()
    campaign, _ = Campaign.objects.update_or_create(
        slug=SLUG,
        defaults={
            **CAMPAIGN["en"],
            **localised({"be": CAMPAIGN["be"], "ru": CAMPAIGN["ru"]}),
            "kind": Campaign.Kind.LETTER_MARATHON,
            "starts_on": today - dt.timedelta(days=7),
            "ends_on": today + dt.timedelta(days=30),
            "goal": 1_000,
            "is_published": True,
        },
    )
    campaign.prisoners.set(Prisoner.objects.writable().filter(accepts_letters=True))
    AppealText.objects.update_or_create(
        campaign=campaign,
        defaults={
            **APPEAL["en"],
            **localised({"be": APPEAL["be"], "ru": APPEAL["ru"]}),
            "is_open": True,
        },
    )
    for target in TARGETS:
        AppealTarget.objects.update_or_create(
            campaign=campaign, name=target["name"], defaults=target
        )
    for code, kind, quantity, days_ago in HISTORY:
        report = OfflineReport.objects.filter(campaign=campaign, country=code, kind=kind).first()
        report = report or OfflineReport(campaign=campaign, country=code, kind=kind)
        report.quantity = quantity
        report.organisation = PARTNERS
        report.reported_on = today - dt.timedelta(days=days_ago)
        report.note = "Demo figure, dated relative to the day the demo was loaded."
        campaign_services.offline_report_save(report=report)
    campaign_services.campaign_tallies_recompute(campaign_id=campaign.pk)
    return campaign
