"""The core's lists exported (portal.spreadsheets.export): the people list (/people/, with
its filters) and a unit's own members (/units/<code>/), both in the columns of the people
import format, so an exported list can be filled in and imported again."""

from dataclasses import replace

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from portal import selectors
from portal.forms import PeopleFilterForm
from portal.models import Person, Position
from portal.spreadsheets import people as people_format
from portal.spreadsheets.export import Column, ListExport, Rows, label_of, register_list

PEOPLE_FILE = "danh-sach-dang-vien"
_gender = label_of(Person.Gender.choices)


# Where each column of the people import format is read from (portal.spreadsheets.people
# gives their order and headers), and how wide it is.
PEOPLE_VALUES = {
    "full_name": Column("", "full_name", width=28),
    "birth_date": Column("", "birth_date", width=12),
    "gender": Column("", lambda row: _gender(row["gender"]), lookups=("gender",), width=10),
    "ethnicity": Column("", "ethnicity__name", width=12),
    "admitted_on": Column("", "admitted_on", width=14),
    "official_on": Column("", "official_on", width=14),
    "party_card_number": Column("", "party_card_number", width=16),
    "party_status": Column("", "party_status__name", width=16),
    "unit": Column("", "organization__name", width=30),
    "position": Column("", "current_positions", width=18),
    "theory_level": Column("", "theory_level__name", width=16),
    "job_title": Column("", "job_title", width=30),
}
PEOPLE_COLUMNS = [replace(PEOPLE_VALUES[column.key], title=column.title) for column in people_format.COLUMNS]


def with_current_positions(people: QuerySet[Person]) -> QuerySet[Person]:
    """Each person's current positions at his own unit ("Bí thư, Ủy viên UBKT"), in the
    same query as the people: a correlated subquery, not a query per person."""
    held = (Position.objects.current().filter(person=OuterRef("pk"), organization=OuterRef("organization_id"))
            .order_by().values("person")
            .annotate(names=StringAgg("role__name", ", ", order_by="role__sort_order")).values("names"))
    return people.annotate(current_positions=Subquery(held))


def people_rows(user, query) -> Rows:
    form = PeopleFilterForm.for_user(user, query)
    filters = form.filters()
    scope = filters.organization.code if filters.organization is not None else ""
    return Rows(with_current_positions(selectors.people_list(user, filters)), scope=scope)


def unit_member_rows(user, query, *, code: str) -> Rows:
    unit = selectors.unit_by_code(user, code)
    return Rows(with_current_positions(selectors.unit_members(user, unit)), scope=unit.code)


PEOPLE = register_list(ListExport(code="people", file_stem=PEOPLE_FILE, sheet="Đảng viên", label=_("Danh sách đảng viên"),
                                  columns=PEOPLE_COLUMNS, source=people_rows))
UNIT_MEMBERS = register_list(ListExport(code="unit_members", file_stem=PEOPLE_FILE, sheet="Đảng viên",
                                        label=_("Đảng viên sinh hoạt tại đơn vị"), columns=PEOPLE_COLUMNS,
                                        source=unit_member_rows))
