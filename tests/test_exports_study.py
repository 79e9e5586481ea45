"""The study area's list exports: the sessions list with its attendance figures, one
session's attendance sheet, a unit's commitments of a year, and a campaign's follow-up as
CSV beside its XLSX and PDF; each holds what its page shows for the same filters."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.jobs.models import Job
from portal.jobs.services import run_job
from resolutions.models import Attendance, Commitment, RatingLevel, StudySession
from resolutions.services import sessions as session_services
from tests.test_campaign_export import page_figures
from tests.test_campaigns import tree  # noqa: F401 - the campaign world of the follow-up tests
from tests.test_exports import imported_again, read_csv, read_xlsx
from tests.test_sessions import as_user, make_session

Status = Attendance.Status
TODAY = timezone.localdate()


@pytest.fixture
def sessions(province):
    """Sessions in CB1 (two years), CB2 and CB3, CB1's last one with its attendance recorded."""
    cb1, cb2, cb3 = (province["units"][code] for code in ("CB1", "CB2", "CB3"))
    last_year = datetime.date(TODAY.year - 1, 6, 12)
    made = {
        "cb1": make_session(cb1, TODAY, starts_at=datetime.time(14, 0), presenter="Nguyễn Văn Bí"),
        "cb1-old": make_session(cb1, last_year, kind=StudySession.Kind.THEMATIC, format=StudySession.Format.ONLINE,
                                place="", bridge_points=25),
        "cb2": make_session(cb2, TODAY - datetime.timedelta(days=3)),
        "cb3": make_session(cb3, last_year),
    }
    member, other = province["member"], province["others"]["cb1"]
    session_services.record_attendance(session=made["cb1"], by=province["users"]["admin"], marks=[
        session_services.Mark(province["secretary"].pk, Status.PRESENT),
        session_services.Mark(member.pk, Status.EXCUSED, "Đi công tác"),
        session_services.Mark(other.pk, Status.ABSENT)])
    return made


@pytest.mark.parametrize("query", [{}, {"unit": "CS1"}, {"year": str(TODAY.year - 1)}, {"unit": "CB1", "year": "x"}])
def test_sessions_export_holds_the_page_list(client, province, sessions, query):
    client = as_user(client, province, "tuyengiao")
    page = client.get(reverse("session_list"), query)
    shown = list(page.context["page"].object_list)
    assert 'href="/study/sessions/export.xlsx' in page.content.decode()
    for ext in ("xlsx", "csv"):
        response = client.get(reverse("session_list_export", kwargs={"ext": ext}), query)
        header, rows = (read_xlsx(response)[:2] if ext == "xlsx" else read_csv(response))
        assert len(rows) == len(shown)
        for session, row in zip(shown, rows, strict=True):
            cells = dict(zip(header, row, strict=True))
            held_on = cells["Ngày"].date() if ext == "xlsx" else cells["Ngày"]
            assert held_on == (session.held_on if ext == "xlsx" else f"{session.held_on:%d/%m/%Y}")
            assert cells["Đơn vị"] == session.organization.name
            assert cells["Loại buổi"] == session.get_kind_display()
            assert cells["Hình thức"] == session.get_format_display()
            figures = [cells[t] for t in ("Có mặt", "Vắng có lý do", "Vắng không lý do", "Đã ghi điểm danh")]
            expected = [session.n_present, session.n_excused, session.n_absent, session.n_rows]
            assert figures == (expected if ext == "xlsx" else [str(n) for n in expected])


