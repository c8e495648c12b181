import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _warm() -> None:
    """Do now what the first request would: import the URLconf (every view
    module and the admin) and read each language's catalogue. About 230 ms;
    under gunicorn's preload_app the master does it once, before forking,
    and a worker recycled by max_requests serves its first request at once.
    No connection is opened here."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().reverse_dict  # noqa: B018 (populates the resolver)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # activating a language reads its catalogue
            pass


_warm()
