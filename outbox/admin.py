from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox import services
from outbox.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "template", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to", "subject", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Message._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the failed e-mails again"), permissions=["resend"])
    def resend(self, request, queryset):
        n = services.outbox_resend(
            message_ids=queryset.filter(status=Message.Status.FAILED).values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext("%(n)d e-mail is queued again.", "%(n)d e-mails are queued again.", n)
            % {"n": n},
            messages.SUCCESS if n else messages.WARNING,
        )

    def has_resend_permission(self, request):
        # Staff who may look at the outbox may also retry it: a resend only
        # sends what was already owed, to whom it was owed.
        return request.user.is_staff and self.has_view_permission(request)
