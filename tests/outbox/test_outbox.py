import datetime as dt
import smtplib
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError, connection
from django.utils import timezone

from outbox import services
from outbox.models import Message
from outbox.tasks import outbox_send, outbox_sweep
from tests import factories
from tests.factories import committed

pytestmark = pytest.mark.django_db


def enqueue(to="hanna@example.org"):
    # The signature mail's template: any real one will do.
    campaign = factories.make_campaign()
    return services.mail_enqueue(
        to=to,
        template="signature_already",
        context={"campaign": campaign, "signature": {"display_name": "Hanna"}},
    )


def later(seconds):
    return timezone.now() + dt.timedelta(seconds=seconds)


def frozen(moment):
    return lambda: moment


@pytest.fixture
def smtp(monkeypatch):
    """A mail server that fails the next `failures` sends; counts attempts."""
    state = {"failures": 0, "attempts": 0}
    send = EmailBackend.send_messages

    def send_messages(self, messages):
        state["attempts"] += 1
        if state["failures"]:
            state["failures"] -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return state


def test_it_sends_once_after_the_commit_with_a_stable_message_id():
    with committed():
        pk = enqueue()
        assert mail.outbox == []  # owed, not sent before the commit
    [sent] = mail.outbox
    message = Message.objects.get(pk=pk)
    assert sent.to == ["hanna@example.org"]
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert sent.subject == message.subject
    assert (message.status, message.attempts) == ("sent", 1)
    assert message.sent_at is not None


def test_running_the_send_task_twice_sends_one_mail():
    pk = enqueue()
    assert outbox_send(pk) is True
    assert outbox_send(pk) is False
    assert outbox_sweep() == 0
    assert len(mail.outbox) == 1


def test_a_rolled_back_cause_owes_no_mail():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue()
        raise RuntimeError("the submission failed")
    assert not Message.objects.exists()


def test_a_crash_between_claim_and_send_is_retried_after_the_lease(settings, monkeypatch):
    pk = enqueue()
    # A worker claims, then dies before talking to the mail server.
    monkeypatch.setattr(services, "_deliver", lambda message: (_ for _ in ()).throw(SystemExit))
    with pytest.raises(SystemExit):
        services.outbox_send(message_id=pk)
    monkeypatch.undo()
    message = Message.objects.get(pk=pk)
    assert message.status == "sending"
    # Nobody takes it over while the lease runs...
    assert outbox_sweep() == 0
    assert mail.outbox == []
    # ... and once it has run out, the sweep sends it, once.
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", frozen(later(settings.OUTBOX_LEASE_SECONDS + 1)))
        assert outbox_sweep() == 1
        assert outbox_sweep() == 0
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert mail.outbox[0].extra_headers["Message-ID"] == message.message_id


def _database_drops_our_connection():
    """The database ends this connection, as a restart does (or says so, on SQLite)."""
    if connection.vendor != "postgresql":
        raise OperationalError("disk I/O error")
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_database_blip_after_the_server_took_the_mail_sends_it_once(settings, monkeypatch):
    settings.OUTBOX_SEND_ON_COMMIT = False  # sent below, by the worker's code
    pk = enqueue()
    real_mark = services._mark_sent
    calls = []

    def mark_after_a_blip(message_id):
        calls.append(message_id)
        if len(calls) == 1:
            _database_drops_our_connection()
        return real_mark(message_id)

    monkeypatch.setattr(services, "_mark_sent", mark_after_a_blip)
    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    assert services.outbox_send(message_id=pk) is True
    assert len(calls) == 2
    message = Message.objects.get(pk=pk)
    assert (message.status, message.attempts) == ("sent", 1)
    # After the lease the sweep finds nothing owed: the mail went once.
    monkeypatch.setattr(timezone, "now", frozen(later(settings.OUTBOX_LEASE_SECONDS + 1)))
    assert outbox_sweep() == 0
    assert len(mail.outbox) == 1


def test_an_smtp_failure_backs_off_then_sends(settings, smtp, monkeypatch):
    smtp["failures"] = 2
    pk = enqueue()
    assert outbox_send(pk) is False
    message = Message.objects.get(pk=pk)
    assert message.status == "queued"
    assert "SMTPServerDisconnected" in message.last_error
    first_wait = message.next_attempt_at - timezone.now()
    assert outbox_sweep() == 0  # not due yet
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", frozen(later(settings.OUTBOX_RETRY_SECONDS + 1)))
        assert outbox_sweep() == 0  # the second try fails too
    message.refresh_from_db()
    second_wait = message.next_attempt_at - later(settings.OUTBOX_RETRY_SECONDS + 1)
    assert second_wait > first_wait * 1.5  # exponential
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", frozen(later(10 * settings.OUTBOX_RETRY_SECONDS)))
        assert outbox_sweep() == 1
    assert smtp["attempts"] == 3
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")


