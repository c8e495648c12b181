"""Real parallel transactions on PostgreSQL: an appeal confirmed from several
tabs at once counts and is sent once; two digest runs at once send one digest."""

from appeals import services
from appeals.models import Appeal, AppealDelivery, AppealTarget
from campaigns.models import Action
from outbox.models import Message
from tests.campaigns.test_concurrency import _run_in_threads, postgresql  # noqa: F401


def _appeal(campaign, i):
    return Appeal.objects.create(
        campaign=campaign,
        display_name=f"Writer {i}",
        country="LT",
        email=f"w{i}@example.org",
        subject="s",
        body="b",
        language="en",
        token=f"tok-{i}",
    )


def test_it_confirms_one_appeal_from_four_tabs_once(postgresql, appeal_campaign):  # noqa: F811
    appeal = _appeal(appeal_campaign, 0)
    newly = []

    def confirm():
        newly.append(services.appeal_confirm(token=appeal.token)[1])

    assert _run_in_threads([confirm] * 4) == []
    assert sorted(newly) == [False, False, False, True]
    assert Action.objects.filter(kind="appeal").count() == 1
    assert AppealDelivery.objects.count() == 2
    assert Message.objects.filter(template="appeal_single").count() == 1


def test_two_digest_runs_at_once_send_one_digest(postgresql, appeal_campaign):  # noqa: F811
    AppealTarget.objects.filter(delivery="email_each").update(delivery="email_digest")
    for i in range(5):
        services.appeal_confirm(token=_appeal(appeal_campaign, i).token)

    assert _run_in_threads([services.appeals_digest_send] * 2) == []
    assert Message.objects.filter(template="appeal_digest").count() == 1
    mailed = AppealDelivery.objects.filter(target__delivery="email_digest")
    assert set(mailed.values_list("state", flat=True)) == {"mailed"}
    assert len(set(mailed.values_list("message_id", flat=True))) == 1
