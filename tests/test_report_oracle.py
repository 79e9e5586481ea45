"""Every indicator of the annual report computed a second time, by hand-written SQL over the
raw rows (not the selectors), for units on four levels and two years, and compared with
what each channel shows: the API, the dashboard, the XLSX cells (openpyxl), the DOCX tables
and sentences (python-docx) and the PDF text (pypdf) that `generate_report` writes.

The world is the one of tests/test_report_figures.py (a cell of one đảng bộ merged into a
cell of another on 1 July 2025) and, on top of it: a member transferred between the two
đảng bộ in October 2025, a year of 2026 with its own classes, sessions and commitments, and
the đảng bộ cơ sở CS1 moved from DBK to DBX on 1 June 2026 (a reorganisation mid-year)."""

import datetime
import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from docx import Document as read_docx
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from portal import tree
from portal.printing import format_number, format_percent
from portal.services import transfer_person
from reports.indicators import figure
from reports.rendering import SUMMARY_SHEET
from resolutions.models import Attendance, Commitment, RatingLevel, StudySession, UnitStudySettings
from tests.test_report_figures import enrol, klass, plan, report_world, session  # noqa: F401 - report_world: a fixture
from training.models import Certificate, Enrollment, Lecturer

d = datetime.date
P, E, A = Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT
UNITS = ["TINH", "DBK", "DBX", "CS1", "CB3"]  # province, đảng bộ trực thuộc, đảng bộ cơ sở, chi bộ
YEARS = [2025, 2026]
TRANSFERRED_ON = d(2025, 10, 1)
MOVED_ON = d(2026, 6, 1)


@pytest.fixture
def oracle_world(report_world):  # noqa: F811 - the fixture imported above
    u, p = report_world["units"], report_world["people"]
    # X1 (CB1, under DBK) moves to CB4 (under DBX) in October 2025: his September class stays
    # CB1's (learner's unit at nomination), his November absence and his commitments count in DBX.
    transfer_person(p["x1"], to_organization=u["CB4"], transferred_on=TRANSFERRED_ON)
    session(u["CB4"], d(2025, 11, 20), [(p["x1"], A)])
    # L2, nominated from CB2 before its merger, in a class of CS2 (DBX) that begins after it:
    # he counts where CB2 last stood (CS1, DBK).
    late_class = klass(u["CS2"], "nhan-thuc-ve-dang", plan(u["CS2"], ["nhan-thuc-ve-dang"])["nhan-thuc-ve-dang"],
                       d(2025, 8, 4))
    Enrollment.objects.create(training_class=late_class, person=p["l2"], learner_organization=u["CB2"],
                              result=Enrollment.Result.PASSED)
    # L1's 2025 certificate is revoked in 2026: it still counts for 2025, as it stood then.
    Certificate.objects.filter(enrollment__person=p["l1"]).update(revoked_on=d(2026, 3, 1), revoked_reason="Cấp nhầm")
    # CS1's second lecturer is recognised as meeting the standard in 2026 only.
    Lecturer.objects.filter(person=p["pbt"]).update(meets_standard=True, standard_checked_on=d(2026, 4, 1))
    # DBX tolerates no unexcused absence: its cells' members take the nearest threshold above them.
    UnitStudySettings.objects.create(organization=u["DBX"], unexcused_absence_threshold=0)

    # 2026: classes on both sides of CS1's move from DBK to DBX on 1 June.
    lines = plan_2026(u["CS1"], ["dang-vien-moi"]) | plan_2026(u["CS2"], ["chuyen-de"])
    before = klass(u["CS1"], "dang-vien-moi", lines["dang-vien-moi"], d(2026, 3, 5))
    enrol(before, p["l2"], Enrollment.Result.PASSED, certified=True)
    enrol(before, p["l1"], Enrollment.Result.PASSED)
    klass(u["CB4"], "chuyen-de", lines["chuyen-de"], d(2026, 4, 2))
    tree.move_organization(u["CS1"], new_parent=u["DBX"], effective_on=MOVED_ON)
    after = klass(u["CS1"], "dang-vien-moi", lines["dang-vien-moi"], d(2026, 9, 9))
    enrol(after, p["l3"], Enrollment.Result.PASSED, certified=True)
    document = report_world["document"]
    session(u["CB1"], d(2026, 2, 3), [(p["secretary"], P), (p["member"], P), (p["cb1"], E), (p["l1"], A)],
            documents=[document], kind=StudySession.Kind.STUDY)
    session(u["CB1"], d(2026, 8, 4), [(p["secretary"], P), (p["member"], A), (p["cb1"], P), (p["l1"], A),
                                      (p["l3"], P)], format=StudySession.Format.ONLINE)
    session(u["CB3"], d(2026, 5, 6), [(p["cb3"], P), (p["cb2"], A), (p["l2"], P)], documents=[document])
    ratings = {level.code: level for level in RatingLevel.objects.all()}
    for key, status, rating in [("secretary", Commitment.Status.SUBMITTED, None),
                                ("cb3", Commitment.Status.ACCEPTED, "hoan-thanh"), ("x1", Commitment.Status.DRAFT, None)]:
        Commitment.objects.create(person=p[key], year=2026, status=status, rating=ratings.get(rating))
    for unit in u.values():
        unit.refresh_from_db()
    return report_world


