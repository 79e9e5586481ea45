"""seed_demo's study data (issue 4, point 10): a year and more of meetings with attendance
for every chi bộ, campaigns, and commitments in every state, consistent with the rules the
pages apply. One small province is seeded for the whole module (inside a transaction
rolled back at the end), since seeding takes a few seconds."""

import datetime
from collections import defaultdict

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from portal.access import restrict
from portal.models import Organization, Person, RowHistory, User
from resolutions.models import Attendance, Commitment, Document, StudyCampaign, StudySession, Theme
from resolutions.selectors.sessions import expected_members
from tests.demo_seed import seed, seeded_demo

STUDY_MODELS = [Theme, Document, StudyCampaign, StudySession, Attendance, Commitment, RowHistory]

MEMBERS = 300


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_demo(django_db_blocker, MEMBERS) as output:
        yield output


@pytest.fixture
def study(seeded, db):
    today = timezone.localdate()
    return {"output": seeded, "today": today, "last": today.year - 1, "this": today.year,
            "province": Organization.objects.get(code="TINH"),
            "bithu": User.objects.get(username="bithu"), "dangvien": User.objects.get(username="dangvien")}


def cells():
    return Organization.objects.filter(path__startswith=Organization.objects.get(code="TINH").path,
                                       level__is_cell=True, active=True)


def test_output_says_what_was_made(study):
    assert "Dữ liệu học tập:" in study["output"]
    assert "lượt điểm danh" in study["output"]


