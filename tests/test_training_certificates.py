"""Certificates: numbers without gap or duplicate under 20 concurrent issuing runs on
PostgreSQL; the issuing job (progress to 100, twice issues nothing twice, a killed run
picked up); the PDF (name, number, verification URL, QR); revocation keeps the number;
the pages and the API."""

import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from pypdf import PdfReader

from portal.jobs.models import Job
from portal.jobs.services import run_job
from tests.factories import PersonFactory, api_token
from training.models import Certificate, CertificateRegister, ClassType, Enrollment, TrainingClass
from training.services import certificates as services
from training.services.enrollment import SheetError, nominate

STARTS = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.PORTAL_BASE_URL = "https://cong.example.vn"


def make_class(organizer, *, learners=3, passed=None, type_code="dang-vien-moi", name="Lớp đảng viên mới khóa 1",
               starts_on=STARTS, learner_unit=None) -> TrainingClass:
    """A class of `learners` people of `learner_unit`, the first `passed` (default all) passed."""
    training_class = TrainingClass.objects.create(
        class_type=ClassType.objects.get(code=type_code), organizer=organizer, name=name, starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=4), capacity=max(learners, 1), place="Hội trường")
    passed = learners if passed is None else passed
    unit = learner_unit or organizer
    people = [PersonFactory(organization=unit, full_name=f"Học Viên Số{i:03d}") for i in range(learners)]
    Enrollment.objects.bulk_create([
        Enrollment(training_class=training_class, person=person, learner_organization=unit,
                   score=Decimal("8.50") if i < passed else Decimal("3.00"),
                   result=Enrollment.Result.PASSED if i < passed else Enrollment.Result.FAILED)
        for i, person in enumerate(people)])
    return training_class


def numbers(organizer, year) -> list[int]:
    return sorted(Certificate.objects.filter(organizer=organizer, year=year).values_list("number", flat=True))


# --- Numbers under concurrency ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issuers_leave_no_gap_and_no_duplicate(province):
    """20 threads at once, each its own PostgreSQL connection: 16 on different classes of
    one organizer, 4 more on classes already being issued (the same class twice)."""
    organizer = province["units"]["CS1"]
    classes = [make_class(organizer, learners=7, passed=6, name=f"Lớp {i}") for i in range(16)]
    targets = classes + classes[:4]
    barrier = threading.Barrier(len(targets))
    errors = []

    def issue(training_class):
        try:
            barrier.wait()
            # Small batches so the runs interleave on the register many times.
            for pk in list(services.to_issue(training_class).values_list("pk", flat=True)):
                services.issue_batch(training_class, [pk])
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(c,)) for c in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    year = datetime.date.today().year
    assert numbers(organizer, year) == list(range(1, 16 * 6 + 1))  # gapless, unique
    assert CertificateRegister.objects.get(organizer=organizer, year=year).last_number == 16 * 6
    # One certificate per passed learner, none for the failed ones.
    assert Certificate.objects.count() == 16 * 6
    assert not Certificate.objects.exclude(enrollment__result=Enrollment.Result.PASSED).exists()


@pytest.mark.django_db(transaction=True)
def test_registers_are_per_organizer_and_year(province):
    cs1, dbx = province["units"]["CS1"], province["units"]["DBX"]
    a, b = make_class(cs1, learners=2), make_class(dbx, learners=3)
    services.issue_batch(a, list(a.enrollments.values_list("pk", flat=True)), on=datetime.date(2025, 12, 30))
    services.issue_batch(b, list(b.enrollments.values_list("pk", flat=True)), on=datetime.date(2026, 1, 2))
    c = make_class(cs1, learners=2, name="Lớp sau")
    services.issue_batch(c, list(c.enrollments.values_list("pk", flat=True)), on=datetime.date(2026, 1, 3))
    assert numbers(cs1, 2025) == [1, 2] and numbers(cs1, 2026) == [1, 2] and numbers(dbx, 2026) == [1, 2, 3]
    assert {str(cert) for cert in Certificate.objects.filter(organizer=cs1, year=2026)} == {"0001/2026", "0002/2026"}


# --- The job ----------------------------------------------------------------------------------


def pdf_text(certificate: Certificate) -> str:
    with certificate.pdf.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


