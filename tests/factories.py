"""Small factories: plain functions with sensible defaults."""

import datetime as dt
import itertools
import re
import time

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from campaigns.models import Campaign, OfflineReport
from campaigns.services import offline_report_save
from config.mfa import staff_mfa_enrol, totp_code_now
from prisoners.models import CaseEvent, Facility, Imprisonment, Prisoner

_seq = itertools.count(1)


def committed():
    """Run what the code queued with transaction.on_commit, as a real commit would.

    Tests run inside a transaction that never commits; this context manager
    executes the callbacks registered within it when it exits.
    """
    return TestCase.captureOnCommitCallbacks(execute=True)


def make_user(*, email=None, password="correct horse battery", verified=True, mfa=None, **fields):
    """A user; staff accounts come with TOTP enrolled (the admin requires it).

    ``mfa=False`` makes a staff account without a second factor; the TOTP
    secret and recovery codes are on ``user.totp_secret`` / ``user.recovery_codes``.
    """
    n = next(_seq)
    email = email or f"user{n}@example.org"
    user = get_user_model().objects.create_user(
        username=fields.pop("username", f"user{n}"), email=email, password=password, **fields
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    if mfa or (mfa is None and user.is_staff):
        user.totp_secret, user.recovery_codes = staff_mfa_enrol(user=user)
    return user


def make_facility(**fields):
    defaults = {
        "name": f"Prison {next(_seq)}",
        "address": "2 Valadarski St\n220030 Minsk\nBelarus",
        "address_original": "ул. Володарского, 2\n220030 г. Минск",
        "city": "Minsk",
        "country": "BY",
    }
    return Facility.objects.create(**{**defaults, **fields})


def make_prisoner(*, facility=None, **fields):
    n = next(_seq)
    defaults = {
        "name": f"Prisoner {n}",
        "slug": f"prisoner-{n}",
        "status": Prisoner.Status.CONVICTED,
    }
    prisoner = Prisoner.objects.create(**{**defaults, **fields})
    if facility is not None:
        Imprisonment.objects.create(prisoner=prisoner, facility=facility, since=dt.date(2021, 1, 1))
    return prisoner


def make_case_event(prisoner, **fields):
    defaults = {"date": dt.date(2021, 1, 1), "kind": CaseEvent.Kind.ARREST, "text": "Detained."}
    return CaseEvent.objects.create(prisoner=prisoner, **{**defaults, **fields})


def make_campaign(**fields):
    n = next(_seq)
    defaults = {
        "slug": f"campaign-{n}",
        "title": f"Campaign {n}",
        "kind": Campaign.Kind.LETTER_MARATHON,
        "starts_on": dt.date(2012, 12, 7),
        "is_published": True,
    }
    prisoners = fields.pop("prisoners", [])
    campaign = Campaign.objects.create(**{**defaults, **fields})
    campaign.prisoners.set(prisoners)
    return campaign


def make_report(campaign, *, country="PL", kind="letter", quantity=10, **fields):
    report = OfflineReport(
        campaign=campaign,
        country=country,
        kind=kind,
        quantity=quantity,
        organisation=fields.pop("organisation", "Amnesty International"),
        reported_on=fields.pop("reported_on", dt.date(2013, 1, 10)),
        **fields,
    )
    with committed():
        return offline_report_save(report=report)


def wait_for(predicate, timeout=30.0):
    """Poll until a real worker has done its part, or give up after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def sign(client, campaign, **data):
    """Sign a campaign through its form, as a visitor would (stamp included)."""
    form = {"display_name": "Anna", "country": "PL", "email": "anna@example.org", "website": ""}
    form.update(data)
    page = client.get(reverse("campaigns:sign", args=[campaign.slug]))
    form["started"] = re.search(r'name="started" value="([^"]+)"', page.text).group(1)
    with committed():
        return client.post(reverse("campaigns:sign", args=[campaign.slug]), form, follow=True)


def totp_code(user) -> str:
    """The code the user's authenticator app shows now (allauth's own TOTP functions)."""
    return fresh_totp(user.totp_secret)


def fresh_totp(secret: str) -> str:
    """A code with time left to use it.

    A code is good for its 30-second window only (no tolerance): one read in
    the window's last seconds can expire before a browser test submits it,
    so, like a person, wait for the next code then.
    """
    from allauth.mfa import app_settings

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 8:
        time.sleep(left + 0.1)
    return totp_code_now(secret)
