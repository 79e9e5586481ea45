from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Đào tạo, bồi dưỡng")

    def ready(self):
        from portal import access
        from training import models

        access.register(models.ClassType, public=True)
        access.register(models.ClassTypeRule, public=True)
        access.register(models.TrainingPlan, org_field="organization")
        access.register(models.PlanLine, org_field="plan__organization")
        access.register(models.Lecturer, org_field="organization", person_field="person")
        # A class is seen from its organizer's reach, and by the units below the organizer
        # (those that nominate learners to it), as a document addressed to them.
        access.register(models.TrainingClass, org_field="organizer", addressed_field="organizer")
        access.register(models.Lesson, org_field="training_class__organizer",
                        addressed_field="training_class__organizer")
        # An enrolment is seen from the organizer's reach and from the learner's unit's reach.
        access.register(models.Enrollment, org_field=("training_class__organizer", "learner_organization"),
                        person_field="person")
        access.register(models.LessonAttendance,
                        org_field=("enrollment__training_class__organizer", "enrollment__learner_organization"),
                        person_field="enrollment__person")
        access.register(models.CertificateRegister, org_field="organizer")
        access.register(models.Certificate,
                        org_field=("enrollment__training_class__organizer", "enrollment__learner_organization"),
                        person_field="enrollment__person")
        access.register(models.ExternalResult, org_field="person__organization", person_field="person")
        access.register(models.TrainingTarget, org_field="organization")

        from portal import files
        from portal.jobs import register_kind
        from training import list_exports  # noqa: F401 - registers the area's list exports
        from training.services import certificates

        register_kind(certificates.ISSUE_CERTIFICATES)

        from portal.spreadsheets.imports import register_format
        from training import imports

        register_format(imports.RESULTS)
        files.register_download(
            "certificate", field="pdf", inline=True, content_type=lambda _: "application/pdf",
            visible=lambda user: access.restrict(models.Certificate.objects.select_related("enrollment__person"), user),
            filename=certificates.pdf_filename)

        from portal import home, navigation, person_sections
        from portal.navigation import NavItem
        from training import sections
        from training.selectors.home import has_training_home

        navigation.register(NavItem(_("Đào tạo"), "training_home", order=130, active=("training_*",),
                                    visible=has_training_home))
        home.register(*sections.CARDS)
        person_sections.register(*sections.SECTIONS)