@pytest.mark.django_db(transaction=True)
def test_the_issuing_job_issues_prints_and_is_safe_to_run_twice(province):
    organizer = province["units"]["CS1"]
    training_class = make_class(organizer, learners=60, passed=55)
    daotao = province["users"]["daotao"]
    job = services.start_issuing(by=daotao, training_class=training_class)
    assert job.organization == organizer
    run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress) == (Job.Status.SUCCEEDED, 100), job.error
    certificates = list(Certificate.objects.filter(enrollment__training_class=training_class).order_by("number"))
    assert [c.number for c in certificates] == list(range(1, 56))
    assert all(c.pdf for c in certificates) and all(c.issued_by == daotao for c in certificates)

    # The PDF: the learner's name, the number, the absolute verification URL, in the Party layout.
    first = certificates[0]
    text = pdf_text(first)
    url = f"https://cong.example.vn/certificates/verify/{first.verification_code}/"
    for expected in ["GIẤY CHỨNG NHẬN", "ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ SỞ GIÁO DỤC", first.enrollment.person.full_name,
                     "Số 0001/" + str(first.year), "Sinh ngày: 17/05/1985", "Đơn vị: Đảng bộ Sở Giáo dục",
                     "Kết quả: Đạt (điểm 8,50)", url]:
        assert expected in text, (expected, text)

    # Issued, the roll is closed: a nomination is refused, nothing written.
    training_class.refresh_from_db()
    assert training_class.results_closed_at is not None
    newcomer = PersonFactory(full_name="Đỗ Văn Muộn", organization=organizer)
    with pytest.raises(SheetError, match="chốt kết quả"):
        nominate(training_class=training_class, by=daotao, people=[newcomer])
    assert not Enrollment.objects.filter(person=newcomer).exists()

    # Again: nothing new, the same numbers; a new passed learner gets the next one.
    again = services.start_issuing(by=daotao, training_class=training_class)
    run_job(again.pk)
    assert Certificate.objects.count() == 55
    late = Enrollment.objects.filter(training_class=training_class, result=Enrollment.Result.FAILED).first()
    Enrollment.objects.filter(pk=late.pk).update(result=Enrollment.Result.PASSED, score=Decimal("5"))
    third = services.start_issuing(by=daotao, training_class=training_class)
    run_job(third.pk)
    assert numbers(organizer, first.year) == list(range(1, 57))
    assert Certificate.objects.get(enrollment=late).number == 56


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_midway_is_picked_up_without_gap(province):
    """A run that stopped after its first batch (numbers committed, PDFs partly made)."""
    organizer = province["units"]["CS1"]
    training_class = make_class(organizer, learners=services.BATCH + 20)
    pending = list(services.to_issue(training_class).order_by("pk").values_list("pk", flat=True))
    first = services.issue_batch(training_class, pending[:services.BATCH])
    services.attach_pdf(first[0])  # one PDF made before the kill
    assert services.without_pdf(training_class).count() == services.BATCH - 1
    issued = services.issue_for_class(training_class)
    assert issued == 20
    assert numbers(organizer, datetime.date.today().year) == list(range(1, services.BATCH + 21))
    assert not services.without_pdf(training_class).exists()


@pytest.mark.django_db
def test_issuing_is_refused_with_the_rule_named(province, client):
    organizer = province["units"]["CS1"]
    no_certificate = make_class(organizer, type_code="chuyen-de", name="Học tập chuyên đề")
    nobody_passed = make_class(organizer, learners=2, passed=0, name="Chưa ai đạt")
    client.force_login(province["users"]["daotao"])
    for training_class, words in [(no_certificate, "không cấp giấy chứng nhận"), (nobody_passed, "chưa có học viên nào")]:
        response = client.post(f"/training/classes/{training_class.pk}/certificates/issue/", follow=True)
        assert words in response.content.decode()
        assert not Job.objects.exists() and not Certificate.objects.exists()
    # bithu sees CB1's learners but does not run CS1's classes; dangvien neither.
    training_class = make_class(organizer, learners=1, name="Lớp được cấp")
    for role in ["bithu", "dangvien", "tuyengiao"]:
        client.force_login(province["users"][role])
        status = client.post(f"/training/classes/{training_class.pk}/certificates/issue/").status_code
        assert status in {403, 404}, (role, status)
    assert not Job.objects.exists()


