"""Bulk decisions on letters: one transaction, a query count that does not grow
with the number of letters, and "select all" beyond a page handed to the worker."""

import secrets
from collections import Counter

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Action, GlobalTally, PrisonerTally, Tally
from letters import services, tasks
from letters.models import BulkJob, DeliveryBatch, Letter, LetterLog
from prisoners.models import Prisoner
from tests import factories
from tests.factories import committed

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:letters_letter_changelist"


def letters(
    prisoner, n, *, campaign=None, status=Letter.Status.SUBMITTED, countries=("PL", "DE", "LT")
):
    """n letters in one INSERT: the bulk paths, not submission, are under test."""
    return Letter.objects.bulk_create(
        Letter(
            prisoner=prisoner,
            campaign=campaign,
            kind=[Letter.Kind.LETTER, Letter.Kind.POSTCARD][i % 2],
            status=status,
            reject_reason="spam" if status == Letter.Status.REJECTED else "",
            body=f"Letter {i}",
            language="be",
            sender_name="Kasia",
            sender_email=f"w{i}@example.org",
            country=countries[i % len(countries)],
            body_fingerprint=secrets.token_hex(8),
            withdraw_token=secrets.token_urlsafe(16),
        )
        for i in range(n)
    )


def ledger_recount():
    recount = Counter()
    for action in Action.objects.filter(campaign__isnull=False):
        recount[(action.campaign_id, action.country, action.kind)] += action.quantity
    return +recount


def tallied():
    rows = Counter()
    for t in Tally.objects.all():
        rows[(t.campaign_id, t.country, t.kind)] += t.quantity
    return rows


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.fixture
def prisoners(db):
    return [factories.make_prisoner(), factories.make_prisoner()]


def test_it_approves_3_or_30_letters_in_the_same_number_of_queries(prisoners, moderator):
    campaign = factories.make_campaign()
    few = letters(prisoners[0], 3, campaign=campaign) + letters(prisoners[1], 1)
    many = letters(prisoners[0], 20, campaign=campaign) + letters(prisoners[1], 10)
    ContentType.objects.get_for_model(Letter)  # cached per process, as in production
    counts = [
        count_queries(
            lambda batch=batch: services.letters_approve(
                ids=[x.pk for x in batch], moderator=moderator
            )
        )
        for batch in (few, many)
    ]
    assert counts[0] == counts[1]
    # Pinned: a change that adds a statement per letter shows up here.
    assert counts[1] == (13 if connection.vendor == "postgresql" else 12)


def test_it_approves_counts_and_logs_each_letter_and_leaves_the_others(prisoners, moderator):
    campaign = factories.make_campaign()
    pending = letters(prisoners[0], 4, campaign=campaign)
    rejected = letters(prisoners[1], 1, status=Letter.Status.REJECTED)
    result = services.letters_approve(ids=[x.pk for x in pending + rejected], moderator=moderator)
    assert result.done == sorted(x.pk for x in pending)
    assert result.skipped == [rejected[0].pk]
    assert set(Letter.objects.filter(pk__in=result.done).values_list("status", flat=True)) == {
        "approved"
    }
    assert Letter.objects.get(pk=rejected[0].pk).status == "rejected"
    assert (
        tallied()
        == ledger_recount()
        == {
            (campaign.pk, "PL", "letter"): 1,
            (campaign.pk, "DE", "postcard"): 1,
            (campaign.pk, "LT", "letter"): 1,
            (campaign.pk, "PL", "postcard"): 1,
        }
    )
    assert PrisonerTally.objects.get(prisoner=prisoners[0], kind="letter").quantity == 2
    logs = LetterLog.objects.filter(action="approved")
    assert sorted(logs.values_list("letter_id", "from_status", "to_status", "actor")) == [
        (pk, "submitted", "approved", moderator.pk) for pk in result.done
    ]


def test_it_rejects_approved_letters_and_takes_them_out_of_the_tallies(prisoners, moderator):
    campaign = factories.make_campaign()
    batch = letters(prisoners[0], 6, campaign=campaign)
    services.letters_approve(ids=[x.pk for x in batch], moderator=moderator)
    keep = batch[0]
    result = services.letters_reject(
        ids=[x.pk for x in batch[1:]], moderator=moderator, reason="spam", note="bot"
    )
    assert len(result.done) == 5
    assert tallied() == ledger_recount() == {(campaign.pk, "PL", "letter"): 1}
    assert sum(GlobalTally.objects.values_list("quantity", flat=True)) == 1
    assert Action.objects.get().source_id == keep.pk
    assert LetterLog.objects.filter(action="rejected", note__contains="bot").count() == 5


def test_it_refuses_a_rejection_without_a_known_reason(prisoners, moderator):
    batch = letters(prisoners[0], 2)
    with pytest.raises(services.LetterError):
        services.letters_reject(
            ids=[x.pk for x in batch],
            moderator=moderator,
            reason="whim",
        )
    assert not Letter.objects.filter(status="rejected").exists()


