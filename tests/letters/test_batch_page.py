"""The delivery batch's admin page: Print, Address labels, Mark posted, Mark returned."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from config import roles
from letters import services
from letters.models import DeliveryBatch, Letter
from tests import factories
from tests.factories import committed
from tests.letters.conftest import make_letter


@pytest.fixture
def batch(prisoner, facility, moderator):
    letters = [make_letter(prisoner, email=f"w{i}@example.org") for i in range(2)]
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    return services.batch_create(facility=facility, letters=letters, moderator=moderator)


@pytest.fixture
def editor_account(db):
    user = factories.make_user(email="editor@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.EDITORS))
    return user


def url(name, batch):
    return reverse(f"admin:letters_deliverybatch_{name}", args=[batch.pk])


def statuses():
    return set(Letter.objects.values_list("status", flat=True))


def test_it_shows_the_moderator_print_labels_and_mark_posted_and_no_save(client, moderator, batch):
    client.force_login(moderator)
    page = client.get(url("change", batch)).text
    assert "Print letters (PDF)" in page
    assert "Address labels (PDF)" in page
    assert "Packing sheet (PDF)" in page
    assert url("posted", batch) in page
    assert url("returned", batch) not in page  # not posted yet
    assert 'name="_save"' not in page


def test_it_prints_the_three_pdfs_for_the_moderator(client, moderator, batch):
    client.force_login(moderator)
    for name, file in (("pdf", "letters"), ("labels", "labels"), ("packing", "packing")):
        response = client.get(url(name, batch))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert f'filename="{file}-batch-{batch.pk}.pdf"' in response["Content-Disposition"]


def test_mark_posted_asks_first_then_posts_and_says_how_many(client, moderator, batch):
    client.force_login(moderator)
    confirm = client.get(url("posted", batch))
    assert confirm.status_code == 200
    assert "2 printed letters become posted" in confirm.text
    assert 'name="csrfmiddlewaretoken"' in confirm.text
    assert statuses() == {"printed"}  # a GET changes nothing

    mail.outbox.clear()
    with committed():
        response = client.post(url("posted", batch), follow=True)
    assert f"Batch {batch.pk} marked posted: 2 letters posted" in response.text
    assert statuses() == {"posted"}
    assert sorted(m.to[0] for m in mail.outbox) == ["w0@example.org", "w1@example.org"]
    # The page now offers Mark returned instead.
    assert url("returned", batch) in response.text
    assert url("posted", batch) not in response.text

    with committed():
        again = client.post(url("posted", batch), follow=True)
    assert "already marked posted" in again.text
    assert len(mail.outbox) == 2


def test_mark_returned_returns_the_posted_letters_of_the_batch(client, moderator, batch):
    services.batch_mark_posted(batch=batch, moderator=moderator, notify=False)
    answered = batch.letters.first()
    services.letter_mark_outcome(
        letter=answered, moderator=moderator, status=Letter.Status.REPLY_RECEIVED
    )
    client.force_login(moderator)
    assert "1 posted letter is marked returned" in client.get(url("returned", batch)).text
    response = client.post(url("returned", batch), follow=True)
    assert f"Batch {batch.pk}: 1 letter marked returned." in response.text
    assert sorted(batch.letters.values_list("status", flat=True)) == [
        "reply_received",
        "returned",
    ]
    nothing_left = client.post(url("returned", batch), follow=True)
    assert "nothing to mark returned" in nothing_left.text


def test_mark_returned_before_posting_is_refused_with_a_message(client, moderator, batch):
    client.force_login(moderator)
    response = client.post(url("returned", batch), follow=True)
    assert "This batch has not been posted yet." in response.text
    assert statuses() == {"printed"}


def test_an_editor_may_not_post_return_or_print(client, editor_account, batch):
    client.force_login(editor_account)
    for name in ("change", "pdf", "labels", "packing", "posted", "returned"):
        assert client.get(url(name, batch)).status_code == 403, name
    for name in ("posted", "returned"):
        assert client.post(url(name, batch)).status_code == 403, name
    assert statuses() == {"printed"}
    assert DeliveryBatch.objects.get().posted_at is None


def test_the_anonymous_are_sent_to_log_in_and_nothing_changes(client, batch):
    for name in ("pdf", "labels", "posted", "returned"):
        response = client.get(url(name, batch))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
    assert client.post(url("posted", batch)).status_code == 302
    assert statuses() == {"printed"}


def test_wrong_methods_and_unknown_batches_are_refused(client, moderator, batch):
    client.force_login(moderator)
    assert client.put(url("posted", batch)).status_code == 405
    assert client.post(url("pdf", batch)).status_code == 405
    assert client.post(url("labels", batch)).status_code == 405
    missing = reverse("admin:letters_deliverybatch_posted", args=[batch.pk + 1000])
    assert client.post(missing).status_code == 404
    assert statuses() == {"printed"}


def test_the_superuser_sees_the_buttons_too(client, editor, batch):
    # tests/conftest.py's "editor" is a superuser.
    client.force_login(editor)
    page = client.get(url("change", batch)).text
    assert url("posted", batch) in page
    with committed():
        client.post(url("posted", batch))
    assert statuses() == {"posted"}


def test_the_changelist_keeps_its_mark_posted_action(client, moderator, batch):
    client.force_login(moderator)
    page = client.get(reverse("admin:letters_deliverybatch_changelist")).text
    assert 'value="mark_posted"' in page


def test_the_batch_page_costs_the_same_for_3_or_30_letters_and_links_to_them(
    client, moderator, prisoner, facility
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(moderator)
    counts = {}
    for size in (3, 30):
        letters = [make_letter(prisoner, email=f"n{size}-{i}@example.org") for i in range(size)]
        services.letters_approve(ids=[x.pk for x in letters], moderator=moderator)
        batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url("change", batch)).text
        counts[size] = len(ctx.captured_queries)
        assert f"{size} printed" in page
        link = reverse("admin:letters_letter_changelist") + f"?batch__id__exact={batch.pk}"
        assert f'href="{link}"' in page
        listed = client.get(link)
        assert listed.status_code == 200
        assert listed.context["cl"].result_count == size
    assert counts[3] == counts[30]
