"""The letters export: writers' e-mail addresses only with their own permission."""

import pytest
from django.contrib.auth.models import Permission

from tests import factories
from tests.export_reading import export, read
from tests.letters.conftest import CANARY, make_letter

pytestmark = pytest.mark.django_db

LETTERS = "admin:letters_letter_changelist"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_moderator_exports_letters_without_writers_emails(client, moderator, prisoner, fmt):
    letter = make_letter(prisoner, email=CANARY, body="We remember you.")
    client.force_login(moderator)

    header, *rows = read(export(client, LETTERS, fmt), fmt)

    assert "writer_email" not in header
    assert CANARY not in str(rows)
    row = dict(zip(header, rows[0], strict=True))
    assert int(row["id"]) == letter.pk and row["text"] == "We remember you."
    assert row["prisoner"] == prisoner.slug and row["signed_as"] == "Kasia"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_email_column_comes_with_its_own_permission(client, moderator, prisoner, fmt):
    make_letter(prisoner, email=CANARY)
    moderator.user_permissions.add(Permission.objects.get(codename="export_letter_emails"))
    client.force_login(moderator)

    header, *rows = read(export(client, LETTERS, fmt), fmt)

    assert header[-1] == "writer_email"
    assert rows[0][-1] == CANARY


def test_no_role_holds_the_email_export_permission(db):
    from django.contrib.auth.models import Group

    assert not Group.objects.filter(permissions__codename="export_letter_emails").exists()


def test_a_superuser_exports_the_emails(client, prisoner):
    make_letter(prisoner, email=CANARY)
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    header, *rows = read(export(client, LETTERS, "csv"), "csv")
    assert rows[0][header.index("writer_email")] == CANARY


def test_an_editor_cannot_export_letters(client, prisoner):
    from django.contrib.auth.models import Group

    editor = factories.make_user(is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    make_letter(prisoner, email=CANARY)
    client.force_login(editor)
    assert export(client, LETTERS, "csv").status_code == 403
