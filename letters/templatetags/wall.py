"""{% wall_excerpts campaign=... %} / {% wall_excerpts prisoner=... %}: the wall's quotations.

A template tag, not view context: the campaign and prisoner pages belong to
apps that do not import letters (DESIGN.md, dependencies point one way).
One query, whatever the number of excerpts.
"""

from django import template

from letters.models import WallExcerpt

register = template.Library()

WALL_SIZE = 6


@register.simple_tag
def wall_excerpts(*, campaign=None, prisoner=None):
    qs = WallExcerpt.objects.public().select_related("letter__prisoner")
    # An include without the other argument passes "" (an unknown variable).
    if campaign:
        qs = qs.filter(letter__campaign=campaign)
    if prisoner:
        qs = qs.filter(letter__prisoner=prisoner)
    # The wall never needs the letter's text or the writer's e-mail: not read.
    return list(qs.defer("letter__body", "letter__translation", "letter__sender_email")[:WALL_SIZE])
