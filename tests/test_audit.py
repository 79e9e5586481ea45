"""Row history by trigger: every change, bulk writes included, with who made it."""

from django.db import connection
from django.http import HttpResponse

from portal import services
from portal.audit import AuditActorMiddleware, acting_as
from portal.models import Person, RowHistory


def history(person):
    return RowHistory.objects.filter(table_name="portal_person", row_id=person.pk).order_by("id")


def test_update_records_who_and_what(province):
    member, bithu = province["member"], province["users"]["bithu"]
    with acting_as(bithu, "test"):
        services.update_person(member, job_title="Chuyên viên")
    row = history(member).last()
    assert row.action == "U" and row.actor_id == bithu.pk and row.context == "test"
    assert row.new == {"job_title": "Chuyên viên"} and row.old == {"job_title": ""}


def test_bulk_update_cannot_bypass_history(province):
    cb1 = province["units"]["CB1"]
    people = list(Person.objects.filter(organization=cb1))
    with acting_as(None, "bulk import"):
        changed = Person.objects.filter(organization=cb1).update(education="12/12")
    assert changed == len(people) == 3
    for person in people:
        assert history(person).last().new == {"education": "12/12"}
        assert history(person).last().context == "bulk import"


def test_raw_sql_delete_is_recorded(province):
    person = province["others"]["cb3"]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_partystatuschange WHERE person_id = %s", [person.pk])
        cursor.execute("DELETE FROM portal_person WHERE id = %s", [person.pk])
    row = history(person).last()
    assert row.action == "D" and row.old["full_name"] == "Hoàng Văn Xa" and row.actor_id is None


def test_actor_does_not_leak_to_the_next_request(province, client):
    """A write by a logged-in user, then an anonymous write on the same connection."""
    member = province["member"]
    with acting_as(province["users"]["bithu"], "first"):
        services.update_person(member, job_title="A")
    services.update_person(member, job_title="B")
    assert history(member).last().actor_id is None


def test_passwords_never_reach_history(province):
    user = province["users"]["dangvien"]
    user.set_password("another-strong-pass-2026")
    user.save()
    rows = RowHistory.objects.filter(table_name="portal_user", row_id=user.pk)
    assert rows.exists()
    assert all("password" not in (r.new or {}) and "password" not in (r.old or {}) for r in rows)


def test_middleware_attributes_writes_to_the_request_user(province, rf):
    user = province["users"]["bithu"]
    request = rf.post("/people/1/")
    request.user = user

    def view(request):
        services.update_person(province["member"], job_title="Bí thư chi bộ")
        return HttpResponse("ok")

    AuditActorMiddleware(view)(request)
    row = history(province["member"]).last()
    assert row.actor_id == user.pk and row.context == "POST /people/1/"
