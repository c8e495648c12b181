from dataclasses import dataclass

from appeals.models import AppealTarget, AppealText
from campaigns.models import Campaign


@dataclass
class AppealForPage:
    text: AppealText
    # Public: name, position, country, postal address; never the e-mail.
    targets: list[AppealTarget]
    is_taking: bool


def appeal_for_page(*, campaign: Campaign) -> AppealForPage | None:
    """The campaign's appeal as the public sees it: one query without one, two with."""
    text = AppealText.objects.filter(campaign=campaign).first()
    if text is None:
        return None
    targets = list(
        AppealTarget.objects.filter(campaign=campaign).only(
            "name", "position", "country", "postal_address", "campaign_id"
        )
    )
    if not targets:
        return None
    return AppealForPage(
        text=text,
        targets=targets,
        is_taking=text.is_open and campaign.is_published and not campaign.has_ended,
    )
