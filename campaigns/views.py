import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_safe

from campaigns import charts, mapdata, selectors, services
from campaigns.forms import SignatureForm
from campaigns.models import Campaign, Signature
from config.antispam import RateLimit


def _get_campaign(slug: str, *, with_prisoners: bool = False) -> Campaign:
    # Only the campaign page shows its prisoners; the others skip that query.
    try:
        return selectors.campaign_get_published(slug=slug, with_prisoners=with_prisoners)
    except Campaign.DoesNotExist:
        raise Http404 from None


@require_safe
def campaign_list(request):
    return render(
        request,
        "campaigns/campaign_list.html",
        {"campaigns": selectors.campaign_list_published()},
    )


def map_context(data: selectors.MapData, *, events_url: str) -> dict:
    """What templates/campaigns/_map.html needs; /map/ uses it too."""
    return {
        "map": data,
        "tally": data.tally,
        "map_json": data.as_json(events_url=events_url),
        "none_colour": mapdata.NO_ACTIONS_COLOUR,
        "table_kinds": selectors.table_kinds(),
        "site_url": settings.SITE_URL,
    }


def _events_url(campaign: Campaign) -> str:
    # Served by the events app (by URL name, not an import); the map works
    # without it (no markers). Reversed in the page's language: the labels
    # in the GeoJSON are in the language of its address.
    return reverse("events:geojson") + "?" + urlencode({"campaign": campaign.slug})


@require_safe
def campaign_detail(request, slug):
    campaign = _get_campaign(slug, with_prisoners=True)
    data = selectors.campaign_map_data(campaign=campaign)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            **map_context(data, events_url=_events_url(campaign)),
            # Callable: the template calls it only when its cached fragment is cold.
            "chart": lambda: charts.daily_chart_svg(
                data.days, first=campaign.starts_on, last=campaign.ends_on
            ),
            "map_files": selectors.campaign_map_files(campaign=campaign),
            "tally_api_url": reverse("campaigns_api:tally", kwargs={"slug": campaign.slug}),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def campaign_sign(request, slug):
    campaign = _get_campaign(slug)
    if campaign.has_ended:
        return render(request, "campaigns/sign.html", {"campaign": campaign, "closed": True})
    # Not `request.POST or None`: an empty POST must show the required fields.
    form = SignatureForm(
        request.POST if request.method == "POST" else None,
        rate_limit=RateLimit.for_request(
            request,
            scope="sign",
            limit=settings.SIGNATURE_RATE_LIMIT,
            period=settings.SIGNATURE_RATE_PERIOD,
        ),
    )
    if request.method == "POST" and form.is_valid():
        if form.over_rate_limit:
            form.add_error(
                None, _("Too many signatures from here in a short time. Please try again later.")
            )
        else:
            try:
                services.signature_submit(
                    campaign=campaign,
                    display_name=form.cleaned_data["display_name"],
                    country=form.cleaned_data["country"],
                    email=form.cleaned_data["email"],
                )
            except services.SignatureError as error:
                # The campaign ended (or was withdrawn) since the check above.
                form.add_error(None, str(error))
                return render(request, "campaigns/sign.html", {"campaign": campaign, "form": form})
            # The same answer whether the address is new, pending or already
            # counted: the page must not tell anyone who has signed. The
            # address's owner learns the rest by e-mail.
            days = settings.SIGNATURES_UNCONFIRMED_DAYS
            messages.success(
                request,
                ngettext(
                    "Thank you! We sent you an e-mail: open the link in it within %(days)d "
                    "day to confirm your signature. It counts once confirmed.",
                    "Thank you! We sent you an e-mail: open the link in it within %(days)d "
                    "days to confirm your signature. It counts once confirmed.",
                    days,
                )
                % {"days": days},
            )
            return redirect(campaign.get_absolute_url())
    return render(request, "campaigns/sign.html", {"campaign": campaign, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def campaign_sign_confirm(request, slug, token):
    # GET only shows a button: mail scanners that open links must not confirm.
    campaign = _get_campaign(slug)
    signature = Signature.objects.filter(campaign=campaign, token=token).first()
    if signature is not None and request.method == "POST":
        try:
            newly = services.signature_confirm(token=token)[1]
        except services.SignatureError:
            # Deleted since it was read above (the purge of unconfirmed ones).
            signature = None
        else:
            if newly:
                messages.success(request, _("Your signature is confirmed and counted. Thank you!"))
            else:
                messages.info(request, _("Your signature was already confirmed. Thank you!"))
            return redirect(campaign.get_absolute_url())
    if signature is None:
        return render(
            request,
            "campaigns/sign_confirm.html",
            {"campaign": campaign, "invalid": True},
            status=404,
        )
    return render(
        request, "campaigns/sign_confirm.html", {"campaign": campaign, "signature": signature}
    )


@require_safe
def campaign_tally_api(request, slug):
    campaign = _get_campaign(slug)
    # Per language: the country names in it are translated (Accept-Language).
    stamp = campaign.tallied_at and campaign.tallied_at.timestamp()
    key = f"tally-api:{get_language()}:{campaign.pk}:{stamp}"
    body = cache.get(key)
    if body is None:
        body = json.dumps(selectors.campaign_tally_payload(campaign=campaign))
        cache.set(key, body, settings.TALLY_API_CACHE_SECONDS)
    response = JsonResponse(json.loads(body))
    response["Cache-Control"] = f"public, max-age={settings.TALLY_API_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@xframe_options_exempt
@require_safe
def campaign_embed(request, slug):
    campaign = _get_campaign(slug)
    data = selectors.campaign_map_data(campaign=campaign)
    response = render(
        request,
        "campaigns/embed.html",
        {"campaign": campaign, **map_context(data, events_url=""), "small": True},
    )
    # Partner sites frame this page; every other page refuses framing.
    response.csp_frame_ancestors = "*"
    return response