def test_it_batches_and_posts_3_or_30_letters_in_the_same_number_of_queries(moderator):
    facility = factories.make_facility()
    prisoners = [factories.make_prisoner(facility=facility) for _ in range(2)]
    counts, holder = {}, {}
    for size in (3, 30):
        batch_letters = letters(prisoners[0], size - 1) + letters(prisoners[1], 1)
        services.letters_approve(ids=[x.pk for x in batch_letters], moderator=moderator)
        approved = list(Letter.objects.filter(pk__in=[x.pk for x in batch_letters]))
        create = count_queries(
            lambda approved=approved: holder.update(
                batch=services.batch_create(
                    facility=facility, letters=approved, moderator=moderator
                )
            )
        )
        post = count_queries(
            lambda: services.batch_mark_posted(batch=holder["batch"], moderator=moderator)
        )
        counts[size] = (create, post)
    assert counts[3] == counts[30]
    assert Letter.objects.filter(status="posted").count() == 33
    assert DeliveryBatch.objects.filter(posted_at__isnull=False).count() == 2
    sent = dict(Prisoner.objects.values_list("pk", "letters_sent"))
    assert sent == {prisoners[0].pk: 31, prisoners[1].pk: 2}
    assert LetterLog.objects.filter(action="posted").count() == 33


def act(client, action, **data):
    return client.post(reverse(CHANGELIST), {"action": action, **data}, follow=True)


def test_it_tells_the_moderator_what_was_approved_and_what_was_left(client, moderator, prisoners):
    pending = letters(prisoners[0], 3)
    done = letters(prisoners[0], 1, status=Letter.Status.REJECTED)
    client.force_login(moderator)
    response = act(client, "approve", **{ACTION_CHECKBOX_NAME: [x.pk for x in pending + done]})
    text = response.content.decode()
    assert "Approved 3 letters. 1 was not in a state to take this decision" in text
    assert Letter.objects.filter(status="approved").count() == 3


def test_it_hands_a_large_select_all_to_the_worker_and_shows_its_progress(
    client, moderator, prisoners, settings
):
    settings.BULK_INLINE_MAX = 4
    settings.BULK_CHUNK = 3
    letters(prisoners[0], 7)
    client.force_login(moderator)
    with committed():
        response = act(
            client, "approve", select_across="1", index="0", **{ACTION_CHECKBOX_NAME: ["0"]}
        )
    job = BulkJob.objects.get()
    assert "7 items are being decided by the worker in the background." in response.content.decode()
    # Eager Celery (the embedded default and the tests): it has run.
    job.refresh_from_db()
    assert (job.status, job.position, job.done, job.skipped) == ("done", 7, 7, 0)
    assert Letter.objects.filter(status="approved").count() == 7
    page = client.get(reverse("admin:letters_bulkjob_change", args=[job.pk]))
    assert page.status_code == 200
    assert "7 of 7" in page.content.decode()


def test_it_asks_for_a_reason_once_for_a_select_all_rejection(
    client, moderator, prisoners, settings
):
    settings.BULK_INLINE_MAX = 2
    letters(prisoners[0], 5)
    client.force_login(moderator)
    page = act(client, "reject", select_across="1", index="0", **{ACTION_CHECKBOX_NAME: ["0"]})
    assert 'name="select_across" value="1"' in page.content.decode()
    assert "Reject these 5 letters?" in page.content.decode()
    bad = act(
        client,
        "reject",
        select_across="1",
        index="0",
        confirm="1",
        reason="whim",
        **{ACTION_CHECKBOX_NAME: ["0"]},
    )
    assert "Select a valid choice" in bad.content.decode()
    assert not Letter.objects.filter(status="rejected").exists()
    with committed():
        act(
            client,
            "reject",
            select_across="1",
            index="0",
            confirm="1",
            reason="spam",
            **{ACTION_CHECKBOX_NAME: ["0"]},
        )
    assert Letter.objects.filter(status="rejected").count() == 5
    assert BulkJob.objects.get().status == "done"


def test_it_shows_the_job_page_only_to_staff(client, moderator, prisoners):
    job = services.bulk_job_start(
        kind=BulkJob.Kind.LETTERS_APPROVE, ids=[], params={}, moderator=moderator
    )
    url = reverse("admin:letters_bulkjob_change", args=[job.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login
    client.force_login(factories.make_user(email="someone@example.org"))
    assert client.get(url).status_code == 302
    client.force_login(moderator)
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": "done"}).status_code == 403


def test_a_job_delivered_twice_decides_each_letter_once(moderator, prisoners, settings):
    settings.BULK_CHUNK = 2
    batch = letters(prisoners[0], 5)
    job = BulkJob.objects.create(
        kind=BulkJob.Kind.LETTERS_APPROVE,
        ids=[x.pk for x in batch],
        total=5,
        created_by=moderator,
    )
    tasks.bulk_job_run(job.pk)
    tasks.bulk_job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.skipped) == ("done", 5, 0)
    assert LetterLog.objects.filter(action="approved").count() == 5
    assert Action.objects.count() == 5


def test_a_failed_chunk_leaves_the_job_reporting_where_it_stopped(
    moderator, prisoners, settings, monkeypatch
):
    settings.BULK_CHUNK = 2
    batch = letters(prisoners[0], 5)
    job = BulkJob.objects.create(
        kind=BulkJob.Kind.LETTERS_APPROVE, ids=[x.pk for x in batch], total=5, created_by=moderator
    )
    real = services.letters_approve
    calls = []

    def second_chunk_fails(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            real(**kwargs)  # its work is rolled back with the chunk
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "letters_approve", second_chunk_fails)
    tasks.bulk_job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.position, job.done) == ("failed", 2, 2)
    assert "disk full" in job.error
    assert Letter.objects.filter(status="approved").count() == 2
    assert tallied() == ledger_recount()
