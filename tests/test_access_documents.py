"""Access to documents, attachments, themes, campaigns, the member's view and commend /
remind, HTML and API, for every demo role. Reach written out by hand from the `province`
fixture: a document addressed to TINH reaches everyone; one addressed to DBX only those
who see DBX; one addressed to CB1 everyone at or above CB1."""

import datetime

import pytest
from django.urls import reverse

from resolutions.models import Attachment, Document, StudyCampaign, Theme
from tests.test_access_matrix import ROLES, UNITS, api_results
from tests.test_documents import PDF, form_data, make_attachment, make_document, pdf_upload

CHECKED_URLS = {
    "study_document_list", "study_document_create", "study_document_detail", "study_document_edit",
    "study_attachment_upload", "study_attachment_delete",
    "study_theme_list", "study_theme_create", "study_theme_edit",
    "study_campaign_list", "study_campaign_create", "study_campaign_detail", "study_campaign_edit",
    "study_me", "study_commend_remind",
    "study-api:study-document-list", "study-api:study-document-detail", "study-api:study-document-attachments",
    "study-api:study-theme-list", "study-api:study-theme-detail",
    "study-api:study-campaign-list", "study-api:study-campaign-detail", "study-api:study-campaign-progress",
    # checked for every role in tests/test_campaign_export.py
    "study_campaign_export", "study-api:study-campaign-export",
}

ALL = {"TINH", "DBX", "CB1"}
# Which of the documents (and campaigns), by the unit they are addressed to, each role sees.
SEES = {"admin": ALL, "tuyengiao": ALL, "daotao": {"TINH", "CB1"}, "bithu": {"TINH", "CB1"},
        "dangvien": {"TINH", "CB1"}}
# Where each role may publish (address documents, launch campaigns).
PUBLISHES = {"admin": ALL, "tuyengiao": ALL, "daotao": set(), "bithu": {"CB1"}, "dangvien": set()}


