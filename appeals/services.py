"""Appeals to officials: double opt-in as signatures, then delivered per target.

A confirmed appeal is one "appeal" action in the ledger for the writer's
country (campaigns.services.action_record) and one AppealDelivery row per
target of its campaign. How a delivery leaves depends on the target:

* one e-mail per appeal: an outbox row written in the confirming transaction;
* a daily digest: appeals_digest_send (beat, once a day) writes one outbox
  row per target for every delivery still waiting, in one transaction that
  also marks them: a digest is owed exactly when its appeals are marked;
* by post: staff print the waiting ones as a PDF (appeals.pdf) and mark
  them posted when they are.
"""

import datetime as dt
import secrets
from collections import defaultdict
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealDelivery, AppealTarget
from appeals.selectors import appeal_for_page
from campaigns.models import ActionKind, Campaign
from campaigns.services import action_record, action_withdraw
from outbox import services as outbox
from outbox.models import Message

# The same rule as signatures: one re-send a day at most.
APPEAL_RESEND_AFTER = dt.timedelta(hours=24)
APPEAL_MAIL_TEMPLATES = ("appeal_confirm", "appeal_already")


class AppealError(Exception):
    pass


class AppealSubmission(NamedTuple):
    appeal: Appeal
    created: bool
    mailed: bool


def appeal_submit(
    *,
    campaign: Campaign,
    display_name: str,
    country: str,
    email: str,
    personal_note: str = "",
) -> AppealSubmission:
    """Store a pending appeal and mail its confirmation link.

    The text stored is the one in the current language, as the writer read
    it. For an address that already wrote, nothing is stored; it is mailed
    again at most once per APPEAL_RESEND_AFTER (the link, or a note that the
    appeal already counts), so the page answers every submission alike.
    """
    page = appeal_for_page(campaign=campaign)
    if page is None or not page.is_taking:
        raise AppealError(_("This campaign is not taking appeals."))
    text = page.text
    email = email.strip().lower()
    existing = Appeal.objects.filter(campaign=campaign, email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    campaign=campaign,
                    display_name=display_name.strip(),
                    country=country,
                    email=email,
                    subject=text.subject,
                    body=text.body,
                    personal_note=personal_note.strip(),
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                    token=secrets.token_urlsafe(32),
                )
                _appeal_mail(appeal)
        except IntegrityError:
            existing = Appeal.objects.get(campaign=campaign, email__iexact=email)
        else:
            return AppealSubmission(appeal, created=True, mailed=True)
    now = timezone.now()
    with transaction.atomic():
        mailed = bool(
            Appeal.objects.filter(pk=existing.pk)
            .filter(
                Q(confirmation_resent_at__isnull=True)
                | Q(confirmation_resent_at__lte=now - APPEAL_RESEND_AFTER)
            )
            .update(confirmation_resent_at=now)
        )
        if mailed:
            _appeal_mail(existing)
    return AppealSubmission(existing, created=False, mailed=mailed)


def _appeal_mail(appeal: Appeal) -> None:
    template = APPEAL_MAIL_TEMPLATES[0 if appeal.confirmed_at is None else 1]
    path = reverse("appeals:confirm", kwargs={"slug": appeal.campaign.slug, "token": appeal.token})
    context = {
        "appeal": appeal,
        "campaign": appeal.campaign,
        "confirm_url": settings.SITE_URL + path,
        "days": settings.SIGNATURES_UNCONFIRMED_DAYS,
    }
    outbox.mail_enqueue(to=appeal.email, template=template, context=context)


def appeal_confirm(*, token: str) -> tuple[Appeal, bool]:
    """Confirm an appeal: count it, and start its delivery to every target.

    Confirming twice is a no-op (the row is locked; the ledger's
    one-action-per-source constraint and one delivery per target back it up).
    """
    with transaction.atomic():
        # Only the appeal row (lock order, step 1; see campaigns.services).
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(token=token)
            .first()
        )
        if appeal is None:
            raise AppealError(_("This confirmation link is not valid."))
        if appeal.confirmed_at is not None:
            return appeal, False
        appeal.confirmed_at = timezone.now()
        appeal.save(update_fields=["confirmed_at"])
        action_record(
            source=appeal,
            kind=ActionKind.APPEAL,
            campaign=appeal.campaign,
            country=appeal.country.code,
            quantity=1,
            occurred_at=appeal.confirmed_at,
        )
        targets = list(AppealTarget.objects.filter(campaign_id=appeal.campaign_id))
        deliveries = AppealDelivery.objects.bulk_create(
            [AppealDelivery(appeal=appeal, target=t) for t in targets]
        )
        each = [d for d in deliveries if d.target.delivery == AppealTarget.Delivery.EMAIL_EACH]
        if each:
            ids = outbox.mail_enqueue_many(
                mails=[
                    outbox.Mail(
                        to=d.target.email,
                        template="appeal_single",
                        context={"appeal": appeal, "target": d.target},
                        language=d.target.language,
                    )
                    for d in each
                ]
            )
            for delivery, message_id in zip(each, ids, strict=True):
                delivery.state = AppealDelivery.State.MAILED
                delivery.message_id = message_id
            AppealDelivery.objects.bulk_update(each, ["state", "message"])
    return appeal, True


