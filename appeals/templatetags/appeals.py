from django import template

from appeals import selectors

register = template.Library()


@register.simple_tag
def appeal_for_page(campaign):
    """The campaign's appeal for templates/campaigns/_appeal.html, or None."""
    return selectors.appeal_for_page(campaign=campaign)
