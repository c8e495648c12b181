"""The Campaign admin's documents: the petition for delivery and the campaign report."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns import reports
from campaigns.models import Campaign

# Petition names are signers' names: only who may see signatures in the admin
# (config/roles.py gives it to no role; superusers have it).
SIGNATURES_PERMISSION = "campaigns.view_signature"


def _download(content, *, name: str, content_type: str) -> HttpResponse:
    response_class = StreamingHttpResponse if not isinstance(content, bytes) else HttpResponse
    response = response_class(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


class CampaignReportsAdminMixin:
    change_form_template = "admin/campaigns/campaign/change_form.html"

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(require_GET(function))

        own = [
            path(
                "<int:pk>/petition.pdf", view(self.petition_pdf_view), name="campaigns_petition_pdf"
            ),
            path(
                "<int:pk>/petition.csv", view(self.petition_csv_view), name="campaigns_petition_csv"
            ),
            path("<int:pk>/report/", view(self.report_view), name="campaigns_report"),
            path("<int:pk>/report.pdf", view(self.report_pdf_view), name="campaigns_report_pdf"),
            path("<int:pk>/report.txt", view(self.report_text_view), name="campaigns_report_text"),
        ]
        return own + super().get_urls()

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_download_petition"] = (
            obj is not None
            and obj.kind == Campaign.Kind.PETITION
            and request.user.has_perm(SIGNATURES_PERMISSION)
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def _campaign(self, request, pk: int) -> Campaign:
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        return campaign

    def _petition(self, request, pk: int) -> Campaign:
        campaign = self._campaign(request, pk)
        if not request.user.has_perm(SIGNATURES_PERMISSION):
            raise PermissionDenied
        if campaign.kind != Campaign.Kind.PETITION:
            raise Http404(_("This campaign is not a petition."))
        return campaign

    def petition_pdf_view(self, request, pk: int):
        campaign = self._petition(request, pk)
        return _download(
            reports.petition_pdf(campaign=campaign),
            name=f"petition-{campaign.slug}.pdf",
            content_type="application/pdf",
        )

    def petition_csv_view(self, request, pk: int):
        campaign = self._petition(request, pk)
        return _download(
            reports.petition_csv_rows(campaign=campaign),
            name=f"petition-{campaign.slug}.csv",
            content_type="text/csv; charset=utf-8",
        )

    def report_view(self, request, pk: int):
        campaign = self._campaign(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": campaign,
            "title": _("Report: %(campaign)s") % {"campaign": campaign.title},
            "summary": reports.campaign_summary_text(campaign=campaign),
        }
        return TemplateResponse(request, "admin/campaigns/campaign/report.html", context)

    def report_pdf_view(self, request, pk: int):
        campaign = self._campaign(request, pk)
        return _download(
            reports.campaign_report_pdf(campaign=campaign),
            name=f"report-{campaign.slug}.pdf",
            content_type="application/pdf",
        )

    def report_text_view(self, request, pk: int):
        campaign = self._campaign(request, pk)
        return _download(
            reports.campaign_summary_text(campaign=campaign).encode(),
            name=f"report-{campaign.slug}.txt",
            content_type="text/plain; charset=utf-8",
        )
