"""Row history by trigger: every change, bulk writes included, with who made it."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

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


# --- Writes after a rollback (the settings set inside a rolled-back savepoint or transaction
# are undone with it) ---------------------------------------------------------------------------


class Undone(Exception):
    pass


def _taken_username(user):
    """An insert that fails inside a savepoint, the way create_commitment's does when another
    tab saved first: the write statement had the settings set, then the savepoint went."""
    try:
        with transaction.atomic():
            User.objects.create(username=user.username)
    except IntegrityError:
        pass
    else:
        raise AssertionError("the username should be taken")


def _attributed(rows, user, context):
    rows = list(rows.values_list("actor_id", "context"))
    assert rows and all(row == (user.pk, context) for row in rows), rows


def _last_history_id() -> int:
    return RowHistory.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_writes_after_a_failed_insert_in_a_savepoint_keep_the_actor(province):
    """create_commitment's way: the first write of the block fails inside a savepoint."""
    member, bithu = province["member"], province["users"]["bithu"]
    start = _last_history_id()
    with acting_as(bithu, "sau lỗi"):
        _taken_username(bithu)
        services.update_person(member, job_title="A")
        try:
            with transaction.atomic():
                services.update_person(member, job_title="B")
                raise Undone
        except Undone:
            pass
        services.update_person(member, job_title="C")
    later = history(member).filter(id__gt=start)
    assert [row.new for row in later] == [{"job_title": "A"}, {"job_title": "C"}]
    _attributed(later, bithu, "sau lỗi")


@pytest.mark.django_db(transaction=True)
def test_writes_after_savepoint_and_transaction_rollbacks_keep_the_actor(province):
    """Real transactions, not the test's savepoints: a write, a rolled-back savepoint, the
    whole transaction rolled back, then writes that must all name the user and context."""
    member, bithu, dangvien = province["member"], province["users"]["bithu"], province["users"]["dangvien"]
    start = _last_history_id()
    with acting_as(bithu, "ctx"):
        try:
            with transaction.atomic():
                services.update_person(member, job_title="A")  # the settings are set in this transaction
                try:
                    with transaction.atomic():
                        services.update_person(member, job_title="B")
                        raise Undone
                except Undone:
                    pass
                services.update_person(member, job_title="C")
                raise Undone
        except Undone:
            pass  # and undone with it
        services.update_person(member, job_title="D")
        with transaction.atomic():
            _taken_username(bithu)
            services.update_person(member, job_title="E")
        try:
            with transaction.atomic():
                _taken_username(bithu)
                raise Undone
        except Undone:
            pass
        services.update_person(member, job_title="F")
        with acting_as(dangvien, "lồng"):  # its end RESETs the settings
            services.update_person(member, job_title="G")
        services.update_person(member, job_title="H")
    later = RowHistory.objects.filter(id__gt=start)
    assert [row.new["job_title"] for row in later.filter(table_name="portal_person").order_by("id")] == list("DEFGH")
    _attributed(later.exclude(context="lồng"), bithu, "ctx")
    _attributed(later.filter(context="lồng"), dangvien, "lồng")
    # Nothing of it stays on the connection for the next, anonymous, write.
    services.update_person(member, job_title="I")
    assert history(member).last().actor_id is None and history(member).last().context == ""


@pytest.mark.django_db(transaction=True)
def test_an_inner_block_ending_in_a_doomed_transaction_leaks_nothing(province):
    """The inner block cannot reset in a transaction bound to roll back, and the rollback
    brings back what the outer block set before it: the outer block's end resets that."""
    member, bithu, dangvien = province["member"], province["users"]["bithu"], province["users"]["dangvien"]
    start = _last_history_id()
    with acting_as(bithu, "ngoài"):
        services.update_person(member, job_title="J")
        with transaction.atomic(), acting_as(dangvien, "trong"):
            services.update_person(member, job_title="K")
            transaction.set_rollback(True)
    services.update_person(member, job_title="L")
    assert [(row.new, row.actor_id, row.context) for row in history(member).filter(id__gt=start)][-2:] == [
        ({"job_title": "J"}, bithu.pk, "ngoài"), ({"job_title": "L"}, None, "")]


def test_acting_as_adds_no_counted_queries(province, django_assert_num_queries):
    """The settings go over the raw connection: query-count tests see only the app's own."""
    member = province["member"]

    def writes():
        services.update_person(member, job_title="A")
        try:
            with transaction.atomic():
                services.update_person(member, job_title="B")
                raise Undone
        except Undone:
            pass
        services.update_person(member, job_title="C")

    with CaptureQueriesContext(connection) as plain:
        writes()
    with django_assert_num_queries(len(plain)), acting_as(province["users"]["bithu"], "đếm"):
        writes()
    _attributed(history(member).filter(context="đếm"), province["users"]["bithu"], "đếm")