def test_sessions_export_values(client, province, sessions):
    client = as_user(client, province, "bithu")
    header, rows, sheet = read_xlsx(client.get(reverse("session_list_export", kwargs={"ext": "xlsx"})))
    by_day = {row[0].date(): dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_day) == {TODAY, datetime.date(TODAY.year - 1, 6, 12)}  # CB1's only
    today = by_day[TODAY]
    assert today["Giờ bắt đầu"] == "14:00" and today["Người trình bày"] == "Nguyễn Văn Bí"
    assert (today["Có mặt"], today["Vắng có lý do"], today["Vắng không lý do"]) == (1, 1, 1)
    old = by_day[datetime.date(TODAY.year - 1, 6, 12)]
    assert old["Số điểm cầu"] == 25 and old["Hình thức"] == "Trực tuyến" and old["Có mặt"] == 0
    assert sheet.cell(row=2, column=header.index("Có mặt") + 1).number_format == "#,##0"
    response = client.get(reverse("session_list_export", kwargs={"ext": "csv"}), {"unit": "CB1",
                                                                                    "year": TODAY.year})
    assert f"buoi-sinh-hoat-CB1-{TODAY.year}-{TODAY:%Y-%m-%d}.csv" in response["Content-Disposition"]


def test_sessions_export_queries_do_not_grow(client, province):
    client = as_user(client, province, "tuyengiao")
    counts = []
    for n in (5, 200):
        StudySession.objects.bulk_create([StudySession(organization=province["units"]["CB3"], held_on=TODAY,
                                                       place=f"Nơi {i}") for i in range(n - len(counts) * 5)])
        with CaptureQueriesContext(connection) as captured:
            rows = read_csv(client.get(reverse("session_list_export", kwargs={"ext": "csv"})))[1]
        assert len(rows) == n
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_attendance_sheet_export(client, province, sessions):
    session = sessions["cb1"]
    client = as_user(client, province, "bithu")
    page = client.get(reverse("session_attendance", args=[session.pk]))
    assert f'href="/study/sessions/{session.pk}/attendance.csv"' in page.content.decode()
    shown = {row.full_name: row for row in page.context["rows"]}
    header, rows, _sheet = read_xlsx(client.get(reverse("session_attendance_export", args=[session.pk, "xlsx"])))
    assert header[:5] == ["Họ và tên", "Ngày sinh", "Số thẻ đảng viên", "Tình trạng", "Lý do"]
    assert [row[0] for row in rows] == list(shown)
    in_file = {row[0]: row for row in rows}
    member = province["member"]
    assert in_file[member.full_name][1:6] == [
        datetime.datetime.combine(member.birth_date, datetime.time()), member.party_card_number, "Vắng có lý do",
        "Đi công tác", "Bí thư ghi"]
    assert in_file["Lê Văn Cùng"][3] == "Vắng không lý do"
    _header, rows = read_csv(client.get(reverse("session_attendance_export", args=[session.pk, "csv"])))
    assert {row[0]: row[3] for row in rows} == {
        name: Attendance.Status(row.status).label for name, row in shown.items()}


def test_attendance_export_is_the_managers(client, province, sessions):
    session = sessions["cb1"]
    url = reverse("session_attendance_export", args=[session.pk, "csv"])
    assert as_user(client, province, "dangvien").get(url).status_code == 403  # sees the session, not the sheet
    assert as_user(client, province, "tuyengiao").get(url).status_code == 403
    assert as_user(client, province, "bithu").get(
        reverse("session_attendance_export", args=[sessions["cb3"].pk, "csv"])).status_code == 404


@pytest.fixture
def commitments(province):
    year = TODAY.year
    level = RatingLevel.objects.in_force().order_by("sort_order").first()
    secretary, member = province["secretary"], province["member"]
    Commitment.objects.create(person=secretary, year=year, status=Commitment.Status.ACCEPTED,
                              submitted_at=timezone.now(), rating=level, self_rating=level)
    Commitment.objects.create(person=member, year=year, status=Commitment.Status.SUBMITTED,
                              submitted_at=timezone.now())
    Commitment.objects.create(person=member, year=year - 1, status=Commitment.Status.RETURNED)
    return level


