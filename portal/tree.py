"""Changes to the organisation tree, each dated and recorded (DESIGN.md §3).

The current tree lives in `Organization` (materialised `path`); every change also closes
the affected `OrganizationPeriod` rows and opens new ones, so the tree can be read as of
any past date with the same one-predicate subtree filter.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal import asof
from portal.models import Organization, OrganizationChange, OrganizationPeriod, OrgLevel, Person, Transfer


def path_for(parent: Organization | None, org_id: int) -> str:
    return f"{parent.path if parent else '/'}{org_id}/"


def subtree(org: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(path__startswith=org.path)


def _check_effective_date(orgs: QuerySet[Organization], effective_on: date) -> None:
    latest = (
        OrganizationPeriod.objects.filter(organization__in=orgs, valid_to__isnull=True)
        .order_by("-valid_from").values_list("valid_from", flat=True).first()
    )
    if latest and effective_on < latest:
        raise ValidationError(
            _("Ngày hiệu lực phải từ %(date)s trở đi: đơn vị đã có thay đổi vào ngày đó.")
            % {"date": date_format(latest, "SHORT_DATE_FORMAT")},
            code="backdated",
        )


def _reopen_periods(org_ids_sql: str, params: list, effective_on: date) -> None:
    """Close the open periods of the given units at `effective_on` and open new ones
    from their current state, in two statements whatever the subtree's size."""
    with connection.cursor() as cursor:
        # A second change on the same day replaces that day's period instead of closing it.
        cursor.execute(
            f"DELETE FROM portal_organizationperiod WHERE valid_to IS NULL AND valid_from = %s "
            f"AND organization_id IN ({org_ids_sql})",
            [effective_on, *params],
        )
        cursor.execute(
            f"UPDATE portal_organizationperiod SET valid_to = %s WHERE valid_to IS NULL "
            f"AND organization_id IN ({org_ids_sql})",
            [effective_on, *params],
        )
        cursor.execute(
            f"INSERT INTO portal_organizationperiod "
            f"(organization_id, parent_id, name, level_id, path, valid_from, valid_to) "
            f"SELECT id, parent_id, name, level_id, path, %s, NULL FROM portal_organization "
            f"WHERE active AND id IN ({org_ids_sql})",
            [effective_on, *params],
        )


def _subtree_ids_sql(path: str) -> tuple[str, list]:
    return "SELECT id FROM portal_organization WHERE path LIKE %s", [path + "%"]


@transaction.atomic
def create_organization(*, code: str, name: str, level: OrgLevel, parent: Organization | None,
                        established_on: date | None = None, decision_number: str = "",
                        sort_order: int = 0) -> Organization:
    established_on = established_on or timezone.localdate()
    if Organization.objects.filter(code=code).exists():
        raise ValidationError({"code": _("Mã đơn vị “%(code)s” đã được dùng.") % {"code": code}})
    org = Organization(code=code, name=name, level=level, parent=parent, established_on=established_on,
                       sort_order=sort_order, path="/", depth=(parent.depth + 1) if parent else 0)
    org.save()
    org.path = path_for(parent, org.pk)
    Organization.objects.filter(pk=org.pk).update(path=org.path)
    OrganizationPeriod.objects.create(organization=org, parent=parent, name=name, level=level,
                                      path=org.path, valid_from=established_on)
    OrganizationChange.objects.create(kind=OrganizationChange.Kind.CREATED, organization=org,
                                      effective_on=established_on, decision_number=decision_number,
                                      new_parent=parent, new_name=name)
    return org


@transaction.atomic
def rename_organization(org: Organization, *, new_name: str, effective_on: date,
                        decision_number: str = "") -> Organization:
    org = Organization.objects.select_for_update().get(pk=org.pk)
    _check_effective_date(Organization.objects.filter(pk=org.pk), effective_on)
    old_name, org.name = org.name, new_name
    org.save(update_fields=["name"])
    _reopen_periods("%s", [org.pk], effective_on)
    OrganizationChange.objects.create(kind=OrganizationChange.Kind.RENAMED, organization=org,
                                      effective_on=effective_on, decision_number=decision_number,
                                      old_name=old_name, new_name=new_name)
    return org


