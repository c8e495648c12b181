"""Staff import of a prisoner list through the admin: upload, preview, confirm."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from config import roles
from prisoners.models import Facility, Imprisonment, Prisoner
from prisoners.samples import generate
from tests import factories

pytestmark = pytest.mark.django_db

IMPORT = "admin:prisoners_prisoner_import"
PROCESS = "admin:prisoners_prisoner_process_import"
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # PrisonerAdmin.import_formats


@pytest.fixture
def editor_account(db):
    user = factories.make_user(email="editor@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.EDITORS))
    return user


@pytest.fixture
def moderator(db):
    user = factories.make_user(email="moderator@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.MODERATORS))
    return user


@pytest.fixture
def facilities(db):
    for row in generate.facilities(3):
        Facility.objects.create(
            external_id=row["external_id"],
            name_en=row["name_en"],
            address=row["address"],
            city=row["city"],
            country="BY",
        )


def as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=generate.PRISONER_HEADERS)
    writer.writeheader()
    for row in rows:
        writer.writerow({h: str(row.get(h, "")) for h in generate.PRISONER_HEADERS})
    return out.getvalue().encode()


def row(n: int, **changes) -> dict:
    base = {
        "external_id": f"P-{n}",
        "name_en": f"Person {n}",
        "name_be": f"Асоба {n}",
        "name_ru": f"Персона {n}",
        "birth_date": "1980-02-29",
        "status": "convicted",
        "arrest_date": "2021-05-01",
        "articles": "Art. 342",
        "sentence": "3 years",
        "facility_id": "SAMPLE-F01",
        "published": "yes",
    }
    return {**base, **changes}


def preview(client, content: bytes, name="prisoners.csv", fmt=CSV_FORMAT):
    return client.post(
        reverse(IMPORT),
        {"format": fmt, "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client, previewed):
    form = previewed.context["confirm_form"]
    return client.post(reverse(PROCESS), {k: form.initial[k] for k in form.fields})


def import_file(client, content: bytes, **kwargs):
    previewed = preview(client, content, **kwargs)
    assert previewed.status_code == 200
    result = previewed.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    return confirm(client, previewed)


def totals(client):
    """The admin's own summary of the last import, from the next page's messages."""
    page = client.get(reverse("admin:prisoners_prisoner_changelist"))
    return [str(m) for m in page.context["messages"]]


def test_it_imports_a_file_after_preview_and_confirm(client, editor_account, facilities):
    client.force_login(editor_account)
    previewed = preview(client, as_csv([row(1), row(2, facility_id="SAMPLE-F02")]))
    assert not Prisoner.objects.exists()  # the preview wrote nothing
    assert "Person 1" in previewed.text

    response = confirm(client, previewed)

    assert response.status_code == 302
    one = Prisoner.objects.get(external_id="P-1")
    assert (one.name_en, one.name_be, one.name_ru) == ("Person 1", "Асоба 1", "Персона 1")
    assert (one.birth_year, one.birthday_month, one.birthday_day) == (1980, 2, 29)
    assert one.status == "convicted" and one.charges_en == "Art. 342"
    assert one.slug == "person-1-p-1"
    held = Imprisonment.objects.get(prisoner__external_id="P-2", until__isnull=True)
    assert held.facility.external_id == "SAMPLE-F02"
    assert str(held.since) == "2021-05-01"


def test_it_shows_each_bad_row_and_imports_nothing(client, editor_account, facilities):
    client.force_login(editor_account)
    rows = [
        row(1),
        row(2, facility_id="NOPE"),
        row(3, birth_date="1980-02-30"),
        row(4, arrest_date="01/05/2021"),
        row(5, status="jailed"),
        row(6, external_id="P-1"),
        row(7, arrest_date="2999-01-01"),
        row(8, name_en=""),
        row(9, published="maybe"),
    ]

    response = preview(client, as_csv(rows))

    result = response.context["result"]
    errors = {r.number: r.error_dict for r in result.invalid_rows}
    assert set(errors) == {1, 2, 3, 4, 5, 6, 7, 8, 9}
    assert "external_id" in errors[1] and "external_id" in errors[6]  # the duplicate key
    assert "facility_id" in errors[2]
    assert "birth_date" in errors[3]
    assert "arrest_date" in errors[4] and "arrest_date" in errors[7]
    assert "status" in errors[5]
    assert "name_en" in errors[8] or "name" in errors[8]
    assert "published" in errors[9]
    assert "No facility with id “NOPE”" in response.text
    assert "is on 2 rows of this file" in response.text
    assert "“1980-02-30” is not a date" in response.text
    assert "is not a valid choice" in response.text
    assert "confirm_form" not in response.context  # nothing to confirm
    assert not Prisoner.objects.exists()


def test_it_refuses_an_unknown_country_in_the_facilities_file(client, editor_account):
    client.force_login(editor_account)
    rows = generate.facilities(2)
    rows[1]["country"] = "XX"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=generate.FACILITY_HEADERS)
    writer.writeheader()
    writer.writerows(rows)

    response = client.post(
        reverse("admin:prisoners_facility_import"),
        {
            "format": CSV_FORMAT,
            "import_file": SimpleUploadedFile("f.csv", out.getvalue().encode()),
        },
    )

    invalid = response.context["result"].invalid_rows
    assert [r.number for r in invalid] == [2]
    assert "country" in invalid[0].error_dict
    assert not Facility.objects.exists()


def test_the_same_file_twice_changes_nothing(client, editor_account, facilities):
    client.force_login(editor_account)
    content = as_csv([row(n) for n in range(1, 6)])
    import_file(client, content)
    before = list(Prisoner.objects.order_by("pk").values())
    stays = list(Imprisonment.objects.values())

    previewed = preview(client, content)
    totals_ = previewed.context["result"].totals
    assert (totals_["new"], totals_["update"], totals_["skip"]) == (0, 0, 5)
    confirm(client, previewed)

    assert list(Prisoner.objects.order_by("pk").values()) == before
    assert list(Imprisonment.objects.values()) == stays


def test_a_corrected_file_updates_in_place(client, editor_account, facilities):
    client.force_login(editor_account)
    import_file(client, as_csv([row(1), row(2)]))
    ids = dict(Prisoner.objects.values_list("external_id", "pk"))

    fixed = [row(1, name_be="Асоба Адна", facility_id="SAMPLE-F03"), row(2), row(3)]
    previewed = preview(client, as_csv(fixed))
    totals_ = previewed.context["result"].totals
    assert (totals_["new"], totals_["update"], totals_["skip"]) == (1, 1, 1)
    confirm(client, previewed)

    one = Prisoner.objects.get(external_id="P-1")
    assert one.pk == ids["P-1"] and one.name_be == "Асоба Адна"
    assert Prisoner.objects.count() == 3
    held = Imprisonment.objects.filter(prisoner=one)
    assert [h.facility.external_id for h in held] == ["SAMPLE-F03"]


def test_it_imports_the_sample_xlsx(client, editor_account, facilities, tmp_path):
    client.force_login(editor_account)
    facility_rows = generate.facilities(3)
    generate.write_xlsx(
        tmp_path / "p.xlsx",
        generate.PRISONER_HEADERS,
        generate.prisoners(20, [f["external_id"] for f in facility_rows]),
    )

    import_file(client, (tmp_path / "p.xlsx").read_bytes(), name="p.xlsx", fmt=XLSX_FORMAT)

    assert Prisoner.objects.count() == 20
    assert not Prisoner.objects.filter(is_published=True).exists()  # the sample is unpublished
    assert Prisoner.objects.filter(birthday_month__isnull=False).count() == 20


def test_it_reads_a_spreadsheets_date_cells_and_numeric_ids(client, editor_account, facilities):
    import datetime as dt

    client.force_login(editor_account)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(generate.PRISONER_HEADERS)
    values = row(1, external_id=42, birth_date=dt.date(1975, 7, 4))
    sheet.append([values[h] for h in generate.PRISONER_HEADERS])
    out = io.BytesIO()
    workbook.save(out)

    import_file(client, out.getvalue(), name="p.xlsx", fmt=XLSX_FORMAT)

    prisoner = Prisoner.objects.get()
    assert prisoner.external_id == "42" and (prisoner.birth_year, prisoner.birthday_month) == (
        1975,
        7,
    )


def test_a_moderator_may_not_import(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse(IMPORT)).status_code == 403
    response = preview(client, as_csv([row(1)]))
    assert response.status_code == 403
    assert not Prisoner.objects.exists()
    listing = client.get(reverse("admin:prisoners_prisoner_changelist"))
    assert reverse(IMPORT) not in listing.text


def test_an_editor_sees_the_import_button(client, editor_account):
    client.force_login(editor_account)
    listing = client.get(reverse("admin:prisoners_prisoner_changelist"))
    assert reverse(IMPORT) in listing.text
    assert client.get(reverse(IMPORT)).status_code == 200


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse(IMPORT))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_it_refuses_a_file_that_is_not_a_table(client, editor_account):
    client.force_login(editor_account)
    response = preview(client, b"\x00\x01garbage", name="p.xlsx", fmt=XLSX_FORMAT)
    assert response.status_code == 200
    assert not Prisoner.objects.exists()
    assert response.context["form"].errors


def test_the_committed_sample_has_1500_prisoners_matching_the_generator(tmp_path):
    generate.main(1500, tmp_path)
    for name in ("facilities-sample.csv", "prisoners-sample.csv"):
        committed = (generate.HERE / name).read_text(encoding="utf-8")
        assert committed == (tmp_path / name).read_text(encoding="utf-8")
    with (generate.HERE / "prisoners-sample.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1500
    assert all(r["external_id"].startswith("SAMPLE-") for r in rows)
    assert all(r["name_en"].endswith("(sample)") for r in rows)


def test_it_refuses_a_row_whose_address_another_prisoner_has(client, editor_account, facilities):
    factories.make_prisoner(name="Entered by hand", slug="person-1-p-1")
    client.force_login(editor_account)

    response = preview(client, as_csv([row(1)]))

    invalid = response.context["result"].invalid_rows
    assert "slug" in invalid[0].error_dict
    assert "Another prisoner already has the address" in response.text
    assert Prisoner.objects.count() == 1
