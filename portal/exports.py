"""The core's lists exported (portal.spreadsheets.export): the people list (/people/, with
its filters) and a unit's own members (/units/<code>/), both in the columns of the people
import format, so an exported list can be filled in and imported again."""

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from portal import selectors
from portal.forms import PeopleFilterForm
from portal.models import Person, Position
from portal.spreadsheets.export import Column, ListExport, Rows, label_of, register_list

PEOPLE_FILE = "danh-sach-dang-vien"


_gender = label_of(Person.Gender.choices)


# The people import format's columns, in its order and with its headers.
PEOPLE_COLUMNS = [
    Column("Họ và tên", "full_name", width=28),
    Column("Ngày sinh", "birth_date", width=12),
    Column("Giới tính", lambda row: _gender(row["gender"]), lookups=("gender",), width=10),
    Column("Dân tộc", "ethnicity__name", width=12),
    Column("Ngày vào Đảng", "admitted_on", width=14),
    Column("Ngày chính thức", "official_on", width=14),
    Column("Số thẻ đảng viên", "party_card_number", width=16),
    Column("Tình trạng", "party_status__name", width=16),
    Column("Chi bộ", "organization__name", width=30),
    Column("Chức vụ", "current_positions", width=18),
    Column("Trình độ lý luận chính trị", "theory_level__name", width=16),
    Column("Nghề nghiệp / nơi công tác", "job_title", width=30),
]


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
