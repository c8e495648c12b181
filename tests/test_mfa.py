"""Two-factor sign-in: required for staff before the admin, optional for activists."""

from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories

PASSWORD = "correct horse battery"


def lands_on(client, url) -> str:
    """Where following the redirects from ``url`` ends."""
    chain = client.get(url, follow=True).redirect_chain
    return chain[-1][0] if chain else url


def admin_opens(client) -> bool:
    return client.get("/admin/").status_code == 200


def sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


@pytest.fixture
def staff_without_mfa(db):
    return factories.make_user(email="new-staff@example.org", is_staff=True, mfa=False)


@pytest.fixture
def staff(db):
    return factories.make_user(email="staff@example.org", is_staff=True, is_superuser=True)


def test_it_sends_a_staff_account_without_a_second_factor_to_set_one_up(client, staff_without_mfa):
    sign_in(client, staff_without_mfa)
    for url in ("/admin/", "/admin/campaigns/campaign/", "/admin/auth/user/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/2fa/totp/activate/" in unquote(response["Location"]), url
    # Not by another method either.
    response = client.post("/admin/campaigns/campaign/", {"action": "delete_selected"})
    assert "/2fa/totp/activate/" in unquote(response["Location"])


def test_it_lets_a_staff_account_enrol_and_then_opens_the_admin(client, staff_without_mfa):
    assert sign_in(client, staff_without_mfa)["Location"] == "/"
    response = client.get("/admin/", follow=True)
    assert "Staff accounts sign in with a second factor" in response.text
    # allauth asks for the password again before an authenticator is added.
    reauthenticate = response.redirect_chain[-1][0]
    assert reauthenticate.startswith(reverse("account_reauthenticate"))
    response = client.post(reauthenticate, {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa_activate_totp"))
    secret = response.context["form"].secret
    bad = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["code"]
    response = client.post(reverse("mfa_activate_totp"), {"code": factories.fresh_totp(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert client.get("/admin/").status_code == 200


def test_it_asks_an_enrolled_staff_account_for_the_code_when_it_signs_in(client, staff):
    response = sign_in(client, staff)
    assert response["Location"] == reverse("mfa_authenticate")
    # Password alone: not signed in yet, the admin sends to the login.
    assert not admin_opens(client)
    response = client.post(reverse("mfa_authenticate"), {"code": factories.totp_code(staff)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_it_refuses_a_wrong_code(client, staff):
    sign_in(client, staff)
    response = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert response.status_code == 200
    assert "Incorrect code." in response.text
    assert not admin_opens(client)


def test_it_signs_in_with_a_recovery_code_once(client, staff):
    code = staff.recovery_codes[0]
    sign_in(client, staff)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.logout()
    sign_in(client, staff)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert not admin_opens(client)


def test_it_sends_the_admins_own_login_form_to_allauths_login(client, staff):
    response = client.post(
        "/admin/login/", {"username": staff.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"].startswith(reverse("account_login"))
    assert not admin_opens(client)


def test_it_keeps_the_second_factor_optional_for_activists(client, volunteer):
    assert sign_in(client, volunteer)["Location"] == "/"
    page = client.get("/")
    assert reverse("mfa_index") in page.text
    assert client.get(reverse("mfa_index")).status_code == 200


def test_it_shows_the_two_factor_pages_in_belarusian(client, volunteer):
    sign_in(client, volunteer)
    with translation.override("be"):
        url = reverse("mfa_index")
    page = client.get(url)
    assert page.status_code == 200
    assert "Двухфактарная аўтэнтыфікацыя" in page.text
    assert "Праграма-аўтэнтыфікатар" in page.text


def test_it_sends_anonymous_visitors_to_the_login(client, db):
    assert lands_on(client, "/admin/").startswith(reverse("account_login"))
