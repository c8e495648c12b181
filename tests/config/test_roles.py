import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from config import roles
from tests import factories


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


def _perms(group_name):
    return set(
        Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def test_it_gives_each_role_exactly_what_is_declared(db):
    for group_name in roles.ROLES:
        assert _perms(group_name) == roles.role_codenames(group_name)


def test_it_takes_back_a_permission_granted_by_hand_and_is_idempotent(db):
    group = Group.objects.get(name=roles.MODERATORS)
    group.permissions.add(Permission.objects.get(codename="change_prisoner"))
    roles.roles_apply()
    roles.roles_apply()
    assert ("prisoners", "change_prisoner") not in _perms(roles.MODERATORS)
    assert _perms(roles.MODERATORS) == roles.role_codenames(roles.MODERATORS)
    assert Group.objects.filter(name=roles.MODERATORS).count() == 1


def test_it_refuses_a_role_that_names_a_permission_that_does_not_exist(db, monkeypatch):
    monkeypatch.setitem(roles.ROLES, roles.EDITORS, {"prisoners": {"prisoner": ("fly",)}})
    with pytest.raises(LookupError, match="fly_prisoner"):
        roles.roles_apply()


def test_a_moderator_moderates_letters_and_reads_the_ledger_but_edits_no_prisoner(
    client, moderator, prisoner
):
    client.force_login(moderator)
    assert client.get(reverse("admin:letters_letter_changelist")).status_code == 200
    assert client.get(reverse("admin:events_event_changelist")).status_code == 200
    assert client.get(reverse("admin:campaigns_action_changelist")).status_code == 200
    # Sees the prisoner (to check an address), may not change or add one.
    change = reverse("admin:prisoners_prisoner_change", args=[prisoner.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"name": "Changed"}).status_code == 403
    assert client.get(reverse("admin:prisoners_prisoner_add")).status_code == 403
    prisoner.refresh_from_db()
    assert prisoner.name != "Changed"
    # Never the signers of a petition.
    assert client.get(reverse("admin:campaigns_signature_changelist")).status_code == 403


def test_an_editor_keeps_prisoners_and_campaigns_but_reads_no_letters(client, editor_account):
    client.force_login(editor_account)
    for name in (
        "admin:prisoners_prisoner_add",
        "admin:prisoners_facility_add",
        "admin:campaigns_campaign_add",
        "admin:campaigns_offlinereport_add",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("admin:campaigns_action_changelist")).status_code == 200
    assert client.get(reverse("admin:letters_letter_changelist")).status_code == 403
    assert client.get(reverse("admin:campaigns_signature_changelist")).status_code == 403


def test_seed_demo_prints_an_admin_a_moderator_and_an_editor_who_can_sign_in(client, db):
    out = io.StringIO()
    call_command("seed_demo", "--admin-password", "demo-password-123", stdout=out)
    printed = out.getvalue()
    secrets = re.findall(r"authenticator secret: (\S+)", printed)
    recovery = re.findall(r"recovery code: (\S+)", printed)
    emails = ("admin@example.org", "moderator@example.org", "editor@example.org")
    assert len(secrets) == len(recovery) == len(emails)
    for i, email in enumerate(emails):
        assert email in printed
        client.logout()
        response = client.post(
            reverse("account_login"), {"login": email, "password": "demo-password-123"}
        )
        assert response.status_code == 302, email
        assert response["Location"] == reverse("mfa_authenticate"), email
        # The admin with a recovery code, the others with the authenticator app's code.
        code = recovery[i] if i == 0 else factories.fresh_totp(secrets[i])
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 302, email
        assert client.get(reverse("admin:index")).status_code == 200, email
