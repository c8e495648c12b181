import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from appeals import services
from appeals.models import Appeal, AppealDelivery, AppealTarget
from campaigns.models import Action, Tally
from config import roles
from tests import factories
from tests.appeals.helpers import confirm_path, write_appeal
from tests.factories import committed

pytestmark = pytest.mark.django_db


def confirm(client, path=None):
    with committed():
        return client.post(path or confirm_path(), follow=True)


def test_it_counts_and_sends_an_appeal_once_its_email_is_confirmed(client, appeal_campaign):
    response = write_appeal(
        client, appeal_campaign, email="Anna@Example.org", personal_note="My own words."
    )
    assert "We sent you an e-mail" in response.text
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    assert not Action.objects.exists()

    page = client.get(confirm_path())
    assert "Confirm my appeal" in page.text
    assert not Action.objects.exists(), "opening the link (a mail scanner) must not confirm"
    response = confirm(client)
    assert "Your appeal is confirmed and counted" in response.text

    assert Tally.objects.get(campaign=appeal_campaign, kind="appeal", country="PL").quantity == 1
    api = client.get(reverse("campaigns_api:tally", args=[appeal_campaign.slug])).json()
    assert api["totals"]["by_kind"]["appeal"] == 1
    assert api["countries"][0]["by_kind"]["appeal"] == 1
    detail = client.get(appeal_campaign.get_absolute_url()).text
    assert '"appeal": "Appeals"' in detail  # the map's legend lists the kind
    # The "one per appeal" target got its message; the post target waits for print.
    to_ministry = [m for m in mail.outbox if m.to == ["secret-ministry@example.org"]]
    assert len(to_ministry) == 1
    assert to_ministry[0].subject == "Shorten the entry ban"
    assert "Please shorten the entry ban" in to_ministry[0].body
    assert "My own words." in to_ministry[0].body
    assert "anna@example.org" not in to_ministry[0].body
    states = dict(AppealDelivery.objects.values_list("target__delivery", "state"))
    assert states == {"email_each": "mailed", "post": "pending"}


def test_it_confirms_twice_without_counting_or_sending_twice(client, appeal_campaign):
    write_appeal(client, appeal_campaign)
    path = confirm_path()
    confirm(client, path)
    sent = len(mail.outbox)
    response = confirm(client, path)
    assert "already confirmed" in response.text
    assert Action.objects.count() == 1
    assert AppealDelivery.objects.count() == 2
    assert len(mail.outbox) == sent


def test_it_keeps_the_text_in_the_language_the_writer_read(client, appeal_campaign):
    with translation.override("be"):  # the /be/ address
        write_appeal(client, appeal_campaign)
    appeal = Appeal.objects.get()
    assert appeal.language == "be"
    assert appeal.body.startswith("Просім скараціць")


def test_it_never_tells_whether_an_address_already_wrote(client, appeal_campaign):
    first = write_appeal(client, appeal_campaign)
    again = write_appeal(client, appeal_campaign, email=" ANNA@example.org ")
    assert Appeal.objects.count() == 1
    assert "We sent you an e-mail" in first.text and "We sent you an e-mail" in again.text
    # The link again, once; not a third time the same day.
    write_appeal(client, appeal_campaign)
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("display_name", "   ", "This field is required."),
        ("email", "not-an-address", "Enter a valid email address."),
        ("country", "XX", "Select a valid choice."),
        ("personal_note", "x" * 1001, "at most 1000 characters"),
    ],
)
def test_it_refuses_bad_input_next_to_the_field(client, appeal_campaign, field, value, message):
    response = write_appeal(client, appeal_campaign, **{field: value})
    assert response.status_code == 200
    html = response.text
    # The error sits in the field's own block, between its label and its
    # input (GOV.UK pattern), and the summary at the top links to the field.
    field_at = html.index(f'name="{field}"')
    block = html[html.rindex('<div class="field has-error">', 0, field_at) : field_at]
    assert 'class="field-error"' in block and message in block
    summary = html[
        html.index('class="error-summary"') : html.index(
            "</ul>", html.index('class="error-summary"')
        )
    ]
    assert f'href="#id_{field}"' in summary and message in summary
    assert not Appeal.objects.exists() and not mail.outbox


def test_it_refuses_a_filled_honeypot(client, appeal_campaign):
    response = write_appeal(client, appeal_campaign, website="http://spam.example")
    assert "Please leave the last field empty" in response.text
    assert not Appeal.objects.exists()


def test_it_limits_appeals_per_client(client, appeal_campaign, settings):
    settings.APPEAL_RATE_LIMIT = 1
    write_appeal(client, appeal_campaign, email="one@example.org")
    response = write_appeal(client, appeal_campaign, email="two@example.org")
    assert "Too many appeals from here" in response.text
    assert Appeal.objects.count() == 1


def test_it_never_shows_an_email_address_publicly(client, appeal_campaign):
    write_appeal(client, appeal_campaign, email="writer-canary@example.org")
    confirm(client)
    pages = [
        appeal_campaign.get_absolute_url(),
        reverse("appeals:write", args=[appeal_campaign.slug]),
        reverse("campaigns_api:tally", args=[appeal_campaign.slug]),
        "/map/",
        "/api/countries/PL/",
    ]
    for url in pages:
        text = client.get(url).text
        assert "secret-ministry" not in text, url
        assert "writer-canary" not in text, url
    detail = client.get(appeal_campaign.get_absolute_url()).text
    assert "Ministry of Internal Affairs" in detail and "Send this appeal" in detail


