import re

from django.core import mail
from django.urls import reverse

from tests.factories import committed


def write_appeal(client, campaign, **data):
    """Write a campaign's appeal through its form, as a visitor would (stamp included)."""
    form = {
        "display_name": "Anna",
        "country": "PL",
        "email": "anna@example.org",
        "personal_note": "",
        "website": "",
    }
    form.update(data)
    url = reverse("appeals:write", args=[campaign.slug])
    page = client.get(url)
    form["started"] = re.search(r'name="started" value="([^"]+)"', page.text).group(1)
    with committed():
        return client.post(url, form, follow=True)


def confirm_path(message=None) -> str:
    message = message or mail.outbox[-1]
    return re.search(r"http://\S+?(/\S*/appeal/confirm/\S+/)", message.body).group(1)
