"""Signatures: double opt-in, counted in the ledger once confirmed."""

import datetime as dt
import secrets
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import ActionKind, Campaign, Signature
from campaigns.services.ledger import action_record, action_withdraw
from outbox import services as outbox
from outbox.models import Message


class SignatureError(Exception):
    pass


def _normalise_email(email: str) -> str:
    return email.strip().lower()


# Resubmitting an unconfirmed address sends its link again once, then no
# more until this long after that re-send: the form cannot be used to flood
# someone's mailbox.
SIGNATURE_RESEND_AFTER = dt.timedelta(hours=24)

# The link to confirm, and the note that the address already counts.
SIGNATURE_MAIL_TEMPLATES = ("signature_confirm", "signature_already")


class SignatureSubmission(NamedTuple):
    signature: Signature
    created: bool
    # Whether a confirmation e-mail goes out for this submission.
    mailed: bool


def signature_submit(
    *, campaign: Campaign, display_name: str, country: str, email: str
) -> SignatureSubmission:
    """Add a pending signature and mail its confirmation link.

    For an address that already signed, nothing is stored; that address
    (and only it) is mailed again at most once per SIGNATURE_RESEND_AFTER:
    the link if still unconfirmed, a note that it already counts if not.
    """
    if not campaign.is_published or campaign.has_ended:
        raise SignatureError(_("This campaign is not collecting signatures."))
    email = _normalise_email(email)
    # Insert first: most submissions are a new address, and the unique
    # constraint on (campaign, lower(email)) tells a known one apart, also
    # when two submissions of it race. One query fewer than looking first.
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                campaign=campaign,
                display_name=display_name.strip(),
                country=country,
                email=email,
                token=secrets.token_urlsafe(32),
            )
            _signature_mail(signature)
    except IntegrityError:
        existing = Signature.objects.get(campaign=campaign, email__iexact=email)
    else:
        return SignatureSubmission(signature, created=True, mailed=True)
    # A conditional UPDATE claims the mail: of two submissions at the same
    # moment, one sends it, and an address gets at most one a day. A
    # confirmed signature gets a short "you already signed" note instead of
    # a link, so the page can answer every submission the same way.
    now = timezone.now()
    with transaction.atomic():
        mailed = bool(
            Signature.objects.filter(pk=existing.pk)
            .filter(
                Q(confirmation_resent_at__isnull=True)
                | Q(confirmation_resent_at__lte=now - SIGNATURE_RESEND_AFTER)
            )
            .update(confirmation_resent_at=now)
        )
        if mailed:
            _signature_mail(existing)
    return SignatureSubmission(existing, created=False, mailed=mailed)


def _signature_mail(signature: Signature) -> None:
    # An outbox row in the caller's transaction: sent by the worker, retried
    # until it goes out (outbox.services), in the language of this request.
    template = SIGNATURE_MAIL_TEMPLATES[0 if signature.confirmed_at is None else 1]
    path = reverse(
        "campaigns:sign_confirm",
        kwargs={"slug": signature.campaign.slug, "token": signature.token},
    )
    context = {
        "signature": signature,
        "campaign": signature.campaign,
        "confirm_url": settings.SITE_URL + path,
        "days": settings.SIGNATURES_UNCONFIRMED_DAYS,
    }
    outbox.mail_enqueue(to=signature.email, template=template, context=context)


def signature_confirm(*, token: str) -> tuple[Signature, bool]:
    """Confirm a signature and count it; (signature, newly confirmed).

    Confirming twice is a no-op: the row is locked, and the ledger's
    one-action-per-source constraint backs that up. SignatureError when no
    signature has this token (any more).
    """
    with transaction.atomic():
        # Only the signature row (lock order, step 1): a plain
        # select_for_update with select_related also locks the campaign row,
        # which the recompute writes while it holds the tally key this
        # transaction is about to wait for — a deadlock.
        signature = (
            Signature.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(token=token)
            .first()
        )
        if signature is None:
            # Never issued, or deleted meanwhile (the purge of unconfirmed ones).
            raise SignatureError(_("This confirmation link is not valid."))
        if signature.confirmed_at is not None:
            return signature, False
        signature.confirmed_at = timezone.now()
        signature.save(update_fields=["confirmed_at"])
        action_record(
            source=signature,
            kind=ActionKind.SIGNATURE,
            campaign=signature.campaign,
            country=signature.country.code,
            quantity=1,
            occurred_at=signature.confirmed_at,
        )
    return signature, True


def signatures_unconfirmed_purge(*, older_than: dt.timedelta) -> int:
    """Delete signatures never confirmed within ``older_than``; how many went.

    They were never counted, so there is no action to withdraw. The rows are
    locked first (skipping any being confirmed right now) and deleted only if
    still unconfirmed: a confirmation never loses its signature.
    """
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        rows = list(
            Signature.objects.select_for_update(skip_locked=True)
            .filter(confirmed_at__isnull=True, created_at__lt=cutoff)
            .values_list("pk", "email")
        )
        deleted, _by_model = Signature.objects.filter(
            pk__in=[pk for pk, _email in rows], confirmed_at__isnull=True
        ).delete()
        _signature_mails_forget(emails=[email for _pk, email in rows])
    return deleted


def _signature_mails_forget(*, emails: list[str]) -> None:
    # The signer's address and name went with the signature; so do the
    # copies in the mails already sent to it. Owed mails stay (the same
    # address may have just signed another campaign).
    if emails:
        Message.objects.filter(
            to__in=emails,
            template__in=SIGNATURE_MAIL_TEMPLATES,
            status__in=[Message.Status.SENT, Message.Status.FAILED],
        ).delete()


def signature_delete(*, signature: Signature) -> None:
    """Remove a signature (e.g. on its signer's request) and its action with it."""
    with transaction.atomic():
        action_withdraw(source=signature)
        signature.delete()
        _signature_mails_forget(emails=[signature.email])
