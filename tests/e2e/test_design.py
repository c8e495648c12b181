"""The public face in Chromium (issue 15): axe-core finds nothing on any page
at 1280 px and 390 px, and no page scrolls sideways at 390 px or 320 px.

One browser, one context per size, a loop over the addresses inside each
test: a page per test would cost a browser start each. The site's CSP
refuses the injected axe script, so the audit's contexts bypass CSP (the CSP
itself is tested in tests/config/test_headers.py).
"""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.test import Client

from appeals.models import AppealTarget, AppealText
from campaigns import services as campaign_services
from events.models import Event
from letters import services as letter_services
from tests import factories
from tests.events.conftest import make_event
from tests.letters.conftest import make_letter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def site(live_server, monkeypatch):
    """Demo-like data: a writable prisoner, one released, one who died in
    custody; a running campaign with figures, an appeal and hashtags; a
    published event; an activist; a moderator."""
    # Drawing the campaign's PNG/SVG map is tested in tests/campaigns; here
    # it would only cost seconds per report.
    monkeypatch.setattr(campaign_services.tallies, "_map_render_enqueue", lambda campaign_id: None)
    facility = factories.make_facility(name="Penal colony No. 9, Horki")
    writable = factories.make_prisoner(
        name="Mikalai Statkevich",
        name_original="Мікалай Статкевіч",
        slug="mikalai-statkevich",
        facility=facility,
        letter_languages="be,ru",
        birthday_month=8,
        birthday_day=12,
    )
    factories.make_case_event(writable)
    factories.make_prisoner(name="Andrei Sannikau", slug="andrei-sannikau", status="released")
    died = factories.make_prisoner(name="Vitold Ashurak", slug="vitold-ashurak", status="died")
    campaign = factories.make_campaign(
        slug="letter-marathon-2012",
        title="Write for Rights 2012: letters for Ales Bialiatski",
        goal=100_000,
        prisoners=[writable, died],
        starts_on=dt.date.today() - dt.timedelta(days=3),
        ends_on=dt.date.today() + dt.timedelta(days=30),
        hashtags="#4august #bysoliday",
    )
    AppealText.objects.create(
        campaign=campaign, subject="Release Mikalai Statkevich", body="Please release him."
    )
    AppealTarget.objects.create(
        campaign=campaign,
        name="Ministry of Internal Affairs",
        country="BY",
        postal_address="Garadski Val St 4\n220030 Minsk",
        delivery=AppealTarget.Delivery.POST,
    )
    # Two kinds (the table's other columns are all zero, so hidden), a large
    # country and one drawn as a circle.
    factories.make_report(campaign, country="PL", quantity=24_561)
    factories.make_report(campaign, country="MT", kind="signature", quantity=818)
    activist = factories.make_user(email="activist@example.org")
    event = make_event(
        activist,
        status=Event.Status.PUBLISHED,
        title="Solidarity rally in Zurich",
        campaign=campaign,
        prisoners=[writable],
    )
    public = [
        "/",
        "/map/",
        "/map/PL/",
        "/prisoners/",
        "/prisoners/birthdays/",
        writable.get_absolute_url(),
        died.get_absolute_url(),
        f"/prisoners/{writable.slug}/write/",
        "/campaigns/",
        campaign.get_absolute_url(),
        f"/campaigns/{campaign.slug}/sign/",
        f"/campaigns/{campaign.slug}/appeal/",
        f"/campaigns/{campaign.slug}/embed/",
        "/events/",
        event.get_absolute_url(),
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/ru/prisoners/",
    ]
    activist_pages = [
        "/events/new/",
        "/events/mine/",
        f"/events/{event.pk}/edit/",
        f"/events/{event.pk}/report/",
        "/accounts/email/",
        "/accounts/password/change/",
    ]
    moderator = factories.make_user(email="moderator@example.org", is_staff=True, is_superuser=True)
    make_event(activist, status=Event.Status.SUBMITTED, title="Vigil in Vilnius")
    # A letter waiting in the queue (the review screen with its buttons and
    # forms), and one sent back for changes: the writer's pages by token.
    waiting = make_letter(writable, campaign=campaign, email="writer@example.org")
    returned = make_letter(writable, campaign=campaign, email="other@example.org")
    with factories.committed():
        letter_services.letter_request_changes(
            letter=returned, moderator=moderator, note="Please leave out the prison's name."
        )
    public += [
        f"/letters/withdraw/{waiting.withdraw_token}/",
        f"/letters/{returned.withdraw_token}/edit/",
    ]
    review_pages = ["/admin/letters/letter/review/", "/admin/events/event/review/"]
    return {
        "public": public,
        "activist": activist_pages,
        "review": review_pages,
        "user": activist,
        "moderator": moderator,
        "writable": writable,
    }


