from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from campaigns.exports import ExportActionsMixin
from letters import exports, review, services, wall
from letters.models import BulkJob, DeliveryBatch, Letter, LetterLog, WallExcerpt
from letters.pdf import PdfFontMissing, batch_pdf, labels_pdf, packing_pdf
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


def selection_context(request, queryset, name: str) -> dict:
    """What a confirmation page lists, and how it passes the selection on.

    "Select all" is passed on as such (with the filters in the address), so
    thousands of letters never become thousands of form fields.
    """
    select_across = request.POST.get("select_across") == "1"
    return {
        name: queryset[:100] if select_across else queryset,
        "count": queryset.count(),
        "select_across": select_across,
    }


def bulk_result_text(done_text: str, skipped: int) -> str:
    """A bulk decision's message: what it did, then what it left as it was."""
    if not skipped:
        return done_text
    return "{} {}".format(
        done_text,
        ngettext(
            "%(n)d was not in a state to take this decision and was left as it was.",
            "%(n)d were not in a state to take this decision and were left as they were.",
            skipped,
        )
        % {"n": skipped},
    )


class BulkDecisionMixin:
    """Admin actions deciding many items at once (letters.services.bulk_decide).

    Up to BULK_INLINE_MAX items are decided in the request, in one
    transaction, all or nothing; "select all" beyond that becomes a BulkJob
    for the worker, and the moderator gets a link to follow its progress.
    """

    def bulk_decide(self, request, queryset, *, kind: str, params: dict, done_message):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        if len(ids) > settings.BULK_INLINE_MAX:
            job = services.bulk_job_start(kind=kind, ids=ids, params=params, moderator=request.user)
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    ngettext(
                        "%(n)d item is being decided by the worker in the background.",
                        "%(n)d items are being decided by the worker in the background.",
                        len(ids),
                    )
                    % {"n": len(ids)},
                    reverse("admin:letters_bulkjob_change", args=[job.pk]),
                    _("Follow its progress."),
                ),
                messages.INFO,
            )
            return
        result = services.bulk_decide(kind=kind, ids=ids, params=params, moderator=request.user)
        n = len(result.done)
        text = bulk_result_text(done_message(n), len(result.skipped))
        self.message_user(request, text, messages.SUCCESS if n else messages.WARNING)