@transaction.atomic
def move_organization(org: Organization, *, new_parent: Organization, effective_on: date,
                      decision_number: str = "") -> Organization:
    """Put a unit (and all below it) under another parent."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    new_parent = Organization.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(org.path):
        raise ValidationError(
            {"parent": _("Không thể chuyển “%(unit)s” vào chính nó hoặc một đơn vị cấp dưới của nó.")
             % {"unit": org.name}},
            code="cycle",
        )
    if not new_parent.active:
        raise ValidationError({"parent": _("Đơn vị cấp trên mới đã ngừng hoạt động.")})
    _check_effective_date(subtree(org), effective_on)
    old_parent, old_path = org.parent, org.path
    new_path = path_for(new_parent, org.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE portal_organization SET path = %s || substr(path, %s), depth = depth + %s "
            "WHERE path LIKE %s",
            [new_path, len(old_path) + 1, new_parent.depth + 1 - org.depth, old_path + "%"],
        )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    _reopen_periods(*_subtree_ids_sql(new_path), effective_on)
    OrganizationChange.objects.create(kind=OrganizationChange.Kind.MOVED, organization=org,
                                      effective_on=effective_on, decision_number=decision_number,
                                      old_parent=old_parent, new_parent=new_parent)
    org.refresh_from_db()
    return org


def _move_members(people: QuerySet[Person], *, to: Organization, effective_on: date, decision_number: str) -> int:
    """Members pass to `to` by a reorganisation: one dated transfer each (so their unit on
    an earlier day stays known, portal.asof), written in bulk, then one update."""
    rows = [Transfer(person_id=pk, from_organization_id=org_id, to_organization=to, transferred_on=effective_on,
                     kind=Transfer.Kind.REORGANISED, decision_number=decision_number)
            for pk, org_id in people.values_list("pk", "organization_id")]
    Transfer.objects.bulk_create(rows, batch_size=2000)
    return people.update(organization=to)


def _retire(org: Organization, *, effective_on: date, successor: Organization | None) -> None:
    if subtree(org).filter(active=True).exclude(pk=org.pk).exists():
        raise ValidationError(
            _("“%(unit)s” còn đơn vị cấp dưới đang hoạt động: chuyển hoặc giải thể chúng trước.")
            % {"unit": org.name}
        )
    OrganizationPeriod.objects.filter(organization=org, valid_to__isnull=True, valid_from=effective_on).delete()
    OrganizationPeriod.objects.filter(organization=org, valid_to__isnull=True).update(valid_to=effective_on)
    Organization.objects.filter(pk=org.pk).update(active=False, dissolved_on=effective_on, successor=successor)


@transaction.atomic
def merge_organizations(sources: list[Organization], *, into: Organization, effective_on: date,
                        decision_number: str = "") -> Organization:
    """Hợp nhất / sáp nhập: the sources' children and members pass to `into`, the sources end."""
    into = Organization.objects.select_for_update().get(pk=into.pk)
    sources = list(Organization.objects.select_for_update().filter(pk__in=[s.pk for s in sources]))
    if any(s.pk == into.pk or into.path.startswith(s.path) for s in sources):
        raise ValidationError(_("Đơn vị nhận không được là một trong các đơn vị bị hợp nhất hay cấp dưới của chúng."))
    if any(not s.active for s in sources):
        raise ValidationError(_("Có đơn vị bị hợp nhất đã ngừng hoạt động."))
    _check_effective_date(Organization.objects.filter(pk__in=[s.pk for s in sources] + [into.pk]), effective_on)
    for source in sources:
        for child in Organization.objects.filter(parent=source, active=True):
            move_organization(child, new_parent=into, effective_on=effective_on, decision_number=decision_number)
        _move_members(Person.objects.filter(organization=source), to=into, effective_on=effective_on,
                      decision_number=decision_number)
        _retire(source, effective_on=effective_on, successor=into)
    change = OrganizationChange.objects.create(kind=OrganizationChange.Kind.MERGED, organization=into,
                                               effective_on=effective_on, decision_number=decision_number)
    change.related.set(sources)
    return into


@transaction.atomic
def split_organization(source: Organization, *, parts: list[dict], effective_on: date,
                       decision_number: str = "", dissolve_source: bool = True) -> list[Organization]:
    """Chia tách: new units beside the source, each taking the people listed for it.
    `parts`: [{"code", "name", "person_ids": [...]}, ...]."""
    source = Organization.objects.select_for_update().get(pk=source.pk)
    if len(parts) < 1 + dissolve_source:
        raise ValidationError(_("Cần ít nhất hai đơn vị sau khi chia tách."))
    new_units = []
    for part in parts:
        unit = create_organization(code=part["code"], name=part["name"], level=source.level, parent=source.parent,
                                   established_on=effective_on, decision_number=decision_number)
        moved = _move_members(Person.objects.filter(organization=source, pk__in=part.get("person_ids", [])),
                              to=unit, effective_on=effective_on, decision_number=decision_number)
        if moved != len(set(part.get("person_ids", []))):
            raise ValidationError(_("Có người không thuộc đơn vị bị chia tách."))
        new_units.append(unit)
    if dissolve_source:
        if Person.objects.filter(organization=source).exists():
            raise ValidationError(_("Mọi đảng viên của đơn vị bị chia tách phải được chuyển sang đơn vị mới."))
        _retire(source, effective_on=effective_on, successor=None)
    change = OrganizationChange.objects.create(kind=OrganizationChange.Kind.SPLIT, organization=source,
                                               effective_on=effective_on, decision_number=decision_number)
    change.related.set(new_units)
    return new_units


@transaction.atomic
def dissolve_organization(org: Organization, *, effective_on: date, decision_number: str = "") -> None:
    if Person.objects.filter(organization=org).exists():
        raise ValidationError(_("Đơn vị còn đảng viên sinh hoạt: chuyển sinh hoạt cho họ trước khi giải thể."))
    _retire(org, effective_on=effective_on, successor=None)
    OrganizationChange.objects.create(kind=OrganizationChange.Kind.DISSOLVED, organization=org,
                                      effective_on=effective_on, decision_number=decision_number)


def periods_as_of(on: date) -> QuerySet[OrganizationPeriod]:
    return OrganizationPeriod.objects.filter(asof.covering(on))


def subtree_as_of(org: Organization, on: date) -> QuerySet[OrganizationPeriod]:
    """The units under `org` as the tree stood on `on` (empty if `org` did not exist then)."""
    return asof.units_on(org, on)
