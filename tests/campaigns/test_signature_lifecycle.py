import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaigns import tasks
from campaigns.models import Signature
from tests.factories import sign

pytestmark = pytest.mark.django_db


def test_it_resends_a_confirmation_link_at_most_once_a_day(client, campaign):
    sign(client, campaign)
    sign(client, campaign)
    sign(client, campaign)
    assert len(mail.outbox) == 2, "one first mail and one extra, however often it is sent"

    Signature.objects.update(confirmation_resent_at=timezone.now() - dt.timedelta(hours=25))
    sign(client, campaign)
    assert len(mail.outbox) == 3, "a day later the link may be sent once more"
    sign(client, campaign)
    assert len(mail.outbox) == 3


def test_the_confirmation_mail_says_how_long_the_link_lasts(client, campaign, settings):
    settings.SIGNATURES_UNCONFIRMED_DAYS = 5
    sign(client, campaign)
    body = mail.outbox[0].body
    assert "within 5 days" in body
    assert "deleted" in body
    assert "will not be used again" not in body


def _signature(campaign, email, *, age_days, confirmed=False):
    signature = Signature.objects.create(
        campaign=campaign,
        display_name="A",
        country="PL",
        email=email,
        token=re.sub(r"\W", "-", email),
    )
    created = timezone.now() - dt.timedelta(days=age_days)
    Signature.objects.filter(pk=signature.pk).update(
        created_at=created, confirmed_at=created if confirmed else None
    )
    return signature


def test_the_purge_deletes_old_unconfirmed_signatures_once_and_nothing_else(client, campaign):
    days = settings.SIGNATURES_UNCONFIRMED_DAYS
    old = _signature(campaign, "old@example.org", age_days=days + 1)
    recent = _signature(campaign, "recent@example.org", age_days=days - 1)
    confirmed = _signature(campaign, "confirmed@example.org", age_days=days + 30, confirmed=True)

    assert tasks.signatures_purge_unconfirmed() == 1
    assert tasks.signatures_purge_unconfirmed() == 0
    remaining = set(Signature.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, confirmed.pk}
    assert old.pk not in remaining
    link = reverse("campaigns:sign_confirm", args=[campaign.slug, old.token])
    assert "This confirmation link is not valid" in client.get(link).text


def test_the_purge_runs_on_the_beat_schedule():
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "campaigns.tasks.signatures_purge_unconfirmed" in entries


def test_the_purge_and_a_deletion_also_forget_the_mails_sent_to_the_signer(client, campaign):
    from campaigns import services
    from outbox.models import Message

    sign(client, campaign, email="gone@example.org")
    sign(client, campaign, email="asked@example.org")
    assert Message.objects.filter(status="sent").count() == 2
    Signature.objects.filter(email="gone@example.org").update(
        created_at=timezone.now() - dt.timedelta(days=settings.SIGNATURES_UNCONFIRMED_DAYS + 1)
    )
    assert tasks.signatures_purge_unconfirmed() == 1
    assert not Message.objects.filter(to="gone@example.org").exists()
    # A signer who asks to be removed: the signature, and the mails to them.
    services.signature_delete(signature=Signature.objects.get(email="asked@example.org"))
    assert not Message.objects.exists()
