import pytest
from django.core.management import call_command

from prisoners.models import Prisoner

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_writable_prisoner_with_letters_in_several_states():
    call_command("seed_demo", "--no-admin", verbosity=0)
    call_command("seed_demo", "--no-admin", verbosity=0)  # idempotent
    statkevich = Prisoner.objects.get(slug="mikalai-statkevich")
    assert statkevich.imprisonments.filter(until__isnull=True).exists()
    # (The 2012 marathon's quoted letters to Bialiatski: tests/letters/test_wall_demo.py.)
    assert sorted(statkevich.letters.values_list("status", flat=True)) == [
        "approved",
        "needs_changes",
        "posted",
        "submitted",
    ]
    assert statkevich.letters_sent == 1
    posted = statkevich.letters.get(status="posted")
    assert posted.translation.startswith("Дорогой Николай")
    assert not posted.needs_translation
    assert Prisoner.objects.get(slug="ales-bialiatski").status == "released"
