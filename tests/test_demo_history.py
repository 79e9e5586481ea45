"""seed_demo's history (issue 9, point 9): the demo province lives through 2025 and 2026 (a
district đảng bộ dissolved on 1 July 2025 and its grassroots units moved under đảng bộ xã
founded that day, a chi bộ merged, one dissolved, transfers between chi bộ and between đảng
bộ in both years), every session, attendance row and enrolment true as of its day by
portal.asof's rule, and last year's reports in the intended mix of states. One small
province is seeded for the whole module (inside a transaction rolled back at the end)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from portal import asof, demo
from portal.models import (
    Organization,
    OrganizationChange,
    OrganizationPeriod,
    Person,
    Position,
    Transfer,
    User,
)
from reports import demo as reports_demo
from reports.models import NarrativeRevision, ReportRun, Submission, SubmissionEvent
from reports.submission_selectors import report_url
from resolutions.models import Attendance, StudySession
from tests.demo_seed import seed, seeded_demo
from training.models import Enrollment, TrainingClass, TrainingPlan

Status = Submission.Status

MEMBERS = 300


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_demo(django_db_blocker, MEMBERS) as output:
        yield output


@pytest.fixture
def history(seeded, db):
    today = timezone.localdate()
    return {"output": seeded, "today": today, "last": today.year - 1, "this": today.year}


def block_of(org_id: int) -> int:
    """The đảng bộ trực thuộc (depth 1) a unit is under today (merged units keep their last path)."""
    return int(Organization.objects.get(pk=org_id).path.strip("/").split("/")[1])


def test_output_tells_the_history(history):
    assert "Lịch sử: 1 đảng bộ huyện giải thể ngày 01/07/2025" in history["output"]
    assert "1 chi bộ sáp nhập, 1 chi bộ giải thể" in history["output"]
    assert "Dữ liệu báo cáo:" in history["output"]


def test_transfers_between_cells_and_between_dang_bo_in_both_years(history):
    for year in (history["last"], history["this"]):
        kinds = set()
        for source, target in Transfer.objects.filter(kind=Transfer.Kind.PERMANENT, transferred_on__year=year) \
                .values_list("from_organization_id", "to_organization_id"):
            kinds.add("between đảng bộ" if block_of(source) != block_of(target) else "between chi bộ")
        assert kinds == {"between đảng bộ", "between chi bộ"}, year
    # As portal.services.transfer_person leaves them: each person where his last transfer took him.
    for transfer in Transfer.objects.select_related("person"):
        later = Transfer.objects.filter(person=transfer.person, transferred_on__gt=transfer.transferred_on)
        if not later.exists():
            assert transfer.person.organization_id == transfer.to_organization_id
    # Nobody holding a position, and not the demo accounts, was moved.
    moved = Transfer.objects.filter(kind=Transfer.Kind.PERMANENT).values("person")
    assert not Position.objects.current().filter(person__in=moved).exists()
    assert not User.objects.filter(person__in=moved).exists()


def test_the_reorganisation_of_1_july_2025(history):
    day = demo.REORGANISED_ON
    district = Organization.objects.get(level__code="dang-bo-huyen")
    assert (district.active, district.dissolved_on) == (False, day)
    assert OrganizationChange.objects.filter(organization=district, kind="dissolved", effective_on=day).exists()
    founded = Organization.objects.filter(established_on=day, level__code="dang-bo-truc-thuoc")
    assert founded.exists() and all(c.parent.code == demo.PROVINCE_CODE for c in founded)
    moves = OrganizationChange.objects.filter(kind="moved", effective_on=day)
    assert moves.count() >= 2
    for move in moves.select_related("organization"):
        assert move.old_parent == district and move.new_parent in founded
        before, after = OrganizationPeriod.objects.filter(organization=move.organization).order_by("valid_from")
        assert (before.parent, before.valid_to) == (district, day)
        assert (after.parent, after.valid_from, after.valid_to) == (move.new_parent, day, None)
    # Figures as of a date read the tree of that date.
    eve = day - datetime.timedelta(days=1)
    assert asof.people_on(district, eve).exists() and not asof.people_on(district, day).exists()
    moved_then = set(Transfer.objects.filter(transferred_on__in=[eve, day]).values_list("person", flat=True))
    under_district = set(asof.people_on(district, eve).values_list("id", flat=True)) - moved_then
    under_communes = set()
    for commune in founded:
        assert not asof.people_on(commune, eve).exists()
        under_communes |= set(asof.people_on(commune, day).values_list("id", flat=True))
    assert under_district == under_communes - moved_then
    # Its committee's term ended the day before, and nothing was held by a unit that did not exist.
    assert not Position.objects.current().filter(organization=district).exists()
    assert Position.objects.filter(organization=district, role__code="bi-thu", ended_on=eve).exists()
    assert not TrainingClass.objects.filter(organizer__in=founded, starts_on__lt=day).exists()
    assert not TrainingPlan.objects.filter(organization__in=founded, created_at__date__lt=day).exists()


def test_a_cell_merged_and_one_dissolved(history):
    merged = Organization.objects.get(pk__in=OrganizationChange.objects.filter(kind="merged").values("related"))
    change = OrganizationChange.objects.get(kind="merged")
    assert (merged.active, merged.dissolved_on, merged.successor) == (False, change.effective_on, change.organization)
    assert change.effective_on.year in (history["last"], history["this"])
    assert merged.level.code == "chi-bo-truc-thuoc" and not Person.objects.filter(organization=merged).exists()
    members = Transfer.objects.filter(from_organization=merged)
    assert members.exists() and not members.exclude(kind=Transfer.Kind.REORGANISED, to_organization=change.organization,
                                                    transferred_on=change.effective_on).exists()
    gone = OrganizationChange.objects.get(kind="dissolved", organization__level__is_cell=True)
    dissolved = gone.organization
    assert (dissolved.active, dissolved.dissolved_on) == (False, gone.effective_on)
    assert gone.effective_on.year in (history["last"], history["this"])
    assert Transfer.objects.filter(from_organization=dissolved, transferred_on=gone.effective_on).count() >= 8
    assert not Person.objects.filter(organization=dissolved).exists()
    for unit in (merged, dissolved):
        assert not Position.objects.current().filter(organization=unit).exists()
        assert not StudySession.objects.filter(organization=unit, held_on__gte=unit.dissolved_on).exists()
        assert StudySession.objects.filter(organization=unit, held_on__lt=unit.dissolved_on).exists()


def test_every_row_is_true_as_of_its_day(history):
    """Attendance of people who were in the session's chi bộ that day, sessions and classes of
    units that existed that day, learners counted at the unit they were in on the class's first
    day, under the organizer as the tree stood: portal.asof's rule, in SQL."""
    unit_on = ("COALESCE((SELECT t.from_organization_id FROM portal_transfer t WHERE t.person_id = p.id "
               "AND t.transferred_on > {day} ORDER BY t.transferred_on, t.id LIMIT 1), p.organization_id)")
    existed = ("EXISTS (SELECT 1 FROM portal_organizationperiod op WHERE op.organization_id = {unit} "
               "AND op.valid_from <= {day} AND (op.valid_to IS NULL OR op.valid_to > {day}){more})")
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT (SELECT count(*) FROM resolutions_attendance a
                      JOIN resolutions_studysession s ON s.id = a.session_id
                      JOIN portal_person p ON p.id = a.person_id
                     WHERE s.organization_id <> {unit_on.format(day="s.held_on")}),
                   (SELECT count(*) FROM resolutions_studysession s
                     WHERE NOT {existed.format(unit="s.organization_id", day="s.held_on", more="")}),
                   (SELECT count(*) FROM training_trainingclass c
                     WHERE NOT {existed.format(unit="c.organizer_id", day="c.starts_on", more="")}),
                   (SELECT count(*) FROM training_enrollment e
                      JOIN training_trainingclass c ON c.id = e.training_class_id
                      JOIN portal_person p ON p.id = e.person_id
                     WHERE e.learner_organization_id <> {unit_on.format(day="c.starts_on")}
                        OR NOT {existed.format(unit="e.learner_organization_id", day="c.starts_on",
                                               more=" AND op.path LIKE '%%/' || c.organizer_id || '/%%'")})""")
        assert cursor.fetchone() == (0, 0, 0, 0)
    # The rule was put to the test: people moved attended in both chi bộ, each on his side of the day.
    both_sides = [t for t in Transfer.objects.filter(kind=Transfer.Kind.PERMANENT)
                  if Attendance.objects.filter(person=t.person_id, session__organization=t.from_organization_id,
                                               session__held_on__lt=t.transferred_on).exists()
                  and Attendance.objects.filter(person=t.person_id, session__organization=t.to_organization_id,
                                                session__held_on__gt=t.transferred_on).exists()]
    assert len(both_sides) >= 3
    assert Enrollment.objects.filter(person__in=Transfer.objects.values("person")).exists()


def test_last_years_reports_in_the_intended_mix_of_states(history):
    last = Submission.objects.filter(kind__code="ct17", period_start=datetime.date(history["last"], 1, 1))
    total = last.count()
    assert total >= 20
    # Every unit that reported then: the chi bộ dissolved this year too, not the one merged last autumn.
    dissolved = OrganizationChange.objects.get(kind="dissolved", organization__level__is_cell=True).organization
    assert last.filter(organization=dissolved).exists()
    assert not last.filter(organization__in=OrganizationChange.objects.filter(kind="merged").values("related")).exists()
    assert not last.filter(organization__level__code="dang-bo-huyen").exists()
    accepted = last.filter(status=Status.ACCEPTED)
    assert accepted.count() > total / 2
    returned = last.filter(status=Status.RETURNED)
    assert returned.exists() and not returned.filter(return_comment="").exists()
    assert last.filter(status=Status.SUBMITTED).exists()
    due = datetime.date(history["this"], 2, 22)
    late_submitted = last.filter(late=True, status__in=[Status.SUBMITTED, Status.ACCEPTED])
    assert late_submitted.exists() and not late_submitted.filter(submitted_at__date__lte=due).exists()
    never = last.filter(late=True, status__in=[Status.OPEN, Status.DRAFTING])
    assert 1 <= never.count() <= max(3, total // 20)
    assert not last.filter(late=False, status__in=[Status.OPEN, Status.DRAFTING]).exists()
    assert not last.filter(late=True, status=Status.RETURNED).exists()
    # Their stories: events in order of time, the narrative as last saved, reminders before they submitted.
    events = SubmissionEvent.objects.filter(submission__in=last)
    for action in SubmissionEvent.Action.values:
        assert events.filter(action=action).exists(), action
    assert not events.filter(at__gt=timezone.now()).exists()
    for submission in last.exclude(status=Status.OPEN).prefetch_related("revisions", "events"):
        assert submission.narrative and submission.number, submission
        for section, text in submission.narrative.items():
            latest = max((r for r in submission.revisions.all() if r.section == section), key=lambda r: r.saved_at)
            assert latest.text == text
        if submission.submitted_at:
            assert all(r.saved_at < submission.submitted_at for r in submission.revisions.all())
            reminders = [e for e in submission.events.all() if e.action == SubmissionEvent.Action.REMINDED]
            assert len(reminders) == len(submission.reminders_sent)
    # The submitted figures: kept for the province and the demo secretary's chain, said to be
    # missing for the rest.
    bithu = User.objects.get(username="bithu")
    cell = bithu.person.organization
    chain = [int(pk) for pk in cell.path.strip("/").split("/")]
    submitted = last.exclude(submitted_at=None)
    with_run = submitted.exclude(run=None)
    assert set(with_run.values_list("organization", flat=True)) == set(chain)
    mine = last.get(organization=cell)
    assert (mine.status, mine.submitted_by, mine.late) == (Status.ACCEPTED, bithu, False)
    assert mine.run.figures["unit"]["code"] == cell.code and mine.run.narrative == mine.narrative
    for run in ReportRun.objects.filter(submissions__in=with_run):
        assert run.figures["period"]["label"] == str(history["last"]) and run.computed_at
    assert not events.filter(action=SubmissionEvent.Action.SUBMITTED, submission__run=None).exclude(
        comment=reports_demo.NO_RUN_NOTE).exists()


def test_this_years_reports_open(history):
    this = Submission.objects.filter(kind__code="ct17", period_start=datetime.date(history["this"], 1, 1))
    assert set(this.values_list("status", flat=True)) == {Status.OPEN, Status.DRAFTING}
    assert not this.filter(late=True).exists() and not this.exclude(run=None).exists()
    assert this.count() == Organization.objects.filter(active=True).exclude(level__code="dang-bo-huyen").count()
    bithu = User.objects.get(username="bithu")
    mine = this.get(organization=bithu.person.organization)
    assert mine.status == Status.DRAFTING and NarrativeRevision.objects.filter(submission=mine, author=bithu).exists()


def test_report_pages_show_the_demo_reports(history, client):
    client.force_login(User.objects.get(username="tuyengiao"))
    last = Submission.objects.filter(kind__code="ct17", period_start=datetime.date(history["last"], 1, 1))
    province = last.get(organization__depth=0)
    page = client.get(report_url(province)).content.decode()
    assert "Số liệu và tệp đã nộp" in page and "Diễn biến" in page
    without = last.filter(run=None).exclude(submitted_at=None).first()
    page = client.get(report_url(without)).content.decode()
    assert reports_demo.NO_RUN_NOTE.split(";")[0] in page


def test_seeding_again_changes_nothing(history):
    tables = [Organization, OrganizationPeriod, OrganizationChange, Person, Transfer, Position, StudySession,
              Attendance, TrainingClass, Enrollment, Submission, SubmissionEvent, NarrativeRevision, ReportRun]
    before = {model.__name__: model.objects.count() for model in tables}
    output = seed(MEMBERS)
    assert {model.__name__: model.objects.count() for model in tables} == before
    assert "Lịch sử:" not in output and "Dữ liệu báo cáo:" not in output
