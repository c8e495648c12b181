import importlib

from django.urls import clear_url_caches

import config.urls


def _reload_urls():
    clear_url_caches()
    importlib.reload(config.urls)


def test_it_hides_the_bench_ceiling_by_default(client):
    assert client.get("/bench/ceiling").status_code == 404


def test_it_serves_fixed_bytes_at_the_ceiling_when_bench_endpoints_are_on(client, settings):
    settings.BENCH_ENDPOINTS = True
    _reload_urls()
    try:
        response = client.get("/bench/ceiling")
        assert response.status_code == 200
        assert response.content == b"ok\n"
    finally:
        settings.BENCH_ENDPOINTS = False
        _reload_urls()
    assert client.get("/bench/ceiling").status_code == 404
