from django import template
from django.db.models import Count, Q

from letters.models import Letter

register = template.Library()

# Letters whose translation is still useful: not printed yet, not dropped.
# A letter sent back for changes still needs its translation when it returns.
TRANSLATABLE = [Letter.Status.SUBMITTED, Letter.Status.NEEDS_CHANGES, Letter.Status.APPROVED]


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
                status__in=TRANSLATABLE,
            ),
        ),
        approved=Count("pk", filter=Q(status=Letter.Status.APPROVED)),
        printed=Count("pk", filter=Q(status=Letter.Status.PRINTED)),
    )
    return {
        "show": True,
        "counts": counts,
        "translatable": ",".join(TRANSLATABLE),
        "request": context["request"],
    }


@register.inclusion_tag("letters/admin/_review_link.html", takes_context=True)
def letters_review_link(context):
    """“Review queue (N waiting)”, for moderators and superusers."""
    from config import review as claims
    from letters import review

    user = context["request"].user
    if not user.has_perm("letters.change_letter"):
        return {"show": False}
    return {"show": True, "waiting": claims.claims_waiting(waiting=review.waiting(), user=user)}
