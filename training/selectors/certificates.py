"""Reads of the certificates area: the certificates a user may see (the learner himself,
the organizer's reach, the learner's unit's reach), filtered; one certificate; the five
public facts of the verification page."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from portal.access import get_visible_or_404, restrict
from portal.models import Organization
from training.models import Certificate, Enrollment


def _related(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("organizer", "enrollment__person", "enrollment__learner_organization",
                                   "enrollment__training_class")


def visible_certificates(user) -> QuerySet[Certificate]:
    return restrict(Certificate.objects.all(), user)


def certificate_list(user, *, unit: Organization | None = None, year: int | None = None,
                     class_id: int | None = None, revoked: bool | None = None) -> QuerySet[Certificate]:
    """Filtered within the reach: `unit` covers the organizer or the learner's unit in its subtree."""
    queryset = visible_certificates(user)
    if unit is not None:
        queryset = queryset.filter(Q(organizer__path__startswith=unit.path)
                                   | Q(enrollment__learner_organization__path__startswith=unit.path))
    if year is not None:
        queryset = queryset.filter(year=year)
    if class_id is not None:
        queryset = queryset.filter(enrollment__training_class_id=class_id)
    if revoked is not None:
        queryset = queryset.filter(revoked_on__isnull=not revoked)
    return _related(queryset).order_by("-year", "organizer__path", "-number")


def certificate_by_id(user, pk: int) -> Certificate:
    return get_visible_or_404(_related(Certificate.objects.all()), user, pk=pk)


@dataclass(frozen=True)
class PublicFacts:
    """All the verification page may say: nothing else leaves the database."""

    name: str
    class_name: str
    organizer: str
    issued_on: datetime.date
    revoked_on: datetime.date | None

    @property
    def valid(self) -> bool:
        return self.revoked_on is None


def public_facts(code: str) -> PublicFacts:
    row = get_object_or_404(
        Certificate.objects.values_list("enrollment__person__full_name", "enrollment__training_class__name",
                                        "organizer__name", "issued_on", "revoked_on"),
        verification_code=code)
    return PublicFacts(*row)


@dataclass(frozen=True)
class IssuanceStatus:
    passed: int  # learners with the result "đạt"
    issued: int  # certificates issued (revoked ones included: they keep their number)
    revoked: int
    without_pdf: int

    @property
    def pending(self) -> int:
        return self.passed - self.issued

    @property
    def to_do(self) -> bool:
        return self.pending > 0 or self.without_pdf > 0


def issuance_status(training_class) -> IssuanceStatus:
    """The class's certificates in one aggregate query."""
    counts = Enrollment.objects.filter(training_class=training_class).aggregate(
        passed=Count("pk", filter=Q(result=Enrollment.Result.PASSED)),
        issued=Count("certificate"),
        revoked=Count("certificate", filter=Q(certificate__revoked_on__isnull=False)),
        without_pdf=Count("certificate", filter=Q(certificate__pdf="")))
    return IssuanceStatus(**counts)
