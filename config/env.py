"""The environment readers settings use: django-environ's, made strict.

django-environ reads "DJANGO_DEBUG=flase" as False and "OUTBOX_SWEEP_SECONDS=
fifteen" as a ValueError deep in a traceback. A site that starts with a
setting it misread is worse than one that refuses to start, so these say
which variable is wrong and why, and settings fail at import.
"""

import os

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env(environ.Env):
    def bool(self, var, default=environ.Env.NOTSET):
        raw = os.environ.get(var)
        if raw is None:
            return super().bool(var, default=default)
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ImproperlyConfigured(f"{var}={raw!r} is not a yes/no value: use 1 or 0.")

    def int(self, var, default=environ.Env.NOTSET, *, minimum: int = 0):
        raw = os.environ.get(var)
        if raw is None:
            return super().int(var, default=default)
        try:
            value = int(raw.strip())
        except ValueError:
            raise ImproperlyConfigured(f"{var}={raw!r} is not a whole number.") from None
        if value < minimum:
            raise ImproperlyConfigured(f"{var}={raw!r} must be at least {minimum}.")
        return value