def appeals_digest_send(*, now: dt.datetime | None = None) -> int:
    """One e-mail per digest target with every confirmed appeal still waiting.

    Safe twice and concurrently: the waiting rows are locked (skipping rows
    another run holds) and marked in the transaction that writes the mails.
    Returns how many digests were written. Queries do not grow with the
    number of appeals: one read, one INSERT of mails, one UPDATE per target.
    """
    with transaction.atomic():
        waiting = list(
            AppealDelivery.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(
                state=AppealDelivery.State.PENDING,
                target__delivery=AppealTarget.Delivery.EMAIL_DIGEST,
            )
            .select_related("target", "appeal")
            .order_by("target_id", "appeal__confirmed_at", "pk")
        )
        by_target: dict[int, list[AppealDelivery]] = defaultdict(list)
        for delivery in waiting:
            by_target[delivery.target_id].append(delivery)
        if not by_target:
            return 0
        groups = list(by_target.values())
        ids = outbox.mail_enqueue_many(
            mails=[
                outbox.Mail(
                    to=group[0].target.email,
                    template="appeal_digest",
                    context={
                        "target": group[0].target,
                        "appeals": [d.appeal for d in group],
                        "count": len(group),
                    },
                    language=group[0].target.language,
                )
                for group in groups
            ]
        )
        for group, message_id in zip(groups, ids, strict=True):
            AppealDelivery.objects.filter(pk__in=[d.pk for d in group]).update(
                state=AppealDelivery.State.MAILED, message_id=message_id, changed_at=timezone.now()
            )
    return len(groups)


def appeal_deliveries_to_print(*, target: AppealTarget) -> list[AppealDelivery]:
    """What a post target's next printed batch holds: confirmed, not yet posted."""
    return list(
        AppealDelivery.objects.filter(
            target=target,
            state__in=[AppealDelivery.State.PENDING, AppealDelivery.State.PRINTED],
        )
        .select_related("appeal")
        .order_by("appeal__confirmed_at", "pk")
    )


def appeal_deliveries_mark(*, deliveries: list[AppealDelivery], state: str) -> int:
    """Move a batch on: PENDING → PRINTED when printed, PRINTED → POSTED when posted."""
    before = {
        AppealDelivery.State.PRINTED: AppealDelivery.State.PENDING,
        AppealDelivery.State.POSTED: AppealDelivery.State.PRINTED,
    }[state]
    return AppealDelivery.objects.filter(
        pk__in=[d.pk for d in deliveries],
        state=before,
        target__delivery=AppealTarget.Delivery.POST,
    ).update(state=state, changed_at=timezone.now())


def _appeal_mails_forget(*, emails: list[str]) -> None:
    # As for signatures: the writer's address goes with the appeal, and so
    # do the copies in mails already sent to it.
    if emails:
        Message.objects.filter(
            to__in=emails,
            template__in=APPEAL_MAIL_TEMPLATES,
            status__in=[Message.Status.SENT, Message.Status.FAILED],
        ).delete()


def appeal_delete(*, appeal: Appeal) -> None:
    """Remove an appeal (its writer asked) and its action; undelivered copies go too."""
    with transaction.atomic():
        action_withdraw(source=appeal)
        appeal.delete()
        _appeal_mails_forget(emails=[appeal.email])


def appeals_unconfirmed_purge(*, older_than: dt.timedelta) -> int:
    """Delete appeals never confirmed within ``older_than``; how many went."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        rows = list(
            Appeal.objects.select_for_update(skip_locked=True)
            .filter(confirmed_at__isnull=True, created_at__lt=cutoff)
            .values_list("pk", "email")
        )
        deleted, _by_model = Appeal.objects.filter(
            pk__in=[pk for pk, _email in rows], confirmed_at__isnull=True
        ).delete()
        _appeal_mails_forget(emails=[email for _pk, email in rows])
    return deleted