def plan_2026(unit, codes):
    from training.models import ClassType, PlanLine, TrainingPlan

    approved = TrainingPlan.objects.create(organization=unit, year=2026, status=TrainingPlan.Status.APPROVED)
    return {code: PlanLine.objects.create(plan=approved, class_type=ClassType.objects.get(code=code),
                                          planned_classes=2, planned_learners=30) for code in codes}


# --- The oracle: hand-written SQL over the raw rows -------------------------------------------------

# The organization {org} lay at or below the unit on the day {day}, by the tree of that day.
IN_SUBTREE = """EXISTS (SELECT 1 FROM portal_organizationperiod op
    WHERE op.organization_id = {org} AND op.valid_from <= {day} AND (op.valid_to IS NULL OR op.valid_to > {day})
      AND op.path LIKE '%%/' || %(unit)s || '/%%')"""
# The same for activities, where a unit already ended by that day counts as it last stood:
# its latest period that began by then.
IN_SUBTREE_OR_LAST = """(SELECT op.path FROM portal_organizationperiod op
    WHERE op.organization_id = {org} AND op.valid_from <= {day} ORDER BY op.valid_from DESC LIMIT 1)
    LIKE '%%/' || %(unit)s || '/%%'"""

# Everyone with his unit and status on %(day)s: the unit he left by his first transfer after
# the day, else his own; his last status change on or before it, else (no change recorded at
# all) his current status.
PEOPLE_THEN = """
    SELECT p.id, p.admitted_on,
           COALESCE((SELECT t.from_organization_id FROM portal_transfer t WHERE t.person_id = p.id
                       AND t.transferred_on > %(day)s ORDER BY t.transferred_on, t.id LIMIT 1),
                    p.organization_id) AS org,
           COALESCE((SELECT c.status_id FROM portal_partystatuschange c WHERE c.person_id = p.id
                       AND c.effective_on <= %(day)s ORDER BY c.effective_on DESC, c.id DESC LIMIT 1),
                    CASE WHEN NOT EXISTS (SELECT 1 FROM portal_partystatuschange c WHERE c.person_id = p.id)
                         THEN p.party_status_id END) AS status
      FROM portal_person p"""

MEMBERS_THEN = f"""
    SELECT pt.id, pt.org FROM ({PEOPLE_THEN}) pt JOIN portal_partystatus s ON s.id = pt.status
     WHERE s.is_member AND (pt.admitted_on IS NULL OR pt.admitted_on <= %(day)s)
       AND {IN_SUBTREE.format(org="pt.org", day="%(day)s")}"""
