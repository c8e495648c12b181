from django import template

register = template.Library()


@register.inclusion_tag("admin/events/_review_link.html", takes_context=True)
def events_review_link(context):
    """“Review queue (N waiting)”, for moderators and superusers."""
    from config import review as claims
    from events import review

    user = context["request"].user
    if not user.has_perm("events.change_event"):
        return {"show": False}
    return {"show": True, "waiting": claims.claims_waiting(waiting=review.waiting(), user=user)}
