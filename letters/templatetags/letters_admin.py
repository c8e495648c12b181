from django import template
from django.db.models import Count, Q

from letters.models import Letter

register = template.Library()


@register.inclusion_tag("letters/admin/_pending.html", takes_context=True)
def letters_pending(context):
    user = context["request"].user
    if not user.has_perm("letters.view_letter"):
        return {"show": False}
    counts = Letter.objects.aggregate(
        submitted=Count("pk", filter=Q(status=Letter.Status.SUBMITTED)),
        needs_changes=Count("pk", filter=Q(status=Letter.Status.NEEDS_CHANGES)),
        needs_translation=Count(
            "pk",
            filter=Q(
                needs_translation=True,
                status__in=[Letter.Status.SUBMITTED, Letter.Status.APPROVED],
            ),
        ),
        approved=Count("pk", filter=Q(status=Letter.Status.APPROVED)),
        printed=Count("pk", filter=Q(status=Letter.Status.PRINTED)),
    )
    return {"show": True, "counts": counts}
