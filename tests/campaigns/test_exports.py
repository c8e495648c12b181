"""Exports of tallies, the ledger and signatures from the admin (CSV and XLSX)."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from campaigns import exports
from campaigns.models import Action, OfflineReport, Signature
from config import roles
from tests import factories
from tests.export_reading import body, export, read

pytestmark = pytest.mark.django_db

LEDGER = "admin:campaigns_action_changelist"


@pytest.fixture
def moderator(db):
    user = factories.make_user(email="moderator@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.MODERATORS))
    return user


@pytest.fixture
def editor_account(db):
    user = factories.make_user(email="editor@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.EDITORS))
    return user


@pytest.fixture
def superuser(db):
    return factories.make_user(email="admin@example.org", is_staff=True, is_superuser=True)


def actions_bulk(campaign, n: int, start: int = 1) -> None:
    """n ledger rows, written directly (the exports only read the ledger)."""
    report_type = ContentType.objects.get_for_model(OfflineReport)
    Action.objects.bulk_create(
        Action(
            kind="letter",
            campaign=campaign,
            country="PL",
            quantity=1,
            source_type=report_type,
            source_id=start + i,
        )
        for i in range(n)
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_a_campaigns_tallies_by_country_and_kind(client, editor_account, campaign, fmt):
    factories.make_report(campaign, country="PL", kind="letter", quantity=40)
    factories.make_report(campaign, country="LT", kind="signature", quantity=7)
    client.force_login(editor_account)

    response = export(client, "admin:campaigns_campaign_changelist", fmt, selected=[campaign.pk])

    rows = read(response, fmt)
    assert rows[0] == ["campaign", "country", "country_name", "kind", "quantity"]
    assert [r[:4] for r in rows[1:]] == [
        [campaign.slug, "LT", "Lithuania", "Signatures"],
        [campaign.slug, "PL", "Poland", "Letters"],
    ]
    assert [int(r[4]) for r in rows[1:]] == [7, 40]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_the_ledger_with_each_actions_source(client, moderator, campaign, fmt):
    report = factories.make_report(campaign, country="PL", kind="postcard", quantity=12)
    client.force_login(moderator)

    response = export(client, LEDGER, fmt)

    header, *rows = read(response, fmt)
    assert header[-3:] == ["source_kind", "source_id", "source_link"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["campaign"] == campaign.slug and row["kind"] == "postcard"
    assert int(row["quantity"]) == 12
    assert row["source_kind"] == "campaigns.offlinereport"
    assert int(row["source_id"]) == report.pk
    link = reverse("admin:campaigns_offlinereport_change", args=[report.pk])
    assert row["source_link"] == f"http://testserver{link}"


def test_the_ledger_export_streams_in_one_query_whatever_its_size(
    rf, campaign, django_assert_num_queries
):
    request = rf.get("/")
    for size in (3, 300):
        Action.objects.all().delete()
        actions_bulk(campaign, size)
        # One for the content types (the links), one for the rows.
        with django_assert_num_queries(2):
            lines = list(
                exports.csv_lines(
                    exports.ledger_table(actions=Action.objects.all(), request=request)
                )
            )
        assert len(lines) == size + 1


def test_the_csv_export_is_a_streaming_response(client, moderator, campaign):
    actions_bulk(campaign, 5)
    client.force_login(moderator)
    response = export(client, LEDGER, "csv")
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="ledger-')
    assert len(body(response).splitlines()) == 6


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(client, superuser, campaign):
    Signature.objects.create(
        campaign=campaign,
        display_name='=HYPERLINK("http://evil.example","x")',
        country="PL",
        email="a@example.org",
        token="t1",
        confirmed_at="2024-05-01T10:00:00Z",
    )
    client.force_login(superuser)
    for fmt in ("csv", "xlsx"):
        rows = read(export(client, "admin:campaigns_signature_changelist", fmt), fmt)
        assert rows[1][2] == '\'=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_only_confirmed_signatures_without_emails(client, superuser, campaign, fmt):
    for n, confirmed in ((1, True), (2, False)):
        Signature.objects.create(
            campaign=campaign,
            display_name=f"Signer {n}",
            country="LT",
            email=f"signer{n}@example.org",
            token=f"t{n}",
            confirmed_at="2024-05-01T10:00:00Z" if confirmed else None,
        )
    client.force_login(superuser)

    rows = read(export(client, "admin:campaigns_signature_changelist", fmt), fmt)

    assert rows[0] == ["campaign", "id", "name", "country", "confirmed_at_utc"]
    assert [r[2] for r in rows[1:]] == ["Signer 1"]
    assert "@" not in str(rows)


def test_staff_without_the_signature_permission_cannot_export_them(
    client, moderator, editor_account, campaign
):
    for user in (moderator, editor_account):
        client.force_login(user)
        response = export(client, "admin:campaigns_signature_changelist", "csv")
        assert response.status_code == 403


def test_a_moderator_and_an_editor_see_the_export_actions_on_the_ledger(
    client, moderator, editor_account
):
    for user in (moderator, editor_account):
        client.force_login(user)
        page = client.get(reverse(LEDGER))
        assert 'value="export_csv"' in page.text and 'value="export_xlsx"' in page.text


def test_anonymous_and_non_staff_cannot_export(client, outsider, campaign):
    actions_bulk(campaign, 2)
    response = export(client, LEDGER, "csv")
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    client.force_login(outsider)
    response = export(client, LEDGER, "csv")
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_a_get_or_an_unknown_action_exports_nothing(client, moderator, campaign):
    actions_bulk(campaign, 2)
    client.force_login(moderator)
    page = client.get(reverse(LEDGER), {"action": "export_csv", "select_across": "1"})
    assert page["Content-Type"].startswith("text/html")
    response = client.post(
        reverse(LEDGER), {"action": "export_pdf", "select_across": "1", "index": "0"}
    )
    assert response["Content-Type"].startswith("text/html")


def test_a_spreadsheet_of_too_many_rows_is_refused_with_a_way_out(
    client, moderator, campaign, settings
):
    settings.EXPORT_XLSX_MAX_ROWS = 3
    actions_bulk(campaign, 4)
    client.force_login(moderator)

    response = export(client, LEDGER, "xlsx")

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "4 rows are selected; a spreadsheet export takes at most 3" in page.text
    assert len(read(export(client, LEDGER, "csv"), "csv")) == 5  # CSV has no limit
