"""Spam defences for public forms, with no third-party service.

* a honeypot field people never see and bots fill in;
* a signed timestamp: a form sent faster than a person types, or from a page
  left open for hours, is refused with a message and re-shown with its data;
* a per-client rate limit in the cache, keyed by a salted hash of the
  address: raw IP addresses are never stored.

A form given a ``rate_limit`` checks its stamp and counts the submission in
one step (submission_admit): on Redis that is one round-trip, a small Lua
script, instead of the three or four that separate cache calls cost on the
busiest paths (a letter, a signature).
"""

import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.connection import ConnectionProxy
from django.utils.translation import gettext_lazy as _

_SIGNER_SALT = "solidarity.form-started"

logger = logging.getLogger(__name__)

# What a cache backend raises when its server is gone: redis-py's errors do
# not derive from the built-in ConnectionError; sockets raise OSError.
_CACHE_ERRORS: tuple[type[Exception], ...] = (OSError,)
try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is a dependency, but optional here
    pass
else:
    _CACHE_ERRORS = (OSError, RedisError)


class _StampField(forms.CharField):
    # Always shows the form's fresh stamp, never the one that came in: a
    # form shown again after an error must not go stale (nor be a reuse).
    def bound_data(self, data, initial):
        return initial


class SpamCheckedForm(forms.Form):
    """Mix into a public form; ``clean`` refuses bots and stale pages."""

    # Named like a field a bot wants to fill; hidden by CSS (.hp), skipped
    # by keyboard and autofill.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = _StampField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, rate_limit: "RateLimit | None" = None, **kwargs):
        super().__init__(*args, **kwargs)
        # With a rate limit, clean() counts the submission with the stamp
        # check and says whether it was over (the view words the refusal).
        self.rate_limit = rate_limit
        self.over_rate_limit = False
        # A fresh stamp every time the form is shown, including after errors;
        # the random part tells apart two forms shown in the same second.
        self.initial["started"] = signing.TimestampSigner(salt=_SIGNER_SALT).sign(
            f"{int(time.time())}.{secrets.token_urlsafe(9)}"
        )
        # Checked in clean(); the page shows the fresh one (_StampField).
        self._submitted_stamp = self.data.get("started", "") if self.is_bound else ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(
                _("This form could not be accepted. Please leave the last field empty."),
                code="honeypot",
            )
        signer = signing.TimestampSigner(salt=_SIGNER_SALT)
        try:
            # The time is signed, so it cannot be forged; its age is ours to judge.
            started = int(signer.unsign(self._submitted_stamp).split(".")[0])
        except (signing.BadSignature, ValueError):
            raise forms.ValidationError(
                _("This form could not be checked. Please send it again."), code="bad_stamp"
            ) from None
        age = time.time() - started
        if age > settings.FORM_MAX_AGE_SECONDS:
            raise forms.ValidationError(
                _("This page was open for a long time. Please check your text and send it again."),
                code="expired",
            )
        if age < settings.FORM_MIN_SECONDS:
            raise forms.ValidationError(
                _("That was faster than anyone can type. Please wait a moment and send it again."),
                code="too_fast",
            )
        if self.rate_limit is None:
            fresh = form_stamp_use(self._submitted_stamp)
        else:
            # Only a form otherwise valid counts against the limit.
            fresh, self.over_rate_limit = submission_admit(
                stamp=self._submitted_stamp,
                limit=self.rate_limit if not self.errors else None,
            )
        if not fresh:
            raise forms.ValidationError(
                _(
                    "This form was already sent once. Nothing is lost: check your text "
                    "and send it again."
                ),
                code="reused",
            )
        return cleaned


def _stamp_key(stamp: str) -> str:
    return "stamp:" + hashlib.sha256(stamp.encode()).hexdigest()[:32]


def form_stamp_use(stamp: str) -> bool:
    """Mark a form stamp used; False if it already was.

    One fetched form, one submission: a bot cannot fetch a stamp once and
    post many times with it. The mark lives in the cache for as long as a
    stamp is valid at all. With the cache down nothing can be remembered:
    the stamp is let through (fails open; config.cache logs the outage), as
    the rate limit does, rather than refusing every visitor.
    """
    key = _stamp_key(stamp)
    try:
        if cache.add(key, 1, timeout=settings.FORM_MAX_AGE_SECONDS + 60):
            return True
        # A degrading cache (config.cache) says False when it is down: only a
        # stamp the cache really holds counts as used.
        return cache.get(key) is None
    except _CACHE_ERRORS:
        logger.warning("Form stamp not checked for reuse: the cache is unavailable.")
        return True