def _signed_in(browser, live_server, user, **context_args):
    client = Client()
    client.force_login(user)
    context = browser.new_context(**context_args)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def _open(page, url):
    response = page.goto(url)
    # The page asked for, not a redirect (sign-in, second factor) or an error.
    assert response is not None and response.status == 200, (url, response and response.status)
    assert page.url == url, (url, page.url)
    # Maps fetch their shapes and points after load: audit them drawn.
    if page.locator(".solidarity-map, .event-map").count():
        page.wait_for_load_state("networkidle")


def _audit(page, axe, url, problems, *, opened=False):
    if not opened:
        _open(page, url)
    results = axe.run(page, options={"resultTypes": ["violations"]})
    for v in results.response["violations"]:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"]][:3]
        problems.append(
            f"{url} @{page.viewport_size['width']}: {v['id']} ({v['impact']}) {targets}"
        )
    return results


def _sideways(page, url, problems):
    overflow = page.evaluate(SIDEWAYS)
    if overflow > 0:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
        )
        problems.append(f"{url} @{page.viewport_size['width']}: {overflow}px sideways {wide}")


def test_it_finds_no_accessibility_violations_nor_sideways_scroll_on_any_page(
    browser, live_server, site
):
    axe = Axe()
    problems: list[str] = []
    audited = 0
    for width, height in ((1280, 900), (390, 844)):
        contexts = [
            (
                browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True),
                site["public"],
            ),
            (
                _signed_in(
                    browser,
                    live_server,
                    site["user"],
                    viewport={"width": width, "height": height},
                    bypass_csp=True,
                ),
                site["activist"],
            ),
            (
                _signed_in(
                    browser,
                    live_server,
                    site["moderator"],
                    viewport={"width": width, "height": height},
                    bypass_csp=True,
                ),
                site["review"],
            ),
        ]
        for context, paths in contexts:
            page = context.new_page()
            for path in paths:
                _audit(page, axe, live_server.url + path, problems)
                if width < 400:
                    _sideways(page, live_server.url + path, problems)
                audited += 1
            context.close()
        # A form that came back with errors: the summary and the fields.
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        page.goto(live_server.url + f"/prisoners/{site['writable'].slug}/write/")
        page.get_by_role("button", name="Send the letter").click()
        page.wait_for_selector(".error-summary")
        _audit(page, axe, page.url, problems, opened=True)
        audited += 1
        context.close()
    # The smallest phone: no audit (the 390 px one covers the markup), only
    # the sideways check, on the same pages.
    for user, paths in ((None, site["public"]), (site["user"], site["activist"])):
        size = {"viewport": {"width": 320, "height": 640}}
        context = (
            _signed_in(browser, live_server, user, **size) if user else browser.new_context(**size)
        )
        page = context.new_page()
        for path in paths:
            _open(page, live_server.url + path)
            _sideways(page, live_server.url + path, problems)
        context.close()
    assert audited == 2 * (len(site["public"]) + len(site["activist"]) + len(site["review"]) + 1)
    assert problems == [], "\n".join(problems)
