import threading
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from config import pagecache
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 10


def test_an_anonymous_reload_costs_no_query(
    client, page_cache, campaign, django_assert_num_queries
):
    first = client.get(campaign.get_absolute_url())
    with django_assert_num_queries(0):
        again = client.get(campaign.get_absolute_url())
    assert again.status_code == 200
    assert again.content == first.content
    assert "script-src 'self'" in again["Content-Security-Policy"]


def test_figures_catch_up_once_the_cache_expires(client, page_cache, settings, campaign):
    client.get(campaign.get_absolute_url())
    factories.make_report(campaign, country="LT", quantity=7)
    assert 'data-country="LT"' not in client.get(campaign.get_absolute_url()).text
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    assert 'data-country="LT"' in client.get(campaign.get_absolute_url()).text


def test_a_signed_in_visitor_never_gets_the_anonymous_page(client, page_cache, volunteer):
    client.get("/")
    client.force_login(volunteer)
    body = client.get("/").text
    assert "Sign out" in body and "Sign in</a>" not in body


def test_each_language_has_its_own_copy(client, page_cache, campaign):
    # The cache is keyed by the address, and each language has its own.
    english = client.get("/campaigns/")
    russian = client.get("/ru/campaigns/")
    assert english.headers["Content-Language"] == "en"
    assert russian.headers["Content-Language"] == "ru"
    assert '<html lang="ru">' in client.get("/ru/campaigns/").text
    assert '<html lang="en">' in client.get("/campaigns/", HTTP_ACCEPT_LANGUAGE="ru").text


def test_a_page_shown_with_a_message_is_neither_served_nor_stored(client, page_cache, campaign):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage

    anonymous = client.get(campaign.get_absolute_url()).text
    # A visitor who just sent a form carries the thank-you message in a cookie.
    storage = CookieStorage(client.get("/").wsgi_request)
    storage.add(constants.SUCCESS, "Thank you, Anna!")
    response = client.get("/")
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    shown = client.get(campaign.get_absolute_url()).text
    assert "Thank you, Anna!" in shown and shown != anonymous
    del client.cookies["messages"]
    assert "Thank you, Anna!" not in client.get(campaign.get_absolute_url()).text


def test_forms_are_never_cached(client, page_cache, prisoner):
    url = reverse("letters:write", kwargs={"slug": prisoner.slug})
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == 200
    stamp = 'name="started" value="'
    assert stamp in first.text
    # Each showing carries its own CSRF cookie/token and spam stamp.
    assert "csrftoken" in second.cookies


def test_a_stale_copy_is_rendered_again_by_one_request_while_the_others_get_it(
    client, page_cache, campaign, django_assert_num_queries, monkeypatch
):
    url = campaign.get_absolute_url()
    client.get(url)
    factories.make_report(campaign, country="LT", quantity=7)
    later = time.time() + 11  # the copy is stale now
    monkeypatch.setattr(pagecache, "_now", lambda: later)
    # Another worker is rendering it again: this request gets the stale copy at once.
    lock = pagecache._key("en", url) + ":rendering"
    assert cache.add(lock, 1, 10)
    with django_assert_num_queries(0):
        stale = client.get(url)
    assert stale.status_code == 200 and 'data-country="LT"' not in stale.text
    # That render ended without storing (say it failed): the next request renders.
    cache.delete(lock)
    assert 'data-country="LT"' in client.get(url).text
    with django_assert_num_queries(0):
        assert 'data-country="LT"' in client.get(url).text
    assert cache.get(lock) is None  # the render let go of its lock


def test_with_no_copy_a_request_waits_for_the_one_being_rendered(
    client, page_cache, campaign, django_assert_num_queries, monkeypatch
):
    url = campaign.get_absolute_url()
    rendered = client.get(url)
    key = pagecache._key("en", url)
    stored = cache.get(key)  # what the other worker will store
    cache.delete(key)
    assert cache.add(key + ":rendering", 1, 10)  # another worker is rendering it

    # The other worker stores its copy once this request has looked twice.
    looked = threading.Semaphore(0)
    get_many = cache.get_many

    def counting_get_many(keys, *args, **kwargs):
        looked.release()
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", counting_get_many)

    def the_other_worker_stores_it():
        for _ in range(2):
            assert looked.acquire(timeout=5)
        cache.set(key, stored, 300)

    other = threading.Thread(target=the_other_worker_stores_it)
    other.start()
    with django_assert_num_queries(0):  # it did not render the page itself
        response = client.get(url)
    other.join()
    assert response.content == rendered.content


def test_a_request_waits_no_longer_than_the_limit_for_a_render(
    client, page_cache, settings, campaign
):
    settings.PUBLIC_PAGE_WAIT_SECONDS = 0.2
    url = campaign.get_absolute_url()
    assert cache.add(pagecache._key("en", url) + ":rendering", 1, 10)  # a render that hangs
    started = time.monotonic()
    response = client.get(url)
    assert response.status_code == 200 and campaign.title in response.text
    assert 0.2 <= time.monotonic() - started < 2
