"""Admin of the projects domain: reference data and the portfolio, every change in history.

Lists start from ``visible_to(request.user)`` like every other read, so a
staff account without the administrator role only reaches its own scope.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from ctportal import access
from ctportal.audit import check_version
from ctportal.uploads import UploadedDocumentField

from .models import (
    Country,
    Disaggregation,
    Document,
    Funding,
    Indicator,
    IndicatorPeriod,
    Organisation,
    ParticipatingOrganisation,
    PortfolioExport,
    Project,
    ProjectSector,
    RecipientCountry,
    Result,
    ThematicArea,
    Transaction,
)


def is_administrator(request) -> bool:
    return access.role_of(request.user) == access.Role.ADMINISTRATOR


class ScopedAdmin(SimpleHistoryAdmin):
    """Administrators manage everything here; other staff need Django permissions."""

    def has_module_permission(self, request):
        return is_administrator(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return is_administrator(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if is_administrator(request):
            return True
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._editable(request, obj))

    def has_delete_permission(self, request, obj=None):
        if is_administrator(request):
            return True
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._editable(request, obj))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            return queryset.visible_to(request.user)
        return queryset

    def _editable(self, request, obj) -> bool:
        """A record of a project the user may see but not change is read-only here too."""
        project = obj if isinstance(obj, Project) else getattr(obj, "project", None)
        if project is None and getattr(obj, "session", None) is not None:
            project = obj.session.project  # attendances, counts, imports of a session
        return project is None or access.can_edit_project(request.user, project)

    def _in_scope(self, request, object_id) -> None:
        """History pages, like the change page: 404 outside the staff member's scope.

        (simple_history reads a record missing from the list from its history.)
        Administrators keep the history of deleted records.
        """
        if not is_administrator(request) and self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def _has_own_history(self) -> bool:
        return hasattr(self.model._meta, "simple_history_manager_attribute")

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope(request, object_id)
        if not self._has_own_history():
            # Records without a history of their own show the admin's log of changes.
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope(request, object_id)
        if not self._has_own_history():
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Country)
class CountryAdmin(ScopedAdmin):
    list_display = ["code", "name_en", "name_ar", "name_fr", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name_en", "name_ar", "name_fr"]


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ["name", "acronym", "kind", "country", "iati_identifier"]
    list_filter = ["kind", "country__region"]
    search_fields = ["name", "name_ar", "name_fr", "acronym", "iati_identifier"]
    autocomplete_fields = ["country"]


@admin.register(ThematicArea)
class ThematicAreaAdmin(ScopedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class FundingInline(admin.TabularInline):
    model = Funding
    extra = 0
    autocomplete_fields = ["donor"]


class RecipientCountryInline(admin.TabularInline):
    model = RecipientCountry
    extra = 0
    autocomplete_fields = ["country"]


class SectorInline(admin.TabularInline):
    model = ProjectSector
    extra = 0


class ParticipatingOrganisationInline(admin.TabularInline):
    model = ParticipatingOrganisation
    extra = 0
    autocomplete_fields = ["organisation"]


# Uploads through the admin follow the same policy as the portal's forms.
CHECKED_UPLOADS = {models.FileField: {"form_class": UploadedDocumentField}}


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    formfield_overrides = CHECKED_UPLOADS


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    list_display = ["code", "title", "status", "planned_start", "planned_end", "budget", "currency"]
    list_filter = ["status", "thematic_areas", "currency", "recipient_countries__country"]
    search_fields = ["code", "title", "title_ar", "title_fr", "iati_identifier", "description"]
    date_hierarchy = "planned_start"
    autocomplete_fields = ["reporting_organisation", "lead_country"]
    filter_horizontal = ["thematic_areas"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [
        FundingInline,
        RecipientCountryInline,
        SectorInline,
        ParticipatingOrganisationInline,
        DocumentInline,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporting_organisation")

    def save_model(self, request, obj, form, change):
        # A change here must also outdate forms opened on the portal pages.
        if change:
            obj.version = check_version(Project, obj.pk, None)
        super().save_model(request, obj, form, change)


class ProjectChildAdmin(ScopedAdmin):
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    search_fields = ["project__code", "project__title"]


@admin.register(Funding)
class FundingAdmin(ProjectChildAdmin):
    list_display = ["project", "donor", "amount", "currency"]
    list_filter = ["currency", "donor"]
    list_select_related = ["project", "donor"]
    autocomplete_fields = ["project", "donor"]


@admin.register(RecipientCountry)
class RecipientCountryAdmin(ProjectChildAdmin):
    list_display = ["project", "country", "percentage"]
    list_filter = ["country"]
    list_select_related = ["project", "country"]
    autocomplete_fields = ["project", "country"]


@admin.register(ParticipatingOrganisation)
class ParticipatingOrganisationAdmin(ProjectChildAdmin):
    list_display = ["project", "organisation", "role"]
    list_filter = ["role"]
    list_select_related = ["project", "organisation"]
    autocomplete_fields = ["project", "organisation"]


@admin.register(Transaction)
class TransactionAdmin(ProjectChildAdmin):
    list_display = ["date", "project", "kind", "value", "currency", "provider", "receiver"]
    list_filter = ["kind", "currency"]
    date_hierarchy = "date"
    list_select_related = ["project", "provider", "receiver"]
    autocomplete_fields = ["project", "provider", "receiver"]
    search_fields = ["project__code", "description"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = [
        "title",
        "title_ar",
        "title_fr",
        "measure",
        "unit",
        "unit_ar",
        "unit_fr",
        "baseline_year",
        "baseline_value",
        "baseline_comment",
        "order",
    ]


@admin.register(Result)
class ResultAdmin(ProjectChildAdmin):
    list_display = ["title", "project", "kind", "order"]
    list_filter = ["kind"]
    search_fields = ["title", "project__code"]
    inlines = [IndicatorInline]


class IndicatorPeriodInline(admin.TabularInline):
    model = IndicatorPeriod
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdmin):
    list_display = ["title", "result", "measure", "unit", "baseline_value"]
    list_filter = ["measure"]
    list_select_related = ["result__project"]
    search_fields = ["title", "title_ar", "title_fr", "result__title", "result__project__code"]
    autocomplete_fields = ["result"]
    inlines = [IndicatorPeriodInline]


class DisaggregationInline(admin.TabularInline):
    model = Disaggregation
    extra = 0
    autocomplete_fields = ["country"]


@admin.register(IndicatorPeriod)
class IndicatorPeriodAdmin(ScopedAdmin):
    list_display = ["indicator", "period_start", "period_end", "target", "actual"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__title"]
    autocomplete_fields = ["indicator"]
    inlines = [DisaggregationInline]


@admin.register(Disaggregation)
class DisaggregationAdmin(ScopedAdmin):
    list_display = ["period", "sex", "country", "target", "actual"]
    list_filter = ["sex"]
    list_select_related = ["period__indicator", "country"]
    autocomplete_fields = ["period", "country"]


@admin.register(Document)
class DocumentAdmin(ProjectChildAdmin):
    formfield_overrides = CHECKED_UPLOADS
    list_display = ["title", "project", "category", "language", "is_public", "document_date"]
    list_filter = ["category", "language"]
    search_fields = ["title", "project__code"]


@admin.register(PortfolioExport)
class PortfolioExportAdmin(ScopedAdmin):
    list_display = ["created_at", "requested_by", "format", "status", "project_count"]
    list_filter = ["format", "status"]
    readonly_fields = ["requested_by", "format", "status", "file", "project_count", "error"]

    def has_add_permission(self, request):
        return False
