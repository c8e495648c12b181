"""The campaign map drawn on the server (PNG and SVG), from its tally rows."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from campaigns.models import Campaign, Tally


def map_file_names(*, campaign_id: int, version: int) -> dict[str, str]:
    # By id, not slug: a renamed campaign keeps its files, and the drawing
    # after it still finds (and removes) the previous ones.
    return {ext: f"maps/campaign-{campaign_id}-{version}.{ext}" for ext in ("png", "svg")}


def campaign_map_render(*, campaign_id: int) -> bool:
    """Draw the campaign's map as of its last tally, if not drawn yet.

    Safe twice or concurrently: files are named by tally time, so two runs
    write the same picture; the version on the campaign only moves forward,
    and a run that lost the race removes its own files.
    """
    from campaigns import rendering

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.tallied_at is None:
        return False
    # Milliseconds: two recomputes within a second must not share a picture.
    version = int(campaign.tallied_at.timestamp() * 1000)
    if version <= campaign.map_version:
        return False
    counts: dict[str, int] = {}
    for country, quantity in Tally.objects.filter(campaign_id=campaign_id).values_list(
        "country", "quantity"
    ):
        if country:
            counts[country] = counts.get(country, 0) + quantity
    figures = {
        "title": campaign.title,
        "counts": counts,
        "total": campaign.actions_total,
        "countries": campaign.countries_total,
    }
    names = map_file_names(campaign_id=campaign_id, version=version)
    contents = {"png": rendering.render_png(**figures), "svg": rendering.render_svg(**figures)}
    for ext, name in names.items():
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(contents[ext]))
    moved = Campaign.objects.filter(pk=campaign_id, map_version__lt=version).update(
        map_version=version
    )
    old_version = campaign.map_version if moved else version
    if old_version:
        for name in map_file_names(campaign_id=campaign_id, version=old_version).values():
            default_storage.delete(name)
    return bool(moved)
