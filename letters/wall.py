"""The wall of solidarity: short excerpts of letters (and of prisoners'
replies) shown on the campaign and prisoner pages.

Who may be quoted is decided by WallExcerpt.objects.public(), read on every
page view; the functions here check an excerpt before it is saved, approve
it, and take consent back. Public pages are cached for a few seconds
(config.pagecache): anything that takes an excerpt off drops the cached
pages it was on, after the commit.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.pagecache import public_page_forget
from letters.models import QUOTABLE_STATUSES, Letter, LetterLog, WallExcerpt

_ELLIPSIS = re.compile(r"^(…|\.\.\.)|(…|\.\.\.)$")


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def excerpt_in_letter(*, text: str, letter: Letter) -> bool:
    """Whether the excerpt is a part of the letter's text or of its translation.

    Spaces and line breaks count as one space and case is ignored; a leading
    or trailing ellipsis marks the cut.
    """
    wanted = _normalise(_ELLIPSIS.sub("", text.strip()))
    if not wanted:
        return False
    return any(
        wanted in _normalise(source) for source in (letter.body, letter.translation) if source
    )


def excerpt_validate(*, letter: Letter, source: str, text: str, consent_note: str) -> None:
    """Raise a ValidationError keyed by field when the excerpt may not be quoted."""
    errors = {}
    if source == WallExcerpt.Source.LETTER:
        if not letter.wall_consent:
            errors["letter"] = _(
                "The writer did not agree to be quoted on the wall (or took it back)."
            )
        elif letter.status not in QUOTABLE_STATUSES:
            errors["letter"] = _("Only an approved letter can be quoted.")
        elif not excerpt_in_letter(text=text, letter=letter):
            errors["text"] = _(
                "The excerpt must be copied from the letter's text or its translation."
            )
    else:
        if letter.status != Letter.Status.REPLY_RECEIVED:
            errors["letter"] = _(
                "A reply can be quoted only from a letter whose state is “Reply received”."
            )
        if not consent_note.strip():
            errors["consent_note"] = _(
                "Note who agreed that the reply is quoted (the prisoner or their family)."
            )
    if errors:
        raise ValidationError(errors)


def wall_pages_forget(*, letter: Letter) -> None:
    """Drop the cached pages that may show the letter's excerpts, after the commit."""

    def forget():
        public_page_forget("prisoners:detail", slug=letter.prisoner.slug)
        if letter.campaign_id:
            public_page_forget("campaigns:detail", slug=letter.campaign.slug)

    transaction.on_commit(forget)


def excerpt_approve(*, excerpt: WallExcerpt, moderator) -> WallExcerpt:
    with transaction.atomic():
        letter = Letter.objects.select_for_update(of=("self",)).get(pk=excerpt.letter_id)
        excerpt_validate(
            letter=letter,
            source=excerpt.source,
            text=excerpt.text,
            consent_note=excerpt.consent_note,
        )
        excerpt.approved_by = moderator
        excerpt.approved_at = timezone.now()
        excerpt.save(update_fields=["approved_by", "approved_at"])
        wall_pages_forget(letter=letter)
    return excerpt


def excerpts_take_off(*, excerpts) -> int:
    """Take excerpts off the wall (they stay, unapproved, for the record)."""
    with transaction.atomic():
        rows = list(excerpts.select_related("letter__prisoner", "letter__campaign"))
        count = WallExcerpt.objects.filter(pk__in=[e.pk for e in rows]).update(
            approved_at=None, approved_by=None
        )
        for letter in {e.letter_id: e.letter for e in rows}.values():
            wall_pages_forget(letter=letter)
    return count


def wall_consent_withdraw(*, token: str) -> Letter:
    """The writer takes back their consent: their excerpts leave the wall at once."""
    with transaction.atomic():
        letter = (
            Letter.objects.select_for_update(of=("self",))
            .select_related("prisoner", "campaign")
            .get(withdraw_token=token)
        )
        if letter.wall_consent:
            letter.wall_consent = False
            letter.save(update_fields=["wall_consent"])
            LetterLog.objects.create(
                letter=letter,
                action=LetterLog.Action.WALL_CONSENT_WITHDRAWN,
                from_status=letter.status,
                to_status=letter.status,
            )
            wall_pages_forget(letter=letter)
    return letter