# --- Revocation --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_revocation_needs_a_reason_and_keeps_the_number(province, client):
    organizer = province["units"]["CS1"]
    training_class = make_class(organizer, learners=2)
    services.issue_for_class(training_class, pdfs=False)
    certificate = Certificate.objects.order_by("number").first()
    client.force_login(province["users"]["daotao"])
    response = client.post(f"/training/certificates/{certificate.pk}/revoke/", {"reason": "   "})
    assert response.status_code == 400 and "Phải ghi lý do thu hồi" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_on is None
    with pytest.raises(ValidationError) as refused:  # the service refuses it too, whoever calls it
        services.revoke(certificate, by=None, reason=" \t")
    assert refused.value.message_dict == {"reason": ["Phải ghi lý do thu hồi giấy chứng nhận."]}
    response = client.post(f"/training/certificates/{certificate.pk}/revoke/", {"reason": "Khai man hồ sơ"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_on == datetime.date.today() and certificate.number == 1
    assert certificate.revoked_reason == "Khai man hồ sơ"
    # Shown as revoked on the list and the detail; revoking twice is refused.
    listing = client.get("/training/certificates/?revoked=1").content.decode()
    assert "0001/" in listing and "Đã thu hồi" in listing and "0002/" not in listing
    assert "0002/" in client.get("/training/certificates/?revoked=0").content.decode()
    with pytest.raises(Exception, match="đã bị thu hồi"):
        services.revoke(certificate, by=None, reason="Lần nữa")
    # Issuing again does not replace a revoked certificate.
    services.issue_for_class(training_class, pdfs=False)
    assert Certificate.objects.count() == 2


# --- Pages and API -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_filters_and_a_constant_number_of_queries(province, client, django_assert_max_num_queries):
    cs1, dbx = province["units"]["CS1"], province["units"]["DBX"]
    a = make_class(cs1, learners=3, learner_unit=province["units"]["CB2"])
    b = make_class(dbx, learners=40, name="Lớp xã")
    for training_class in (a, b):
        services.issue_for_class(training_class, pdfs=False)
    client.force_login(province["users"]["admin"])
    with django_assert_max_num_queries(12):
        body = client.get("/training/certificates/").content.decode()
    assert "40 giấy chứng nhận" not in body and "43 giấy chứng nhận" in body
    assert "3 giấy chứng nhận" in client.get("/training/certificates/?org=CS1").content.decode()
    assert "3 giấy chứng nhận" in client.get("/training/certificates/?org=CB2").content.decode()
    assert "40 giấy chứng nhận" in client.get(f"/training/certificates/?class={b.pk}").content.decode()
    assert "Không có giấy chứng nhận nào" in client.get("/training/certificates/?year=2001").content.decode()
    for bad in ["?year=abc", "?class=x1", "?org=KHONG", "?revoked=7", "?page=999"]:
        assert client.get("/training/certificates/" + bad).status_code == 200
    # A class outside the reach filters to nothing and does not give its name away.
    client.force_login(province["users"]["daotao"])
    body = client.get(f"/training/certificates/?class={b.pk}").content.decode()
    assert "Lớp xã" not in body and "Không có giấy chứng nhận nào" in body


@pytest.mark.django_db
def test_class_page_block_shows_the_issuance_state(province, client):
    training_class = make_class(province["units"]["CS1"], learners=4, passed=3)
    client.force_login(province["users"]["daotao"])
    body = client.get(f"/training/classes/{training_class.pk}/").content.decode()
    assert "Đã cấp 0/3 học viên đạt" in body and "Cấp giấy chứng nhận" in body
    services.issue_for_class(training_class, pdfs=False)
    body = client.get(f"/training/classes/{training_class.pk}/").content.decode()
    assert "Đã cấp 3/3 học viên đạt" in body and "3 chưa có tệp PDF" in body


@pytest.mark.django_db
def test_api_lists_revokes_and_starts_issuing(province, client):
    training_class = make_class(province["units"]["CS1"], learners=2)
    token = api_token(province["users"]["daotao"])
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    response = client.post(f"/api/v1/training-classes/{training_class.pk}/certificates/", **headers)
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    run_job(job_id)
    rows = client.get("/api/v1/certificates/", **headers).json()["results"]
    assert sorted(row["number"] for row in rows) == [1, 2]
    detail = client.get(f"/api/v1/certificates/{rows[0]['id']}/", **headers).json()
    assert detail["verification_url"].startswith("https://cong.example.vn/certificates/verify/")
    assert detail["download_url"].startswith("http://testserver/files/")
    pdf = client.get(detail["download_url"], **headers)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    bad = client.post(f"/api/v1/certificates/{rows[0]['id']}/revoke/", {"reason": ""},
                      content_type="application/json", **headers)
    assert bad.status_code == 400 and "reason" in bad.json()
    ok = client.post(f"/api/v1/certificates/{rows[0]['id']}/revoke/", {"reason": "Cấp nhầm người"},
                     content_type="application/json", **headers)
    assert ok.status_code == 200 and ok.json()["revoked_on"] == datetime.date.today().isoformat()
    assert ok.json()["valid"] is False and ok.json()["number"] == detail["number"]
    filtered = client.get("/api/v1/certificates/?revoked=1", **headers).json()["results"]
    assert [row["id"] for row in filtered] == [rows[0]["id"]]
