from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from config.antispam import RateLimit
from letters import services, wall
from letters.forms import LetterBodyForm, LetterForm
from letters.models import Letter
from prisoners.models import Prisoner


def _published_prisoner(slug: str) -> Prisoner:
    try:
        return Prisoner.objects.published().get(slug=slug)
    except Prisoner.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "HEAD", "POST"])
def write(request, slug):
    # One query for the prisoner, their facility and running campaigns.
    target = services.prisoner_write_target(slug=slug)
    if target is None:
        raise Http404
    prisoner, facility, campaigns = target
    context = {"prisoner": prisoner, "max_chars": settings.LETTERS_BODY_MAX_CHARS}
    if not services.prisoner_can_be_written_to(prisoner=prisoner):
        # Released or died: nothing to submit, and the page says why.
        return render(request, "letters/write_closed.html", context)
    languages = prisoner.letter_language_codes
    initial = {}
    if request.method != "POST":
        wanted = request.GET.get("campaign", "")
        chosen = next((c for c in campaigns if c.slug == wanted), None)
        if chosen is None and len(campaigns) == 1:
            chosen = campaigns[0]
        if chosen:
            initial["campaign"] = chosen.pk
        if request.GET.get("kind") in Letter.Kind.values:
            initial["kind"] = request.GET["kind"]
    # An empty POST is a bound form too (with errors), not a fresh page.
    form = LetterForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        campaigns=campaigns,
        languages=languages,
        preferred_language=get_language(),
        rate_limit=RateLimit.for_request(
            request, scope="letters", limit=settings.LETTERS_RATE_LIMIT_PER_HOUR, period=3600
        ),
    )
    if request.method == "POST" and form.is_valid():
        if form.over_rate_limit:
            form.add_error(
                None,
                _(
                    "You have sent several letters in a short time. Please wait an hour and "
                    "send this one again; your text is still here."
                ),
            )
        else:
            data = form.cleaned_data
            services.letter_submit(
                prisoner=prisoner,
                campaign=data.get("campaign", services.RUNNING_CAMPAIGN),
                kind=data["kind"],
                body=data["body"],
                language=data["language"],
                sender_name=data["sender_name"],
                sender_email=data["sender_email"],
                country=data["country"],
                facility=facility,
                running_campaigns=campaigns,
                wall_consent=data["wall_consent"],
            )
            url = reverse("letters:sent", kwargs={"slug": prisoner.slug})
            if not services.prisoner_receives_letters_now(prisoner=prisoner, facility=facility):
                url += "?held=1"
            return redirect(url)
    context.update(
        {
            "form": form,
            "facility": facility,
            "receives_now": services.prisoner_receives_letters_now(
                prisoner=prisoner, facility=facility
            ),
        }
    )
    return render(request, "letters/write.html", context)


@require_safe
def sent(request, slug):
    prisoner = _published_prisoner(slug)
    return render(
        request, "letters/sent.html", {"prisoner": prisoner, "held": "held" in request.GET}
    )


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, token):
    letter = Letter.objects.select_related("prisoner").filter(withdraw_token=token).first()
    if letter is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            letter = services.letter_withdraw(token=token)
        except services.LetterError as e:
            error = str(e)
    return render(request, "letters/withdraw.html", {"letter": letter, "error": error})


@require_http_methods(["POST"])
def wall_consent_withdraw(request, token):
    """The writer takes back their consent to be quoted (a button on the withdraw page)."""
    try:
        letter = wall.wall_consent_withdraw(token=token)
    except Letter.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "letters/withdraw.html",
        {"letter": letter, "error": None, "wall_withdrawn": True},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, token):
    """The writer changes a letter a moderator sent back (link in their e-mail)."""
    letter = Letter.objects.select_related("prisoner").filter(withdraw_token=token).first()
    if letter is None:
        raise Http404
    form = None
    if letter.status == Letter.Status.NEEDS_CHANGES:
        form = LetterBodyForm(
            request.POST if request.method == "POST" else None, initial={"body": letter.body}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.letter_resubmit(token=token, body=form.cleaned_data["body"])
            except services.LetterError as e:
                form.add_error(None, str(e))
            else:
                return redirect(reverse("letters:edit", kwargs={"token": token}) + "?sent=1")
    return render(
        request,
        "letters/edit.html",
        {
            "letter": letter,
            "form": form,
            "sent": "sent" in request.GET and letter.status == Letter.Status.SUBMITTED,
            "max_chars": settings.LETTERS_BODY_MAX_CHARS,
        },
    )
