import io

import pytest
from django.core.management import call_command
from PIL import Image

from campaigns.models import Campaign
from letters.models import Letter, WallExcerpt

pytestmark = pytest.mark.django_db


def test_it_seeds_materials_and_a_wall_that_show_on_the_demo_pages(client):
    call_command("seed_demo", "--no-admin", verbosity=0)
    call_command("seed_demo", "--no-admin", verbosity=0)  # idempotent

    day = Campaign.objects.get(slug="day-of-solidarity-2017")
    assert day.hashtags == "#4august #4августа #bysoliday"
    assert day.how_to_be and day.how_to_ru and day.how_to_en
    posters = list(day.materials.all())
    assert [p.file_type for p in posters] == ["png", "png"]
    for poster in posters:
        with poster.file.open("rb") as f, Image.open(io.BytesIO(f.read())) as image:
            assert image.format == "PNG" and image.size == (840, 1188)
            assert not image.info and not image.getexif()
    page = client.get(day.get_absolute_url()).text
    assert "#4august #4августа #bysoliday</code>" in page
    assert "Poster: 4 August, you are not alone" in page

    marathon = Campaign.objects.get(slug="letter-marathon-2012")
    assert WallExcerpt.objects.public().filter(letter__campaign=marathon).count() == 2
    assert Letter.objects.filter(campaign=marathon, wall_consent=True).count() == 2
    # Already in the partners' reports: the marathon's figure is unchanged.
    assert marathon.actions_total == 104_731
    page = client.get(marathon.get_absolute_url()).text
    assert "Yuki, Japan" in page and "Tomaž, Slovenia" in page
