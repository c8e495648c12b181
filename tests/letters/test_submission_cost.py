"""What a letter or a signature costs the site: queries, Redis round-trips,
no broker publish in the request (issue 16), and that nothing it guarded
(rate limit, single-use stamps, the confirmation mail) was lost for it."""

import datetime as dt

import pytest
import redis.connection
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from campaigns.models import Signature
from config import antispam
from letters import services
from letters.models import Letter
from outbox import services as outbox
from outbox.models import Message
from tests import factories
from tests.factories import committed
from tests.letters.conftest import letter_data, stamp

# Counted against a real Redis: deselected without REDIS_URL (tests/conftest.py),
# run in CI's Redis suite, where a missing Redis fails them.
needs_redis = pytest.mark.worker


def write_url(prisoner):
    return reverse("letters:write", kwargs={"slug": prisoner.slug})


def sign_url(campaign):
    return reverse("campaigns:sign", kwargs={"slug": campaign.slug})


def sign_data(**overrides):
    data = {"display_name": "Anna", "country": "PL", "email": "anna@example.org"}
    return {**data, "website": "", "started": stamp(), **overrides}


@pytest.fixture
def redis_calls(monkeypatch):
    """Round-trips to Redis: one packed command sent per call (or per pipeline)."""
    calls = []
    send = redis.connection.Connection.send_packed_command

    def counting(self, command, *args, **kwargs):
        calls.append(command)
        return send(self, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting)
    return calls


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- queries ----------------------------------------------------------------


@pytest.mark.parametrize("campaigns", [1, 4])
def test_a_letter_costs_one_read_and_its_writes(
    client, django_assert_num_queries, prisoner, campaigns
):
    for _ in range(campaigns):
        factories.make_campaign(prisoners=[prisoner])
    # 1 the prisoner with facility and running campaigns; in the letter's
    # transaction (a savepoint inside the test's): 2 duplicate text?,
    # 3 the letter, 4 its log row, 5 its confirmation mail (outbox row);
    # and the savepoint's SAVEPOINT and RELEASE.
    with django_assert_num_queries(7):
        response = client.post(write_url(prisoner), letter_data())
    assert response.status_code == 302
    assert Letter.objects.get().prisoner == prisoner


def test_a_signature_costs_one_read_and_its_writes(client, django_assert_num_queries, campaign):
    # 1 the campaign; in the signature's transaction: 2 the signature,
    # 3 its confirmation mail (outbox row); SAVEPOINT and RELEASE.
    with django_assert_num_queries(5):
        response = client.post(sign_url(campaign), sign_data())
    assert response.status_code == 302
    assert Signature.objects.get().email == "anna@example.org"


def test_signing_again_with_a_known_address_still_stores_one_signature(client, campaign):
    # The insert comes first now; the constraint tells the known address apart.
    with committed():
        client.post(sign_url(campaign), sign_data(email="anna@example.org"))
        response = client.post(sign_url(campaign), sign_data(email=" Anna@Example.org"))
    assert response.status_code == 302
    assert Signature.objects.count() == 1


# --- the prisoner read ----------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "be", "ru"])
def test_the_write_target_is_what_the_three_separate_reads_give(language, prisoner, facility):
    today = dt.date(2024, 5, 1)
    running = [
        factories.make_campaign(prisoners=[prisoner], title=f"Running {n}") for n in range(3)
    ]
    factories.make_campaign(prisoners=[prisoner], ends_on=dt.date(2020, 1, 1))  # ended
    factories.make_campaign(prisoners=[prisoner], is_published=False)
    factories.make_campaign(prisoners=[prisoner], starts_on=dt.date(2030, 1, 1))  # not yet
    factories.make_campaign(prisoners=[factories.make_prisoner()])  # someone else's
    with translation.override(language):
        target = services.prisoner_write_target(slug=prisoner.slug, today=today)
        expected = services.campaigns_running_for(prisoner=prisoner, today=today)
        assert [c.title for c in target.campaigns] == [c.title for c in expected]
    assert {c.pk for c in target.campaigns} == {c.pk for c in running}
    for mine, theirs in ((target.prisoner, prisoner), (target.facility, facility)):
        for field in type(theirs)._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field
    assert target.facility.name == "SIZA-1"
    assert target.prisoner.name_original == "Алесь Бяляцкі"


def test_the_write_target_without_facility_or_campaign(db):
    prisoner = factories.make_prisoner()
    target = services.prisoner_write_target(slug=prisoner.slug)
    assert target.prisoner == prisoner
    assert target.facility is None and target.campaigns == []


def test_the_write_target_of_an_unpublished_or_unknown_prisoner_is_none(db):
    hidden = factories.make_prisoner(is_published=False)
    assert services.prisoner_write_target(slug=hidden.slug) is None
    assert services.prisoner_write_target(slug="nobody") is None


# --- one Redis round-trip for the stamp and the rate limit ------------------------


@needs_redis
def test_a_letter_costs_one_redis_round_trip(client, prisoner, redis_calls, settings):
    settings.OUTBOX_SEND_ON_COMMIT = False  # as with a broker
    with committed():
        response = client.post(write_url(prisoner), letter_data())
    assert response.status_code == 302
    assert len(redis_calls) == 1, redis_calls
    # The mail is owed, and nothing went to the broker for it.
    assert Message.objects.get().status == Message.Status.QUEUED


@needs_redis
def test_a_signature_costs_one_redis_round_trip(client, campaign, redis_calls, settings):
    settings.OUTBOX_SEND_ON_COMMIT = False  # as with a broker
    with committed():
        response = client.post(sign_url(campaign), sign_data())
    assert response.status_code == 302
    assert len(redis_calls) == 1, redis_calls


