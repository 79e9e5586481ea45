"""The public verification page: anyone, signed in or not, gets the same five facts (name,
class, organizer, issue date, valid or revoked with its date) and nothing else; an unknown
code is the portal's 404; a burst from one IP gets a Vietnamese 429; nothing is cached."""

import itertools
import re

import pytest
from django.test import Client

from tests.test_access_matrix import ROLES
from tests.test_training_certificates import files, make_class  # noqa: F401 - the private files of a test
from training.models import Certificate
from training.services import certificates as services

pytestmark = pytest.mark.django_db
_ips = itertools.count(1)


def fresh_ip() -> str:
    """An address of its own for each client, so no rate-limit counter is shared between tests."""
    n = next(_ips)
    return f"198.51.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def certificate(province):
    """A certificate of CS1's class for a learner of CB2 (a unit other than the organizer)."""
    training_class = make_class(province["units"]["CS1"], learners=1, learner_unit=province["units"]["CB2"],
                                name="Lớp đảng viên mới khóa 3")
    services.issue_for_class(training_class, pdfs=False)
    return Certificate.objects.select_related("enrollment__person").get()


def facts_block(html: str) -> str:
    """The page's content, between the main heading and the end of the facts card."""
    start = html.index('<h1 class="page-title">')
    return html[start:html.index("</dl>", start)]


def get(client, url):
    return client.get(url, REMOTE_ADDR=fresh_ip())


def test_five_facts_and_nothing_else(certificate):
    url = f"/certificates/verify/{certificate.verification_code}/"
    response = get(Client(), url)
    assert response.status_code == 200
    html = response.content.decode()
    person = certificate.enrollment.person
    for fact in [person.full_name, "Lớp đảng viên mới khóa 3", "Đảng bộ Sở Giáo dục",
                 certificate.issued_on.strftime("%d/%m/%Y"), "Giấy chứng nhận hợp lệ"]:
        assert fact in html, fact
    # Not the birth date, the learner's unit, the number, the score, an id.
    for secret in ["17/05/1985", "1985", "Chi bộ Phòng Tổ chức", certificate.register_number, "8,50", "8.50",
                   f"/training/certificates/{certificate.pk}/", person.party_card_number]:
        assert secret not in html, secret
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "sessionid" not in response.cookies  # no session is opened for a visitor


def test_every_role_sees_the_same_facts(certificate, province):
    url = f"/certificates/verify/{certificate.verification_code}/"
    anonymous = facts_block(get(Client(), url).content.decode())
    for role in ROLES:
        client = Client()
        client.force_login(province["users"][role])
        response = get(client, url)
        assert response.status_code == 200, role
        assert facts_block(response.content.decode()) == anonymous, role


def test_revoked_shows_the_date_and_not_the_reason(certificate):
    services.revoke(certificate, by=None, reason="Khai man lý lịch")
    html = get(Client(), f"/certificates/verify/{certificate.verification_code}/").content.decode()
    assert "Giấy chứng nhận đã bị thu hồi" in html
    assert f"Ngày thu hồi: {certificate.issued_on:%d/%m/%Y}" in html
    assert "Khai man" not in html and "hợp lệ." not in html


def test_unknown_code_is_the_portals_404(certificate):
    client = Client()
    for code in ["KHONGCOMA2345678", certificate.verification_code.lower() + "x", "a" * 300]:
        response = get(client, f"/certificates/verify/{code}/")
        assert response.status_code == 404, code
    any_404 = get(client, "/khong-co-trang-nay/").content.decode()
    unknown = get(client, "/certificates/verify/KHONGCOMA2345678/").content.decode()
    assert re.search(r"<h1[^>]*>(.*?)</h1>", unknown).group(1) == re.search(r"<h1[^>]*>(.*?)</h1>", any_404).group(1)


def test_a_burst_from_one_address_gets_429(certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE = "5/m"
    url = f"/certificates/verify/{certificate.verification_code}/"
    client, ip = Client(), fresh_ip()
    statuses = [client.get(url, REMOTE_ADDR=ip).status_code for _ in range(5)]
    assert statuses == [200] * 5
    # Unknown codes count too: guessing is what the limit slows down.
    refused = client.get("/certificates/verify/KHONGCOMA2345678/", REMOTE_ADDR=ip)
    assert refused.status_code == 429
    assert "Quá nhiều lượt tra cứu" in refused.content.decode() and refused["Retry-After"] == "60"
    assert certificate.enrollment.person.full_name not in refused.content.decode()
    # Another address is not held up.
    assert client.get(url, REMOTE_ADDR=fresh_ip()).status_code == 200
