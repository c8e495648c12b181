from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationStackedInline

from appeals import pdf, services
from appeals.models import Appeal, AppealDelivery, AppealTarget, AppealText
from campaigns.admin import CampaignAdmin


class AppealTextInline(TranslationStackedInline):
    model = AppealText
    max_num = 1
    extra = 0


class AppealTargetInline(admin.StackedInline):
    model = AppealTarget
    extra = 0
    fields = ["name", "position", "country", "postal_address", "email", "delivery", "language"]


# The campaign's form, from here: campaigns does not import appeals (DESIGN:
# dependencies point one way), so the appeal adds itself to it.
CampaignAdmin.inlines = [*CampaignAdmin.inlines, AppealTextInline, AppealTargetInline]


@admin.register(AppealTarget)
class AppealTargetAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "campaign", "delivery", "waiting", "printed"]
    list_filter = ["delivery", "campaign"]
    list_select_related = ["campaign"]
    search_fields = ["name", "position"]
    actions = ["print_batch", "mark_posted"]

    def get_queryset(self, request):
        waiting = Q(deliveries__state=AppealDelivery.State.PENDING)
        printed = Q(deliveries__state=AppealDelivery.State.PRINTED)
        return (
            super()
            .get_queryset(request)
            .annotate(n_waiting=Count("deliveries", filter=waiting))
            .annotate(n_printed=Count("deliveries", filter=printed))
        )

    @admin.display(description=_("waiting"), ordering="n_waiting")
    def waiting(self, obj):
        return obj.n_waiting

    @admin.display(description=_("printed, not yet posted"), ordering="n_printed")
    def printed(self, obj):
        return obj.n_printed

    def _one_post_target(self, request, queryset) -> AppealTarget | None:
        # The PDF holds writers' names: the same people who may see appeals.
        if not request.user.has_perm("appeals.view_appeal"):
            self.message_user(request, _("You may not see appeals."), messages.ERROR)
            return None
        targets = list(queryset[:2])
        if len(targets) != 1 or targets[0].delivery != AppealTarget.Delivery.POST:
            self.message_user(
                request, _("Choose exactly one target delivered by post."), messages.ERROR
            )
            return None
        return targets[0]

    @admin.action(description=_("Print the appeals not yet posted (PDF)"))
    def print_batch(self, request, queryset):
        target = self._one_post_target(request, queryset)
        if target is None:
            return None
        deliveries = services.appeal_deliveries_to_print(target=target)
        if not deliveries:
            self.message_user(request, _("No appeal is waiting to be posted."), messages.INFO)
            return None
        try:
            body = pdf.appeals_pdf(target=target, deliveries=deliveries)
        except pdf.PdfFontMissing as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        services.appeal_deliveries_mark(deliveries=deliveries, state=AppealDelivery.State.PRINTED)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="appeals-{target.pk}.pdf"'
        return response

    @admin.action(description=_("Mark the printed appeals as posted"))
    def mark_posted(self, request, queryset):
        target = self._one_post_target(request, queryset)
        if target is None:
            return
        posted = services.appeal_deliveries_mark(
            deliveries=list(target.deliveries.filter(state=AppealDelivery.State.PRINTED)),
            state=AppealDelivery.State.POSTED,
        )
        self.message_user(
            request,
            ngettext("%(count)d appeal marked posted.", "%(count)d appeals marked posted.", posted)
            % {"count": posted},
            messages.SUCCESS,
        )


class AppealDeliveryInline(admin.TabularInline):
    model = AppealDelivery
    fields = ["target", "state", "message", "changed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Appeals as their writers sent them; staff can only remove one (on request)."""

    list_display = ["display_name", "country", "campaign", "created_at", "confirmed_at", "states"]
    list_filter = ["campaign", "country", ("confirmed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["campaign"]
    search_fields = ["display_name", "email"]
    fields = [
        "campaign",
        "display_name",
        "country",
        "email",
        "subject",
        "body",
        "personal_note",
        "language",
        "created_at",
        "confirmed_at",
    ]
    readonly_fields = fields
    inlines = [AppealDeliveryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deliveries")

    @admin.display(description=_("delivery"))
    def states(self, obj):
        # One prefetch for the page, whatever the number of rows.
        labels = [AppealDelivery.State(d.state).label for d in obj.deliveries.all()]
        return ", ".join(str(label) for label in labels) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.appeal_delete(appeal=obj)

    def delete_queryset(self, request, queryset):
        for appeal in queryset:
            services.appeal_delete(appeal=appeal)
