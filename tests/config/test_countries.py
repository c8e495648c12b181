import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_country_selects_speak_the_visitors_language(client, prisoner, campaign):
    write = reverse("letters:write", kwargs={"slug": prisoner.slug})
    sign = reverse("campaigns:sign", kwargs={"slug": campaign.slug})
    for url in (write, sign):
        assert ">Poland</option>" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
        assert ">Польша</option>" in client.get(url, HTTP_ACCEPT_LANGUAGE="ru").text
