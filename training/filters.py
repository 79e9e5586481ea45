"""The filters of the area's list pages, read from the query string once: a page and its
export (training.list_exports) read them through these functions, so a file holds what the
page lists."""

from dataclasses import dataclass

from django.http import QueryDict

from portal.access import restrict
from portal.inputs import id_or, year_or
from portal.models import Organization
from portal.selectors import filter_units
from training.models import ClassType, Enrollment, TrainingClass
from training.selectors.classes import ClassFilter, EnrollmentFilter

RESULT_CHOICES = {*Enrollment.Result.values, "none"}  # "none": no result recorded yet
YES_NO = {"1": True, "0": False}


def _units(user, query: QueryDict) -> tuple[list[Organization], Organization | None]:
    """The units a list may be narrowed to, and the one asked for ("org", a code among them)."""
    code = query.get("org", "").strip()
    units = filter_units(user, code)
    return units, next((u for u in units if u.code == code), None)


def list_filters(user, query: QueryDict) -> dict:
    """The filters the class and enrolment lists share: unit code, year, type, plan, name."""
    units, unit = _units(user, query)
    type_code = query.get("type", "").strip()
    types = list(ClassType.objects.filter(external=False).order_by("sort_order", "name"))
    class_type = next((t for t in types if t.code == type_code), None)
    plan = {"in": True, "out": False}.get(query.get("plan", ""))
    return {"units": units, "unit": unit, "types": types, "class_type": class_type, "plan": plan,
            "year": year_or(query.get("year", ""), None), "query": query.get("q", "").strip()[:100]}


def class_filters(user, query: QueryDict) -> tuple[dict, ClassFilter]:
    f = list_filters(user, query)
    return f, ClassFilter(organization=f["unit"], year=f["year"], class_type=f["class_type"], in_plan=f["plan"],
                          query=f["query"])


def enrollment_filters(user, query: QueryDict) -> tuple[dict, EnrollmentFilter]:
    """The class list's filters, and the result (recorded or not) and certificate."""
    f = list_filters(user, query)
    result = query.get("result", "") if query.get("result", "") in RESULT_CHOICES else ""
    certified = YES_NO.get(query.get("certified", ""))
    f.update(result=result, certified=certified)
    return f, EnrollmentFilter(organization=f["unit"], year=f["year"], class_type=f["class_type"], in_plan=f["plan"],
                               query=f["query"], result=result or None, certified=certified)


@dataclass
class CertificateFilters:
    units: list[Organization]
    unit: Organization | None
    year: int | None
    class_id: int | None
    revoked: bool | None
    training_class: TrainingClass | None  # the class asked for, when the user sees it

    @property
    def filtered(self) -> bool:
        return bool(self.unit or self.year or self.class_id or self.revoked is not None)


def certificate_filters(user, query: QueryDict) -> CertificateFilters:
    units, unit = _units(user, query)
    class_id = id_or(query.get("class", ""))
    training_class = None
    if class_id is not None:
        training_class = restrict(TrainingClass.objects.filter(pk=class_id), user).only("pk", "name").first()
    return CertificateFilters(
        units=units, unit=unit, year=year_or(query.get("year", ""), None), class_id=class_id,
        revoked=YES_NO.get(query.get("revoked", "")),
        training_class=training_class)