EXPECTED_THEN = MEMBERS_THEN.replace("WHERE s.is_member", "WHERE s.is_member AND s.expected_at_meetings")

COUNTED_CLASSES = """
    SELECT c.* FROM training_trainingclass c
      JOIN training_planline l ON l.id = c.plan_line_id JOIN training_trainingplan tp ON tp.id = l.plan_id
     WHERE tp.status = 'da_duyet' AND c.starts_on BETWEEN %(start)s AND %(end)s"""

LEARNERS = f"""
    SELECT e.*, ct.code AS type_code, pe.gender, et.is_minority,
           EXISTS (SELECT 1 FROM training_certificate ce WHERE ce.enrollment_id = e.id
                     AND (ce.revoked_on IS NULL OR ce.revoked_on > %(day)s)) AS certified
      FROM ({COUNTED_CLASSES}) c JOIN training_enrollment e ON e.training_class_id = c.id
      JOIN training_classtype ct ON ct.id = c.class_type_id
      JOIN portal_person pe ON pe.id = e.person_id JOIN portal_ethnicity et ON et.id = pe.ethnicity_id
     WHERE {IN_SUBTREE_OR_LAST.format(org="e.learner_organization_id", day="c.starts_on")}"""

POSITIONS_THEN = """
    SELECT po.person_id, r.code AS role, r.is_committee_member, op.level_id
      FROM portal_position po JOIN portal_positionrole r ON r.id = po.role_id
      JOIN portal_organizationperiod op ON op.organization_id = po.organization_id
       AND op.valid_from <= %(day)s AND (op.valid_to IS NULL OR op.valid_to > %(day)s)
     WHERE po.started_on <= %(day)s AND (po.ended_on IS NULL OR po.ended_on >= %(day)s)
       AND op.path LIKE '%%/' || %(unit)s || '/%%'"""

SESSIONS = f"""
    SELECT ss.* FROM resolutions_studysession ss
     WHERE ss.held_on BETWEEN %(start)s AND %(end)s AND {IN_SUBTREE.format(org="ss.organization_id", day="ss.held_on")}"""

