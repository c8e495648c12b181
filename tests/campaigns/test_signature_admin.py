import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import Action, Signature, Tally
from tests.factories import committed

pytestmark = pytest.mark.django_db


def confirmed_signature(campaign, email="anna@example.org"):
    signature = Signature.objects.create(
        campaign=campaign, display_name="Anna <b>", country="PL", email=email, token=email
    )
    with committed():
        services.signature_confirm(token=signature.token)
    return signature


def test_an_editor_sees_signatures_escaped_and_deleting_one_uncounts_it(client, editor, campaign):
    signature = confirmed_signature(campaign)
    assert Tally.objects.get(campaign=campaign).quantity == 1
    client.force_login(editor)
    listing = client.get(reverse("admin:campaigns_signature_changelist"))
    assert "Anna &lt;b&gt;" in listing.text
    with committed():
        response = client.post(
            reverse("admin:campaigns_signature_delete", args=[signature.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Signature.objects.exists() and not Action.objects.exists()
    assert not Tally.objects.filter(campaign=campaign).exists()


def test_signatures_cannot_be_edited_in_the_admin(client, editor, campaign):
    signature = confirmed_signature(campaign)
    client.force_login(editor)
    client.post(
        reverse("admin:campaigns_signature_change", args=[signature.pk]),
        {"display_name": "Changed", "country": "DE"},
    )
    signature.refresh_from_db()
    assert signature.display_name == "Anna <b>" and signature.country == "PL"


def test_the_public_cannot_reach_the_signature_admin(client, volunteer, campaign):
    confirmed_signature(campaign)
    client.force_login(volunteer)
    response = client.get(reverse("admin:campaigns_signature_changelist"))
    assert response.status_code == 302
    assert "anna@example.org" not in response.text