def form_stamp_release(stamp: str) -> None:
    """Forget that a stamp was used: its submission was not saved after all
    (the database was down), so sending the same form again is no reuse."""
    if stamp:
        # With the cache down nothing was remembered either.
        with contextlib.suppress(*_CACHE_ERRORS):
            cache.delete(_stamp_key(stamp))


def client_key(request) -> str:
    """A salted hash standing for the client: good for limits, useless as an address."""
    header = settings.CLIENT_IP_HEADER
    address = request.META.get(header, "") if header else ""
    address = address.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")
    digest = hmac.new(settings.CLIENT_HASH_SALT.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


class RateLimit(NamedTuple):
    """``limit`` submissions per ``period`` seconds for one client in one scope."""

    client: str
    scope: str
    limit: int
    period: int

    @classmethod
    def for_request(cls, request, *, scope: str, limit: int, period: int) -> "RateLimit":
        return cls(client_key(request), scope, limit, period)

    def key(self) -> str:
        return f"rl:{self.scope}:{self.client}:{int(time.time() // self.period)}"


# KEYS: the stamp's key, the counter's key. ARGV: the stamp's lifetime,
# whether to count (1/0), the counter's lifetime. Returns -1 for a used
# stamp, else the count (0 when not counted).
_ADMIT_LUA = """
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then return -1 end
if ARGV[2] == '0' then return 0 end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
return n
"""
# Per connection pool: a redis client and the script bound to it. Django's
# RedisCache builds a new client object on every call (about 1 ms of
# Python); the pool, which holds the connections, is what it keeps.
_admit_scripts: dict[object, object] = {}


def _admit_script(backend: RedisCache):
    client = backend._cache
    pool = client._get_connection_pool(client._get_connection_pool_index(write=True))
    script = _admit_scripts.get(pool)
    if script is None:
        script = _admit_scripts[pool] = client._client(connection_pool=pool).register_script(
            _ADMIT_LUA
        )
    return script


def submission_admit(*, stamp: str, limit: RateLimit | None) -> tuple[bool, bool]:
    """Mark a form stamp used and count the submission; (stamp fresh, over the limit).

    A used stamp is not counted. On Redis: one round-trip (EVALSHA), so the
    mark and the count cannot part either. Other caches (locmem, the
    embedded default): form_stamp_use then rate counting, as separate calls.
    Fails open, like both: with the cache down the stamp is fresh and the
    limit not reached, with a warning in the log.
    """
    # The backend itself, not django.core.cache's proxy to it.
    backend = caches[DEFAULT_CACHE_ALIAS] if isinstance(cache, ConnectionProxy) else cache
    if not isinstance(backend, RedisCache):
        if not form_stamp_use(stamp):
            return False, False
        return True, limit is not None and _count(limit)
    stamp_key = backend.make_and_validate_key(_stamp_key(stamp))
    rate_key = backend.make_and_validate_key(limit.key()) if limit else stamp_key
    try:
        script = _admit_script(backend)
        n = script(
            keys=[stamp_key, rate_key],
            args=[
                settings.FORM_MAX_AGE_SECONDS + 60,
                1 if limit else 0,
                (limit.period + 5) if limit else 0,
            ],
        )
    except _CACHE_ERRORS:
        logger.warning(
            "Form stamp and rate limit not checked: the cache is unavailable.", exc_info=True
        )
        return True, False
    if n == -1:
        return False, False
    return True, limit is not None and n > limit.limit


def _count(limit: RateLimit) -> bool:
    key = limit.key()
    try:
        # add() then incr() keeps the counter atomic on Redis and locmem alike.
        cache.add(key, 0, timeout=limit.period + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=limit.period + 5)
            count = 1
    except _CACHE_ERRORS:
        logger.warning(
            "Rate limit %r not checked: the cache is unavailable.", limit.scope, exc_info=True
        )
        return False
    return count > limit.limit


def rate_limited(request, *, scope: str, limit: int, period: int) -> bool:
    """Count this request against ``limit`` per ``period`` seconds; True when over.

    Fails open: when the cache is down the request is let through with a
    warning in the log. What a public form accepts is moderated anyway; a 500
    would lose what the person wrote.
    """
    return _count(RateLimit.for_request(request, scope=scope, limit=limit, period=period))
