from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from campaigns import selectors
from campaigns.models import ActionKind, Campaign


@require_safe
def campaign_list(request):
    return render(
        request,
        "campaigns/campaign_list.html",
        {"campaigns": selectors.campaign_list_published()},
    )


@require_safe
def campaign_detail(request, slug):
    try:
        campaign = selectors.campaign_get_published(slug=slug)
    except Campaign.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "tally": selectors.campaign_tally(campaign_id=campaign.pk),
            "table_kinds": [(k, ActionKind(k).label) for k in selectors.TABLE_KINDS],
        },
    )