def test_a_regular_meeting_every_month_and_a_thematic_one_every_quarter(study):
    last = study["last"]
    months = defaultdict(set)
    quarters = defaultdict(set)
    for org_id, kind, held_on in StudySession.objects.filter(held_on__year=last).values_list(
            "organization_id", "kind", "held_on"):
        if kind == StudySession.Kind.REGULAR:
            months[org_id].add(held_on.month)
        elif kind == StudySession.Kind.THEMATIC:
            quarters[org_id].add((held_on.month - 1) // 3)
    all_cells = list(cells().values_list("id", flat=True))
    assert len(all_cells) >= 14  # 16 chi bộ, one merged and one dissolved since (portal.demo's history)
    for cell in all_cells:
        assert months[cell] == set(range(1, 13)), cell
        assert quarters[cell] == {0, 1, 2, 3}, cell
    # The current year up to today, nothing after.
    today = study["today"]
    assert not StudySession.objects.filter(held_on__gt=today).exists()
    this_year = StudySession.objects.filter(held_on__year=study["this"], kind=StudySession.Kind.REGULAR)
    met = Organization.objects.filter(level__is_cell=True).filter(
        Q(active=True) | Q(dissolved_on__gt=datetime.date(study["this"], 1, 31)))
    assert set(this_year.values_list("organization", flat=True)) == set(met.values_list("id", flat=True))
    # A chi bộ merged or dissolved met until the day before, never after.
    for ended in Organization.objects.filter(level__is_cell=True, active=False):
        held = StudySession.objects.filter(organization=ended)
        assert held.exists() and not held.filter(held_on__gte=ended.dissolved_on).exists(), ended


def test_attendance_only_for_expected_members(study):
    rows = Attendance.objects.all()
    assert rows.count() > 5000
    assert not rows.filter(person__party_status__expected_at_meetings=False).exists()  # quần chúng, miễn sinh hoạt
    assert not rows.filter(person__admitted_on__gt=F("session__held_on")).exists()
    # In the unit he was in that day (portal.asof: the one he left by his first transfer after it).
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM resolutions_attendance a
              JOIN resolutions_studysession s ON s.id = a.session_id
              JOIN portal_person p ON p.id = a.person_id
             WHERE s.organization_id <> COALESCE(
                   (SELECT t.from_organization_id FROM portal_transfer t
                     WHERE t.person_id = p.id AND t.transferred_on > s.held_on
                     ORDER BY t.transferred_on, t.id LIMIT 1), p.organization_id)""")
        assert cursor.fetchone()[0] == 0
    assert rows.exclude(person__organization=F("session__organization")).exists()  # transferred since
    # The demo secretary's cell is complete: every expected member has his row at every session.
    cell = Person.objects.get(user=study["bithu"]).organization
    sessions = list(StudySession.objects.filter(organization=cell))
    assert len(sessions) >= 12
    for session in sessions:
        expected = set(expected_members(session).values_list("id", flat=True))
        recorded = set(session.attendance.values_list("person_id", flat=True))
        assert recorded == expected and expected, session


def test_some_members_are_excluded_from_attendance(study):
    """The rule has something to exclude: people not expected, and members admitted during the period."""
    people = Person.objects.filter(organization__in=cells())
    assert people.filter(party_status__expected_at_meetings=False).exists()
    recent = people.filter(party_status__expected_at_meetings=True, admitted_on__gt=datetime.date(study["last"], 1, 1))
    assert recent.exists()
    person = recent.first()
    early = StudySession.objects.filter(organization=person.organization, held_on__lt=person.admitted_on)
    assert early.exists() and not Attendance.objects.filter(person=person, session__in=early).exists()


def test_attendance_shares_are_realistic(study):
    totals = Attendance.objects.filter(session__held_on__year=study["last"]).aggregate(
        rows=Count("id"), present=Count("id", filter=Q(status=Attendance.Status.PRESENT)),
        excused=Count("id", filter=Q(status=Attendance.Status.EXCUSED)),
        absent=Count("id", filter=Q(status=Attendance.Status.ABSENT)))
    assert 0.85 <= totals["present"] / totals["rows"] <= 0.95
    assert 0.02 <= totals["excused"] / totals["rows"] <= 0.12
    assert 0.005 <= totals["absent"] / totals["rows"] <= 0.06
    assert not Attendance.objects.filter(status=Attendance.Status.EXCUSED, reason="").exists()
    assert not Attendance.objects.exclude(status=Attendance.Status.EXCUSED).exclude(reason="").exists()
    # Some members are often away without excuse, so the secretary has someone to remind.
    cell = Person.objects.get(user=study["bithu"]).organization
    absences = (Attendance.objects.filter(session__organization=cell, session__held_on__year=study["last"],
                                          status=Attendance.Status.ABSENT)
                .values("person").annotate(n=Count("id")).order_by("-n"))
    assert absences and absences[0]["n"] > 2


def test_a_commitments_history_tells_its_steps_on_their_dates(study, client):
    """Not "Lập bản cam kết" on the day the demo was loaded: filed, submitted, reviewed and
    rated on the commitment's own dates, by the member and by the secretary."""
    table = Commitment._meta.db_table
    reviewed = (Commitment.objects.filter(year=study["this"], status=Commitment.Status.RETURNED)
                .select_related("person", "reviewed_by").first())
    steps = list(RowHistory.objects.filter(table_name=table, row_id=reviewed.pk).order_by("changed_at", "id")
                 .values_list("action", "changed_at", "actor_id", "new__status"))
    member = reviewed.person.user_id
    assert steps == [("I", reviewed.created_at, member, "nhap"), ("U", reviewed.submitted_at, member, "da_nop"),
                     ("U", reviewed.reviewed_at, reviewed.reviewed_by_id, "tra_lai")]
    rated = Commitment.objects.filter(year=study["last"]).exclude(rated_at=None).first()
    last = RowHistory.objects.filter(table_name=table, row_id=rated.pk).order_by("changed_at", "id").last()
    assert (last.changed_at, last.actor_id, last.new["rating_id"]) == (rated.rated_at, rated.rated_by_id,
                                                                        rated.rating_id)
    drafts = Commitment.objects.filter(status=Commitment.Status.DRAFT).values_list("pk", flat=True)
    assert not RowHistory.objects.filter(table_name=table, row_id__in=list(drafts), action="U").exists()
    assert RowHistory.objects.filter(table_name=table, action="I").count() == Commitment.objects.count()
    # The member's own page shows the step on its date, by name.
    mine = Commitment.objects.get(person__user=study["dangvien"], year=study["this"])
    client.force_login(study["dangvien"])
    page = client.get(f"/study/commitments/{mine.pk}/").content.decode()
    assert timezone.localtime(mine.created_at).strftime("%d/%m/%Y") in page


def test_every_row_has_its_history(study):
    for model in [StudySession, Attendance, Commitment]:
        table = model._meta.db_table
        assert RowHistory.objects.filter(table_name=table, action="I").count() == model.objects.count(), table
    row = Attendance.objects.order_by("id").first()
    history = RowHistory.objects.get(table_name=Attendance._meta.db_table, row_id=row.pk)
    assert history.new["person_id"] == row.person_id and history.new["status"] == row.status
    assert history.context == "seed_demo"
    assert history.changed_at == (row.checked_in_at or row.updated_at)  # when it was marked, not loaded
    session = StudySession.objects.exclude(created_by=None).order_by("id").first()
    created = RowHistory.objects.get(table_name=StudySession._meta.db_table, row_id=session.pk)
    assert (created.changed_at, created.actor_id) == (session.created_at, session.created_by_id)


def test_commitments_in_every_state_this_year_and_rated_last_year(study):
    this_year = set(Commitment.objects.filter(year=study["this"]).values_list("status", flat=True))
    assert this_year == set(Commitment.Status.values)
    returned = Commitment.objects.filter(year=study["this"], status=Commitment.Status.RETURNED)
    assert not returned.filter(review_comment="").exists()
    assert not Commitment.objects.filter(year=study["this"]).exclude(theme__year=study["this"]).exists()
    last = Commitment.objects.filter(year=study["last"])
    assert last.filter(status=Commitment.Status.ACCEPTED).count() >= 0.95 * last.count()
    ratings = dict(last.exclude(rating=None).values_list("rating__code").annotate(n=Count("id")))
    assert ratings["tot"] == max(ratings.values())
    assert {"xuat-sac", "tot", "hoan-thanh"} <= set(ratings)
    assert ratings.get("xuat-sac", 0) < 0.5 * ratings["tot"]
    assert not Commitment.objects.filter(person__party_status__expected_at_meetings=False).exists()


def test_the_demo_member_has_a_commitment_to_revise(study):
    mine = Commitment.objects.get(person__user=study["dangvien"], year=study["this"])
    assert mine.status == Commitment.Status.RETURNED and mine.review_comment
    assert mine.reviewed_by == study["bithu"]
    # The secretary's cell shows each state, and someone who has not filed.
    cell = Person.objects.get(user=study["bithu"]).organization
    states = set(Commitment.objects.filter(person__organization=cell, year=study["this"])
                 .values_list("status", flat=True))
    assert states == set(Commitment.Status.values)
    assert Person.objects.filter(organization=cell, party_status__expected_at_meetings=True).exclude(
        commitments__year=study["this"]).exists()


def test_documents_themes_and_campaigns(study):
    numbers = set(Document.objects.values_list("number_symbol", flat=True))
    assert {"05-CT/TW", "35-NQ/TW", "01-KL/TW", "17-CT/TU", "195-KH/ĐU"} <= numbers
    assert Document.objects.get(number_symbol="17-CT/TU").issued_on == datetime.date(2022, 2, 22)
    assert Document.objects.get(number_symbol="195-KH/ĐU").organization.code != "TINH"
    term = Theme.objects.get(kind=Theme.Kind.TERM)
    assert "ý chí tự lực, tự cường và khát vọng phát triển đất nước phồn vinh, hạnh phúc" in term.title
    assert set(Theme.objects.filter(kind=Theme.Kind.YEAR).values_list("year", flat=True)) == {
        study["last"], study["this"]}
    campaigns = list(StudyCampaign.objects.filter(organization=study["province"]).order_by("starts_on"))
    assert len(campaigns) == 2
    closed, current = campaigns
    assert closed.deadline < study["today"] <= current.deadline
    held_closed = StudySession.objects.filter(campaign=closed)
    assert held_closed.filter(held_on__gt=closed.deadline).exists()  # some units late
    then = Organization.objects.filter(level__is_cell=True).filter(Q(active=True) | Q(dissolved_on__gt=closed.deadline))
    assert held_closed.values("organization").distinct().count() < then.count()  # some never
    assert StudySession.objects.filter(campaign=current).exists()


def test_number_symbols_pass_the_documents_validator(study):
    documents = pytest.importorskip("resolutions.services.documents")
    validate = getattr(documents, "validate_number_symbol", None)
    if validate is None:
        pytest.skip("the documents area has no number-symbol validator")
    for document in Document.objects.select_related("kind"):
        assert validate(document.number_symbol, document.kind, document.issued_on) == document.number_symbol


def test_secretary_sees_his_cells_sessions_only(study):
    bithu = study["bithu"]
    cell = Person.objects.get(user=bithu).organization
    visible = restrict(StudySession.objects.all(), bithu)
    assert visible.exists()
    assert set(visible.values_list("organization_id", flat=True)) == {cell.pk}
    assert visible.count() == StudySession.objects.filter(organization=cell).count()
    member_sees = restrict(StudySession.objects.all(), study["dangvien"])
    assert set(member_sees.values_list("organization_id", flat=True)) == {cell.pk}


def test_second_run_adds_nothing(study):
    before = {model.__name__: model.objects.count() for model in STUDY_MODELS}
    output = seed(MEMBERS)
    assert {model.__name__: model.objects.count() for model in STUDY_MODELS} == before
    assert "Dữ liệu học tập:" not in output
