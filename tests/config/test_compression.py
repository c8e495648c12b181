import gzip
import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.middleware import gzip as gzip_middleware
from whitenoise.compress import Compressor

from tests import factories

PUBLIC_PAGES = ["/", "/map/", "/prisoners/", "/events/", "/campaigns/"]
ROOT = Path(__file__).resolve().parent.parent.parent


def test_html_is_compressed_wherever_debug_is_off():
    # gunicorn alone (`make bench`, a host without a proxy) sends gzip; compose
    # turns it off behind Caddy (tests/config/test_deploy.py).
    assert not settings.DEBUG
    assert settings.MIDDLEWARE[0] == "django.middleware.gzip.GZipMiddleware"


@pytest.mark.django_db
def test_it_serves_the_map_page_gzipped_when_asked(client):
    response = client.get("/map/", headers={"accept-encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content).decode()
    assert "</html>" in html
    assert len(response.content) < len(html.encode()) / 2


@pytest.mark.django_db
def test_it_serves_plain_html_to_a_client_that_cannot_decompress(client):
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


@pytest.fixture
def gzip_calls(monkeypatch):
    calls = []
    real = gzip_middleware.compress_string

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(gzip_middleware, "compress_string", counted)
    return calls


@pytest.mark.django_db
def test_a_cached_page_is_compressed_once_not_on_every_hit(
    client, settings, campaign, gzip_calls, django_assert_num_queries
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 10
    factories.make_report(campaign, country="PL", quantity=12)
    first = client.get("/map/", headers={"accept-encoding": "gzip"})
    with django_assert_num_queries(0):
        hits = [client.get("/map/", headers={"accept-encoding": "gzip"}) for _ in range(3)]
    assert len(gzip_calls) == 1
    for hit in hits:
        assert hit["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in hit["Vary"]
        assert gzip.decompress(hit.content) == gzip.decompress(first.content)
    # A client without gzip gets its own plain copy, never the compressed one.
    plain = client.get("/map/")
    assert "Content-Encoding" not in plain
    assert plain.content == gzip.decompress(first.content)


def test_static_files_get_a_brotli_copy_beside_the_gzip_one(tmp_path):
    # What collectstatic does with CompressedManifestStaticFilesStorage, on one
    # file: Brotli is a dependency, so production serves .br to browsers.
    assert importlib.util.find_spec("brotli")
    source = tmp_path / "solidarity-map.js"
    source.write_bytes((ROOT / "static" / "js" / "solidarity-map.js").read_bytes())
    written = sorted(Path(p).name for p in Compressor(quiet=True).compress(str(source)))
    assert written == ["solidarity-map.js.br", "solidarity-map.js.gz"]
    assert (tmp_path / "solidarity-map.js.br").stat().st_size < (
        tmp_path / "solidarity-map.js.gz"
    ).stat().st_size
