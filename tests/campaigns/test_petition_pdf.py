"""The petition for delivery: PDF and CSV of the counted signatures, staff-only."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from pypdf import PdfReader

from campaigns import reports, services
from campaigns.models import Action, ActionKind, Campaign, OfflineReport, Signature
from campaigns.selectors import campaign_tally
from config import roles
from tests import factories

pytestmark = pytest.mark.django_db

NAMES = [("Алесь Бяляцкі", "BY"), ("Kasia Nowak", "PL"), ("Ирина Петрова", "LT")]


@pytest.fixture
def petition(db):
    campaign = factories.make_campaign(
        slug="vilnius-petition",
        title="Petition to the Lithuanian Foreign Ministry",
        kind=Campaign.Kind.PETITION,
        petition_addressee="Ministry of Foreign Affairs of the Republic of Lithuania",
        petition_text="We ask the Ministry to call on the authorities of Belarus to release "
        "every political prisoner.",
    )
    for i, (name, country) in enumerate(NAMES):
        signature = Signature.objects.create(
            campaign=campaign,
            display_name=name,
            country=country,
            email=f"s{i}@example.org",
            token=f"token-{i}",
        )
        # Not committed: the tally rows change with the ledger write; what
        # waits for the commit (totals, the map drawing) is not needed here.
        services.signature_confirm(token=signature.token)
    # Signed but never confirmed: not counted, not printed.
    Signature.objects.create(
        campaign=campaign,
        display_name="Unconfirmed Person",
        country="DE",
        email="u@example.org",
        token="token-u",
    )
    return campaign


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    # One line of words: justified lines carry double spaces.
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def staff(role: str | None):
    user = factories.make_user(is_staff=True, is_superuser=role is None)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def test_it_prints_the_text_the_addressee_and_numbered_names_as_counted(petition):
    text = pdf_text(reports.petition_pdf(campaign=petition))
    assert "To: Ministry of Foreign Affairs of the Republic of Lithuania" in text
    assert "release every political prisoner" in text
    assert "1. Алесь Бяляцкі Belarus" in text
    assert "2. Kasia Nowak Poland" in text
    assert "3. Ирина Петрова Lithuania" in text
    assert "Unconfirmed Person" not in text
    counter = campaign_tally(campaign_id=petition.pk).count(ActionKind.SIGNATURE)
    assert counter == 3
    assert f"{counter} signatures in total" in text


def test_it_counts_signatures_reported_on_paper_as_the_public_counter_does(petition):
    services.offline_report_save(
        report=OfflineReport(
            campaign=petition,
            kind=ActionKind.SIGNATURE,
            quantity=40,
            country="LT",
            organisation="Viasna",
            reported_on=dt.date(2024, 5, 21),
        )
    )
    text = pdf_text(reports.petition_pdf(campaign=petition))
    counter = campaign_tally(campaign_id=petition.pk).count(ActionKind.SIGNATURE)
    assert counter == 43
    assert "43 signatures in total" in text
    assert "3 signed online (names below) and 40 on paper" in text
    # A removed signature leaves the document and the counter together.
    services.signature_delete(signature=Signature.objects.get(display_name="Kasia Nowak"))
    text = pdf_text(reports.petition_pdf(campaign=petition))
    assert campaign_tally(campaign_id=petition.pk).count(ActionKind.SIGNATURE) == 42
    assert "42 signatures in total" in text
    assert "2. Ирина Петрова" in text and "Kasia" not in text


def test_it_writes_the_petition_in_the_staff_members_language(client, petition):
    client.force_login(staff(None))
    response = client.get(
        f"/admin/campaigns/campaign/{petition.pk}/petition.pdf", headers={"accept-language": "be"}
    )
    text = pdf_text(response.content)
    assert "Усяго 3 подпісы" in text
    assert "Беларусь" in text


def test_it_gives_the_csv_with_the_same_numbered_names(client, petition):
    client.force_login(staff(None))
    response = client.get(f"/admin/campaigns/campaign/{petition.pk}/petition.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["No.", "Name", "Country"],
        ["1", "Алесь Бяляцкі", "Belarus"],
        ["2", "Kasia Nowak", "Poland"],
        ["3", "Ирина Петрова", "Lithuania"],
    ]


def test_it_keeps_a_name_that_looks_like_a_formula_from_running_in_a_spreadsheet(client, petition):
    signature = Signature.objects.create(
        campaign=petition,
        display_name='=HYPERLINK("http://evil.example","x")',
        country="PL",
        email="f@example.org",
        token="token-f",
    )
    services.signature_confirm(token=signature.token)
    client.force_login(staff(None))
    response = client.get(f"/admin/campaigns/campaign/{petition.pk}/petition.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[-1] == ["4", '\'=HYPERLINK("http://evil.example","x")', "Poland"]


def test_it_shows_the_buttons_only_to_who_may_see_signatures(client, petition):
    url = f"/admin/campaigns/campaign/{petition.pk}/change/"
    client.force_login(staff(None))
    page = client.get(url).text
    assert "Petition for delivery (PDF)" in page and "Campaign report" in page
    client.force_login(staff(roles.EDITORS))
    page = client.get(url).text
    assert "Petition for delivery (PDF)" not in page and "Campaign report" in page


@pytest.mark.parametrize("role", [roles.EDITORS, roles.MODERATORS])
def test_it_refuses_the_names_to_roles_that_do_not_see_signatures(client, petition, role):
    client.force_login(staff(role))
    for ext in ("pdf", "csv"):
        url = f"/admin/campaigns/campaign/{petition.pk}/petition.{ext}"
        assert client.get(url).status_code == 403, (role, ext)


def test_it_refuses_activists_and_anonymous_visitors(client, petition, volunteer):
    url = f"/admin/campaigns/campaign/{petition.pk}/petition.pdf"
    assert client.get(url)["Location"].startswith("/admin/login/")
    client.force_login(volunteer)
    assert client.get(url)["Location"].startswith("/admin/login/")


def test_it_answers_a_wrong_method_and_bad_input(client, petition, campaign):
    client.force_login(staff(None))
    base = "/admin/campaigns/campaign"
    assert client.post(f"{base}/{petition.pk}/petition.pdf").status_code == 405
    assert client.get(f"{base}/999999/petition.pdf").status_code == 404
    # Not a petition: nothing to deliver.
    assert client.get(f"{base}/{campaign.pk}/petition.pdf").status_code == 404
    assert client.get(f"{base}/abc/petition.pdf").status_code in (301, 404)


def _signatures(campaign, n: int) -> None:
    now = timezone.now()
    made = Signature.objects.bulk_create(
        Signature(
            campaign=campaign,
            display_name=f"Signer {i}",
            country="PL",
            email=f"bulk{i}@example.org",
            token=f"bulk-{campaign.pk}-{i}",
            confirmed_at=now,
        )
        for i in range(n)
    )
    signature_type = ContentType.objects.get_for_model(Signature)
    Action.objects.bulk_create(
        Action(
            kind=ActionKind.SIGNATURE,
            campaign=campaign,
            country="PL",
            source_type=signature_type,
            source_id=s.pk,
        )
        for s in made
    )


@pytest.mark.parametrize("size", [5, 300])
def test_it_reads_a_fixed_number_of_queries_whatever_the_count(
    petition, size, django_assert_num_queries
):
    _signatures(petition, size)
    ContentType.objects.get_for_model(Signature)  # cached per process, as in a server
    # The figures by source, then the names (in chunks of 2,000).
    with django_assert_num_queries(2):
        content = reports.petition_pdf(campaign=petition)
    assert f"{size + 3} signatures in total" in pdf_text(content).replace("\u202f", " ").replace(
        ",", ""
    )