def test_commitments_export_holds_the_unit_page(client, province, commitments):
    client = as_user(client, province, "bithu")
    for year in (TODAY.year, TODAY.year - 1):
        page = client.get(reverse("commitment_unit", args=["CB1"]), {"year": year})
        shown = page.context["roster"].rows
        assert f'href="/study/commitments/units/CB1/export.xlsx?year={year}"' in page.content.decode()
        header, rows, _sheet = read_xlsx(client.get(reverse("commitment_unit_export", args=["CB1", "xlsx"]),
                                                     {"year": year}))
        assert header == ["Họ và tên", "Tình trạng đảng viên", "Bản cam kết", "Ngày nộp", "Tự xếp loại",
                          "Xếp loại của chi bộ"]
        assert [row[0] for row in rows] == [person.full_name for person in shown]
        states = {row[0]: row[2] for row in rows}
        for person in shown:
            assert states[person.full_name] == (person.commitment.get_status_display() if person.commitment
                                                else "Chưa lập")
    _header, rows = read_csv(client.get(reverse("commitment_unit_export", args=["CB1", "csv"])))
    by_name = {row[0]: row for row in rows}
    assert by_name["Nguyễn Văn Bí"][2:] == ["Đã duyệt", f"{TODAY:%d/%m/%Y}", commitments.name, commitments.name]
    assert by_name["Trần Thị Đảng"][2:] == ["Đã nộp", f"{TODAY:%d/%m/%Y}", "", ""]
    assert by_name["Lê Văn Cùng"][2:] == ["Chưa lập", "", "", ""]


@pytest.mark.parametrize("role", ["admin", "tuyengiao", "daotao", "bithu", "dangvien"])
def test_commitments_export_follows_the_unit_page(client, province, role):
    client = as_user(client, province, role)
    for code in ("CB1", "CB3"):
        page = client.get(reverse("commitment_unit", args=[code])).status_code
        assert client.get(reverse("commitment_unit_export", args=[code, "csv"])).status_code == page
        assert page in (200, 404)


def test_campaign_follow_up_as_csv(client, tree, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    campaign = tree["campaign"]
    client.force_login(tree["users"]["tuyengiao"])
    page = client.get(f"/study/campaigns/{campaign.pk}/").content.decode()
    assert 'name="format" value="csv"' in page
    on_page = page_figures(client, campaign)
    response = client.post(f"/study/campaigns/{campaign.pk}/export/", {"format": "csv", "unit": "TINH"})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    (file,) = job.files.all()
    assert file.name.endswith(".csv") and file.content_type == "text/csv; charset=utf-8"
    header, rows = read_csv(client.get(reverse("file_download", args=["job-file", file.pk])))
    assert header == ["Đơn vị", "Phải học", "Đã học", "Tỷ lệ", "Số buổi", "Tình trạng"]
    in_file = {row[0]: row for row in rows}
    assert set(in_file) == set(on_page)
    for name, (attended, expected, percent) in on_page.items():
        _name, shown_expected, shown_attended, share, _sessions, _state = in_file[name]
        assert (int(shown_expected), int(shown_attended)) == (expected, attended), name
        assert round(100 * float(share or 0)) == percent, name
    assert in_file["Chi bộ ấp Tân Lập"][5] == "Quá hạn, chưa tổ chức"


def test_campaign_export_refuses_another_format(client, tree):  # noqa: F811
    client.force_login(tree["users"]["tuyengiao"])
    response = client.post(f"/api/v1/study-campaigns/{tree['campaign'].pk}/export/", {"format": "docx"},
                           content_type="application/json")
    assert response.status_code == 400 and not Job.objects.exists()


def test_an_exported_attendance_sheet_imports_again_unchanged(client, province, sessions, tmp_path):
    session = sessions["cb1"]
    client = as_user(client, province, "bithu")
    response = client.get(reverse("session_attendance_export", args=[session.pk, "xlsx"]))
    plan = imported_again(response, tmp_path, user=province["users"]["bithu"], format_code="attendance",
                          target_id=str(session.pk))
    assert plan.total == plan.unchanged == 3 and not plan.created and not plan.changed
