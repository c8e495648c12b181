from html.parser import HTMLParser

import pytest
from django.urls import reverse

from campaigns.models import Action, OfflineReport
from tests.factories import committed

pytestmark = pytest.mark.django_db


def language_checkboxes(html: str) -> dict[str, bool]:
    """{value: checked} for each letter_languages checkbox in the page."""
    boxes = {}

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if (
                tag == "input"
                and attrs.get("type") == "checkbox"
                and attrs.get("name") == "letter_languages"
            ):
                boxes[attrs["value"]] = "checked" in attrs

    Parser().feed(html)
    return boxes


def test_admin_sends_anonymous_visitors_to_the_allauth_login(client):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/accounts/login/"
    assert "admin" in response.request["QUERY_STRING"]


def test_admin_refuses_a_signed_in_non_staff_user(client, volunteer):
    client.force_login(volunteer)
    assert client.get("/admin/", follow=True).status_code == 403


def test_an_editor_enters_and_corrects_an_offline_report(client, editor, campaign):
    client.force_login(editor)
    url = reverse("admin:campaigns_offlinereport_add")
    data = {
        "campaign": campaign.pk,
        "kind": "letter",
        "quantity": "250",
        "country": "TG",
        "organisation": "Amnesty Togo",
        "reported_on": "2013-01-15",
        "note": "Pupils wrote letters.",
    }
    # Each admin request is its own transaction: its callbacks run at its commit.
    with committed():
        assert client.post(url, data).status_code == 302
    report = OfflineReport.objects.get()
    assert report.created_by == editor
    campaign.refresh_from_db()
    assert campaign.actions_total == 250
    change = reverse("admin:campaigns_offlinereport_change", args=[report.pk])
    with committed():
        assert client.post(change, {**data, "quantity": "300"}).status_code == 302
    assert list(Action.objects.values_list("country", "quantity")) == [("TG", 300)]
    campaign.refresh_from_db()
    assert campaign.actions_total == 300


def test_a_bad_offline_report_is_refused_next_to_the_field(client, editor, campaign):
    client.force_login(editor)
    response = client.post(
        reverse("admin:campaigns_offlinereport_add"),
        {
            "campaign": campaign.pk,
            "kind": "letter",
            "quantity": "-5",
            "country": "XX",
            "organisation": "",
            "reported_on": "not a date",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"quantity", "country", "organisation", "reported_on"}
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "prisoners_prisoner",
        "prisoners_facility",
        "campaigns_campaign",
        "campaigns_offlinereport",
        "campaigns_action",
        "campaigns_tally",
    ],
)
def test_admin_changelists_open(client, editor, campaign, name):
    client.force_login(editor)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_admin_edits_a_prisoners_languages_with_checkboxes(client, editor, prisoner):
    client.force_login(editor)
    url = reverse("admin:prisoners_prisoner_change", args=[prisoner.pk])
    response = client.get(url)
    assert response.status_code == 200
    boxes = language_checkboxes(response.text)
    assert boxes["be"] and boxes["ru"], "the prisoner's languages are ticked"
    assert not boxes["en"], "other languages are not"


def test_the_ledger_cannot_be_edited_by_hand(client, editor, campaign):
    client.force_login(editor)
    assert client.get(reverse("admin:campaigns_action_add")).status_code == 403


def test_editing_a_campaign_never_writes_back_its_counters(client, editor, campaign):
    from campaigns.models import Campaign

    client.force_login(editor)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields and name != "prisoners"
    }
    # Other apps add inlines to the campaign (appeals): send their empty
    # formsets as the page would.
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    data["prisoners"] = [p.pk for p in campaign.prisoners.all()]
    data["title_en"] = "Renamed"  # one field per language (modeltranslation)
    data["starts_on"] = campaign.starts_on.isoformat()
    data["is_published"] = "on"
    # The materials inline's management form: none added.
    data.update({"materials-TOTAL_FORMS": "0", "materials-INITIAL_FORMS": "0"})

    original_save = Campaign.save

    def refresh_lands_meanwhile(self, *args, **kwargs):
        # A tally refresh commits between the admin's read and its write.
        Campaign.objects.filter(pk=self.pk).update(actions_total=777)
        return original_save(self, *args, **kwargs)

    Campaign.save = refresh_lands_meanwhile
    try:
        response = client.post(url, data)
    finally:
        Campaign.save = original_save
    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign.refresh_from_db()
    assert campaign.title == "Renamed"
    assert campaign.actions_total == 777
