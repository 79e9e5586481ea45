"""Admin of the training app. Class types are a catalogue (rules as data, the superuser's),
each with its dated rules inline: who is eligible, lessons and periods, test, certificate,
pass mark. Everything else is listed scoped by portal.access and read-only: plans,
classes, enrolments, results, certificates, lecturers and targets change only through
the services (the pages and the API), so the approval, eligibility, capacity, pass-mark
and numbering rules hold on every path."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin import CatalogueAdmin, ReadOnly, ScopedAdmin
from portal.spreadsheets.admin_buttons import SpreadsheetAdmin
from training.models import (
    Certificate,
    CertificateRegister,
    ClassType,
    ClassTypeRule,
    Enrollment,
    ExternalResult,
    Lecturer,
    Lesson,
    PlanLine,
    TrainingClass,
    TrainingPlan,
    TrainingTarget,
)


class ClassTypeRuleInline(admin.StackedInline):
    model = ClassTypeRule
    extra = 0
    fields = [("valid_from", "valid_to"), "eligibility", "eligible_statuses", "eligible_roles",
              ("lessons", "periods"), ("has_test", "certifies", "pass_mark"), "basis"]
    filter_horizontal = ["eligible_statuses", "eligible_roles"]


@admin.register(ClassType)
class ClassTypeAdmin(CatalogueAdmin):
    list_display = [*CatalogueAdmin.list_display, "external", "theory_level"]
    list_filter = ["external"]
    list_select_related = ["theory_level"]
    inlines = [ClassTypeRuleInline]


class PlanLineInline(ReadOnly, admin.TabularInline):
    model = PlanLine
    fields = ["class_type", "planned_classes", "planned_learners", "quarter", "priority_groups", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(TrainingPlan)
class TrainingPlanAdmin(ReadOnly, ScopedAdmin):
    list_display = ["organization", "year", "version", "status", "submitted_at", "decided_at"]
    list_filter = ["status", "year"]
    list_select_related = ["organization"]
    search_fields = ["organization__code", "organization__name", "title"]
    inlines = [PlanLineInline]

    def unit_of(self, obj):
        return obj.organization


class LessonInline(ReadOnly, admin.TabularInline):
    model = Lesson
    fields = ["number", "title", "held_on", "periods", "lecturer"]
    readonly_fields = fields
    extra = 0


@admin.register(TrainingClass)
class TrainingClassAdmin(ReadOnly, ScopedAdmin):
    list_display = ["name", "class_type", "organizer", "starts_on", "ends_on", "in_plan"]
    list_filter = ["class_type"]
    list_select_related = ["class_type", "organizer", "plan_line__plan"]
    search_fields = ["name", "organizer__code", "organizer__name"]
    date_hierarchy = "starts_on"
    inlines = [LessonInline]

    def unit_of(self, obj):
        return obj.organizer

    @admin.display(description=_("trong kế hoạch"), boolean=True)
    def in_plan(self, obj):
        return obj.plan_line is not None and obj.plan_line.plan.status == TrainingPlan.Status.APPROVED


@admin.register(Enrollment)
class EnrollmentAdmin(SpreadsheetAdmin, ReadOnly, ScopedAdmin):
    list_display = ["person", "training_class", "learner_organization", "score", "result"]
    list_filter = ["result"]
    list_select_related = ["person", "training_class", "learner_organization"]
    search_fields = ["person__search_key", "training_class__name"]
    # Results are imported (through the class's preview page), never edited here.
    import_format = "results"

    def unit_of(self, obj):
        return obj.training_class.organizer


@admin.register(Certificate)
class CertificateAdmin(ReadOnly, ScopedAdmin):
    list_display = ["register_number", "organizer", "person", "issued_on", "revoked_on"]
    list_filter = ["year"]
    list_select_related = ["organizer", "enrollment__person"]
    search_fields = ["verification_code", "enrollment__person__search_key"]
    exclude = ["pdf"]  # downloaded under the access rule from the certificate's page, never from /media/

    def unit_of(self, obj):
        return obj.organizer

    @admin.display(description=_("người được cấp"), ordering="enrollment__person__sort_key")
    def person(self, obj):
        return obj.enrollment.person


@admin.register(CertificateRegister)
class CertificateRegisterAdmin(ReadOnly, ScopedAdmin):
    list_display = ["organizer", "year", "last_number"]
    list_filter = ["year"]
    list_select_related = ["organizer"]

    def unit_of(self, obj):
        return obj.organizer


@admin.register(Lecturer)
class LecturerAdmin(ReadOnly, ScopedAdmin):
    list_display = ["person", "kind", "organization", "meets_standard", "started_on", "ended_on"]
    list_filter = ["kind", "meets_standard"]
    list_select_related = ["person", "organization"]
    search_fields = ["person__search_key", "organization__code"]

    def unit_of(self, obj):
        return obj.organization


@admin.register(ExternalResult)
class ExternalResultAdmin(ReadOnly, ScopedAdmin):
    list_display = ["person", "class_type", "institution", "completed_on"]
    list_filter = ["class_type"]
    list_select_related = ["person", "class_type"]
    search_fields = ["person__search_key", "institution"]

    def unit_of(self, obj):
        return obj.person.organization


@admin.register(TrainingTarget)
class TrainingTargetAdmin(ReadOnly, ScopedAdmin):
    list_display = ["organization", "year", "indicator", "class_type", "value", "upper"]
    list_filter = ["year", "indicator"]
    list_select_related = ["organization", "class_type"]

    def unit_of(self, obj):
        return obj.organization
