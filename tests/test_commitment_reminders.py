"""Reminders to file the year's commitment, run on a real Celery worker through Redis:
an on-screen notification and an email, once per person and year however often it runs."""

import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from portal.models import Notification, PartyStatus
from resolutions.models import Commitment
from resolutions.tasks import remind_missing_commitments
from tests.factories import PersonFactory, UserFactory
from tests.test_tasks import worker  # noqa: F401 - the real worker fixture

YEAR = timezone.localdate().year
KEY = f"commitment-missing-{YEAR}"


def wait_for(condition, what: str, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"the worker did not {what}"
        time.sleep(0.05)


@pytest.fixture
def people(province):
    """CB1: dangvien (nothing filed, has an email), the secretary (a draft only), a non-party
    civil servant with an account, one member who has submitted; CB2: one member with an account."""
    users = province["users"]
    users["dangvien"].email = "dangvien@example.org"
    users["dangvien"].save()
    Commitment.objects.create(person=province["secretary"], year=YEAR)
    mass = PartyStatus.objects.get(code="quan-chung")
    staff = PersonFactory(full_name="Võ Thị Công Chức", organization=province["units"]["CB1"], party_status=mass,
                          party_card_number=None, admitted_on=None, official_on=None,
                          user=UserFactory(username="congchuc", email="congchuc@example.org"))
    filed = PersonFactory(full_name="Đinh Văn Đã Nộp", organization=province["units"]["CB1"],
                          user=UserFactory(username="danop", email="danop@example.org"))
    Commitment.objects.create(person=filed, year=YEAR, status=Commitment.Status.SUBMITTED)
    elsewhere = PersonFactory(full_name="Phan Văn Chi Bộ Hai", organization=province["units"]["CB2"],
                              user=UserFactory(username="cb2user", email="cb2@example.org"))
    return {"staff": staff, "filed": filed, "elsewhere": elsewhere}


def reminded() -> set[str]:
    return set(Notification.objects.filter(key=KEY).values_list("user__username", flat=True))


def test_reminders_on_a_real_worker_are_sent_once(worker, people, province, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    remind_missing_commitments.delay(YEAR)
    expected = {"dangvien", "bithu", "congchuc", "cb2user"}
    wait_for(lambda: reminded() == expected, "send the reminders")
    # The worker runs in this process: its emails land in the same outbox, once it has sent them.
    wait_for(lambda: len(mail.outbox) == 3, "send the emails")
    assert sorted(m.to[0] for m in mail.outbox) == ["cb2@example.org", "congchuc@example.org",
                                                    "dangvien@example.org"]
    assert all(f"năm {YEAR}" in m.subject for m in mail.outbox)
    assert f"/study/commitments/new/?year={YEAR}" in mail.outbox[0].body

    # Twice more, with one newcomer in between: only he is reminded; nobody gets a second one.
    newcomer = PersonFactory(full_name="Tạ Văn Mới", organization=province["units"]["CB2"],
                             user=UserFactory(username="moi", email="moi@example.org"))
    remind_missing_commitments.delay(YEAR)
    remind_missing_commitments.delay(YEAR)
    wait_for(lambda: "moi" in reminded() and len(mail.outbox) >= 4, "remind the newcomer")
    time.sleep(0.5)  # let the third run finish too
    assert Notification.objects.filter(key=KEY).count() == 5
    assert len(mail.outbox) == 4 and mail.outbox[-1].to == ["moi@example.org"]
    assert newcomer.user.notifications.get().link == f"/study/commitments/new/?year={YEAR}"


def test_the_secretarys_button_reminds_his_unit_only(worker, people, province, client, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    client.force_login(province["users"]["bithu"])
    response = client.post(f"/study/commitments/units/CB1/remind/?year={YEAR}", follow=True)
    assert "Đã gửi yêu cầu nhắc nhở" in response.content.decode()
    wait_for(lambda: reminded() == {"dangvien", "bithu", "congchuc"}, "remind the unit")
    wait_for(lambda: len(mail.outbox) == 2, "send the emails")
    assert "cb2@example.org" not in {m.to[0] for m in mail.outbox}

    # The member sees it in the navbar, unread, until he opens the list.
    client.force_login(province["users"]["dangvien"])
    assert ">1<" in client.get("/notifications/count/").content.decode()
    menu = client.get("/notifications/menu/").content.decode()
    assert f"Bạn chưa nộp bản cam kết tu dưỡng, rèn luyện, phấn đấu năm {YEAR}" in menu
    assert Notification.objects.get(user=province["users"]["dangvien"]).read_at is not None


def test_someone_without_the_right_cannot_send_reminders(people, province, client):
    for role in ("tuyengiao", "daotao", "dangvien"):
        client.force_login(province["users"][role])
        response = client.post("/study/commitments/units/CB1/remind/")
        assert response.status_code in (403, 404), role
    assert not Notification.objects.exists()


def test_the_reminder_is_on_the_daily_schedule():
    entry = django_settings.CELERY_BEAT_SCHEDULE["remind-missing-commitments"]
    assert entry["task"] == remind_missing_commitments.name
    assert entry["schedule"] <= 86400
