import secrets
import time

import pytest
from django.contrib.auth.models import Group
from django.core import signing

from letters import services
from letters.models import Letter
from tests import factories
from tests.factories import committed

CANARY = "canary-7f3a@leak.example"


def stamp(seconds_ago=60):
    return signing.TimestampSigner(salt="solidarity.form-started").sign(
        # A nonce, as the form's own stamps have: each stamp is single use.
        f"{int(time.time() - seconds_ago)}.{secrets.token_urlsafe(6)}"
    )


def letter_data(**overrides):
    data = {
        "kind": "letter",
        "language": "be",
        "body": "Dear Ales, the lime trees on our street are in bloom. We think of you every day.",
        "sender_name": "Kasia",
        "country": "PL",
        "sender_email": "kasia@example.org",
        "consent": "on",
        "website": "",
        "started": stamp(),
    }
    data.update(overrides)
    return data


def make_letter(prisoner, *, body=None, country="PL", campaign=None, email=None, **fields):
    with committed():
        return services.letter_submit(
            prisoner=prisoner,
            campaign=services.RUNNING_CAMPAIGN if campaign is None else campaign,
            kind=fields.pop("kind", Letter.Kind.LETTER),
            body=body or f"Greetings from far away, letter {factories._seq.__next__()}.",
            language=fields.pop("language", "be"),
            sender_name=fields.pop("sender_name", "Kasia"),
            sender_email=email if email is not None else "kasia@example.org",
            country=country,
        )


def moderators_group() -> Group:
    # config/roles.py applies the roles after migrate and after every flush.
    return Group.objects.get(name="Moderators")


@pytest.fixture
def moderator(db):
    user = factories.make_user(email="moderator@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user
