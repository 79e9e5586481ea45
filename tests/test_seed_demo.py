"""seed_demo: the demo province, its accounts and their reach, and data that agree with themselves."""

import csv
import datetime
import io
import random
import re

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from portal import asof, bulk, demo, tree
from portal.access import restrict
from portal.models import (
    Grant,
    Organization,
    OrganizationChange,
    OrganizationPeriod,
    OrgLevel,
    PartyStatusChange,
    Person,
    Position,
    RowHistory,
    User,
)
from tests import demo_seed

DEMO_USERS = ["admin", "tuyengiao", "daotao", "bithu", "dangvien"]


def seed(*args) -> str:
    return demo_seed.seed(300, *args)


@pytest.fixture
def seeded(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    return seed()


def counts() -> dict[str, int]:
    models = [Organization, OrganizationPeriod, OrganizationChange, Person, PartyStatusChange, Position, Grant,
              User, RowHistory]
    return {m.__name__: m.objects.count() for m in models}


def bithu_cell() -> Organization:
    return Person.objects.get(user__username="bithu").organization


def test_accounts_log_in_with_the_demo_password(seeded, client):
    assert "demo12345" in seeded
    for username in DEMO_USERS:
        response = client.post(reverse("login"), {"username": username, "password": "demo12345"})
        assert response.status_code == 302, username
        assert response.wsgi_request.user.username == username
        client.logout()
    assert User.objects.get(username="admin").is_superuser


def test_output_names_the_units_of_each_account(seeded):
    cell = bithu_cell()
    daotao_unit = Grant.objects.get(user__username="daotao").organization
    for text in ["TINH", cell.code, cell.name, daotao_unit.code, *DEMO_USERS]:
        assert text in seeded


def test_reach_of_each_demo_user(seeded):
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
    all_units = set(Organization.objects.values_list("code", flat=True))
    cell = bithu_cell()
    secretary = Person.objects.get(user=users["bithu"])
    member = Person.objects.get(user=users["dangvien"])

    def units(user):
        return set(restrict(Organization.objects.all(), user).values_list("code", flat=True))

    assert units(users["admin"]) == all_units
    assert units(users["tuyengiao"]) == all_units
    grant = Grant.objects.get(user=users["daotao"], role__code="daotao")
    assert grant.organization.level.code == "dang-bo-truc-thuoc"
    assert units(users["daotao"]) == set(tree.subtree(grant.organization).values_list("code", flat=True))
    assert "TINH" not in units(users["daotao"]) and cell.code in units(users["daotao"])

    assert cell.level.code == "chi-bo-truc-thuoc"
    assert Position.objects.current().filter(person=secretary, organization=cell, role__code="bi-thu").exists()
    assert units(users["bithu"]) == {cell.code}
    assert set(restrict(Person.objects.all(), users["bithu"])) == set(Person.objects.filter(organization=cell))
    assert member.organization == cell and member.party_status.code == "chinh-thuc"
    assert units(users["dangvien"]) == set()
    assert list(restrict(Person.objects.all(), users["dangvien"])) == [member]


def test_dates_agree_with_statuses(seeded):
    today = timezone.localdate()
    people = list(Person.objects.select_related("party_status"))
    seen = {p.party_status.code for p in people}
    assert {"chinh-thuc", "du-bi", "quan-chung"} <= seen
    for p in people:
        status = p.party_status.code
        assert demo.add_years(p.birth_date, 18) <= today < demo.add_years(p.birth_date, 76), p
        if status == "quan-chung":
            assert p.admitted_on is None and p.official_on is None and p.party_card_number is None
            continue
        assert p.admitted_on >= demo.add_years(p.birth_date, 18), p
        if status == "du-bi":
            assert p.official_on is None and demo.add_years(p.admitted_on, 1) > today >= p.admitted_on, p
        else:
            assert p.official_on == demo.add_years(p.admitted_on, 1) and p.official_on > p.admitted_on, p
            assert p.official_on <= today and p.party_card_number, p


def test_status_history_ends_in_the_current_status(seeded):
    latest = {}
    for change in PartyStatusChange.objects.select_related("status").order_by("person_id", "effective_on", "id"):
        latest[change.person_id] = change
    people = list(Person.objects.all())
    assert set(latest) == {p.pk for p in people}
    for p in people:
        assert (latest[p.pk].status_id, latest[p.pk].effective_on) == (p.party_status_id, p.party_status_since)
    # A member's history starts with dự bị on the admission day.
    first = PartyStatusChange.objects.filter(person__admitted_on__isnull=False).order_by("person_id", "effective_on")
    firsts = {}
    for change in first.select_related("status", "person"):
        firsts.setdefault(change.person_id, change)
    assert all(c.status.code == "du-bi" and c.effective_on == c.person.admitted_on for c in firsts.values())


def test_people_look_real(seeded):
    people = list(Person.objects.select_related("ethnicity"))
    assert len(people) == 300
    cards = [p.party_card_number for p in people if p.party_card_number]
    assert len(cards) == len(set(cards)) > 200
    assert all(re.fullmatch(r"\d{8}", c) for c in cards)
    assert sum(p.full_name != p.search_key for p in people) > 290  # diacritics kept
    assert any(p.full_name.startswith("Nguyễn ") for p in people)
    assert {p.gender for p in people} == {Person.Gender.MALE, Person.Gender.FEMALE}
    minorities = [p for p in people if p.ethnicity.is_minority]
    assert 5 <= len(minorities) < 90
    for p in people[:50]:
        assert p.given_name == p.full_name.split()[-1] and p.sort_key


def test_units_members_and_positions(seeded):
    levels = set(Organization.objects.values_list("level__code", flat=True))
    assert levels == {"dang-bo-tinh", "dang-bo-truc-thuoc", "dang-bo-huyen", "dang-bo-co-so", "chi-bo-co-so",
                      "chi-bo-truc-thuoc"}
    chi_bo_co_so = Organization.objects.filter(level__code="chi-bo-co-so").select_related("parent__level")
    assert any(u.parent.level.code == "dang-bo-truc-thuoc" for u in chi_bo_co_so)
    # Sizes as drawn: the people of each chi bộ at the start of the previous year, before any move.
    start = datetime.date(timezone.localdate().year - 1, 1, 1)
    drawn = dict(Person.objects.annotate(then=asof.unit_of_person_on(start)).values("then")
                 .annotate(n=Count("id")).values_list("then", "n"))
    for unit in Organization.objects.select_related("level"):
        if unit.level.is_cell:
            assert 8 <= drawn[unit.pk] <= 60, unit
            assert Person.objects.filter(organization=unit).exists() == unit.active, unit
        else:
            assert unit.pk not in drawn and not Person.objects.filter(organization=unit).exists(), unit
        roles = list(Position.objects.filter(organization=unit).values_list("role__code", flat=True))
        assert roles.count("bi-thu") == 1 and roles.count("pho-bi-thu") >= 1, unit
        for position in Position.objects.filter(organization=unit).select_related("person"):
            # The holder was in the unit's subtree as it stood when he took office.
            held_in = Person.objects.filter(pk=position.person_id).annotate(
                then=asof.unit_of_person_on(position.started_on)).values("then")
            assert tree.subtree_as_of(unit, position.started_on).filter(organization_id__in=held_in).exists(), position
            assert position.person.official_on < position.started_on <= timezone.localdate()
            assert (position.ended_on is None) == unit.active, position


def test_paths_follow_parents(seeded):
    for org in Organization.objects.select_related("parent"):
        assert org.path == (org.parent.path if org.parent else "/") + f"{org.pk}/"
        assert org.depth == (org.parent.depth + 1 if org.parent else 0)
        periods = list(OrganizationPeriod.objects.filter(organization=org).order_by("valid_from"))
        assert periods[0].valid_from == org.established_on
        assert all(a.valid_to == b.valid_from for a, b in zip(periods, periods[1:], strict=False))
        last = periods[-1]
        if org.active:
            assert (last.path, last.parent_id, last.valid_to) == (org.path, org.parent_id, None)
        else:
            assert last.valid_to == org.dissolved_on
        assert OrganizationChange.objects.filter(organization=org, kind="created").count() == 1


def test_second_run_changes_nothing(seeded):
    before = counts()
    snapshot = list(Person.objects.order_by("id").values_list("id", "full_name", "party_status_id", "user_id"))
    output = seed()
    assert counts() == before
    assert list(Person.objects.order_by("id").values_list("id", "full_name", "party_status_id", "user_id")) == snapshot
    assert "không thay đổi" in output and "bithu" in output


def stopped_half_way(province, today, rng):
    raise RuntimeError("stopped half way")


def test_a_seed_stopped_half_way_leaves_nothing_and_the_next_one_starts_over(db, settings, monkeypatch):
    """The whole seed is one transaction, the row history's indexes dropped while it loads:
    a seed that stops in a later step leaves no unit, person or session, and the indexes are
    there as before; the next seed writes everything with its history."""
    from resolutions.models import Attendance, StudySession

    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    def history_indexes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'portal_rowhistory' "
                           "ORDER BY indexname")
            return cursor.fetchall()

    indexes, before = history_indexes(), counts()
    assert len(indexes) >= 3
    settings.DEMO_DATA_STEPS = ["resolutions.demo.seed_study", "tests.test_seed_demo.stopped_half_way"]
    with pytest.raises(RuntimeError, match="stopped half way"):
        seed()
    assert counts() == before and not StudySession.objects.exists()
    assert history_indexes() == indexes

    settings.DEMO_DATA_STEPS = ["resolutions.demo.seed_study"]
    assert "Dữ liệu học tập" in seed()
    assert history_indexes() == indexes
    attendance = Attendance.objects.order_by("id").first()
    assert RowHistory.objects.filter(table_name="resolutions_attendance", row_id=attendance.pk,
                                     changed_at__date__lte=attendance.session.held_on + datetime.timedelta(days=1),
                                     new__status=attendance.status).exists()
    assert RowHistory.objects.filter(table_name="portal_person", action="I").count() == Person.objects.count()


