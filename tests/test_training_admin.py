"""The admin of training: class types are the superuser's catalogue, edited with their
dated rules inline (eligibility, lessons, test, certificate, pass mark); everything else
is listed within the reach and read-only (written only by the services)."""

import datetime

import pytest

from training.models import ClassType, ClassTypeRule, TrainingPlan

pytestmark = pytest.mark.django_db


def test_class_type_with_its_rules_inline(client, province):
    admin = province["users"]["admin"]
    client.force_login(admin)
    nhan_thuc = ClassType.objects.get(code="nhan-thuc-ve-dang")
    page = client.get(f"/admin/training/classtype/{nhan_thuc.pk}/change/").content.decode()
    assert "rules-0-eligible_statuses" in page and "rules-0-pass_mark" in page
    rule = nhan_thuc.rules.get()
    data = {"code": nhan_thuc.code, "name": nhan_thuc.name, "sort_order": 0, "valid_from": "", "valid_to": "",
            "external": "", "theory_level": "",
            "rules-TOTAL_FORMS": 2, "rules-INITIAL_FORMS": 1, "rules-MIN_NUM_FORMS": 0, "rules-MAX_NUM_FORMS": 1000,
            "rules-0-id": rule.pk, "rules-0-class_type": nhan_thuc.pk, "rules-0-valid_from": "2021-01-01",
            "rules-0-valid_to": "2026-12-31", "rules-0-eligibility": rule.eligibility,
            "rules-0-eligible_statuses": [s.pk for s in rule.eligible_statuses.all()], "rules-0-lessons": 6,
            "rules-0-periods": 24, "rules-0-has_test": "on", "rules-0-certifies": "on", "rules-0-pass_mark": "5",
            "rules-1-class_type": nhan_thuc.pk, "rules-1-valid_from": "2027-01-01", "rules-1-valid_to": "",
            "rules-1-eligibility": rule.eligibility, "rules-1-eligible_statuses": [s.pk for s in rule.eligible_statuses.all()],
            "rules-1-lessons": 7, "rules-1-periods": 28, "rules-1-has_test": "on", "rules-1-certifies": "on",
            "rules-1-pass_mark": "6"}
    response = client.post(f"/admin/training/classtype/{nhan_thuc.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    rules = list(nhan_thuc.rules.order_by("valid_from").values_list("valid_from", "valid_to", "lessons", "pass_mark"))
    assert [r[:3] for r in rules] == [(datetime.date(2021, 1, 1), datetime.date(2026, 12, 31), 6),
                                      (datetime.date(2027, 1, 1), None, 7)]
    # A test without a pass mark is refused by the rule's constraint, nothing written.
    data.update({"rules-1-pass_mark": "", "rules-1-id": nhan_thuc.rules.get(valid_from="2027-01-01").pk,
                 "rules-INITIAL_FORMS": 2})
    response = client.post(f"/admin/training/classtype/{nhan_thuc.pk}/change/", data)
    assert response.status_code == 200 and "Lớp có kiểm tra cần có điểm đạt." in response.content.decode()
    assert ClassTypeRule.objects.get(class_type=nhan_thuc, valid_from="2027-01-01").pass_mark == 6


def test_only_the_superuser_edits_the_catalogue_and_the_rest_is_read_only(client, province):
    from django.contrib.auth.models import Permission

    from tests.factories import PersonFactory, UserFactory, give_position

    # The bí thư of DBK manages its records: even he changes no plan here.
    staff = UserFactory(username="bithu-dbk", is_staff=True)
    give_position(PersonFactory(organization=province["units"]["DBK"], user=staff), province["units"]["DBK"], "bi-thu")
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="training", codename__in=["view_trainingplan", "add_trainingplan",
                                                          "change_trainingplan", "view_classtype", "change_classtype"]))
    plan = TrainingPlan.objects.create(organization=province["units"]["DBK"], year=2026)
    far = TrainingPlan.objects.create(organization=province["units"]["DBX"], year=2026)
    client.force_login(staff)
    assert client.get("/admin/training/classtype/").status_code == 403
    listing = client.get("/admin/training/trainingplan/").content.decode()
    assert f"/admin/training/trainingplan/{plan.pk}/change/" in listing
    assert f"/admin/training/trainingplan/{far.pk}/change/" not in listing
    assert client.get("/admin/training/trainingplan/add/").status_code == 403
    page = client.get(f"/admin/training/trainingplan/{plan.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(f"/admin/training/trainingplan/{far.pk}/change/").status_code == 302  # as if missing
