import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signup_requires_a_confirmed_email_before_signing_in(client):
    from outbox.models import Message
    from tests.factories import committed

    with committed():
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
    # Through the outbox, like every mail: retried if the server is down.
    assert Message.objects.get().status == Message.Status.SENT
    assert mail.outbox[0].extra_headers["Message-ID"] == Message.objects.get().message_id
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


def _settings_with(**environ):
    """A setting as config/settings.py computes it from this environment."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_DEBUG": "1", **environ}
    env.pop("DATABASE_URL", None)
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return out.stdout.strip()


def test_behind_the_proxy_one_attackers_failed_logins_do_not_lock_out_others(client, settings):
    # The documented proxy set-up: nginx passes the client in X-Real-IP and
    # every connection comes from the proxy's own address.
    header = _settings_with(DJANGO_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
    assert header.lower() == "x-real-ip"  # request.headers ignores case
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = header
    from tests import factories

    factories.make_user(email="moderator@example.org", password="the right passphrase 7")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(30):
        client.post(
            reverse("account_login"),
            {"login": f"victim{n % 3}@example.org", "password": "wrong"},
            HTTP_X_REAL_IP="203.0.113.66",
            **proxy,
        )
    attacker = client.post(
        reverse("account_login"),
        {"login": "someone@example.org", "password": "wrong"},
        HTTP_X_REAL_IP="203.0.113.66",
        **proxy,
    )
    assert attacker.status_code == 429
    moderator = client.post(
        reverse("account_login"),
        {"login": "moderator@example.org", "password": "the right passphrase 7"},
        HTTP_X_REAL_IP="198.51.100.4",
        **proxy,
    )
    assert moderator.status_code == 302


def test_without_a_proxy_header_allauth_uses_the_socket_address():
    assert _settings_with(DJANGO_CLIENT_IP_HEADER="") == "None"