ORACLE = {
    "classes.held": f"SELECT count(*) FROM ({COUNTED_CLASSES}) c "
                    f"WHERE {IN_SUBTREE_OR_LAST.format(org='c.organizer_id', day='c.starts_on')}",
    "classes.outside_plan": f"""
        SELECT count(*) FROM training_trainingclass c LEFT JOIN training_planline l ON l.id = c.plan_line_id
          LEFT JOIN training_trainingplan tp ON tp.id = l.plan_id
         WHERE (tp.status IS NULL OR tp.status <> 'da_duyet') AND c.starts_on BETWEEN %(start)s AND %(end)s
           AND {IN_SUBTREE_OR_LAST.format(org='c.organizer_id', day='c.starts_on')}""",
    "learners.total": f"SELECT count(*) FROM ({LEARNERS}) x",
    "learners.female": f"SELECT count(*) FROM ({LEARNERS}) x WHERE x.gender = 'nu'",
    "learners.minority": f"SELECT count(*) FROM ({LEARNERS}) x WHERE x.is_minority",
    "results.passed": f"SELECT count(*) FROM ({LEARNERS}) x WHERE x.result = 'dat'",
    "results.certified": f"SELECT count(*) FROM ({LEARNERS}) x WHERE x.certified",
    "results.admission_new_share": f"""
        SELECT count(*) FILTER (WHERE x.certified), count(*) FROM ({LEARNERS}) x
         WHERE x.type_code IN ('nhan-thuc-ve-dang', 'dang-vien-moi')""",
    "party_work.share": f"""
        SELECT count(DISTINCT x.person_id) FILTER (WHERE EXISTS (
                 SELECT 1 FROM training_enrollment e JOIN training_trainingclass c ON c.id = e.training_class_id
                   JOIN training_classtype ct ON ct.id = c.class_type_id
                   JOIN training_planline l ON l.id = c.plan_line_id JOIN training_trainingplan tp ON tp.id = l.plan_id
                  WHERE e.person_id = x.person_id AND e.result = 'dat' AND ct.code = 'nghiep-vu-cong-tac-dang'
                    AND tp.status = 'da_duyet' AND c.starts_on BETWEEN %(term_start)s AND %(end)s)),
               count(DISTINCT x.person_id)
          FROM ({POSITIONS_THEN}) x
         WHERE x.is_committee_member OR x.role IN ('chu-nhiem-ubkt', 'uy-vien-ubkt')""",
    "lecturers.standard_share": f"""
        SELECT count(*) FILTER (WHERE lc.meets_standard AND (lc.standard_checked_on IS NULL
                                 OR lc.standard_checked_on <= %(day)s)), count(*) FROM training_lecturer lc
         WHERE lc.kind = 'kiem_chuc' AND lc.started_on <= %(day)s AND (lc.ended_on IS NULL OR lc.ended_on >= %(day)s)
           AND {IN_SUBTREE.format(org='lc.organization_id', day='%(day)s')}""",
    "lecturers.secretaries_share": f"""
        SELECT count(*) FILTER (WHERE EXISTS (
                 SELECT 1 FROM training_lesson le JOIN training_lecturer lc ON lc.id = le.lecturer_id
                   JOIN training_trainingclass c ON c.id = le.training_class_id
                   JOIN training_planline l ON l.id = c.plan_line_id JOIN training_trainingplan tp ON tp.id = l.plan_id
                  WHERE lc.person_id = x.person_id AND tp.status = 'da_duyet'
                    AND le.held_on BETWEEN %(start)s AND %(end)s)),
               count(*)
          FROM ({POSITIONS_THEN}) x JOIN portal_orglevel lv ON lv.id = x.level_id
         WHERE lv.code = 'dang-bo-co-so' AND x.role IN ('bi-thu', 'pho-bi-thu')""",
    "grassroots.without_class": f"""
        SELECT count(*) FROM portal_organizationperiod g JOIN portal_orglevel lv ON lv.id = g.level_id
         WHERE lv.is_grassroots AND g.valid_from <= %(day)s AND (g.valid_to IS NULL OR g.valid_to > %(day)s)
           AND g.path LIKE '%%/' || %(unit)s || '/%%'
           AND NOT EXISTS (
                 SELECT 1 FROM ({COUNTED_CLASSES}) c JOIN portal_organizationperiod cp
                     ON cp.organization_id = c.organizer_id AND cp.valid_from <= c.starts_on
                    AND (cp.valid_to IS NULL OR cp.valid_to > c.starts_on)
                  WHERE cp.path LIKE '%%/' || g.organization_id || '/%%')""",
    "study.sessions": f"SELECT count(*) FROM ({SESSIONS}) ss",
    "study.attendance_share": f"""
        SELECT count(*) FILTER (WHERE a.status = 'co_mat'), count(*)
          FROM ({SESSIONS}) ss JOIN resolutions_attendance a ON a.session_id = ss.id""",
    "study.document": f"""
        SELECT count(*) FILTER (WHERE EXISTS (
                 SELECT 1 FROM resolutions_attendance a JOIN resolutions_studysession ss ON ss.id = a.session_id
                   LEFT JOIN resolutions_studysession_documents sd ON sd.studysession_id = ss.id
                   LEFT JOIN resolutions_studycampaign sc ON sc.id = ss.campaign_id
                  WHERE a.person_id = m.id AND a.status = 'co_mat' AND ss.held_on BETWEEN %(start)s AND %(end)s
                    AND (sd.document_id = %(document)s OR sc.document_id = %(document)s))),
               count(*)
          FROM ({EXPECTED_THEN}) m""",
    "commend": f"""
        SELECT count(*) FROM ({MEMBERS_THEN}) m
         WHERE EXISTS (SELECT 1 FROM resolutions_attendance a JOIN resolutions_studysession ss ON ss.id = a.session_id
                        WHERE a.person_id = m.id AND ss.held_on BETWEEN %(start)s AND %(end)s)
           AND NOT EXISTS (SELECT 1 FROM resolutions_attendance a JOIN resolutions_studysession ss
                             ON ss.id = a.session_id WHERE a.person_id = m.id AND a.status <> 'co_mat'
                            AND ss.held_on BETWEEN %(start)s AND %(end)s)""",
    "remind": f"""
        SELECT count(*) FROM ({MEMBERS_THEN}) m
         WHERE (SELECT count(*) FROM resolutions_attendance a JOIN resolutions_studysession ss ON ss.id = a.session_id
                 WHERE a.person_id = m.id AND a.status = 'vang_khong_ly_do'
                   AND ss.held_on BETWEEN %(start)s AND %(end)s)
             > COALESCE((SELECT st.unexcused_absence_threshold FROM resolutions_unitstudysettings st
                          JOIN portal_organizationperiod mp ON mp.organization_id = m.org AND mp.valid_from <= %(day)s
                           AND (mp.valid_to IS NULL OR mp.valid_to > %(day)s)
                         WHERE mp.path LIKE '%%/' || st.organization_id || '/%%'
                         ORDER BY length(mp.path) - strpos(mp.path, '/' || st.organization_id || '/') LIMIT 1),
                        %(default_threshold)s)""",
}

