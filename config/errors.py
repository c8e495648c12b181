"""What a visitor sees when the database is unreachable (a restart, a failover).

Django turns an exception raised anywhere under the middleware into a call of
handler500 while the exception is still being handled, so this one place
sees database errors from views, middleware (sessions) and templates alike.
For those it answers 503 instead of a bare 500:

* a GET gets a page in the site's style saying to try again shortly;
* a POST gets the same page with the fields that were sent, editable, in a
  form posting back to the same address, and a message that nothing was
  saved. The view's own form cannot be rebuilt without the database (its
  choices come from it), so the fields are shown as sent.

Rendering uses no request context: the context processors would read the
session and the user, i.e. the database that is down.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string
from django.views import defaults

from config.antispam import form_stamp_release

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Sent back as they came, not shown: the spam checks' fields.
_HIDDEN = ("started", "website")
_NOT_ECHOED = ("csrfmiddlewaretoken",)
# Never written back into a page: a password field comes back empty, as a
# password field (sign-in, sign-up and password change share this handler).
_SECRET_WORDS = ("password", "secret", "token")
RETRY_AFTER_SECONDS = 15
# The public forms, by the URL that posts them: their fields' labels are
# translated strings, read from the class (no instance, so no database).
_FORMS = {
    "letters:write": "letters.forms.LetterForm",
    "letters:edit": "letters.forms.LetterBodyForm",
    "campaigns:sign": "campaigns.forms.SignatureForm",
    "events:new": "events.forms.EventForm",
    "events:edit": "events.forms.EventForm",
    "events:report": "events.forms.ReportForm",
}


def _labels(request) -> dict:
    match = request.resolver_match
    if match is None:  # failed before the URL was resolved (a middleware)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return {}
    form_class = _FORMS.get(match.view_name)
    if form_class is None:
        return {}
    return {
        name: field.label
        for name, field in import_string(form_class).base_fields.items()
        if field.label
    }


def _fields(request) -> list[dict]:
    labels = _labels(request)
    fields = []
    for name, values in request.POST.lists():
        if name in _NOT_ECHOED:
            continue
        for value in values:
            if any(word in name.lower() for word in _SECRET_WORDS):
                kind, value = "secret", ""
            elif name in _HIDDEN:
                kind = "hidden"
            elif value == "on":
                kind = "checkbox"
            elif "\n" in value or len(value) > 80:
                kind = "textarea"
            else:
                kind = "text"
            fields.append(
                {
                    "name": name,
                    "value": value,
                    "kind": kind,
                    "label": labels.get(name) or name.replace("_", " "),
                }
            )
    return fields


def database_unavailable(request) -> HttpResponse:
    context = {"retry_after": RETRY_AFTER_SECONDS, "fields": [], "had_files": False}
    if request.method == "POST":
        # The submission was not saved, so its form stamp was not spent.
        form_stamp_release(request.POST.get("started", ""))
        context.update(
            fields=_fields(request),
            had_files=bool(request.FILES),
            action=request.get_full_path(),
            csrf_token_value=get_token(request),
        )
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, *args, **kwargs):
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request, *args, **kwargs)
