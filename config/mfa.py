"""Two-factor sign-in (allauth.mfa): required for staff before the admin opens.

Why the gate asks "has this staff account an activated authenticator?" and
not "did this session type a code?": every way to sign in on this site goes
through allauth's login (the admin's own login form redirects there, see
config/urls.py), and allauth asks an account with an authenticator for its
code before the session is signed in, whichever flow led there (password,
e-mail confirmation, password reset). So a staff session with an enrolled
account has passed the second factor, and a staff account without one is
sent to enrol before any admin page (the admin's views, its actions, the
report downloads under /admin/) answers.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib import messages
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _


def staff_mfa_enrol(*, user, secret: str | None = None) -> tuple[str, list[str]]:
    """Activate TOTP (and recovery codes) for an account; returns the secret and codes.

    For operators and the demo: a person adds the printed secret to an
    authenticator app. An account that already has TOTP keeps it.
    """
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is None:
        secret = secret or generate_totp_secret()
        TOTP.activate(user, secret)
    else:
        from allauth.mfa.utils import decrypt

        secret = decrypt(existing.data["secret"])
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return secret, codes


def totp_code_now(secret: str) -> str:
    """The code an authenticator app shows now (for tests and the demo's browser journeys)."""
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def _cache_key(user_id) -> str:
    return f"mfa:totp:{user_id}"


def has_second_factor(user) -> bool:
    # Cached (cleared when an authenticator is added or removed, below), so
    # the gate adds no query to the admin pages whose query counts are pinned.
    key = _cache_key(user.pk)
    answer = cache.get(key)
    if answer is None:
        answer = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        cache.set(key, answer, timeout=300)
    return answer


@receiver([post_save, post_delete], sender=Authenticator)
def _forget_second_factor(sender, instance, **kwargs):
    if kwargs.get("created") and instance.type == Authenticator.Type.TOTP:
        cache.set(_cache_key(instance.user_id), True, timeout=300)
    elif not kwargs.get("created"):
        cache.delete(_cache_key(instance.user_id))


class StaffSecondFactorMiddleware:
    """Send a staff account without TOTP to set it up before any admin page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path_info.startswith(reverse("admin:index"))
            and request.path_info != reverse("admin:logout")
            and not has_second_factor(user)
        ):
            messages.warning(
                request,
                _(
                    "Staff accounts sign in with a second factor. Set up an authenticator "
                    "app to open the administration."
                ),
            )
            return HttpResponseRedirect(
                reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()})
            )
        return self.get_response(request)
