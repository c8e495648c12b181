from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from appeals import selectors, services
from appeals.forms import AppealForm
from appeals.models import Appeal
from campaigns.models import Campaign
from campaigns.selectors import campaign_get_published
from config.antispam import rate_limited


def _get_campaign(slug: str) -> Campaign:
    try:
        return campaign_get_published(slug=slug, with_prisoners=False)
    except Campaign.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "HEAD", "POST"])
def appeal_write(request, slug):
    campaign = _get_campaign(slug)
    appeal = selectors.appeal_for_page(campaign=campaign)
    if appeal is None:
        # No appeal text or no target at all: nothing to write to.
        raise Http404
    context = {"campaign": campaign, "appeal": appeal}
    if not appeal.is_taking:
        return render(request, "appeals/write.html", {**context, "closed": True})
    form = AppealForm(request.POST if request.method == "POST" else None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        if rate_limited(
            request,
            scope="appeal",
            limit=settings.APPEAL_RATE_LIMIT,
            period=settings.APPEAL_RATE_PERIOD,
        ):
            form.add_error(
                None, _("Too many appeals from here in a short time. Please try again later.")
            )
        else:
            try:
                services.appeal_submit(
                    campaign=campaign,
                    display_name=form.cleaned_data["display_name"],
                    country=form.cleaned_data["country"],
                    email=form.cleaned_data["email"],
                    personal_note=form.cleaned_data["personal_note"],
                )
            except services.AppealError as error:
                form.add_error(None, str(error))
                return render(request, "appeals/write.html", context)
            # The same answer for a new, pending or counted address: the page
            # must not tell anyone who wrote.
            days = settings.SIGNATURES_UNCONFIRMED_DAYS
            messages.success(
                request,
                ngettext(
                    "Thank you! We sent you an e-mail: open the link in it within %(days)d "
                    "day to confirm your appeal. It is counted and sent once confirmed.",
                    "Thank you! We sent you an e-mail: open the link in it within %(days)d "
                    "days to confirm your appeal. It is counted and sent once confirmed.",
                    days,
                )
                % {"days": days},
            )
            return redirect(campaign.get_absolute_url())
    return render(request, "appeals/write.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def appeal_confirm(request, slug, token):
    # GET only shows a button: mail scanners that open links must not confirm.
    campaign = _get_campaign(slug)
    appeal = Appeal.objects.filter(campaign=campaign, token=token).first()
    if appeal is not None and request.method == "POST":
        try:
            newly = services.appeal_confirm(token=token)[1]
        except services.AppealError:
            appeal = None
        else:
            if newly:
                messages.success(request, _("Your appeal is confirmed and counted. Thank you!"))
            else:
                messages.info(request, _("Your appeal was already confirmed. Thank you!"))
            return redirect(campaign.get_absolute_url())
    if appeal is None:
        return render(
            request, "appeals/confirm.html", {"campaign": campaign, "invalid": True}, status=404
        )
    return render(request, "appeals/confirm.html", {"campaign": campaign, "appeal": appeal})
