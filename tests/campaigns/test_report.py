"""The campaign report: one PDF with the figures, map, chart and events, and a text summary."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from pypdf import PdfReader

from campaigns import reports, services
from campaigns.models import Campaign, OfflineReport
from config import roles
from events.models import Event, EventPhoto, EventReport
from tests import factories
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def pdf_images(content: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(content)).pages)


def report(campaign, *, kind="letter", quantity=10, country="PL", day=dt.date(2024, 5, 21)):
    # Not committed: tally rows change with the ledger write; the map drawing
    # that waits for the commit is done by hand where a test needs it.
    return services.offline_report_save(
        report=OfflineReport(
            campaign=campaign,
            kind=kind,
            quantity=quantity,
            country=country,
            organisation="Viasna",
            reported_on=day,
        )
    )


def photo_file(name: str) -> str:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 90, 200)).save(out, "JPEG")
    return default_storage.save(f"events/thumbs/{name}.jpg", ContentFile(out.getvalue()))


def event(campaign, organiser, *, city, country, day, title, participants=None, photo=False):
    e = make_event(
        organiser,
        campaign=campaign,
        city=city,
        country=country,
        title=title,
        status=Event.Status.PUBLISHED,
        starts_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
    )
    if participants is not None:
        EventReport.objects.create(
            event=e, participants=participants, summary=f"{participants} came to {city}."
        )
    if photo:
        name = photo_file(f"e{e.pk}")
        EventPhoto.objects.create(event=e, image=name, thumbnail=name)
    return e


@pytest.fixture
def day_of_solidarity(db):
    campaign = factories.make_campaign(
        slug="day-of-solidarity-2024",
        title="Day of Solidarity 2024",
        kind=Campaign.Kind.DAY_OF_SOLIDARITY,
        starts_on=dt.date(2024, 5, 19),
        ends_on=dt.date(2024, 5, 25),
    )
    report(campaign, kind="letter", quantity=120, country="PL", day=dt.date(2024, 5, 21))
    report(campaign, kind="postcard", quantity=30, country="LT", day=dt.date(2024, 5, 22))
    report(campaign, kind="signature", quantity=250, country="LT", day=dt.date(2024, 5, 21))
    organiser = factories.make_user(email="organiser@example.org")
    event(
        campaign,
        organiser,
        city="Vilnius",
        country="LT",
        day=dt.date(2024, 5, 21),
        title="Petition read at the Foreign Ministry",
        participants=150,
        photo=True,
    )
    event(
        campaign,
        organiser,
        city="Klaipėda",
        country="LT",
        day=dt.date(2024, 5, 21),
        title="Bike ride with flags",
    )
    event(
        campaign,
        organiser,
        city="Warsaw",
        country="PL",
        day=dt.date(2024, 5, 19),
        title="Marathon of letters",
        participants=40,
    )
    make_event(organiser, campaign=campaign, title="Still waiting for review", city="Riga")
    return campaign


def staff(role: str | None):
    user = factories.make_user(is_staff=True, is_superuser=role is None)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def test_it_puts_totals_countries_kinds_map_chart_and_events_in_the_pdf(day_of_solidarity):
    services.campaign_tallies_recompute(campaign_id=day_of_solidarity.pk)
    assert services.campaign_map_render(campaign_id=day_of_solidarity.pk)
    day_of_solidarity.refresh_from_db()
    content = reports.campaign_report_pdf(campaign=day_of_solidarity)
    text = pdf_text(content)
    assert "Day of Solidarity 2024" in text
    assert "400 actions in 2 countries" in text
    assert "Lithuania 0 30 250 0 0 0 280" in text
    assert "Poland 120 0 0 0 0 0 120" in text
    assert "Letters 120" in text and "Signatures 250" in text
    assert "19 May 2024" in text and "25 May 2024" in text  # the chart's span
    assert "Vilnius, Lithuania: Petition read at the Foreign Ministry (150 participants)" in text
    assert "150 came to Vilnius." in text
    assert "Warsaw, Poland: Marathon of letters (40 participants)" in text
    assert "Still waiting for review" not in text
    # The map and the one event photo.
    assert pdf_images(content) == 2


def test_it_says_when_the_map_is_not_drawn_yet(day_of_solidarity):
    text = pdf_text(reports.campaign_report_pdf(campaign=day_of_solidarity))
    assert "The map has not been drawn yet." in text
    assert pdf_images(reports.campaign_report_pdf(campaign=day_of_solidarity)) == 1


def test_it_lists_events_by_date_and_city_for_an_article(day_of_solidarity):
    text = reports.campaign_summary_text(campaign=day_of_solidarity)
    assert text == (
        "Day of Solidarity 2024\n"
        "\n"
        "19 May 2024\n"
        "- Warsaw, Poland: Marathon of letters (40 participants)\n"
        "  40 came to Warsaw.\n"
        "\n"
        "21 May 2024\n"
        "- Klaipėda, Lithuania: Bike ride with flags\n"
        "- Vilnius, Lithuania: Petition read at the Foreign Ministry (150 participants)\n"
        "  150 came to Vilnius.\n"
    )


@pytest.mark.parametrize("role", [None, roles.EDITORS, roles.MODERATORS])
def test_it_shows_the_summary_and_downloads_to_staff(client, day_of_solidarity, role):
    client.force_login(staff(role))
    base = f"/admin/campaigns/campaign/{day_of_solidarity.pk}"
    page = client.get(f"{base}/report/")
    assert page.status_code == 200
    assert "- Warsaw, Poland: Marathon of letters (40 participants)" in page.text
    if role is None:  # the PDF once: making it is the slow part (the language test has a role)
        pdf = client.get(f"{base}/report.pdf")
        assert pdf["Content-Type"] == "application/pdf"
        assert "400 actions in 2 countries" in pdf_text(pdf.content)
    txt = client.get(f"{base}/report.txt")
    assert txt.content.decode().startswith("Day of Solidarity 2024\n")


def test_it_writes_the_report_in_the_staff_members_language(client, day_of_solidarity):
    client.force_login(staff(roles.EDITORS))
    base = f"/admin/campaigns/campaign/{day_of_solidarity.pk}"
    text = pdf_text(client.get(f"{base}/report.pdf", headers={"accept-language": "be"}).content)
    assert "Літва" in text and "Мерапрыемствы" in text and "Дзеянні па краінах" in text
    summary = client.get(f"{base}/report.txt", headers={"accept-language": "ru"}).content.decode()
    assert "21 мая 2024" in summary and "Вильнюс" not in summary  # cities as written


def test_it_refuses_activists_anonymous_visitors_wrong_methods_and_bad_ids(
    client, day_of_solidarity, volunteer
):
    base = f"/admin/campaigns/campaign/{day_of_solidarity.pk}"
    assert client.get(f"{base}/report.pdf")["Location"].startswith("/admin/login/")
    client.force_login(volunteer)
    assert client.get(f"{base}/report/")["Location"].startswith("/admin/login/")
    client.force_login(staff(None))
    assert client.post(f"{base}/report.pdf").status_code == 405
    assert client.get("/admin/campaigns/campaign/999999/report.pdf").status_code == 404
    staff_without_role = factories.make_user(is_staff=True)
    client.force_login(staff_without_role)
    assert client.get(f"{base}/report/").status_code == 403


@pytest.mark.parametrize("events", [2, 25])
def test_it_reads_a_fixed_number_of_queries_whatever_the_size(
    day_of_solidarity, events, django_assert_num_queries
):
    organiser = factories.make_user()
    for i in range(events):
        event(
            day_of_solidarity,
            organiser,
            city=f"City {i}",
            country="DE",
            day=dt.date(2024, 5, 20),
            title=f"Event {i}",
            participants=i + 1,
        )
    # Tally rows, daily rows, the events with their reports and first photo.
    with django_assert_num_queries(3):
        reports.campaign_report_pdf(campaign=day_of_solidarity)
    with django_assert_num_queries(1):
        reports.campaign_summary_text(campaign=day_of_solidarity)
