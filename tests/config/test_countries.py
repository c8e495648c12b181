import pytest
from django.urls import reverse

from tests.languages import path_in

pytestmark = pytest.mark.django_db


def test_country_selects_speak_the_visitors_language(client, prisoner, campaign):
    write = reverse("letters:write", kwargs={"slug": prisoner.slug})
    sign = reverse("campaigns:sign", kwargs={"slug": campaign.slug})
    for url in (write, sign):
        assert ">Poland</option>" in client.get(url).text
        assert ">Польша</option>" in client.get(path_in("ru", url)).text


def test_country_names_are_belarusian_on_be(client, prisoner, campaign):
    write = reverse("letters:write", kwargs={"slug": prisoner.slug})
    sign = reverse("campaigns:sign", kwargs={"slug": campaign.slug})
    for url in (write, sign):
        page = client.get(path_in("be", url)).text
        assert ">Польшча</option>" in page
        assert ">Літва</option>" in page
        assert ">Poland</option>" not in page
