"""The letters' review queue in the admin: one letter at a time, decided
with one key, through the same services as everything else.

Claims (who is reading which letter) are config/review.py's; the decisions
are letters.services'. This module only reads what a moderator needs beside
the text and dispatches the button pressed.
"""

import re
import unicodedata

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from config import review as claims
from letters import services
from letters.models import Letter

SESSION_SKIPPED = "review_skipped_letters"
SKIPPED_KEPT = 500
# Near duplicates: compared against this many recent letters to the same prisoner.
NEAR_WINDOW = 200
NEAR_THRESHOLD = 0.5


def waiting():
    """Letters a moderator can decide now: submitted, and not waiting for a translator."""
    return (
        Letter.objects.filter(status=Letter.Status.SUBMITTED)
        .exclude(needs_translation=True, translation="")
        .select_related("prisoner", "campaign")
        .order_by("created_at", "pk")
    )


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())
    return {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def letter_near_duplicates(*, letter: Letter) -> list[tuple[int, int]]:
    """(id, percent) of recent letters to the same prisoner sharing most of
    their three-word phrases with this one (Jaccard similarity of the sets
    of word triples, at least NEAR_THRESHOLD): the same template with a
    changed name or greeting. Exact copies are ``is_duplicate`` already."""
    mine = _shingles(letter.body)
    others = (
        Letter.objects.filter(prisoner_id=letter.prisoner_id)
        .exclude(pk=letter.pk)
        .exclude(body_fingerprint=letter.body_fingerprint)
        .order_by("-created_at")
        .values_list("pk", "body")[:NEAR_WINDOW]
    )
    found = []
    for pk, body in others:
        theirs = _shingles(body)
        similarity = len(mine & theirs) / len(mine | theirs)
        if similarity >= NEAR_THRESHOLD:
            found.append((pk, round(similarity * 100)))
    return sorted(found, key=lambda pair: -pair[1])[:5]


def _context(letter: Letter) -> dict:
    same_text = list(
        Letter.objects.filter(body_fingerprint=letter.body_fingerprint)
        .exclude(pk=letter.pk)
        .order_by("created_at")
        .values_list("pk", flat=True)[:5]
    )
    earlier = {"total": 0, "approved": 0, "rejected": 0}
    if letter.sender_email:
        # Addresses are erased after posting (letters_erase_emails): the
        # count covers the letters still on file.
        earlier = Letter.objects.filter(
            sender_email__iexact=letter.sender_email, created_at__lt=letter.created_at
        ).aggregate(
            total=Count("pk"),
            approved=Count(
                "pk",
                filter=Q(
                    status__in=[
                        Letter.Status.APPROVED,
                        Letter.Status.PRINTED,
                        Letter.Status.POSTED,
                        Letter.Status.RETURNED,
                        Letter.Status.REPLY_RECEIVED,
                    ]
                ),
            ),
            rejected=Count("pk", filter=Q(status=Letter.Status.REJECTED)),
        )
    prisoner = letter.prisoner
    return {
        "letter": letter,
        "prisoner": prisoner,
        "facility": services.prisoner_current_facility(prisoner=prisoner),
        "language_accepted": not prisoner.letter_language_codes
        or letter.language in prisoner.letter_language_codes,
        "same_text": same_text,
        "near": letter_near_duplicates(letter=letter),
        "earlier": earlier,
    }


class ReviewForm(forms.Form):
    DECISIONS = ["approve", "reject", "changes", "translation", "skip"]

    decision = forms.ChoiceField(choices=[(d, d) for d in DECISIONS])
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "—")] + Letter.RejectReason.choices,
        required=False,
    )
    note = forms.CharField(
        label=_("What should the writer change? (e-mailed to them)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason"):
            self.add_error("reason", _("Choose a reason for rejecting the letter."))
        if data.get("decision") == "changes" and not data.get("note", "").strip():
            self.add_error("note", _("Write what the writer should change."))
        return data


def _allowed(request) -> None:
    if not request.user.has_perm("letters.change_letter"):
        raise PermissionDenied


def _page(request, admin_site, letter: Letter | None, form: ReviewForm, status: int = 200):
    context = {
        **admin_site.each_context(request),
        "title": _("Review queue: letters"),
        "opts": Letter._meta,
        "form": form,
        "waiting": claims.claims_waiting(waiting=waiting(), user=request.user),
        "skipped": len(request.session.get(SESSION_SKIPPED, [])),
        "waiting_translation": Letter.objects.filter(
            status=Letter.Status.SUBMITTED, needs_translation=True, translation=""
        ).count(),
        "lease_minutes": int(claims.LEASE.total_seconds() // 60),
        "letter": letter,
    }
    if letter is not None:
        context.update(_context(letter))
    return TemplateResponse(request, "letters/admin/review.html", context, status=status)


def _skip(request, pk: int) -> None:
    skipped = request.session.get(SESSION_SKIPPED, [])
    request.session[SESSION_SKIPPED] = (skipped + [pk])[-SKIPPED_KEPT:]


@require_GET
def queue_view(request, admin_site):
    """Claim the next letter (or keep the one this moderator holds) and show it."""
    _allowed(request)
    if request.GET.get("again"):
        request.session.pop(SESSION_SKIPPED, None)
        return HttpResponseRedirect(reverse("admin:letters_letter_review"))
    letter = claims.claim_next(
        waiting=waiting(), user=request.user, skip=request.session.get(SESSION_SKIPPED, [])
    )
    return _page(request, admin_site, letter, ReviewForm())


@require_POST
def decide_view(request, admin_site, pk: int):
    _allowed(request)
    letter = get_object_or_404(Letter.objects.select_related("prisoner", "campaign"), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _page(request, admin_site, letter, form, status=400)
    decision = form.cleaned_data["decision"]
    queue = HttpResponseRedirect(reverse("admin:letters_letter_review"))
    if decision == "skip":
        _skip(request, letter.pk)
        claims.claim_release(model=Letter, pk=letter.pk, user=request.user)
        return queue
    if not claims.claim_holds(model=Letter, pk=letter.pk, user=request.user):
        messages.warning(
            request,
            _("Letter %(id)s is being reviewed by another moderator; it was left to them.")
            % {"id": letter.pk},
        )
        return queue
    user = request.user
    try:
        with transaction.atomic():
            if decision == "approve":
                services.letter_approve(letter=letter, moderator=user)
                done = _("Letter %(id)s approved.")
            elif decision == "reject":
                services.letter_reject(
                    letter=letter, moderator=user, reason=form.cleaned_data["reason"]
                )
                done = _("Letter %(id)s rejected.")
            elif decision == "changes":
                services.letter_request_changes(
                    letter=letter, moderator=user, note=form.cleaned_data["note"]
                )
                done = _("Letter %(id)s: the writer was asked for changes.")
            else:
                services.letter_mark_needs_translation(letter=letter, moderator=user)
                done = _("Letter %(id)s handed to the translators.")
                # One that has a translation already stays in the queue: do
                # not show it again in this round.
                _skip(request, letter.pk)
            claims.claim_release(model=Letter, pk=letter.pk, user=user)
    except services.LetterError as error:
        claims.claim_release(model=Letter, pk=letter.pk, user=user)
        messages.warning(request, f"#{letter.pk}: {error}")
        return queue
    messages.success(request, done % {"id": letter.pk})
    return queue