# Commitments are counted per year of the period, members taken on 31/12 (or the snapshot day).
COMMITMENTS = f"""
    SELECT count(*), count(*) FILTER (WHERE cm.status IN ('da_nop', 'tra_lai', 'da_duyet')),
           count(*) FILTER (WHERE cm.status = 'da_duyet'),
           count(*) FILTER (WHERE cm.status = 'da_duyet' AND rl.code = %(rating)s)
      FROM ({EXPECTED_THEN}) m
      LEFT JOIN resolutions_commitment cm ON cm.person_id = m.id AND cm.year = %(year)s
      LEFT JOIN resolutions_ratinglevel rl ON rl.id = cm.rating_id"""


def snapshot_day(year: int) -> datetime.date:
    return min(d(year, 12, 31), timezone.localdate())


def percent(done: int, total: int) -> float | None:
    if not total:
        return None
    return float((Decimal(100 * done) / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def oracle(world, code: str, year: int) -> dict:
    """Figure code → the count (int) or share (done, total, percent) by the SQL above."""
    unit = world["units"][code]
    day = snapshot_day(year)
    params = {"unit": str(unit.pk), "start": d(year, 1, 1), "end": d(year, 12, 31), "day": day,
              "term_start": d(year - 4, 1, 1), "document": world["document"].pk,
              "default_threshold": UnitStudySettings._meta.get_field("unexcused_absence_threshold").default}
    figures = {}
    with connection.cursor() as cursor:
        for figure_code, sql in ORACLE.items():
            cursor.execute(sql, params)
            row = cursor.fetchone()
            figures[figure_code] = row[0] if len(row) == 1 else (row[0], row[1], percent(row[0], row[1]))
        expected = filed = accepted = 0
        ratings = {}
        for level in RatingLevel.objects.all():
            cursor.execute(COMMITMENTS, {**params, "day": min(d(year, 12, 31), day), "year": year,
                                         "rating": level.code})
            expected, filed, accepted, rated = cursor.fetchone()
            ratings[f"commitments.rating.{level.code}"] = rated
    figures.update({"commitments.expected": expected, "commitments.filed": (filed, expected, percent(filed, expected)),
                    "commitments.accepted": (accepted, expected, percent(accepted, expected)), **ratings})
    return figures


def from_report(report: dict, world, codes) -> dict:
    values = {}
    for code in codes:
        item = figure(report, f"study.document.{world['document'].pk}" if code == "study.document" else code)
        if item is None:  # a figure listed only when it has something to say (a rating nobody had)
            values[code] = 0
            continue
        values[code] = item["value"] if item["kind"] == "count" else (item["done"], item["total"], item["percent"])
    return values


def nonzero_ratings(figures: dict) -> dict:
    return {code: value for code, value in figures.items() if not code.startswith("commitments.rating.") or value}


# --- The channels ------------------------------------------------------------------------------------


def api_report(world, code: str, year: int) -> dict:
    client = APIClient()
    client.force_authenticate(world["users"]["tuyengiao"])
    response = client.get("/api/v1/indicators/", {"unit": code, "year": year, "kind": "ct17"})
    assert response.status_code == 200, response.content
    return response.json()


def dashboard_figures(world, client, code: str, year: int, codes) -> dict:
    """The figures the dashboard draws (its JSON data island), as `from_report` gives them."""
    response = client.get("/reports/", {"unit": code, "year": year, "kind": "ct17"})
    assert response.status_code == 200
    data = re.search(r'<script id="report-data" type="application/json">(.*?)</script>',
                     response.content.decode(), re.S)
    assert data, "the dashboard carries its figures as a JSON data island"
    island = json.loads(data.group(1))["figures"]
    values = {}
    for code_ in codes:
        item = island.get(f"study.document.{world['document'].pk}" if code_ == "study.document" else code_)
        if item is None:
            values[code_] = 0
        elif item["done"] is None:
            values[code_] = item["value"]
        else:
            values[code_] = (item["done"], item["total"], item["percent"])
    return values


def generated_files(code: str, year: int, folder) -> dict:
    out = io.StringIO()
    call_command("generate_report", kind="ct17", org=code, year=str(year), out=str(folder), stdout=out)
    paths = out.getvalue().split()
    return {path.rsplit(".", 1)[1]: path for path in paths}


def shown(value) -> str:
    return format_number(value)


def share_shown(share) -> str:
    done, total, share_percent = share
    return f"{format_number(done)}/{format_number(total)}"


@pytest.mark.parametrize("year", YEARS)
def test_every_channel_shows_the_oracles_figures(oracle_world, client, tmp_path, year):
    client.force_login(oracle_world["users"]["tuyengiao"])
    for code in UNITS:
        expected = oracle(oracle_world, code, year)
        codes = list(expected)

        api = api_report(oracle_world, code, year)
        assert nonzero_ratings(from_report(api, oracle_world, codes)) == nonzero_ratings(expected), (code, year)
        assert dashboard_figures(oracle_world, client, code, year, codes) == from_report(api, oracle_world, codes), \
            (code, year)

        files = generated_files(code, year, tmp_path / f"{code}-{year}")
        assert set(files) == {"xlsx", "docx", "pdf"}
        summary = {row[1]: row[2:5] for row in load_workbook(files["xlsx"])[SUMMARY_SHEET].iter_rows(
            min_row=4, values_only=True) if row[1]}
        for block in api["indicators"]:
            for item in block["figures"]:
                count, total, share = summary[item["label"]]
                if item["kind"] == "count":
                    assert count == item["value"] and isinstance(count, int), (code, year, item["code"])
                else:
                    assert (count, total) == (item["done"], item["total"]), (code, year, item["code"])
                    if item["percent"] is not None:
                        assert share == pytest.approx(item["percent"] / 100), (code, year, item["code"])

        docx = read_docx(files["docx"])
        docx_text = "\n".join(p.text for p in docx.paragraphs)
        docx_cells = " | ".join(cell.text for table in docx.tables for row in table.rows for cell in row.cells)
        pdf_text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(files["pdf"]).pages)
        sentences = [" ".join(s.split()) for block in api["indicators"] for s in block["sentences"]]
        for sentence in sentences:
            assert sentence in " ".join(docx_text.split()), (code, year, sentence)
            assert sentence in pdf_text, (code, year, sentence)
        # The sentences carry the oracle's numbers the Vietnamese way.
        text = " ".join(sentences)
        assert f"Đã mở {shown(expected['classes.held'])} lớp bồi dưỡng" in text
        assert f"với {shown(expected['learners.total'])} lượt học viên" in text
        assert f"{shown(expected['results.passed'])} lượt học viên đạt yêu cầu" in text
        assert f"{share_shown(expected['party_work.share'])} cấp ủy viên" in text
        assert f"{share_shown(expected['lecturers.standard_share'])} giảng viên kiêm chức" in text
        assert f"Tổ chức {shown(expected['study.sessions'])} buổi sinh hoạt" in text
        assert f"{share_shown(expected['study.attendance_share'])} lượt đảng viên có mặt" in text
        assert f"{shown(expected['grassroots.without_class'])} tổ chức cơ sở đảng chưa tổ chức lớp" in text
        filed = expected["commitments.filed"]
        assert f"{shown(filed[0])}/{shown(expected['commitments.expected'])} đảng viên đã xây dựng bản cam kết" \
            in text
        assert f"{shown(expected['commend'])} đảng viên dự đầy đủ" in text
        assert f"{shown(expected['remind'])} đảng viên vắng không lý do" in text
        for share_code in ("study.attendance_share", "results.admission_new_share"):
            value = expected[share_code][2]
            if value is not None:
                assert f"đạt {format_percent(value)}" in text, (code, year, share_code)
        # The tables by child unit hold the children's figures, in the DOCX as in the XLSX.
        for block in api["indicators"]:
            for table in block["tables"]:
                for row in table["rows"]:
                    assert row[0] in docx_cells, (code, year, table["code"], row[0])


def test_the_oracle_sees_the_years_events(oracle_world):
    """The world is what it claims: the merger, the transfer and the move change the figures."""
    dbk_2025, dbx_2025 = oracle(oracle_world, "DBK", 2025), oracle(oracle_world, "DBX", 2025)
    dbk_2026, dbx_2026 = oracle(oracle_world, "DBK", 2026), oracle(oracle_world, "DBX", 2026)
    # X1 counted in DBX at the end of 2025 (transferred in October), reminded there.
    assert dbx_2025["remind"] >= 1
    # L2's August class: held by DBX, its learner counted in DBK (his cell's last superior).
    assert dbx_2025["classes.held"] == 2 and dbk_2025["learners.total"] == 6
    # CS1's 2026 classes: the March one is DBK's, the September one DBX's.
    assert dbk_2026["classes.held"] == 1 and dbx_2026["classes.held"] == 2
    assert dbk_2025["classes.held"] == 2
    assert oracle(oracle_world, "TINH", 2026)["classes.held"] == 3


def test_figures_of_2025_are_the_same_after_later_transfers_and_a_reorganisation(oracle_world, tmp_path):
    u, p = oracle_world["units"], oracle_world["people"]
    before = {code: api_report(oracle_world, code, 2025) for code in UNITS}
    today = timezone.localdate()
    transfer_person(p["secretary"], to_organization=u["CB3"], transferred_on=today)
    transfer_person(p["t3"], to_organization=u["CB1"], transferred_on=today)
    tree.merge_organizations([u["CB4"]], into=u["CB3"], effective_on=today)
    tree.move_organization(u["CS3"], new_parent=u["DBX"], effective_on=today)
    after = {code: api_report(oracle_world, code, 2025) for code in UNITS}
    for code in UNITS:
        before[code].pop("computed_at"), after[code].pop("computed_at")
        assert after[code] == before[code], code
