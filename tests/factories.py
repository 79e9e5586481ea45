"""Factories for the core data. Units are made through `portal.tree` so paths and
history are right; catalogue entries come from the migration's data."""

import datetime
import itertools

import factory
from django.db import connection

from portal import tokens, tree
from portal.models import (
    Ethnicity,
    Grant,
    Organization,
    OrgLevel,
    PartyStatus,
    Person,
    Position,
    PositionRole,
    StaffRole,
    TheoryLevel,
    User,
)

_codes = itertools.count(1)


def level(code: str) -> OrgLevel:
    return OrgLevel.objects.get(code=code)


def make_unit(name: str | None = None, *, parent: Organization | None = None, level_code: str | None = None,
              code: str | None = None, established_on=datetime.date(2020, 1, 1)) -> Organization:
    if level_code is None:
        level_code = "dang-bo-tinh" if parent is None else "chi-bo-truc-thuoc"
    n = next(_codes)
    return tree.create_organization(code=code or f"U{n:04d}", name=name or f"Chi bộ số {n}",
                                    level=level(level_code), parent=parent, established_on=established_on)


def make_unit_with_id(pk: int, name: str, *, parent: Organization | None = None, level_code: str | None = None,
                      code: str | None = None) -> Organization:
    """A unit with the id `pk` (above every id in use): the ids in a materialised path are
    what a subtree match compares, so tests can give siblings ids that share leading digits.
    The sequence is left past the highest id, so later units get fresh ids."""
    sequence = "pg_get_serial_sequence('portal_organization', 'id')"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval({sequence}, %s, false)", [pk])
        unit = make_unit(name, parent=parent, level_code=level_code, code=code)
        cursor.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM portal_organization))")
    assert unit.pk == pk
    return unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("demo12345")


FACTORY_BIRTH = datetime.date(1985, 5, 17)  # every PersonFactory person's birth date


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Iterator(["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung",
                                  "Hoàng Văn Đức", "Vũ Thị Hà", "Đặng Văn Hùng", "Bùi Thị Lan"])
    gender = factory.Iterator([Person.Gender.MALE, Person.Gender.FEMALE])
    birth_date = FACTORY_BIRTH
    ethnicity = factory.LazyFunction(lambda: Ethnicity.objects.get(code="kinh"))
    party_status = factory.LazyFunction(lambda: PartyStatus.objects.get(code="chinh-thuc"))
    admitted_on = datetime.date(2010, 3, 2)
    official_on = datetime.date(2011, 3, 2)
    party_card_number = factory.Sequence(lambda n: f"{70000000 + n:08d}")
    theory_level = factory.LazyFunction(lambda: TheoryLevel.objects.get(code="so-cap"))


def give_position(person: Person, unit: Organization, role_code: str = "bi-thu",
                  started_on=datetime.date(2020, 10, 1)) -> Position:
    return Position.objects.create(person=person, organization=unit, role=PositionRole.objects.get(code=role_code),
                                   started_on=started_on)


def give_grant(user: User, unit: Organization, role_code: str = "tuyengiao") -> Grant:
    return Grant.objects.create(user=user, organization=unit, role=StaffRole.objects.get(code=role_code),
                                started_on=datetime.date(2020, 1, 1))


def bulk_people(unit: Organization, n: int, prefix: str = "Nguyễn Văn") -> None:
    """`n` chính thức members of `unit` in one INSERT, for tests of large lists."""
    status = PartyStatus.objects.get(code="chinh-thuc")
    kinh = Ethnicity.objects.get(code="kinh")
    people = []
    for i in range(n):
        person = Person(full_name=f"{prefix} Số{i:04d}", gender="nam", ethnicity=kinh, party_status=status,
                        organization=unit, birth_date=datetime.date(1990, 1, 1))
        person.refresh_derived_names()
        people.append(person)
    Person.objects.bulk_create(people)


def api_token(user: User, name: str = "Tích hợp thử") -> str:
    """The key of a new API token of `user` (header `Authorization: Token <key>`)."""
    return tokens.issue(user, name)[1]
