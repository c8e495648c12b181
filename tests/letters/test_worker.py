"""Through a real Celery worker on Redis (CI's PostgreSQL run)."""

import pytest

from letters import services
from outbox.models import Message
from tests import factories
from tests.campaigns.test_worker import wait_for

pytestmark = pytest.mark.worker


def test_the_worker_confirms_counts_and_tells_writers_a_batch_was_posted(real_worker):
    facility = factories.make_facility()
    prisoner = factories.make_prisoner(facility=facility)
    campaign = factories.make_campaign(prisoners=[prisoner])
    moderator = factories.make_user(is_staff=True)
    letters = [
        services.letter_submit(
            prisoner=prisoner,
            kind="letter",
            body=f"Warm greetings number {i} from Vilnius.",
            language="ru",
            sender_name="Hanna",
            sender_email=f"hanna{i}@example.org",
            country="LT",
        )
        for i in range(3)
    ]
    assert wait_for(lambda: Message.objects.filter(status="sent").count() == 3)
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
    services.batch_mark_posted(batch=batch, moderator=moderator)
    assert wait_for(
        lambda: Message.objects.filter(template="letter_posted", status="sent").count() == 3
    )
    assert wait_for(lambda: type(campaign).objects.get(pk=campaign.pk).actions_total == 3), (
        "the campaign total did not reach 3"
    )


def test_the_worker_e_mails_a_request_for_changes_once(real_worker):
    prisoner = factories.make_prisoner(facility=factories.make_facility())
    moderator = factories.make_user(is_staff=True)
    letter = services.letter_submit(
        prisoner=prisoner,
        kind="letter",
        body="Warm greetings from Vilnius, and about the trial too.",
        language="ru",
        sender_name="Hanna",
        sender_email="hanna@example.org",
        country="LT",
    )
    services.letter_request_changes(letter=letter, moderator=moderator, note="Leave out the trial.")
    assert wait_for(lambda: Message.objects.filter(status="sent").count() == 2), (
        "the worker did not send the confirmation and the request for changes"
    )
    assert sorted(Message.objects.values_list("template", flat=True)) == [
        "letter_needs_changes",
        "letter_received",
    ]
