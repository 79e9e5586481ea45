"""Row history by trigger: every change, bulk writes included, with who made it."""

import datetime

from django.db import connection, transaction
from django.http import HttpResponse

from portal import services
from portal.audit import AuditActorMiddleware, acting_as, bulk_load_history
from portal.bulk import copy_rows, next_ids
from portal.models import Person, RowHistory, User


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


def test_bulk_load_history_writes_what_the_trigger_writes(province):
    """The same rows (accounts: their password and last login are left out) inserted once
    with the trigger and once loaded by COPY with it off give the same history."""
    joined = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)
    ids = next_ids("portal_user", 3)
    users = [User(id=pk, username=f"nap{pk}", password="md5$x$y", last_login=joined, date_joined=joined,
                  email=f"nap{pk}@example.org", first_name="Người", last_name=f"Số {i}") for i, pk in enumerate(ids)]
    fields = User._meta.concrete_fields

    def history():
        rows = RowHistory.objects.filter(table_name="portal_user", row_id__in=ids).order_by("row_id")
        return list(rows.values_list("table_name", "row_id", "action", "actor_id", "context", "old", "new"))

    actor = province["users"]["bithu"]
    with transaction.atomic():
        with acting_as(actor, "nhập danh sách"):
            User.objects.bulk_create(users)
        by_trigger = history()
        transaction.set_rollback(True)
    assert not history()
    with acting_as(actor, "nhập danh sách"), bulk_load_history("portal_user"):
        copy_rows("portal_user", [f.column for f in fields],
                  ([getattr(user, f.attname) for f in fields] for user in users))
        assert not history()  # the trigger is off meanwhile
    by_load = history()
    assert len(by_trigger) == 3 and by_load == by_trigger
    assert by_load[0][3:5] == (actor.pk, "nhập danh sách")
    assert "password" not in by_load[0][6] and by_load[0][6]["username"] == f"nap{ids[0]}"

    # The trigger is on again afterwards.
    services_user = User.objects.create(username="sau-khi-nap")
    assert RowHistory.objects.filter(table_name="portal_user", row_id=services_user.pk, action="I").exists()
