import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/prisoners/",
        "/events/feed.xml",
        "/healthz",
        "/accounts/login/",
        "/no-such-page/",
        "/static/css/site.css",
    ],
)
def test_every_response_carries_a_permissions_policy(client, url):
    response = client.get(url)
    response.close()  # the static file's handle
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy


def test_the_outage_page_carries_it_too(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = Client(raise_request_exception=False).get("/prisoners/")
    assert response.status_code == 503
    assert "camera=()" in response["Permissions-Policy"]
