"""A unit's report on its way up the tree (issue 9, point 6): the narrative saved as one
types with its history, submitted with its figures frozen in a run, returned with a
comment, submitted again, accepted; and the bad inputs: a Vietnamese message and nothing
written. The pages cost the same number of queries whatever the number of units."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.asof import Period
from portal.models import Notification
from reports.indicators import compute_report
from reports.models import NarrativeRevision, ReportKind, ReportRun, Submission, SubmissionEvent
from reports.services import calendar
from reports.services import submissions as services

YEAR = 2026  # the current year's report (due 22/02/2027): open now, not late
PERIOD = Period.year(YEAR)
Status = Submission.Status


@pytest.fixture
def reports(province):
    """The ct17 report of every unit of the fixture for YEAR, open."""
    kind = ReportKind.objects.get(code="ct17")
    opened = {code: calendar.open_submission(kind, unit, PERIOD) for code, unit in province["units"].items()}
    return {**province, "kind": kind, "submissions": opened}


def page(code: str) -> str:
    return f"/reports/units/{code}/ct17/{YEAR}/"


def fresh(submission: Submission) -> Submission:
    return Submission.objects.get(pk=submission.pk)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def snapshot() -> tuple:
    """Everything a refused action must leave as it was."""
    return (list(Submission.objects.order_by("pk").values()), NarrativeRevision.objects.count(),
            SubmissionEvent.objects.count(), ReportRun.objects.count(), Notification.objects.count())


# --- The narrative -------------------------------------------------------------------------------


def test_saving_as_one_types_keeps_one_revision_per_pause(reports):
    bithu = reports["users"]["bithu"]
    cb1 = reports["submissions"]["CB1"]
    services.save_narrative(cb1, user=bithu, section="strengths", text="Chi bộ")
    services.save_narrative(cb1, user=bithu, section="strengths", text="Chi bộ duy trì")
    assert fresh(cb1).status == Status.DRAFTING
    assert list(NarrativeRevision.objects.values_list("text", flat=True)) == ["Chi bộ duy trì"]
    # A pause longer than the coalescing window starts a new revision; so does another section.
    NarrativeRevision.objects.update(saved_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    services.save_narrative(cb1, user=bithu, section="strengths", text="Chi bộ duy trì sinh hoạt đều đặn")
    services.save_narrative(cb1, user=bithu, section="limits", text="Còn ít buổi chuyên đề")
    assert NarrativeRevision.objects.filter(section="strengths").count() == 2
    assert fresh(cb1).narrative == {"strengths": "Chi bộ duy trì sinh hoạt đều đặn", "limits": "Còn ít buổi chuyên đề"}
    # Saving the same text again writes nothing.
    before = snapshot()
    services.save_narrative(cb1, user=bithu, section="limits", text="Còn ít buổi chuyên đề")
    assert snapshot() == before


def test_the_page_saves_a_section_as_one_types_and_without_javascript(reports, client):
    client.force_login(reports["users"]["bithu"])
    cb1 = reports["submissions"]["CB1"]
    response = client.post(f"/reports/submissions/{cb1.pk}/narrative/",
                           {"section": "situation", "text_situation": "Đã quán triệt đến 100% đảng viên."},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Đã lưu lúc" in body and 'hx-swap-oob="true"' in body and "Đã quán triệt đến 100% đảng viên." in body
    assert fresh(cb1).narrative == {"situation": "Đã quán triệt đến 100% đảng viên."}
    # Without JavaScript the whole form is posted: every section, number and place.
    form = {f"text_{s['code']}": f"Nội dung {s['code']}" for s in reports["kind"].sections}
    response = client.post(f"/reports/submissions/{cb1.pk}/narrative/", {**form, "number": "05-BC/CB",
                                                                         "place": "Tân Hòa"}, follow=True)
    assert "Đã lưu nội dung báo cáo." in messages_of(response)
    saved = fresh(cb1)
    assert saved.narrative["plans"] == "Nội dung plans" and (saved.number, saved.place) == ("05-BC/CB", "Tân Hòa")
    page_body = client.get(page("CB1")).content.decode()
    assert "Nội dung plans" in page_body and "Lịch sử" in page_body


# --- The state machine, through the pages --------------------------------------------------------


def test_submit_return_resubmit_accept(reports, client):
    users, cb1 = reports["users"], reports["submissions"]["CB1"]
    bithu, tuyengiao = users["bithu"], users["tuyengiao"]
    client.force_login(bithu)
    client.post(f"/reports/submissions/{cb1.pk}/narrative/", {"text_strengths": "Sinh hoạt đều đặn."})
    response = client.post(f"/reports/submissions/{cb1.pk}/submit/", follow=True)
    assert response.redirect_chain[-1][0] == page("CB1")
    submitted = fresh(cb1)
    assert submitted.status == Status.SUBMITTED and not submitted.late and submitted.submitted_by == bithu
    # The run freezes the narrative as submitted, defaults included.
    assert submitted.run.narrative["strengths"] == "Sinh hoạt đều đặn."
    assert submitted.run.narrative["situation"].startswith("Cấp ủy đã quán triệt")
    assert "Đã nộp" in response.content.decode()

    # The superior (tuyengiao reaches CS1, CB1's superior) sees it on CS1's page and returns it.
    client.force_login(tuyengiao)
    body = client.get(page("CS1")).content.decode()
    assert 'data-unit="CB1"' in body and 'data-count="submitted">Đã nộp: 1' in body
    response = client.post(f"/reports/submissions/{cb1.pk}/return/", {"comment": "Bổ sung số liệu lớp học.",
                                                                      "next_url": page("CS1")}, follow=True)
    assert response.redirect_chain[-1][0] == page("CS1")
    returned = fresh(cb1)
    assert returned.status == Status.RETURNED and returned.return_comment == "Bổ sung số liệu lớp học."
    assert 'data-count="returned">Trả lại: 1' in response.content.decode()
    assert Notification.objects.filter(user=bithu, text__contains="Bổ sung số liệu lớp học.").exists()

    # bithu sees the comment, edits and submits again: a new run.
    client.force_login(bithu)
    assert "Bổ sung số liệu lớp học." in client.get(page("CB1")).content.decode()
    client.post(f"/reports/submissions/{cb1.pk}/narrative/", {"text_strengths": "Sinh hoạt đều đặn; mở 2 lớp."})
    client.post(f"/reports/submissions/{cb1.pk}/submit/")
    resubmitted = fresh(cb1)
    assert resubmitted.status == Status.SUBMITTED and resubmitted.run_id != submitted.run_id
    assert resubmitted.run.narrative["strengths"] == "Sinh hoạt đều đặn; mở 2 lớp."

    client.force_login(tuyengiao)
    client.post(f"/reports/submissions/{cb1.pk}/accept/")
    accepted = fresh(cb1)
    assert accepted.status == Status.ACCEPTED and accepted.decided_by == tuyengiao
    assert list(accepted.events.values_list("action", flat=True)) == ["submitted", "returned", "submitted",
                                                                     "accepted"]
    assert Notification.objects.filter(user=bithu, text__startswith="Cấp trên đã nhận").exists()
    assert 'data-count="accepted">Đã nhận: 1' in client.get(page("CS1")).content.decode()


def test_a_late_submission_is_marked_late(reports):
    cb1 = reports["submissions"]["CB1"]
    Submission.objects.filter(pk=cb1.pk).update(due_on=datetime.date(2026, 1, 1))
    services.submit(fresh(cb1), user=reports["users"]["bithu"])
    assert fresh(cb1).late


# --- Bad input: a Vietnamese message, nothing written ---------------------------------------------


def test_editing_a_submitted_report_is_refused(reports, client):
    bithu, cb1 = reports["users"]["bithu"], reports["submissions"]["CB1"]
    services.submit(cb1, user=bithu)
    before = snapshot()
    with pytest.raises(ValidationError, match="Báo cáo đã nộp, đang chờ cấp trên xem xét"):
        services.save_narrative(cb1, user=bithu, section="strengths", text="Sửa sau khi nộp")
    client.force_login(bithu)
    response = client.post(f"/reports/submissions/{cb1.pk}/narrative/", {"text_strengths": "Sửa sau khi nộp"},
                           follow=True)
    assert any("không sửa được" in message for message in messages_of(response))
    assert snapshot() == before


def test_submitting_after_acceptance_is_refused(reports, client):
    users, cb1 = reports["users"], reports["submissions"]["CB1"]
    services.submit(cb1, user=users["bithu"])
    services.accept(cb1, user=users["tuyengiao"])
    before = snapshot()
    with pytest.raises(ValidationError, match="đã được cấp trên nhận"):
        services.submit(cb1, user=users["bithu"])
    client.force_login(users["bithu"])
    response = client.post(f"/reports/submissions/{cb1.pk}/submit/", follow=True)
    assert messages_of(response) == ["Báo cáo đã được cấp trên nhận nên không sửa hoặc nộp lại được nữa."]
    with pytest.raises(ValidationError, match="Không thể nhận báo cáo"):
        services.accept(cb1, user=users["tuyengiao"])
    assert snapshot() == before


def test_a_unit_outside_reach_is_404(reports, client):
    users, cb2 = reports["users"], reports["submissions"]["CB2"]
    client.force_login(users["bithu"])
    before = snapshot()
    assert client.get(page("CB2")).status_code == 404
    assert client.get("/reports/units/KHONG-CO/ct17/2026/").status_code == 404
    for action in ("narrative", "submit", "accept", "return"):
        response = client.post(f"/reports/submissions/{cb2.pk}/{action}/", {"text_strengths": "x", "comment": "x"})
        assert response.status_code == 404, action
    assert client.post(f"{page('CB2')}run/").status_code == 404
    client.force_login(users["dangvien"])
    assert client.get(page("CB1")).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("url", ["/reports/units/CB1/ct17/2099/", "/reports/units/CB1/khong-co/2026/",
                                 "/reports/units/CB1/ct17/2020-2026/", "/reports/units/CB1/ct17/abc/"])
def test_a_report_that_cannot_be_is_404(reports, client, url):
    client.force_login(reports["users"]["bithu"])
    assert client.get(url).status_code == 404


def test_the_wrong_user_cannot_accept_or_return(reports, client):
    users, cb1 = reports["users"], reports["submissions"]["CB1"]
    services.submit(cb1, user=users["bithu"])
    before = snapshot()
    # bithu reports for CB1, not for its superior CS1.
    with pytest.raises(PermissionDenied, match="Chỉ cấp trên của “Chi bộ Văn phòng”"):
        services.accept(cb1, user=users["bithu"])
    client.force_login(users["bithu"])
    response = client.post(f"/reports/submissions/{cb1.pk}/accept/", follow=True)
    assert messages_of(response) == ["Chỉ cấp trên của “Chi bộ Văn phòng” mới được nhận hoặc trả lại báo cáo "
                                     "của đơn vị này."]
    # daotao reports over DBK and below: CS1 is within, so he may decide; but a return needs a comment.
    with pytest.raises(ValidationError, match="Ghi rõ ý kiến"):
        services.return_submission(cb1, user=users["daotao"], comment="  ")
    assert snapshot() == before
    # Nobody decides on a report he submitted himself.
    cs1 = reports["submissions"]["CS1"]
    services.submit(cs1, user=users["tuyengiao"])
    with pytest.raises(PermissionDenied, match="Người nộp báo cáo không được tự nhận"):
        services.accept(cs1, user=users["tuyengiao"])
    # The province has no superior in the portal: only an administrator decides on its report.
    services.submit(reports["submissions"]["TINH"], user=users["tuyengiao"])
    with pytest.raises(PermissionDenied, match="không có cấp trên"):
        services.accept(reports["submissions"]["TINH"], user=users["daotao"])


def test_a_section_the_kind_does_not_have_is_refused(reports):
    before = snapshot()
    with pytest.raises(ValidationError, match="không có phần"):
        services.save_narrative(reports["submissions"]["CB1"], user=reports["users"]["bithu"], section="khac",
                                text="x")
    with pytest.raises(PermissionDenied):
        services.save_narrative(reports["submissions"]["CB2"], user=reports["users"]["bithu"], section="limits",
                                text="x")
    assert snapshot() == before


# --- What the pages show ---------------------------------------------------------------------------


def test_changed_figures_since_submission_are_named(reports, client):
    users, cb1 = reports["users"], reports["submissions"]["CB1"]
    submitted = services.submit(cb1, user=users["bithu"])
    figures = compute_report(reports["kind"], reports["units"]["CB1"], PERIOD)
    unchanged = [block for block in figures["indicators"] if block["code"] == "commitments"][0]["figures"][0]
    ReportRun.objects.filter(pk=submitted.run_id).update(figures=figures)
    client.force_login(users["bithu"])
    body = client.get(page("CB1")).content.decode()
    assert "data-unchanged" in body and 'data-table="changed"' not in body and "data-submitted-figures" in body
    unchanged["value"] += 7  # as if the live data had moved since
    ReportRun.objects.filter(pk=submitted.run_id).update(figures=figures)
    body = client.get(page("CB1")).content.decode()
    changed = body[body.index('data-table="changed"'):].split("</table>")[0]
    assert re.findall(r'data-figure="([^"]+)"', changed) == [unchanged["code"]]
    assert "Số liệu đã thay đổi so với khi nộp" in body


def test_the_list_shows_own_and_subordinate_reports_with_filters(reports, client):
    users = reports["users"]
    Submission.objects.filter(pk=reports["submissions"]["DBX"].pk).update(late=True)
    client.force_login(users["tuyengiao"])
    body = client.get("/reports/submissions/").content.decode()
    assert body.count('data-unit="TINH"') == 1  # his own: the province
    assert 'data-unit="DBK"' in body and 'data-unit="DBX"' in body and 'data-unit="CB1"' not in body
    assert 'data-count="late">Nộp muộn: 1' in body
    late_only = client.get("/reports/submissions/?state=late").content.decode()
    assert 'data-unit="DBX"' in late_only and 'data-unit="DBK"' not in late_only
    assert 'data-unit="TINH"' not in client.get("/reports/submissions/?year=2025").content.decode()
    assert client.get("/reports/submissions/?year=abc&state=x&kind=y").status_code == 200
    client.force_login(users["bithu"])
    body = client.get("/reports/submissions/").content.decode()
    assert 'data-unit="CB1"' in body and 'data-unit="CB2"' not in body and 'data-table="below"' not in body


def test_the_home_card_shows_the_deadline_and_state(reports, client):
    client.force_login(reports["users"]["bithu"])
    body = client.get("/").content.decode()
    assert 'data-card="reports-card"' in body and "hạn 22/02/2027" in body and "Chưa làm" in body
    client.force_login(reports["users"]["dangvien"])
    assert 'data-card="reports-card"' not in client.get("/").content.decode()


# --- Queries ------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_pages_cost_the_same_for_few_and_many_units(reports, client, django_assert_max_num_queries):
    from tests.factories import make_unit

    users, kind = reports["users"], reports["kind"]
    client.force_login(users["tuyengiao"])
    services.submit(reports["submissions"]["CB1"], user=users["bithu"])
    urls = [page("CS1"), page("CB1"), "/reports/submissions/", "/"]
    few = {url: _queries(client, url) for url in urls}
    for n in range(12):
        unit = make_unit(f"Chi bộ thêm {n}", parent=reports["units"]["CS1"])
        submission = calendar.open_submission(kind, unit, PERIOD)
        if n % 3 == 0:
            services.submit(submission, user=users["tuyengiao"])
        unit = make_unit(f"Đảng bộ thêm {n}", parent=reports["units"]["TINH"], level_code="dang-bo-truc-thuoc")
        calendar.open_submission(kind, unit, PERIOD)
    for url in urls:
        with django_assert_max_num_queries(few[url]):
            assert client.get(url).status_code == 200


# --- The API -------------------------------------------------------------------------------------------


def test_the_api_writes_submits_returns_and_accepts(reports):
    from rest_framework.test import APIClient

    users, cb1 = reports["users"], reports["submissions"]["CB1"]
    bithu, tuyengiao = APIClient(), APIClient()
    bithu.force_authenticate(users["bithu"])
    tuyengiao.force_authenticate(users["tuyengiao"])
    url = f"/api/v1/report-submissions/{cb1.pk}/"
    response = bithu.patch(url, {"narrative": {"limits": "Còn ít lớp."}, "number": "07-BC/CB"}, format="json")
    assert response.status_code == 200
    assert response.json()["narrative"]["limits"] == "Còn ít lớp." and response.json()["status"] == "drafting"
    before = snapshot()
    response = bithu.patch(url, {"narrative": {"limits": "Sửa", "khac": "x"}}, format="json")
    assert response.status_code == 400 and "không có phần “khac”" in str(response.json())
    assert snapshot() == before  # all the sections or none
    assert bithu.post(f"{url}submit/").json()["status"] == "submitted"
    before = snapshot()
    response = tuyengiao.post(f"{url}return/", {"comment": ""}, format="json")
    assert response.status_code == 400
    assert bithu.post(f"{url}accept/").status_code == 403
    assert bithu.patch(url, {"narrative": {"limits": "Sửa sau khi nộp"}}, format="json").status_code == 400
    assert snapshot() == before
    returned = tuyengiao.post(f"{url}return/", {"comment": "Thiếu số liệu."}, format="json").json()
    assert returned["status"] == "returned" and returned["events"][-1]["comment"] == "Thiếu số liệu."
    bithu.post(f"{url}submit/")
    accepted = tuyengiao.post(f"{url}accept/").json()
    assert accepted["status"] == "accepted" and accepted["decided_by"] == "tuyengiao"
    assert accepted["page"].endswith(page("CB1"))
    listed = tuyengiao.get("/api/v1/report-submissions/?status=accepted").json()["results"]
    assert [row["unit"]["code"] for row in listed] == ["CB1"]
    assert tuyengiao.get("/api/v1/report-submissions/?status=x").status_code == 400


def test_the_api_list_costs_the_same_for_few_and_many(reports, django_assert_max_num_queries):
    from rest_framework.test import APIClient

    from tests.factories import make_unit

    client = APIClient()
    client.force_authenticate(reports["users"]["tuyengiao"])
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/report-submissions/").status_code == 200
    for n in range(15):
        unit = make_unit(f"Chi bộ thêm {n}", parent=reports["units"]["CS1"])
        submission = calendar.open_submission(reports["kind"], unit, PERIOD)
        if n % 2:
            services.submit(submission, user=reports["users"]["tuyengiao"])
    with django_assert_max_num_queries(len(few)):
        assert len(client.get("/api/v1/report-submissions/").json()["results"]) > 7


def test_a_report_of_several_years_is_opened_from_its_page(reports, client):
    """The calendar opens yearly reports; a sơ kết of three years is opened by who reports."""
    client.force_login(reports["users"]["bithu"])
    url = f"/reports/units/CB1/kl01/{YEAR - 2}-{YEAR}/"
    body = client.get(url).content.decode()
    assert "Báo cáo kỳ này của đơn vị chưa được mở." in body and "Kỳ báo cáo 2024–2026" in body
    response = client.post(f"{url}open/")
    assert response.status_code == 302 and response["Location"] == url
    opened = Submission.objects.get(kind__code="kl01")
    assert (opened.period_start, opened.period_end, opened.due_on) == (
        datetime.date(YEAR - 2, 1, 1), datetime.date(YEAR, 12, 31), datetime.date(YEAR + 1, 2, 22))
    assert client.post(f"{url}open/").status_code == 302 and Submission.objects.filter(kind__code="kl01").count() == 1
    client.force_login(reports["users"]["daotao"])  # sees DBK's subtree, not DBX's
    assert client.post(f"/reports/units/CB3/kl01/{YEAR - 2}-{YEAR}/open/").status_code == 404
