"""Results of a class: with a test the pass mark of the rule in force sets the result,
without one the staff give it; the Vietnamese decimal comma; refusals (a score off the
scale, a result for someone not in the class, results on an external programme), all or
nothing; row history names the user; constant queries for 10 and 200 learners; the API."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from tests.test_training_classes import as_user, enrol_bulk, make_class
from training.models import ClassType, Enrollment, TrainingClass
from training.services import enrollment as services

TODAY = timezone.localdate


def results_post(rows, scores=None, results=None):
    data = {"enrollment": [str(e.pk) for e in rows]}
    for i, e in enumerate(rows):
        data[f"score-{e.pk}"] = (scores or {}).get(i, "")
        data[f"result-{e.pk}"] = (results or {}).get(i, "")
    return data


@pytest.fixture
def tested_class(province):
    training_class = make_class(province["units"]["DBK"], starts_on=TODAY() - datetime.timedelta(days=20))
    enrol_bulk(training_class, province["units"]["CB1"], 3, "Kết Quả")
    return training_class


def rows_of(training_class):
    return list(Enrollment.objects.filter(training_class=training_class).order_by("pk"))


def test_pass_mark_sets_the_result(client, province, tested_class):
    rows = rows_of(tested_class)
    client = as_user(client, province, "daotao")
    page = client.get(f"/training/classes/{tested_class.pk}/results/").content.decode()
    assert 'data-pass-mark="5.00"' in page and 'inputmode="decimal"' in page
    response = client.post(f"/training/classes/{tested_class.pk}/results/",
                           results_post(rows, {0: "7,5", 1: "4.99", 2: ""}, {1: "dat"}))
    assert response.status_code == 302
    saved = {e.pk: (e.score, e.result) for e in rows_of(tested_class)}
    assert saved == {rows[0].pk: (Decimal("7.50"), "dat"), rows[1].pk: (Decimal("4.99"), "khong_dat"),
                     rows[2].pk: (None, "")}
    assert {e.result_recorded_by_id for e in rows_of(tested_class)[:2]} == {province["users"]["daotao"].pk}
    page = client.get(f"/training/classes/{tested_class.pk}/results/").content.decode()
    assert 'value="7,5"' in page


def test_without_a_test_staff_pick_the_result(client, province):
    training_class = make_class(province["units"]["DBK"], type_code="chuyen-de")
    enrol_bulk(training_class, province["units"]["CB1"], 2, "Chuyên Đề")
    rows = rows_of(training_class)
    client = as_user(client, province, "daotao")
    assert 'name="score-' not in client.get(f"/training/classes/{training_class.pk}/results/").content.decode()
    response = client.post(f"/training/classes/{training_class.pk}/results/",
                           results_post(rows, results={0: "dat", 1: "khong_dat"}))
    assert response.status_code == 302
    assert [e.result for e in rows_of(training_class)] == ["dat", "khong_dat"]
    refused = client.post(f"/training/classes/{training_class.pk}/results/", results_post(rows, {0: "8"}))
    assert "Lớp không có kiểm tra cuối khóa nên không ghi điểm" in refused.content.decode()


@pytest.mark.parametrize("score", ["10,5", "-1", "abc", "7,555", "NaN", "1e1"])
def test_score_off_the_scale_refused_nothing_written(client, province, tested_class, score):
    rows = rows_of(tested_class)
    response = as_user(client, province, "daotao").post(f"/training/classes/{tested_class.pk}/results/",
                                                         results_post(rows, {0: "8", 1: score}))
    assert response.status_code == 400
    assert "điểm là số từ 0 đến 10" in response.content.decode()
    assert not Enrollment.objects.exclude(result="").exists()


def test_result_for_someone_not_enrolled_refused(province, tested_class):
    other = make_class(province["units"]["DBK"])
    enrol_bulk(other, province["units"]["CB2"], 1, "Lớp Khác")
    stranger = Enrollment.objects.get(training_class=other)
    lines = [services.ResultLine(e.pk, "8") for e in rows_of(tested_class)] + [services.ResultLine(stranger.pk, "9")]
    with pytest.raises(services.SheetError) as refused:
        services.record_results(training_class=tested_class, by=province["users"]["daotao"], lines=lines)
    assert "Không có trong danh sách lớp nên không ghi kết quả được" in refused.value.messages[0]
    assert not Enrollment.objects.exclude(result="").exists()


def test_results_on_an_external_programme_refused(province, tested_class):
    TrainingClass.objects.filter(pk=tested_class.pk).update(class_type=ClassType.objects.get(code="trung-cap-llct"))
    tested_class.refresh_from_db()
    with pytest.raises(services.SheetError) as refused:
        services.record_results(training_class=tested_class, by=province["users"]["daotao"],
                                lines=[services.ResultLine(e.pk, "8") for e in rows_of(tested_class)])
    assert "do cơ sở đào tạo bên ngoài giảng dạy" in refused.value.messages[0]


def test_result_history_names_the_user(client, province, tested_class):
    rows = rows_of(tested_class)
    as_user(client, province, "daotao").post(f"/training/classes/{tested_class.pk}/results/",
                                             results_post(rows, {0: "9", 1: "9", 2: "9"}))
    with connection.cursor() as cursor:
        cursor.execute("SELECT actor_id, count(*) FROM portal_rowhistory WHERE table_name = 'training_enrollment' "
                       "AND action = 'U' GROUP BY actor_id")
        assert cursor.fetchall() == [(province["users"]["daotao"].pk, 3)]


def test_only_the_organizers_staff_enter_results(client, province, tested_class):
    client = as_user(client, province, "bithu")
    assert client.get(f"/training/classes/{tested_class.pk}/results/").status_code == 403
    assert client.post(f"/training/classes/{tested_class.pk}/results/",
                       results_post(rows_of(tested_class), {0: "9"})).status_code == 403
    assert not Enrollment.objects.exclude(result="").exists()


@pytest.mark.parametrize("learners", [10, 200])
def test_results_page_queries_constant(client, province, learners, django_assert_max_num_queries):
    training_class = make_class(province["units"]["DBK"], capacity=500)
    enrol_bulk(training_class, province["units"]["CB1"], learners, "Đếm Kết Quả")
    rows = rows_of(training_class)
    client = as_user(client, province, "daotao")
    url = f"/training/classes/{training_class.pk}/results/"
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(18):
        assert client.post(url, results_post(rows, {i: "6" for i in range(learners)})).status_code == 302
    assert Enrollment.objects.filter(result="dat").count() == learners


# --- API -------------------------------------------------------------------------------------


def test_api_results_and_patch(client, province, tested_class):
    rows = rows_of(tested_class)
    client = as_user(client, province, "daotao")
    url = f"/api/v1/training-classes/{tested_class.pk}/results/"
    response = client.post(url, {"rows": [{"enrollment": rows[0].pk, "score": "7,5"},
                                          {"enrollment": rows[1].pk, "score": 3}]}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"passed": 1, "failed": 1, "blank": 0, "total": 2}
    other = make_class(province["units"]["DBK"])
    enrol_bulk(other, province["units"]["CB2"], 1, "Người Ngoài")
    stranger = Enrollment.objects.get(training_class=other)
    response = client.post(url, {"rows": [{"enrollment": stranger.pk, "score": "9"}]},
                           content_type="application/json")
    assert response.status_code == 400
    assert "Không có trong danh sách lớp" in response.json()["non_field_errors"][0]
    response = client.patch(f"/api/v1/enrollments/{rows[2].pk}/", {"score": "11"}, content_type="application/json")
    assert response.status_code == 400 and "điểm là số từ 0 đến 10" in response.json()["non_field_errors"][0]
    response = client.patch(f"/api/v1/enrollments/{rows[2].pk}/", {"score": "5"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["result"] == "dat"
    assert response.json()["score"] == "5.00"