@admin.register(Letter)
class LetterAdmin(BulkDecisionMixin, ExportActionsMixin, admin.ModelAdmin):
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
        "first_line",
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
        "wall_consent",
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
        "wall_consent",
    ]
    fieldsets = [
        (None, {"fields": ["prisoner", "campaign", "kind", "status", "language", "body_shown"]}),
        (
            _("Writer (private)"),
            {"fields": ["sender_name", "sender_email", "country", "wall_consent"]},
        ),
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

    def get_urls(self):
        # The review queue (letters/review.py).
        view = self.admin_site.admin_view
        return [
            path(
                "review/",
                view(review.queue_view),
                {"admin_site": self.admin_site},
                name="letters_letter_review",
            ),
            path(
                "review/<int:pk>/",
                view(review.decide_view),
                {"admin_site": self.admin_site},
                name="letters_letter_review_decide",
            ),
        ] + super().get_urls()

    @admin.display(description=_("first line"))
    def first_line(self, obj):
        # The start of the text on one line: a greeting alone says too little.
        return Truncator(" ".join(obj.body.split())).chars(80)

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
        self.bulk_decide(
            request,
            queryset,
            kind=BulkJob.Kind.LETTERS_APPROVE,
            params={},
            done_message=lambda n: (
                ngettext("Approved %(n)d letter.", "Approved %(n)d letters.", n) % {"n": n}
            ),
        )

    @admin.action(description=_("Reject selected letters…"), permissions=["change"])
    def reject(self, request, queryset):
        if "confirm" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                self.bulk_decide(
                    request,
                    queryset,
                    kind=BulkJob.Kind.LETTERS_REJECT,
                    params={
                        "reason": form.cleaned_data["reason"],
                        "note": form.cleaned_data["note"],
                    },
                    done_message=lambda n: (
                        ngettext("Rejected %(n)d letter.", "Rejected %(n)d letters.", n) % {"n": n}
                    ),
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
                **selection_context(request, queryset, "letters"),
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
        self._outcome(
            request,
            queryset,
            Letter.Status.RETURNED,
            lambda n: ngettext("%d letter marked returned.", "%d letters marked returned.", n) % n,
        )

    @admin.action(description=_("Mark as answered (reply received)"), permissions=["change"])
    def mark_reply_received(self, request, queryset):
        self._outcome(
            request,
            queryset,
            Letter.Status.REPLY_RECEIVED,
            lambda n: ngettext("%d letter marked answered.", "%d letters marked answered.", n) % n,
        )

    def _outcome(self, request, queryset, status, done_message):
        result = services.letters_mark_outcome(
            ids=queryset.values_list("pk", flat=True), moderator=request.user, status=status
        )
        text = bulk_result_text(done_message(len(result.done)), len(result.skipped))
        self.message_user(request, text, messages.SUCCESS if result.done else messages.WARNING)


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
        "letters_summary",
    ]
    fields = readonly_fields
    actions = ["mark_posted"]
    # Print, Address labels, Mark posted, Mark returned above the form.
    change_form_template = "letters/admin/deliverybatch_change_form.html"

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

    @admin.display(description=_("letters"))
    def letters_summary(self, batch):
        # Counts and a link, not a row per letter: a marathon's batch holds
        # a thousand letters, and this page is where every batch action lands.
        by_status = dict(batch.letters.order_by().values_list("status").annotate(n=Count("pk")))
        total = sum(by_status.values())
        parts = format_html_join(
            ", ",
            "{} {}",
            ((n, Letter.Status(status).label.lower()) for status, n in sorted(by_status.items())),
        )
        url = reverse("admin:letters_letter_changelist") + f"?batch__id__exact={batch.pk}"
        label = ngettext("Open the %(n)d letter", "Open the %(n)d letters", total) % {"n": total}
        return format_html('{} <a href="{}">{}</a>', parts, url, label)

    def has_add_permission(self, request):
        # Batches are made from approved letters (the letters list's action).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: the page's actions are its buttons, not Save.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete_link": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        def view(fn, name, **kwargs):
            return path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(fn),
                kwargs,
                name=f"letters_deliverybatch_{name}",
            )

        return [
            view(self.pdf_view, "pdf", kind="letters"),
            view(self.pdf_view, "labels", kind="labels"),
            view(self.pdf_view, "packing", kind="packing"),
            view(self.confirm_view, "posted", step="posted"),
            view(self.confirm_view, "returned", step="returned"),
        ] + super().get_urls()

    def _batch(self, request, pk, *, change: bool) -> DeliveryBatch:
        batch = get_object_or_404(DeliveryBatch.objects.select_related("facility"), pk=pk)
        allowed = (
            self.has_change_permission(request, batch)
            if change
            else self.has_view_permission(request, batch)
        )
        if not allowed:
            raise PermissionDenied
        return batch

    def _back(self, batch):
        return HttpResponseRedirect(reverse("admin:letters_deliverybatch_change", args=[batch.pk]))

    def pdf_view(self, request, pk, kind):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        batch = self._batch(request, pk, change=False)
        make = {"letters": batch_pdf, "labels": labels_pdf, "packing": packing_pdf}[kind]
        try:
            content = make(batch=batch)
        except PdfFontMissing as e:
            self.message_user(request, str(e), messages.ERROR)
            return self._back(batch)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{kind}-batch-{batch.pk}.pdf"'
        return response

    def confirm_view(self, request, pk, step):
        """Mark posted / Mark returned: a confirmation page (GET), then the deed (POST)."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        batch = self._batch(request, pk, change=True)
        if request.method == "POST":
            try:
                message = (
                    self._post(request, batch) if step == "posted" else self._return(request, batch)
                )
            except services.LetterError as e:
                self.message_user(request, str(e), messages.ERROR)
            else:
                self.message_user(request, message, messages.SUCCESS)
            return self._back(batch)
        waiting = Letter.Status.PRINTED if step == "posted" else Letter.Status.POSTED
        n = batch.letters.filter(status=waiting).count()
        if step == "posted":
            title = _("Mark batch %(id)s as posted?") % {"id": batch.pk}
            question = ngettext(
                "%(n)d printed letter becomes posted and its writer is e-mailed once.",
                "%(n)d printed letters become posted and each writer is e-mailed once.",
                n,
            ) % {"n": n}
            button = _("Yes, mark posted")
        else:
            title = _("Mark batch %(id)s as returned?") % {"id": batch.pk}
            question = ngettext(
                "%(n)d posted letter is marked returned to sender. Letters already answered "
                "stay as they are.",
                "%(n)d posted letters are marked returned to sender. Letters already answered "
                "stay as they are.",
                n,
            ) % {"n": n}
            button = _("Yes, mark returned")
        return TemplateResponse(
            request,
            "letters/admin/deliverybatch_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "question": question,
                "button": button,
                "batch": batch,
                "opts": self.model._meta,
            },
        )

    def _post(self, request, batch) -> str:
        batch = services.batch_mark_posted(batch=batch, moderator=request.user)
        n = batch.letters.filter(status=Letter.Status.POSTED, posted_at=batch.posted_at).count()
        return ngettext(
            "Batch %(id)d marked posted: %(n)d letter posted, its writer will be e-mailed.",
            "Batch %(id)d marked posted: %(n)d letters posted, their writers will be e-mailed.",
            n,
        ) % {"id": batch.pk, "n": n}

    def _return(self, request, batch) -> str:
        if batch.posted_at is None:
            raise services.LetterError(_("This batch has not been posted yet."))
        # All or nothing, set-based: one transaction over the batch's posted letters.
        result = services.letters_mark_outcome(
            ids=batch.letters.filter(status=Letter.Status.POSTED).values_list("pk", flat=True),
            moderator=request.user,
            status=Letter.Status.RETURNED,
        )
        if not result.done:
            raise services.LetterError(
                _("No letter of this batch is waiting as posted: nothing to mark returned.")
            )
        letters = result.done
        return ngettext(
            "Batch %(id)d: %(n)d letter marked returned.",
            "Batch %(id)d: %(n)d letters marked returned.",
            len(letters),
        ) % {"id": batch.pk, "n": len(letters)}

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


@admin.register(BulkJob)
class BulkJobAdmin(admin.ModelAdmin):
    """Large bulk decisions the worker runs: how far each got, and how it ended."""

    list_display = [
        "id",
        "kind",
        "status",
        "progress",
        "done",
        "skipped",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    fields = [
        "kind",
        "status",
        "progress",
        "done",
        "skipped",
        "error",
        "created_by",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("progress"))
    def progress(self, job):
        return _("%(position)d of %(total)d") % {"position": job.position, "total": job.total}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WallExcerptForm(forms.ModelForm):
    class Meta:
        model = WallExcerpt
        fields = ["letter", "source", "text", "consent_note"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        cleaned = super().clean()
        letter = cleaned.get("letter")
        if letter is not None and "text" in cleaned:
            try:
                wall.excerpt_validate(
                    letter=letter,
                    source=cleaned.get("source") or WallExcerpt.Source.LETTER,
                    text=cleaned["text"],
                    consent_note=cleaned.get("consent_note", ""),
                )
            except ValidationError as errors:
                for field, messages_ in errors.message_dict.items():
                    for message in messages_:
                        self.add_error(field, message)
        return cleaned


@admin.register(WallExcerpt)
class WallExcerptAdmin(admin.ModelAdmin):
    """Moderators choose an excerpt (from a consented letter, or a reply with its
    consent noted) and approve it; only then is it on the public pages."""

    form = WallExcerptForm
    list_display = ["text_start", "source", "writer", "letter", "approved_at", "on_the_wall"]
    list_filter = ["source", ("approved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["letter__prisoner"]
    raw_id_fields = ["letter"]
    readonly_fields = ["letter_text", "created_by", "created_at", "approved_by", "approved_at"]
    actions = ["approve", "take_off"]

    @admin.display(description=_("excerpt"))
    def text_start(self, excerpt):
        return excerpt.text[:80]

    @admin.display(description=_("signed as"))
    def writer(self, excerpt):
        return f"{excerpt.letter.sender_name} ({excerpt.letter.country.code})"

    def get_queryset(self, request):
        # "On the wall" by the public pages' own rule, in the list's one query.
        public = WallExcerpt.objects.public().filter(pk=OuterRef("pk"))
        return super().get_queryset(request).annotate(is_public=Exists(public))

    @admin.display(description=_("on the wall"), boolean=True)
    def on_the_wall(self, excerpt):
        return excerpt.is_public

    @admin.display(description=_("the letter's text"))
    def letter_text(self, excerpt):
        if excerpt.pk is None:
            return _("Save first: the letter's text is shown here to copy from.")
        letter = excerpt.letter
        return format_html(
            "<div style='white-space: pre-wrap; max-width: 40rem'>{}</div>{}",
            letter.body,
            format_html(
                "<p><strong>{}</strong></p><div style='white-space: pre-wrap'>{}</div>",
                _("Translation"),
                letter.translation,
            )
            if letter.translation
            else "",
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        elif "text" in form.changed_data or "letter" in form.changed_data:
            # A changed quotation is approved again before it is shown.
            obj.approved_at = obj.approved_by = None
        super().save_model(request, obj, form, change)
        if change:
            wall.wall_pages_forget(letter=obj.letter)

    @admin.action(description=_("Approve: show on the wall"), permissions=["change"])
    def approve(self, request, queryset):
        done = 0
        for excerpt in queryset.select_related("letter"):
            try:
                wall.excerpt_approve(excerpt=excerpt, moderator=request.user)
            except ValidationError as refusal:
                self.message_user(
                    request,
                    _("“%(excerpt)s” was not approved: %(reason)s")
                    % {"excerpt": excerpt.text[:40], "reason": " ".join(refusal.messages)},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d excerpt is on the wall.", "%(count)d excerpts are on the wall.", done
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Take off the wall"), permissions=["change"])
    def take_off(self, request, queryset):
        count = wall.excerpts_take_off(excerpts=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d excerpt taken off the wall.",
                "%(count)d excerpts taken off the wall.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