def test_on_locmem_the_stamp_and_the_limit_are_checked_by_separate_calls(db):
    # The embedded default (no Redis) gives the same answers.
    limit = antispam.RateLimit("client", "t", 2, 600)
    first, second, third = stamp(), stamp(), stamp()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(antispam, "cache", _locmem())
        assert antispam.submission_admit(stamp=first, limit=limit) == (True, False)
        # A reused stamp is refused and not counted.
        assert antispam.submission_admit(stamp=first, limit=limit) == (False, False)
        assert antispam.submission_admit(stamp=second, limit=limit) == (True, False)
        assert antispam.submission_admit(stamp=third, limit=limit) == (True, True)


@needs_redis
def test_on_redis_the_stamp_and_the_limit_are_one_script(db, redis_calls):
    limit = antispam.RateLimit("client", "t", 2, 600)
    first, second, third = stamp(), stamp(), stamp()
    assert antispam.submission_admit(stamp=first, limit=limit) == (True, False)
    assert antispam.submission_admit(stamp=first, limit=limit) == (False, False)
    assert antispam.submission_admit(stamp=second, limit=limit) == (True, False)
    assert antispam.submission_admit(stamp=third, limit=limit) == (True, True)
    # The script was loaded once at most (NOSCRIPT, then EVALSHA again).
    assert len(redis_calls) <= 6
    # The counter expires with its window; the stamp with the form's age.
    client = cache._cache.get_client(write=True)
    key = cache.make_and_validate_key(limit.key())
    assert 0 < client.ttl(key) <= 605
    assert int(client.get(key)) == 3
    stamp_key = cache.make_and_validate_key(antispam._stamp_key(first))
    assert client.ttl(stamp_key) > django_settings.FORM_MAX_AGE_SECONDS


def _locmem():
    from django.core.cache.backends.locmem import LocMemCache

    return LocMemCache("submission-cost", {})


def test_the_rate_limit_still_refuses_the_sixth_letter_and_a_reused_stamp(client, prisoner):
    used = stamp()
    assert client.post(write_url(prisoner), letter_data(started=used)).status_code == 302
    again = client.post(write_url(prisoner), letter_data(started=used, body="Sent twice?" * 3))
    assert "already sent once" in again.text
    for i in range(4):
        body = f"Letter number {i}: greetings from Gdańsk and warm wishes."
        assert client.post(write_url(prisoner), letter_data(body=body)).status_code == 302
    response = client.post(write_url(prisoner), letter_data(body="A sixth letter, kept here."))
    assert "wait an hour" in response.text
    assert Letter.objects.count() == 5


def test_the_signature_rate_limit_still_refuses(client, campaign, settings):
    settings.SIGNATURE_RATE_LIMIT = 2
    for n in range(2):
        response = client.post(sign_url(campaign), sign_data(email=f"s{n}@example.org"))
        assert response.status_code == 302
    response = client.post(sign_url(campaign), sign_data(email="third@example.org"))
    assert "Too many signatures from here" in response.text
    assert Signature.objects.count() == 2


def test_the_stamp_and_limit_fail_open_when_redis_is_down(client, prisoner, campaign, caplog):
    from django.core.cache.backends.redis import RedisCache

    down = RedisCache("redis://127.0.0.1:1/0", {})
    with pytest.MonkeyPatch.context() as m:
        m.setattr(antispam, "cache", down)
        used = stamp()
        assert client.post(write_url(prisoner), letter_data(started=used)).status_code == 302
        assert client.post(sign_url(campaign), sign_data()).status_code == 302
    assert Letter.objects.count() == 1 and Signature.objects.count() == 1
    assert "Form stamp and rate limit not checked: the cache is unavailable." in caplog.messages


# --- the mail leaves with the sweep, not with the request -----------------------


def test_with_a_broker_the_request_only_writes_the_mail_and_the_sweep_sends_it(
    client, prisoner, settings
):
    settings.OUTBOX_SEND_ON_COMMIT = False
    with committed():
        assert client.post(write_url(prisoner), letter_data()).status_code == 302
    message = Message.objects.get()
    assert message.status == Message.Status.QUEUED and mail.outbox == []
    assert outbox.outbox_sweep() == 1
    [sent] = mail.outbox
    assert sent.to == ["kasia@example.org"]
    assert Message.objects.get().status == Message.Status.SENT


def test_with_a_broker_a_signature_mail_also_waits_for_the_sweep(client, campaign, settings):
    settings.OUTBOX_SEND_ON_COMMIT = False
    with committed():
        assert client.post(sign_url(campaign), sign_data()).status_code == 302
    assert mail.outbox == []
    assert outbox.outbox_sweep() == 1
    assert "confirm" in mail.outbox[0].body


def test_the_default_sends_on_commit_only_without_a_broker():
    from tests.config.test_config import run_manage

    code = (
        "from django.conf import settings as s; "
        "print(s.OUTBOX_SEND_ON_COMMIT, s.CELERY_BEAT_SCHEDULE['outbox-sweep']['schedule'])"
    )
    env = {"DJANGO_SECRET_KEY": "x" * 60}
    # A broker: the request writes the row, beat's sweep sends it within 2 s.
    with_redis = run_manage(
        "shell", "-v", "0", "-c", code, env={**env, "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    assert with_redis.stdout.split() == ["False", "2"], with_redis.stderr
    # No broker, no beat: the mail goes right after the commit.
    without = run_manage("shell", "-v", "0", "-c", code, env={**env, "REDIS_URL": ""})
    assert without.stdout.split() == ["True", "2"], without.stderr
