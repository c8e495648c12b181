"""Through a real Celery worker: a burst of signatures ends exact and the map gets drawn."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from campaigns import rendering, services
from campaigns.models import Action, Campaign, Signature, Tally
from tests import factories
from tests.factories import committed, wait_for

pytestmark = pytest.mark.worker


def test_a_burst_of_confirmations_ends_exact_and_the_map_png_is_drawn(real_worker):
    campaign = factories.make_campaign()
    countries = ["PL", "DE", "LT", "JP"]
    for i in range(120):
        signature = Signature.objects.create(
            campaign=campaign,
            display_name=f"Signer {i}",
            country=countries[i % 4],
            email=f"signer{i}@example.org",
            token=f"token-{campaign.pk}-{i}",
        )
        with committed():
            services.signature_confirm(token=signature.token)

    def settled():
        c = Campaign.objects.get(pk=campaign.pk)
        return c.tally_dirty_at is None and c.actions_total == 120 and c.map_version > 0

    assert wait_for(settled), "the worker did not bring the tallies and the map up to date"
    assert Action.objects.filter(campaign=campaign).count() == 120
    tallies = {t.country: t.quantity for t in Tally.objects.filter(campaign=campaign)}
    assert tallies == dict.fromkeys(countries, 30)
    campaign.refresh_from_db()
    assert 1 <= campaign.tally_recomputes <= 20, f"{campaign.tally_recomputes} recomputes"

    # The worker writes under its own MEDIA_ROOT (the environment's, not this test's).
    media = Path(os.environ.get("DJANGO_MEDIA_ROOT", settings.BASE_DIR / "var" / "media"))

    def drawn_for_latest():
        c = Campaign.objects.get(pk=campaign.pk)
        return c.map_version == int(c.tallied_at.timestamp() * 1000)

    assert wait_for(drawn_for_latest), "the map was not drawn for the latest tally"
    campaign.refresh_from_db()
    files = services.map_file_names(campaign_id=campaign.pk, version=campaign.map_version)
    png = media / files["png"]
    try:
        with Image.open(png) as img:
            assert img.size == (rendering.WIDTH, rendering.HEIGHT)
            x, y = rendering.project(19.4, 52.1)
            assert img.getpixel((int(x), int(y)))[:3] != (0xE6, 0xE4, 0xDE), "Poland not coloured"
    finally:
        for name in files.values():
            (media / name).unlink(missing_ok=True)
