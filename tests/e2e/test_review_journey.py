"""A moderator reads letters in the review queue and decides each with one key."""

import pytest
from playwright.sync_api import expect

from letters import services
from letters.models import Letter
from tests import factories
from tests.letters.conftest import moderators_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_decides_letters_in_the_queue_with_one_key_each(
    live_server, page, shoot, third_party_requests
):
    facility = factories.make_facility(name="SIZA-1")
    prisoner = factories.make_prisoner(
        name="Mikalai Statkevich", facility=facility, letter_languages="be,ru"
    )
    for n in range(6):
        services.letter_submit(
            prisoner=prisoner,
            kind="letter",
            body=f"Dear Mikalai,\nletter {n} from Vilnius: the river is frozen, we think of you.",
            language="ru",
            sender_name=f"Writer {n}",
            sender_email=f"writer{n}@example.org",
            country="LT",
            send_confirmation=False,
        )
    moderator = factories.make_user(email="moderator@example.org", is_staff=True)
    moderator.groups.add(moderators_group())

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email").fill("moderator@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("link", name="Review queue (6 waiting)").click()
    first = Letter.objects.order_by("pk").first()
    expect(
        page.get_by_role("heading", name=f"#{first.pk} · Letter to Mikalai Statkevich")
    ).to_be_visible()
    expect(page.get_by_text("letter 0 from Vilnius")).to_be_visible()
    expect(page.get_by_text("This prison accepts letters in: Belarusian, Russian")).to_be_visible()
    shoot("1-first-letter")

    # Five letters, one key each: approve four, skip one.
    for n, key in enumerate("aaasa"):
        expect(page.get_by_text(f"letter {n} from Vilnius")).to_be_visible()
        page.wait_for_load_state("load")  # the shortcuts' script has run
        page.keyboard.press(key)
        expect(page.get_by_text(f"letter {n + 1} from Vilnius")).to_be_visible()
    shoot("2-after-five")

    # Reject needs a reason: the key leads to the field, the button decides.
    page.wait_for_load_state("load")
    page.keyboard.press("r")
    expect(page.get_by_label("Reason")).to_be_focused()
    page.get_by_label("Reason").select_option("spam")
    page.get_by_role("button", name="Reject R").click()
    expect(page.get_by_text("Nothing to review")).to_be_visible()
    shoot("3-empty")

    statuses = list(Letter.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["approved"] * 3 + ["submitted", "approved", "rejected"]
    assert third_party_requests == []
