from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from campaigns.exports import ExportActionsMixin
from letters import exports, services
from letters.models import DeliveryBatch, Letter, LetterLog
from letters.pdf import PdfFontMissing, batch_pdf
from prisoners.models import Facility

# Pending counts on the admin index (letters/templatetags/letters_admin.py).
admin.site.index_template = "letters/admin/index.html"


class FacilityFilter(admin.SimpleListFilter):
    title = _("facility (current)")
    parameter_name = "facility"

    def lookups(self, request, model_admin):
        return [(f.pk, f.name) for f in Facility.objects.all()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                prisoner__imprisonments__facility_id=self.value(),
                prisoner__imprisonments__until__isnull=True,
            )
        return queryset


class CountryFilter(admin.SimpleListFilter):
    # Only the countries letters came from: the full list has 250 entries.
    title = _("writer's country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = Letter.objects.order_by().values_list("country", flat=True).distinct()
        return sorted(((c, countries.name(c)) for c in codes), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset


class LetterLogInline(admin.TabularInline):
    model = LetterLog
    extra = 0
    can_delete = False
    fields = ["at", "actor", "action", "from_status", "to_status", "note", "batch_number"]
    readonly_fields = fields

    @admin.display(description=_("delivery batch"))
    def batch_number(self, entry):
        # The number only: the batch's own __str__ would read its facility per row.
        return _("Batch %(id)s") % {"id": entry.batch_id} if entry.batch_id else ""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Letter.RejectReason.choices)
    note = forms.CharField(label=_("Note for the log"), required=False, max_length=200)


class RequestChangesForm(forms.Form):
    note = forms.CharField(
        label=_("What should the writer change? (e-mailed to them)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class LetterAdminForm(forms.ModelForm):
    class Meta:
        model = Letter
        fields = ["translation", "needs_translation"]


@admin.register(Letter)
class LetterAdmin(ExportActionsMixin, admin.ModelAdmin):
    form = LetterAdminForm

    def export_table(self, request, queryset):
        return exports.letters_table(
            letters=queryset, with_emails=request.user.has_perm(exports.EMAIL_PERMISSION)
        )

    list_display = [
        "id",
        "prisoner",
        "kind",
        "status",
        "sender_name",
        "country",
        "language",
        "flags",
        "created_at",
    ]
    list_filter = [
        "status",
        "prisoner",
        FacilityFilter,
        "language",
        CountryFilter,
        "campaign",
        "kind",
        "is_held",
        "is_duplicate",
        "needs_translation",
        "created_at",
    ]
    search_fields = ["body", "sender_name", "sender_email", "prisoner__name"]
    date_hierarchy = "created_at"
    list_select_related = ["prisoner"]
    inlines = [LetterLogInline]
    readonly_fields = [
        "prisoner",
        "campaign",
        "kind",
        "status",
        "sender_name",
        "sender_email",
        "country",
        "language",
        "body_shown",
        "is_duplicate",
        "is_held",
        "created_at",
        "moderated_by",
        "moderated_at",
        "reject_reason",
        "changes_note",
        "batch",
        "posted_at",
    ]
    fieldsets = [
        (None, {"fields": ["prisoner", "campaign", "kind", "status", "language", "body_shown"]}),
        (_("Writer (private)"), {"fields": ["sender_name", "sender_email", "country"]}),
        (_("Translation"), {"fields": ["needs_translation", "translation"]}),
        (
            _("Moderation and delivery"),
            {
                "fields": [
                    "is_duplicate",
                    "is_held",
                    "created_at",
                    "moderated_by",
                    "moderated_at",
                    "reject_reason",
                    "changes_note",
                    "batch",
                    "posted_at",
                ]
            },
        ),
    ]
    actions = [
        "approve",
        "reject",
        "request_changes",
        "mark_needs_translation",
        "make_batch",
        "mark_returned",
        "mark_reply_received",
    ]

    @admin.display(description=_("text"))
    def body_shown(self, obj):
        # The writer's text, escaped line by line; only our <br> is markup.
        lines = ((line,) for line in obj.body.splitlines())
        return format_html(
            '<div class="letter-body">{}</div>', format_html_join(mark_safe("<br>"), "{}", lines)
        )

    @admin.display(description=_("flags"))
    def flags(self, obj):
        marks = []
        if obj.is_duplicate:
            marks.append(_("duplicate"))
        if obj.is_held:
            marks.append(_("held"))
        if obj.needs_translation:
            marks.append(_("needs translation"))
        return ", ".join(str(m) for m in marks)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would lose the audit trail and the ledger link; reject instead.
        return False

    def save_model(self, request, obj, form, change):
        if "translation" in form.changed_data:
            services.letter_translation_save(
                letter=obj, moderator=request.user, translation=obj.translation
            )
        if "needs_translation" in form.changed_data:
            # Both ways: unticking the box is a decision too.
            services.letter_mark_needs_translation(
                letter=obj,
                moderator=request.user,
                value=form.cleaned_data["needs_translation"],
            )

    def _each(self, request, queryset, fn, done_message):
        done, refused = 0, []
        for letter in queryset:
            try:
                fn(letter)
                done += 1
            except services.LetterError as e:
                refused.append(f"#{letter.pk}: {e}")
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Approve selected letters"), permissions=["change"])
    def approve(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda letter: services.letter_approve(letter=letter, moderator=request.user),
            lambda n: ngettext("Approved %d letter.", "Approved %d letters.", n) % n,
        )

    @admin.action(description=_("Reject selected letters…"), permissions=["change"])
    def reject(self, request, queryset):
        if "confirm" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                self._each(
                    request,
                    queryset,
                    lambda letter: services.letter_reject(
                        letter=letter,
                        moderator=request.user,
                        reason=form.cleaned_data["reason"],
                        note=form.cleaned_data["note"],
                    ),
                    lambda n: ngettext("Rejected %d letter.", "Rejected %d letters.", n) % n,
                )
                return None
        else:
            form = RejectForm()
        return TemplateResponse(
            request,
            "letters/admin/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject letters"),
                "form": form,
                "letters": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Ask the writers for changes…"), permissions=["change"])
    def request_changes(self, request, queryset):
        # The note goes to the writer with a link to change the letter, so it
        # is asked for on a page of its own.
        if "confirm" in request.POST:
            form = RequestChangesForm(request.POST)
            if form.is_valid():
                self._each(
                    request,
                    queryset,
                    lambda letter: services.letter_request_changes(
                        letter=letter, moderator=request.user, note=form.cleaned_data["note"]
                    ),
                    lambda n: (
                        ngettext(
                            "%d writer asked for changes.",
                            "%d writers asked for changes.",
                            n,
                        )
                        % n
                    ),
                )
                return None
        else:
            form = RequestChangesForm()
        return TemplateResponse(
            request,
            "letters/admin/request_changes.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Ask for changes"),
                "form": form,
                "letters": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Mark as needing translation"), permissions=["change"])
    def mark_needs_translation(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda letter: services.letter_mark_needs_translation(
                letter=letter, moderator=request.user
            ),
            lambda n: (
                ngettext(
                    "%d letter marked as needing translation.",
                    "%d letters marked as needing translation.",
                    n,
                )
                % n
            ),
        )

    @admin.action(description=_("Make a delivery batch (one facility)"), permissions=["batch"])
    def make_batch(self, request, queryset):
        letters = list(queryset)
        try:
            facility = services.batch_letters_facility(letters=letters)
            batch = services.batch_create(
                facility=facility, letters=letters, moderator=request.user
            )
        except services.LetterError as e:
            self.message_user(request, str(e), messages.ERROR)
            return None
        self.message_user(
            request,
            ngettext(
                "Batch %(id)d made with %(n)d letter for %(facility)s. Download its PDF to print.",
                "Batch %(id)d made with %(n)d letters for %(facility)s. Download its PDF to print.",
                len(letters),
            )
            % {"id": batch.pk, "n": len(letters), "facility": facility},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:letters_deliverybatch_change", args=[batch.pk]))

    def has_batch_permission(self, request):
        return request.user.has_perm("letters.add_deliverybatch")

    @admin.action(description=_("Mark as returned to sender"), permissions=["change"])
    def mark_returned(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda letter: services.letter_mark_outcome(
                letter=letter, moderator=request.user, status=Letter.Status.RETURNED
            ),
            lambda n: ngettext("%d letter marked returned.", "%d letters marked returned.", n) % n,
        )

    @admin.action(description=_("Mark as answered (reply received)"), permissions=["change"])
    def mark_reply_received(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda letter: services.letter_mark_outcome(
                letter=letter, moderator=request.user, status=Letter.Status.REPLY_RECEIVED
            ),
            lambda n: ngettext("%d letter marked answered.", "%d letters marked answered.", n) % n,
        )


class PostedFilter(admin.SimpleListFilter):
    title = _("posted")
    parameter_name = "posted"

    def lookups(self, request, model_admin):
        return [("yes", _("Posted")), ("no", _("Not yet posted"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(posted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(posted_at__isnull=True)
        return queryset


class BatchLetterInline(admin.TabularInline):
    model = Letter
    extra = 0
    can_delete = False
    fields = ["prisoner", "kind", "sender_name", "country", "status"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeliveryBatch)
class DeliveryBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "facility", "letter_count", "created_by", "created_at", "posted_at"]
    list_filter = [PostedFilter, "facility"]
    readonly_fields = [
        "facility",
        "created_by",
        "created_at",
        "posted_at",
        "posted_by",
        "pdf_link",
    ]
    fields = readonly_fields
    inlines = [BatchLetterInline]
    actions = ["mark_posted"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("facility", "created_by")
            .annotate(n_letters=Count("letters"))
        )

    @admin.display(description=_("letters"), ordering="n_letters")
    def letter_count(self, obj):
        return obj.n_letters

    @admin.display(description=_("print"))
    def pdf_link(self, obj):
        if not obj.pk:
            return ""
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:letters_deliverybatch_pdf", args=[obj.pk]),
            _("Download the PDF to print"),
        )

    def has_add_permission(self, request):
        # Batches are made from approved letters (the letters list's action).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="letters_deliverybatch_pdf",
            ),
        ] + super().get_urls()

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        batch = get_object_or_404(DeliveryBatch.objects.select_related("facility"), pk=pk)
        try:
            content = batch_pdf(batch=batch)
        except PdfFontMissing as e:
            self.message_user(request, str(e), messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:letters_deliverybatch_change", args=[batch.pk])
            )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="letters-batch-{batch.pk}.pdf"'
        return response

    @admin.action(description=_("Mark as posted and tell the writers"), permissions=["change"])
    def mark_posted(self, request, queryset):
        done = 0
        for batch in queryset:
            try:
                services.batch_mark_posted(batch=batch, moderator=request.user)
                done += 1
            except services.LetterError as e:
                self.message_user(request, f"#{batch.pk}: {e}", messages.WARNING)
        if done:
            self.message_user(
                request,
                ngettext("%d batch marked posted.", "%d batches marked posted.", done) % done,
                messages.SUCCESS,
            )
