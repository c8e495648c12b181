"""The campaign map drawn on the server (PNG and SVG), from its tally rows."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from campaigns.models import Campaign, Tally


def _map_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def map_file_names(
    *, campaign_id: int, version: int, language: str | None = None
) -> dict[str, str]:
    """The drawing's files in ``language`` (default: the active one)."""
    # By id, not slug: a renamed campaign keeps its files, and the drawing
    # after it still finds (and removes) the previous ones. One drawing per
    # language: its title, caption and numbers are written in it.
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language not in _map_languages():
        language = settings.LANGUAGE_CODE
    return {
        ext: f"maps/campaign-{campaign_id}-{version}-{language}.{ext}" for ext in ("png", "svg")
    }


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
    for language in _map_languages():
        # campaign.title reads the language's column (English when it is empty).
        with translation.override(language):
            figures = {
                "title": campaign.title,
                "counts": counts,
                "total": campaign.actions_total,
                "countries": campaign.countries_total,
            }
            contents = {
                "png": rendering.render_png(**figures),
                "svg": rendering.render_svg(**figures),
            }
        names = map_file_names(campaign_id=campaign_id, version=version, language=language)
        for ext, name in names.items():
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, ContentFile(contents[ext]))
    moved = Campaign.objects.filter(pk=campaign_id, map_version__lt=version).update(
        map_version=version
    )
    old_version = campaign.map_version if moved else version
    if old_version:
        for language in _map_languages():
            old = map_file_names(campaign_id=campaign_id, version=old_version, language=language)
            for name in old.values():
                default_storage.delete(name)
    return bool(moved)