@pytest.fixture
def world(province, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    units = province["units"]
    documents, attachments, campaigns = {}, {}, {}
    for n, code in enumerate(sorted(ALL), start=1):
        documents[code] = make_document(units[code], f"{n}-KH/TU", "KH", title=f"Kế hoạch gửi {code}")
        attachments[code] = make_attachment(documents[code], settings.MEDIA_ROOT)
        campaigns[code] = StudyCampaign.objects.create(
            title=f"Học tập ở {code}", document=documents[code], organization=units[code],
            starts_on=datetime.date(2026, 1, 1), deadline=datetime.date(2026, 12, 31))
    theme = Theme.objects.create(kind=Theme.Kind.TERM, title="Toàn khóa", term="XIII")
    return {**province, "documents": documents, "attachments": attachments, "campaigns": campaigns,
            "theme": theme}


def as_role(client, world, role):
    client.force_login(world["users"][role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_document_pages(role, world, client):
    as_role(client, world, role)
    for code, document in world["documents"].items():
        attachment = world["attachments"][code]
        expected = 200 if code in SEES[role] else 404
        for url in (reverse("study_document_detail", args=[document.pk]),
                    f"/files/attachment/{attachment.pk}/",
                    f"/api/v1/documents/{document.pk}/"):
            response = client.get(url)
            assert response.status_code == expected, (url, response.status_code)
            if expected == 200 and url.startswith("/files/"):
                assert b"".join(response.streaming_content) == PDF
            if expected == 200 and url.startswith("/api/"):  # the API links to the same guarded download
                links = [a["download"] for a in response.json()["attachments"]]
                assert links == [f"http://testserver/files/attachment/{attachment.pk}/"]
    missing = Document.objects.order_by("-pk").first().pk + 100
    assert client.get(reverse("study_document_detail", args=[missing])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_document_lists(role, world, client):
    as_role(client, world, role)
    page = client.get(reverse("study_document_list")).context["page"]
    assert {d.organization.code for d in page} == SEES[role]
    rows = api_results(client, "/api/v1/documents/")
    assert {row["organization"]["code"] for row in rows} == SEES[role]


@pytest.mark.parametrize("role", ROLES)
def test_document_writes(role, world, client):
    """Editing, uploading and deleting: 404 outside the reach, 403 where the user sees but
    may not publish, allowed where he publishes; nothing changes when refused."""
    as_role(client, world, role)
    assert client.get(reverse("study_document_create")).status_code == (200 if PUBLISHES[role] else 403)
    for code, document in world["documents"].items():
        attachment = world["attachments"][code]
        expected = 404 if code not in SEES[role] else (200 if code in PUBLISHES[role] else 403)
        assert client.get(reverse("study_document_edit", args=[document.pk])).status_code == expected
        response = client.post(reverse("study_attachment_upload", args=[document.pk]), {"file": pdf_upload()})
        assert response.status_code == (302 if expected == 200 else expected), code
        response = client.post(f"/api/v1/documents/{document.pk}/attachments/", {"file": pdf_upload()},
                               format="multipart")
        assert response.status_code == (201 if expected == 200 else expected), code
        response = client.patch(f"/api/v1/documents/{document.pk}/", {"title": "Đổi"},
                                content_type="application/json")
        assert response.status_code == expected, (code, response.content)
        response = client.post(reverse("study_attachment_delete", args=[document.pk, attachment.pk]))
        assert response.status_code == (302 if expected == 200 else expected)
        count = Attachment.objects.filter(document=document).count()
        title = Document.objects.get(pk=document.pk).title
        if expected == 200:
            assert count == 2 and title == "Đổi"  # one deleted, two uploaded
        else:
            assert count == 1 and title == f"Kế hoạch gửi {code}"


@pytest.mark.parametrize("role", ROLES)
def test_creating_documents_where_allowed(role, world, client):
    as_role(client, world, role)
    for n, code in enumerate(sorted(ALL), start=1):
        before = Document.objects.count()
        unit = world["units"][code]
        response = client.post("/api/v1/documents/", {
            "kind": "NQ", "number_symbol": f"9{n}-NQ/TW", "issuing_body": "Trung ương",
            "issued_on": "2020-01-02", "title": "Nghị quyết", "organization": code},
            content_type="application/json")
        if code in PUBLISHES[role]:
            assert response.status_code == 201, (code, response.content)
            assert Document.objects.count() == before + 1
        else:
            assert response.status_code in (400, 403), (code, response.status_code)
            assert Document.objects.count() == before
        response = client.post(reverse("study_document_create"), form_data(
            world, organization=unit.pk, number_symbol=f"7{n}-NQ/TW"))
        assert (response.status_code == 302) == (code in PUBLISHES[role])


@pytest.mark.parametrize("role", ROLES)
def test_themes(role, world, client):
    as_role(client, world, role)
    theme = world["theme"]
    assert client.get(reverse("study_theme_list")).status_code == 200
    assert client.get(f"/api/v1/themes/{theme.pk}/").status_code == 200
    assert [row["title"] for row in client.get("/api/v1/themes/").json()] == ["Toàn khóa"]
    may = role in {"admin", "tuyengiao"}
    assert client.get(reverse("study_theme_edit", args=[theme.pk])).status_code == (200 if may else 403)
    response = client.patch(f"/api/v1/themes/{theme.pk}/", {"title": "Sửa"}, content_type="application/json")
    assert response.status_code == (200 if may else 403)
    assert Theme.objects.get().title == ("Sửa" if may else "Toàn khóa")


@pytest.mark.parametrize("role", ROLES)
def test_campaign_pages(role, world, client):
    as_role(client, world, role)
    for code, campaign in world["campaigns"].items():
        expected = 200 if code in SEES[role] else 404
        for url in (reverse("study_campaign_detail", args=[campaign.pk]), f"/api/v1/study-campaigns/{campaign.pk}/",
                    f"/api/v1/study-campaigns/{campaign.pk}/progress/"):
            assert client.get(url).status_code == expected, (url, role)
        edit = 404 if code not in SEES[role] else (200 if code in PUBLISHES[role] else 403)
        assert client.get(reverse("study_campaign_edit", args=[campaign.pk])).status_code == edit
    assert client.get(reverse("study_campaign_create")).status_code == (200 if PUBLISHES[role] else 403)
    page = client.get(reverse("study_campaign_list"), {"all": "1"}).context["page"]
    assert {c.organization.code for c in page} == SEES[role]
    assert {row["organization"]["code"] for row in api_results(client, "/api/v1/study-campaigns/")} == SEES[role]


@pytest.mark.parametrize("role", ROLES)
def test_campaign_progress_shows_only_units_in_reach(role, world, client):
    as_role(client, world, role)
    rows = client.get(f"/api/v1/study-campaigns/{world['campaigns']['TINH'].pk}/progress/").json()
    assert {row["code"] for row in rows} == UNITS[role]
    html_rows = client.get(reverse("study_campaign_detail", args=[world["campaigns"]["TINH"].pk])).context["tops"]
    assert {row.code for row in html_rows} <= UNITS[role]


@pytest.mark.parametrize("role", ROLES)
def test_launching_campaigns(role, world, client):
    as_role(client, world, role)
    for code in sorted(ALL):
        before = StudyCampaign.objects.count()
        response = client.post("/api/v1/study-campaigns/", {
            "title": "Đợt mới", "organization": code, "document": world["documents"]["TINH"].pk,
            "starts_on": "2026-03-01", "deadline": "2026-06-30"}, content_type="application/json")
        allowed = code in PUBLISHES[role]
        assert response.status_code == (201 if allowed else 400), (code, response.content)
        assert StudyCampaign.objects.count() == before + allowed


@pytest.mark.parametrize("role", ROLES)
def test_member_view_and_commend_remind(role, world, client):
    as_role(client, world, role)
    assert client.get(reverse("study_me")).status_code == 200
    for code in ["TINH", "DBK", "CS1", "CB1", "CB2", "DBX", "CB3"]:
        response = client.get(reverse("study_commend_remind", args=[code]))
        assert response.status_code == (200 if code in UNITS[role] else 404), (code, role)
    response = client.post(reverse("study_commend_remind", args=["CB1"]), {"threshold": "4"})
    expected = {"admin": 302, "bithu": 302, "tuyengiao": 403, "daotao": 403, "dangvien": 404}[role]
    assert response.status_code == expected
    from resolutions.models import UnitStudySettings

    assert UnitStudySettings.objects.filter(unexcused_absence_threshold=4).exists() == (expected == 302)
