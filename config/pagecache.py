"""A few seconds of whole-page cache for visitors who carry no state.

Public pages are the same for every anonymous visitor in one language, and a
campaign peak is mostly people reloading them. A request with a session or
flash-message cookie (signed in, or just sent a form) is never served from
or stored in this cache; a response that sets a cookie is never stored.
Counters may therefore be PUBLIC_PAGE_CACHE_SECONDS older than the tallies.

One request renders a page at a time; the others do not render it too.
When a copy goes stale, the request that wins a short lock in the cache
renders it again while the others get the stale copy; when there is no copy
at all (the first visit, or after an eviction), the others wait for the one
being rendered, up to PUBLIC_PAGE_WAIT_SECONDS, instead of all rendering it.
A cold campaign page on a million actions takes about 450 ms to render; with
every request of a burst rendering it, the bench's campaign page had a p99
of 0.8-3 s. A stale copy is kept PUBLIC_PAGE_STALE_SECONDS (five minutes), so
a burst after a quiet spell (a newsletter's link) finds one; only the
requests that arrive while it is rendered again get that older copy, and a
page that must go at once is dropped with public_page_forget.

Where Django compresses HTML (settings.COMPRESS_HTML), the cache keeps the
gzipped copy for clients that accept gzip: compressing a 100 KB campaign page
costs about 4 ms, several times what serving the cached copy does. These pages
carry no secret (no CSRF token), so one compressed body for a few seconds
gives BREACH nothing to compare.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language

_STATEFUL_COOKIES = ("messages",)
_now = time.time  # wall clock: copies are shared by every process
_POLL_SECONDS = 0.02
# Only its process_response is used: the same headers, ETag and padding as
# the middleware gives a response it compresses itself.
_gzip = GZipMiddleware(lambda request: None)


def _carries_state(request) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or any(c in cookies for c in _STATEFUL_COOKIES)


def _private(response) -> bool:
    control = response.get("Cache-Control", "")
    return any(word in control for word in ("private", "no-store", "no-cache"))


def _key(language: str, full_path: str, encoding: str = "") -> str:
    return "page2:" + hashlib.sha256(f"{language}|{full_path}".encode()).hexdigest() + encoding


def _encoding(request) -> str:
    # GZipMiddleware's own test, so both agree on who gets gzip.
    if settings.COMPRESS_HTML and re_accepts_gzip.search(
        request.headers.get("Accept-Encoding", "")
    ):
        return ":gzip"
    return ""


def public_page_forget(url_name: str, **kwargs) -> None:
    """Drop a page's cached copy in every language, for content that must go at once.

    Only the plain address is dropped: the same page under a query string
    (?utm_source=...) lives out its PUBLIC_PAGE_CACHE_SECONDS.
    """
    keys = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            path = reverse(url_name, kwargs=kwargs)
        keys += [_key(language, path), _key(language, path, ":gzip")]
    cache.delete_many(keys)


def _wait_for_copy(key: str, lock: str) -> tuple | None:
    """The copy another request is rendering, once stored; None if it stops
    (or the cache is down: no lock can be seen) or takes too long."""
    deadline = time.monotonic() + settings.PUBLIC_PAGE_WAIT_SECONDS
    while True:
        found = cache.get_many([key, lock])
        if key in found:
            return found[key]
        if lock not in found or time.monotonic() >= deadline:
            return None
        # Polling: the cache cannot tell a waiter when a key is set. The
        # worker is held either way, and waiting costs no CPU, rendering does.
        time.sleep(_POLL_SECONDS)


def public_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        if not seconds or request.method not in ("GET", "HEAD") or _carries_state(request):
            return view(request, *args, **kwargs)
        key = _key(get_language(), request.get_full_path(), _encoding(request))
        lock = key + ":rendering"
        entry = cache.get(key)
        if entry is not None and _now() < entry[0]:
            return entry[1]
        rendering = cache.add(lock, 1, seconds)
        if not rendering:
            # Another request is rendering it: its stale copy now, or the new one.
            entry = entry or _wait_for_copy(key, lock)
            if entry is not None:
                return entry[1]
        try:
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.cookies
                and not response.streaming
                and not _private(response)
            ):
                if hasattr(response, "render"):
                    response.render()
                if key.endswith(":gzip"):
                    response = _gzip.process_response(request, response)
                stale = max(settings.PUBLIC_PAGE_STALE_SECONDS, seconds)
                cache.set(key, (_now() + seconds, response), stale)
            elif entry is not None:
                cache.delete(key)  # no longer a page to keep (an error, a redirect)
            return response
        finally:
            if rendering:
                cache.delete(lock)

    return wrapped
