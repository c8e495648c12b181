import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from prisoners import selectors
from prisoners.models import Prisoner

PAGE_SIZE = 24


@require_safe
def prisoner_list(request):
    status = request.GET.get("status", "")
    if status not in Prisoner.Status.values:
        status = ""
    order = request.GET.get("order", "")
    if order not in selectors.ORDERINGS:
        order = ""
    page = Paginator(
        selectors.prisoner_list(status=status or None, order=order or None), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = {k: v for k, v in (("status", status), ("order", order)) if v}
    return render(
        request,
        "prisoners/prisoner_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Prisoner.Status.choices,
            "order": order,
            "querystring_prefix": urlencode(query) + "&" if query else "",
        },
    )


@require_safe
def prisoner_detail(request, slug):
    try:
        prisoner = selectors.prisoner_get_published(slug=slug)
    except Prisoner.DoesNotExist:
        raise Http404 from None
    imprisonments = list(prisoner.imprisonments.all())
    current = next((i for i in imprisonments if i.until is None), None)
    return render(
        request,
        "prisoners/prisoner_detail.html",
        {
            "prisoner": prisoner,
            "current": current,
            "past": [i for i in imprisonments if i.until is not None],
            "timeline": prisoner.case_events.all(),
            # A leap year so that 29 February can be shown.
            "birthday": dt.date(2000, prisoner.birthday_month, prisoner.birthday_day)
            if prisoner.birthday_month
            else None,
        },
    )


@require_safe
def birthdays(request):
    days = settings.BIRTHDAYS_WINDOW_DAYS
    return render(
        request,
        "prisoners/birthdays.html",
        {
            "birthdays": selectors.birthdays_upcoming(today=timezone.localdate(), days=days),
            "weeks": days // 7,
        },
    )
