"""A person's training record (issue 8, point 8), as a section of his page and of /study/me/:
the classes he was enrolled in with his result and the lessons he attended, his
certificates with their verification links, his external results and theory level. What
the viewer sees goes through portal.access (enrolments are seen from the organizer's and
the learner's unit's reach, and by the person himself); three queries whatever the record."""

from django.db.models import Count, Q, QuerySet

from portal.access import restrict
from portal.models import Person
from training.models import Enrollment, ExternalResult, LessonAttendance


def enrollments_of(user, person: Person) -> QuerySet[Enrollment]:
    """His enrolments the user may see, newest class first, with the class, its type and
    organizer, his certificate, his lessons attended and the class's lessons."""
    present = LessonAttendance.Status.PRESENT
    return (restrict(Enrollment.objects.filter(person=person), user)
            .select_related("training_class__class_type", "training_class__organizer", "certificate")
            .annotate(n_attended=Count("attendance", filter=Q(attendance__status=present), distinct=True),
                      n_lessons=Count("training_class__lessons", distinct=True))
            .order_by("-training_class__starts_on", "-id"))


def external_results_of(user, person: Person) -> QuerySet[ExternalResult]:
    return (restrict(ExternalResult.objects.filter(person=person), user)
            .select_related("class_type", "class_type__theory_level").order_by("-completed_on", "-id"))


def training_record(user, person: Person) -> dict:
    enrollments = list(enrollments_of(user, person))
    return {
        "person": person,
        "enrollments": enrollments,
        "external_results": list(external_results_of(user, person)),
    }
