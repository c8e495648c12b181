import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_country_selects_speak_the_visitors_language(client, prisoner, campaign):
    write = reverse("letters:write", kwargs={"slug": prisoner.slug})
    sign = reverse("campaigns:sign", kwargs={"slug": campaign.slug})
    for url in (write, sign):
        assert ">Poland</option>" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
        assert ">Польша</option>" in client.get(url, HTTP_ACCEPT_LANGUAGE="ru").text


def test_country_names_are_belarusian_on_be(client, prisoner, campaign):
    write = reverse("letters:write", kwargs={"slug": prisoner.slug})
    sign = reverse("campaigns:sign", kwargs={"slug": campaign.slug})
    for url in (write, sign):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="be").text
        assert ">Польшча</option>" in page
        assert ">Літва</option>" in page
        assert ">Poland</option>" not in page
