import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signup_requires_a_confirmed_email_before_signing_in(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "activist@example.org",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="activist@example.org").exists()
    assert len(mail.outbox) == 1
    # Not signed in until the link is followed.
    assert not client.get("/").wsgi_request.user.is_authenticated
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1]
    confirm = client.post(path)
    assert confirm.status_code == 302
    assert client.get("/").wsgi_request.user.is_authenticated


def test_signup_with_bad_input_says_what_is_wrong(client):
    response = client.post(
        reverse("account_signup"), {"email": "not-an-email", "password1": "x", "password2": "y"}
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_login_page_is_in_the_site_layout(client):
    body = client.get(reverse("account_login")).text
    assert 'class="site-header"' in body
    assert "css/site.css" in body