def test_the_write_page_answers_visitors_and_refuses_what_it_should(client, appeal_campaign):
    url = reverse("appeals:write", args=[appeal_campaign.slug])
    assert client.get(url).status_code == 200
    assert client.put(url).status_code == 405
    assert (
        client.post(reverse("appeals:confirm", args=[appeal_campaign.slug, "nope"])).status_code
        == 404
    )
    no_appeal = factories.make_campaign()
    assert client.get(reverse("appeals:write", args=[no_appeal.slug])).status_code == 404
    appeal_campaign.ends_on = dt.date(2013, 1, 1)
    appeal_campaign.save()
    response = client.get(url)
    assert "no longer takes appeals" in response.text
    assert 'name="display_name"' not in response.text
    data = {"display_name": "Anna", "country": "PL", "email": "anna@example.org"}
    assert "no longer takes appeals" in client.post(url, data).text
    assert not Appeal.objects.exists()


def _confirmed(campaign, n, *, start=0):
    for i in range(start, start + n):
        appeal = Appeal.objects.create(
            campaign=campaign,
            display_name=f"Writer {i}",
            country="LT",
            email=f"w{i}@example.org",
            subject="Shorten the entry ban",
            body="Please.",
            language="en",
            token=f"token-{i}",
        )
        with committed():
            services.appeal_confirm(token=appeal.token)


@pytest.mark.parametrize("n", [1, 6])
def test_it_sends_one_daily_digest_per_target_whatever_the_number(
    appeal_campaign, django_assert_num_queries, n
):
    AppealTarget.objects.filter(delivery="email_each").update(delivery="email_digest")
    _confirmed(appeal_campaign, n)
    mail.outbox.clear()
    # savepoint, read the waiting rows, insert the mail (no savepoint of its
    # own), mark them, release: the same at both sizes
    with committed(), django_assert_num_queries(5):
        assert services.appeals_digest_send() == 1
    assert [m.to for m in mail.outbox] == [["secret-ministry@example.org"]]
    digest = mail.outbox[0]
    assert all(f"Writer {i}, Lithuania" in digest.body for i in range(n))
    assert services.appeals_digest_send() == 0, "run twice: nothing waits any more"
    assert not AppealDelivery.objects.filter(target__delivery="email_digest", state="pending")


def test_staff_print_the_post_target_appeals_and_mark_them_posted(client, appeal_campaign):
    _confirmed(appeal_campaign, 2)
    admin = factories.make_user(email="admin@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    target = AppealTarget.objects.get(delivery="post")
    url = reverse("admin:appeals_appealtarget_changelist")
    response = client.post(url, {"action": "print_batch", "_selected_action": [target.pk]})
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Writer 0, Lithuania" in text and "Writer 1, Lithuania" in text
    assert "220030 Minsk" in text
    assert set(target.deliveries.values_list("state", flat=True)) == {"printed"}
    client.post(url, {"action": "mark_posted", "_selected_action": [target.pk]})
    assert set(target.deliveries.values_list("state", flat=True)) == {"posted"}


def test_deleting_an_appeal_in_the_admin_uncounts_it(client, appeal_campaign):
    _confirmed(appeal_campaign, 1)
    admin = factories.make_user(email="admin@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    appeal = Appeal.objects.get()
    with committed():
        client.post(reverse("admin:appeals_appeal_delete", args=[appeal.pk]), {"post": "yes"})
    assert not Appeal.objects.exists() and not Action.objects.exists()
    assert not Tally.objects.filter(kind="appeal", quantity__gt=0).exists()


def test_editors_keep_targets_but_only_admins_see_appeals(client, appeal_campaign):
    _confirmed(appeal_campaign, 1)
    editor = factories.make_user(email="ed@example.org", is_staff=True)
    editor.groups.set([Group.objects.get(name=roles.EDITORS)])
    moderator = factories.make_user(email="mod@example.org", is_staff=True)
    moderator.groups.set([Group.objects.get(name=roles.MODERATORS)])
    appeals_url = reverse("admin:appeals_appeal_changelist")
    targets_url = reverse("admin:appeals_appealtarget_changelist")

    client.force_login(editor)
    assert client.get(targets_url).status_code == 200
    # The campaign's own form carries the appeal text and its targets.
    form = client.get(reverse("admin:campaigns_campaign_change", args=[appeal_campaign.pk]))
    assert form.status_code == 200
    assert 'name="appeal_text-0-body_be"' in form.text
    assert "Garadski Val St 4" in form.text
    assert client.get(appeals_url).status_code == 403
    target = AppealTarget.objects.get(delivery="post")
    # Editors may not print: the PDF holds writers' names.
    response = client.post(targets_url, {"action": "print_batch", "_selected_action": [target.pk]})
    assert response.status_code == 302
    assert set(target.deliveries.values_list("state", flat=True)) == {"pending"}

    client.force_login(moderator)
    assert client.get(targets_url).status_code == 403
    assert client.get(appeals_url).status_code == 403

    client.logout()
    assert client.get(appeals_url).status_code == 302  # to the sign-in page

    admin = factories.make_user(email="admin@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(appeals_url).text
    assert "Writer 0" in listing and "handed to the outbox" in listing


def test_the_purge_deletes_unconfirmed_appeals_only(appeal_campaign):
    _confirmed(appeal_campaign, 1)
    Appeal.objects.create(
        campaign=appeal_campaign,
        display_name="Late",
        country="PL",
        email="late@example.org",
        subject="s",
        body="b",
        language="en",
        token="late",
    )
    Appeal.objects.update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert services.appeals_unconfirmed_purge(older_than=dt.timedelta(days=7)) == 1
    assert list(Appeal.objects.values_list("display_name", flat=True)) == ["Writer 0"]
