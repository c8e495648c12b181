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


def _img_src(response) -> list[str]:
    csp = response["Content-Security-Policy"]
    [img_src] = [d.split()[1:] for d in csp.split("; ") if d.startswith("img-src ")]
    return img_src


def test_a_public_page_may_show_photos_from_object_storage(client, settings):
    # MEDIA_ORIGIN as settings.py works it out from the S3 variables
    # (test_deploy.py::test_pages_may_load_images_from_object_storage_and_only_from_there).
    settings.MEDIA_ORIGIN = "https://media.example.org"
    assert _img_src(client.get("/prisoners/")) == [
        "'self'",
        "data:",
        "blob:",
        "https://media.example.org",
    ]


def test_without_object_storage_images_come_from_our_origin_only(client):
    assert _img_src(client.get("/prisoners/")) == ["'self'", "data:", "blob:"]
