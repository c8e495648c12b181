"""Through a real Celery worker on Redis (CI's PostgreSQL run)."""

import pytest

from letters import services
from letters.models import Letter
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
    assert wait_for(lambda: not Letter.objects.filter(confirmation_sent_at=None).exists())
    for letter in letters:
        services.letter_approve(letter=letter, moderator=moderator)
    batch = services.batch_create(facility=facility, letters=letters, moderator=moderator)
    services.batch_mark_posted(batch=batch, moderator=moderator)
    assert wait_for(lambda: not Letter.objects.filter(posted_notified_at=None).exists())
    assert wait_for(lambda: type(campaign).objects.get(pk=campaign.pk).actions_total == 3), (
        "the campaign total did not reach 3"
    )
