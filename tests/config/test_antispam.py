import logging
import secrets
import time

import pytest
import redis.exceptions
from django import forms
from django.core import signing
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

from config import antispam
from config.antispam import SpamCheckedForm, client_key, rate_limited


class NoteForm(SpamCheckedForm):
    text = forms.CharField()


def stamp(seconds_ago=60):
    return signing.TimestampSigner(salt="solidarity.form-started").sign(
        # A nonce, as the form's own stamps have: each stamp is single use.
        f"{int(time.time() - seconds_ago)}.{secrets.token_urlsafe(6)}"
    )


def test_a_person_passes():
    assert NoteForm({"text": "hi", "started": stamp()}).is_valid()


def test_a_filled_honeypot_is_refused_and_the_text_kept():
    form = NoteForm({"text": "hi", "website": "http://spam", "started": stamp()})
    assert not form.is_valid()
    assert "leave the last field empty" in form.non_field_errors()[0]
    assert form["text"].value() == "hi"


def test_too_fast_is_refused(settings):
    settings.FORM_MIN_SECONDS = 3
    form = NoteForm({"text": "hi", "started": stamp(seconds_ago=0)})
    assert not form.is_valid()
    assert "faster than anyone can type" in form.non_field_errors()[0]


def test_a_page_left_open_too_long_is_refused(settings):
    settings.FORM_MAX_AGE_SECONDS = 60
    old = stamp(seconds_ago=120)
    form = NoteForm({"text": "hi", "started": old})
    assert not form.is_valid()
    assert "open for a long time" in form.non_field_errors()[0]
    # Shown again with a fresh stamp, so sending it again works.
    again = NoteForm({"text": "hi", "started": form["started"].value()})
    assert form["started"].value() != old
    assert again.is_valid()


@pytest.mark.parametrize("bad", ["", "123", stamp() + "x"])
def test_a_forged_or_missing_stamp_is_refused(bad):
    form = NoteForm({"text": "hi", "started": bad})
    assert not form.is_valid()
    assert form.non_field_errors()


def test_rate_limit_counts_per_client_and_resets_per_window():
    rf = RequestFactory()
    a = rf.post("/", REMOTE_ADDR="203.0.113.7")
    b = rf.post("/", REMOTE_ADDR="198.51.100.9")
    results = [rate_limited(a, scope="t", limit=3, period=600) for _ in range(4)]
    assert results == [False, False, False, True]
    assert rate_limited(b, scope="t", limit=3, period=600) is False


def test_the_client_key_does_not_contain_the_address():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    key = client_key(request)
    assert "203.0.113.7" not in key and "203" not in key[:3]
    assert key == client_key(RequestFactory().get("/", REMOTE_ADDR="203.0.113.7"))


class BrokenCache:
    """A cache whose server has gone away."""

    def __init__(self, error):
        self.error = error

    def add(self, *args, **kwargs):
        raise self.error

    def incr(self, *args, **kwargs):
        raise self.error

    def set(self, *args, **kwargs):
        raise self.error


@pytest.mark.parametrize(
    "cache",
    [
        BrokenCache(redis.exceptions.ConnectionError("Error 111 connecting to redis:6379.")),
        BrokenCache(redis.exceptions.TimeoutError("Timeout reading from socket")),
        BrokenCache(ConnectionRefusedError(111, "Connection refused")),
        # A real Redis client with nothing listening.
        RedisCache("redis://127.0.0.1:1/0", {}),
    ],
)
def test_rate_limit_lets_requests_through_with_a_warning_when_the_cache_is_down(
    monkeypatch, caplog, cache
):
    monkeypatch.setattr(antispam, "cache", cache)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    with caplog.at_level(logging.WARNING, logger="config.antispam"):
        assert [rate_limited(request, scope="t", limit=1, period=600) for _ in range(3)] == [
            False,
            False,
            False,
        ]
    assert "Rate limit 't' not checked: the cache is unavailable." in caplog.messages


def test_rate_limit_does_not_hide_programming_errors(monkeypatch):
    monkeypatch.setattr(antispam, "cache", BrokenCache(TypeError("bad key")))
    with pytest.raises(TypeError):
        rate_limited(RequestFactory().post("/"), scope="t", limit=1, period=600)


def test_a_stamp_is_single_use_and_the_text_is_kept():
    used = stamp()
    assert NoteForm({"text": "first", "started": used}).is_valid()
    again = NoteForm({"text": "second", "started": used})
    assert not again.is_valid()
    assert "already sent once" in again.non_field_errors()[0]
    assert again["text"].value() == "second"
    # Shown again with a fresh stamp: sending that works.
    assert NoteForm({"text": "second", "started": again["started"].value()}).is_valid()


def test_two_forms_shown_in_the_same_second_are_different_stamps():
    assert NoteForm()["started"].value() != NoteForm()["started"].value()


def test_a_used_stamp_can_be_released_when_its_submission_was_not_saved():
    used = stamp()
    assert NoteForm({"text": "hi", "started": used}).is_valid()
    antispam.form_stamp_release(used)
    assert NoteForm({"text": "hi", "started": used}).is_valid()


def test_stamps_are_let_through_with_a_warning_when_the_cache_is_down(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.DegradingRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    used = stamp()
    with caplog.at_level(logging.WARNING):
        assert NoteForm({"text": "hi", "started": used}).is_valid()
        assert NoteForm({"text": "hi", "started": used}).is_valid()  # fails open
    assert "cache unavailable" in caplog.text