def test_if_empty_leaves_an_existing_tree_alone(province, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    before = counts()
    output = seed("--if-empty")
    assert counts() == before
    assert "bỏ qua" in output and "tuyengiao" in output


def test_password_from_the_environment(db, monkeypatch, client):
    monkeypatch.setenv("DEMO_PASSWORD", "mat-khau-rieng-2025")
    output = seed()
    assert "DEMO_PASSWORD" in output
    assert client.post(reverse("login"), {"username": "bithu", "password": "mat-khau-rieng-2025"}).status_code == 302
    client.logout()
    assert client.post(reverse("login"), {"username": "tuyengiao", "password": "demo12345"}).status_code == 200


def test_same_seed_same_province(db):
    plans = [demo.plan_tree(random.Random(demo.SEED), 300) for _ in range(2)]
    shape = [[(u.code, u.name, u.level, u.size) for u in plan.walk()] for plan in plans]
    assert shape[0] == shape[1]


def test_bulk_units_equal_tree_create_organization(db):
    """`demo.create_units` writes the very rows `tree.create_organization` writes."""
    def plan(prefix):
        root = demo.UnitPlan(code=f"{prefix}R", name="Đảng bộ thử", level="dang-bo-tinh",
                             established_on=datetime.date(2012, 1, 1), decision_number="01-QĐ/TW")
        block = root.add(demo.UnitPlan(code=f"{prefix}B", name="Đảng bộ khối", level="dang-bo-truc-thuoc",
                                       established_on=datetime.date(2013, 2, 3), decision_number="5-QĐ/TU"))
        block.add(demo.UnitPlan(code=f"{prefix}C", name="Chi bộ Văn phòng", level="chi-bo-co-so",
                                established_on=datetime.date(2014, 3, 4)))
        return list(root.walk())

    bulk = plan("BULK")
    demo.create_units(bulk)
    one_by_one = plan("TREE")
    for unit in one_by_one:
        unit.org = tree.create_organization(
            code=unit.code, name=unit.name, level=OrgLevel.objects.get(code=unit.level),
            parent=unit.parent.org if unit.parent else None, established_on=unit.established_on,
            decision_number=unit.decision_number, sort_order=unit.sort_order)

    def rows(plans):
        ids = {u.org.pk: f"#{i}" for i, u in enumerate(plans)}

        def rel(path):  # the path with ids replaced by positions in the plan
            return "/".join(ids.get(int(part), part) if part else "" for part in path.split("/"))

        out = []
        for u in plans:
            org = Organization.objects.get(pk=u.org.pk)
            period = OrganizationPeriod.objects.get(organization=org)
            change = OrganizationChange.objects.get(organization=org)
            out.append((
                (org.name, org.level_id, ids.get(org.parent_id), rel(org.path), org.depth, org.active,
                 org.established_on, org.dissolved_on, org.successor_id, org.sort_order),
                (ids.get(period.parent_id), period.name, period.level_id, rel(period.path), period.valid_from,
                 period.valid_to),
                (change.kind, change.effective_on, change.decision_number, change.old_parent_id,
                 ids.get(change.new_parent_id), change.old_name, change.new_name, list(change.related.all())),
            ))
        return out

    assert rows(bulk) == rows(one_by_one)
    # Ids came from the table's own sequence: a unit created afterwards does not collide.
    later = tree.create_organization(code="LATER", name="Chi bộ sau", level=OrgLevel.objects.get(code="chi-bo-co-so"),
                                     parent=None)
    assert later.pk > max(u.org.pk for u in bulk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_organization WHERE path NOT LIKE '/%%/'")
        assert cursor.fetchone()[0] == 0


def test_place_names_are_distinct_whatever_the_count():
    """A province of 500,000 members needs more place names than two syllables make: the
    draw must end, names stay distinct, and small counts keep the names they had."""
    import random
    import signal
    import time

    from portal.demo import SYLLABLES, _place_names

    def drawn_one_by_one(rng, count):  # the original draw, for the counts it could serve
        names, seen = [], set()
        while len(names) < count:
            name = " ".join(rng.sample(SYLLABLES, 2))
            if name not in seen:
                seen.add(name)
                names.append(name)
        return names

    assert _place_names(random.Random(7), 300) == drawn_one_by_one(random.Random(7), 300)
    pairs = len(SYLLABLES) * (len(SYLLABLES) - 1)

    def too_long(*_):
        raise AssertionError("the draw did not end")

    previous = signal.signal(signal.SIGALRM, too_long)
    try:
        for count in (pairs - 1, pairs, 3 * pairs + 5):
            signal.alarm(10)  # an endless draw fails the test instead of hanging the suite
            started = time.monotonic()
            names = _place_names(random.Random(7), count)
            signal.alarm(0)
            assert time.monotonic() - started < 2, count
            assert len(names) == count == len(set(names))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_output_does_not_depend_on_the_chunks(db, settings, monkeypatch):
    """People, their history and positions, sessions, commitments, enrolments and lesson
    attendance are drawn and written a chunk at a time; the province is the same whatever the
    chunks' size (the people are drawn twice: once for the positions, again to be written with
    their ids)."""
    from resolutions import demo as study_demo
    from resolutions.models import Attendance, Commitment, StudySession
    from training import demo as training_demo
    from training.models import Enrollment, LessonAttendance

    settings.DEMO_DATA_STEPS = ["resolutions.demo.seed_study", "training.demo.seed_training"]
    today = datetime.date(2026, 11, 25)

    def snapshot():
        return {
            "people": list(Person.objects.order_by("id").values_list(
                "full_name", "birth_date", "gender", "party_card_number", "party_status__code", "party_status_since",
                "admitted_on", "official_on", "theory_level__code", "education", "job_title", "organization__code",
                "ethnicity__code", "user__username")),
            "history": list(PartyStatusChange.objects.order_by("id").values_list(
                "person__party_card_number", "person__full_name", "status__code", "effective_on")),
            "positions": list(Position.objects.order_by("id").values_list(
                "person__full_name", "person__birth_date", "organization__code", "role__code", "started_on")),
            "sessions": list(StudySession.objects.order_by("id").values_list(
                "organization__code", "kind", "held_on", "starts_at", "place", "presenter", "notes", "campaign__title",
                "created_by__username", "documents__number_symbol")),
            "commitments": list(Commitment.objects.order_by("id").values_list(
                "person__full_name", "person__birth_date", "year", "status", "submitted_at", "reviewed_by__username",
                "rating__code", "concrete_deed", "review_comment")),
            "attendance": list(Attendance.objects.order_by("session_id", "person_id").values_list(
                "session_id", "person_id", "status", "reason", "method", "checked_in_at")),
            "enrollments": list(Enrollment.objects.order_by("id").values_list(
                "id", "training_class__name", "person_id", "learner_organization_id", "score", "result")),
            "lesson_attendance": list(LessonAttendance.objects.order_by("id").values_list(
                "id", "lesson__title", "enrollment_id", "status", "reason")),
        }

    with connection.cursor() as cursor:  # both runs take the same ids (units are listed by path)
        cursor.execute("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value "
                       "FROM pg_sequences WHERE schemaname = 'public'")
        sequences = cursor.fetchall()

    def seeded_once():
        with transaction.atomic():
            demo.seed_province(members=300, today=today)
            demo.seed_further_steps(today=today)
            taken = snapshot()
            leaders = Position.objects.filter(role__code="bi-thu", organization__level__is_cell=False)
            assert leaders.count() > 5
            for leader in leaders.select_related("person__theory_level", "organization__level"):
                assert leader.person.theory_level.code == demo.LEADER_THEORY[leader.organization.level.code]
            transaction.set_rollback(True)
        with connection.cursor() as cursor:
            for sequence, last in sequences:
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last or 1, last is not None])
        return taken

    whole = seeded_once()
    monkeypatch.setattr(demo, "PEOPLE_CHUNK", 70)
    monkeypatch.setattr(study_demo, "SESSION_CHUNK", 50)
    monkeypatch.setattr(study_demo, "COMMITMENT_CHUNK", 60)
    monkeypatch.setattr(study_demo, "MEMBERS_PAGE", 40)
    monkeypatch.setattr(training_demo, "LEARNING_CHUNK", 30)
    chunked = seeded_once()
    assert len(whole["people"]) == 300 and len(whole["sessions"]) > 50 and len(whole["commitments"]) > 60
    assert len(whole["enrollments"]) > 30 and len(whole["lesson_attendance"]) > 60
    for key in whole:
        assert chunked[key] == whole[key], key


def test_copy_formats_rows_as_it_reads():
    """COPY reads CSV from the rows a piece at a time: the rows are drawn as it goes, never
    all held at once, and the pieces make the same CSV as the rows written in one go."""
    drawn = []

    def rows():
        for i in range(3000):
            drawn.append(i)
            yield i, 'Nguyễn Thị "Ánh", Chi bộ 1', None, datetime.date(2025, 1, 2)

    stream = bulk._CsvStream(rows())
    first = stream.read(1000)
    assert len(first) == 1000 and len(drawn) < 50
    pieces = [first, *iter(lambda: stream.read(1000), "")]
    assert all(len(piece) == 1000 for piece in pieces[:-1])
    whole = io.StringIO()
    csv.writer(whole, lineterminator="\n").writerows(
        (i, 'Nguyễn Thị "Ánh", Chi bộ 1', r"\N", datetime.date(2025, 1, 2)) for i in range(3000))
    assert "".join(pieces) == whole.getvalue()