def test_after_the_last_attempt_it_is_failed_visible_and_can_be_sent_again(
    settings, smtp, client, editor
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.OUTBOX_RETRY_SECONDS = 0
    smtp["failures"] = 100
    pk = enqueue(to="bounced@example.org")
    assert outbox_send(pk) is False
    assert outbox_sweep() == 0
    message = Message.objects.get(pk=pk)
    assert (message.status, message.attempts) == ("failed", 2)
    assert outbox_sweep() == 0  # given up: the sweep leaves it
    assert smtp["attempts"] == 2

    client.force_login(editor)
    page = client.get("/admin/outbox/message/?status=failed")
    assert page.status_code == 200
    assert "bounced@example.org" in page.content.decode()
    smtp["failures"] = 0
    with committed():
        response = client.post(
            "/admin/outbox/message/",
            {"action": "resend", "_selected_action": [pk]},
            follow=True,
        )
    assert "1 e-mail is queued again." in response.content.decode()
    message.refresh_from_db()
    assert message.status == "sent"
    assert [m.to for m in mail.outbox] == [["bounced@example.org"]]


def test_the_resend_action_is_for_staff_who_may_see_the_outbox(client, smtp):
    settings_failures = 100
    smtp["failures"] = settings_failures
    pk = enqueue()
    Message.objects.filter(pk=pk).update(status="failed", next_attempt_at=timezone.now())
    moderator = factories.make_user(is_staff=True)  # staff, but no outbox permission
    client.force_login(moderator)
    assert client.get("/admin/outbox/message/").status_code == 403
    response = client.post("/admin/outbox/message/", {"action": "resend", "_selected_action": [pk]})
    assert response.status_code == 403
    assert Message.objects.get(pk=pk).status == "failed"
    moderator.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.post("/admin/outbox/message/", {"action": "resend", "_selected_action": [pk]})
    assert Message.objects.get(pk=pk).status == "queued"


def test_a_mail_queued_while_the_broker_was_down_goes_out_with_the_sweep(monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(outbox_send, "delay", broker_down)
    with committed():
        pk = enqueue()  # the page still answers: the publish error is logged
    monkeypatch.undo()
    assert mail.outbox == []
    assert outbox_sweep() == 1
    assert Message.objects.get(pk=pk).status == "sent"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_send_once(monkeypatch):
    pk = enqueue()  # no test transaction here: it went out on commit
    Message.objects.filter(pk=pk).update(status="queued", sent_at=None, claimed_until=None)
    mail.outbox.clear()
    delivered = []
    start = threading.Barrier(2)

    def slow_deliver(message):
        delivered.append(message.pk)
        threading.Event().wait(0.3)

    monkeypatch.setattr(services, "_deliver", slow_deliver)

    def worker(results):
        from django.db import connection as conn

        start.wait()
        try:
            results.append(services.outbox_send(message_id=pk))
        finally:
            conn.close()

    results = []
    threads = [threading.Thread(target=worker, args=(results,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert delivered == [pk]


def test_a_sweep_stops_after_its_interval_so_slow_sweeps_do_not_pile_up(settings):
    ids = [enqueue(to=f"w{i}@example.org") for i in range(3)]
    settings.OUTBOX_SWEEP_SECONDS = 0  # every send outlasts the sweep's budget
    assert outbox_sweep() == 1
    assert outbox_sweep() == 1
    assert outbox_sweep() == 1
    assert outbox_sweep() == 0
    assert sorted(m.to[0] for m in mail.outbox) == [
        "w0@example.org",
        "w1@example.org",
        "w2@example.org",
    ]
    assert set(Message.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}


def test_the_admin_list_costs_the_same_queries_at_two_sizes(client, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor)
    counts = []
    for total in (2, 20):
        while Message.objects.count() < total:
            enqueue(to=f"w{Message.objects.count()}@example.org")
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/admin/outbox/message/?status=queued")
        assert page.status_code == 200
        assert f"w{total - 1}@example.org" in page.text
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
