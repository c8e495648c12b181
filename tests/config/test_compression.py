import gzip

import pytest

PUBLIC_PAGES = ["/", "/map/", "/prisoners/", "/events/", "/campaigns/"]


@pytest.fixture
def html_compressed(settings):
    # What DJANGO_COMPRESS_HTML (set by `make run`) does at start-up.
    settings.MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *settings.MIDDLEWARE]


@pytest.mark.django_db
def test_it_serves_the_map_page_gzipped_when_asked(client, html_compressed):
    response = client.get("/map/", headers={"accept-encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content).decode()
    assert "</html>" in html
    assert len(response.content) < len(html.encode()) / 2


@pytest.mark.django_db
def test_it_serves_plain_html_to_a_client_that_cannot_decompress(client, html_compressed):
    response = client.get("/map/")
    assert "Content-Encoding" not in response
    assert b"</html>" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_it_puts_no_csrf_token_on_public_pages(client, path):
    # BREACH needs a secret in a compressed body: public pages carry none.
    response = client.get(path)
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" not in response.content
    assert "csrftoken" not in response.cookies
