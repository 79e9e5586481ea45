"""Documents to study: the catalogue (search without diacritics, filters, pages), the
number-symbol rule, who may publish, PDF attachments (type, size, served only to those
who may see them), themes."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from resolutions.models import Attachment, Document, DocumentKind, Theme
from resolutions.services.documents import validate_number_symbol


def one_page_pdf() -> bytes:
    """A real PDF (uploads are parsed, not only sniffed): one blank A4 page."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = one_page_pdf()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_document(unit, number_symbol="05-CT/TW", kind="CT", issued_on=datetime.date(2021, 5, 15),
                  title="Đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
                  issuing_body="Bộ Chính trị", themes=()) -> Document:
    document = Document.objects.create(kind=DocumentKind.objects.get(code=kind), number_symbol=number_symbol,
                                       issuing_body=issuing_body, issued_on=issued_on, title=title,
                                       organization=unit)
    document.themes.set(themes)
    return document


def make_attachment(document, media, content=PDF, name="van-ban.pdf") -> Attachment:
    attachment = Attachment(document=document, original_name=name, size=len(content))
    attachment.file.save(name, io.BytesIO(content), save=False)
    attachment.save()
    return attachment


def pdf_upload(name="chi-thi.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def login(client, province, role):
    client.force_login(province["users"][role])
    return client


def form_data(province, **overrides):
    data = {"kind": DocumentKind.objects.get(code="NQ").pk, "number_symbol": "35-NQ/TW", "issued_on": "22/10/2018",
            "issuing_body": "Ban Chấp hành Trung ương", "title": "Về tăng cường bảo vệ nền tảng tư tưởng của Đảng",
            "summary": "", "organization": province["units"]["TINH"].pk}
    data.update(overrides)
    return data


# --- The number-symbol ------------------------------------------------------------------------


@pytest.mark.parametrize("value, kind", [
    ("05-CT/TW", "CT"), ("35-NQ/TW", "NQ"), ("01-KL/TW", "KL"), ("17-CT/TU", "CT"), ("195-KH/ĐU", "KH"),
    ("434-CV/BTGTU", "CV"), ("12-BC/BTCTU", "BC"), ("366-QĐ/TW", "QĐ"), ("27/CT-TTg", "CT"), ("3058/UBND-NC", "CV"),
])
def test_number_symbols_as_written_are_accepted(catalogues, value, kind):
    assert validate_number_symbol(value, DocumentKind.objects.get(code=kind), datetime.date(2022, 2, 22)) == value


def test_number_symbol_is_normalised_not_rewritten(catalogues):
    kind = DocumentKind.objects.get(code="KH")
    assert validate_number_symbol(" 195-kh/đu ", kind, datetime.date(2022, 1, 1)) == "195-KH/ĐU"


@pytest.mark.parametrize("value", ["05/CT/TW", "CT-05/TW", "05-CT", "05 - CT", "năm-CT/TW", "05-CT/", "abc"])
def test_malformed_number_symbol_says_the_expected_form(catalogues, value):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        validate_number_symbol(value, DocumentKind.objects.get(code="CT"), datetime.date(2022, 1, 1))
    message = caught.value.message_dict["number_symbol"][0]
    assert "không đúng dạng" in message and "05-CT/TW" in message


def test_kind_of_the_symbol_must_match_the_chosen_kind(catalogues):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        validate_number_symbol("35-NQ/TW", DocumentKind.objects.get(code="CT"), datetime.date(2018, 10, 22))
    assert "là của loại NQ" in caught.value.message_dict["number_symbol"][0]
    with pytest.raises(ValidationError) as caught:
        validate_number_symbol("05-XX/TW", DocumentKind.objects.get(code="CT"), datetime.date(2018, 10, 22))
    assert "không có trong danh mục" in caught.value.message_dict["number_symbol"][0]


def test_kind_must_be_in_force_on_the_issue_date(catalogues):
    from django.core.exceptions import ValidationError

    DocumentKind.objects.filter(code="TB").update(valid_from=datetime.date(2025, 7, 1))
    kind = DocumentKind.objects.get(code="TB")
    assert validate_number_symbol("12-TB/TU", kind, datetime.date(2025, 8, 1)) == "12-TB/TU"
    with pytest.raises(ValidationError) as caught:
        validate_number_symbol("12-TB/TU", kind, datetime.date(2024, 8, 1))
    assert "không có trong danh mục loại văn bản có hiệu lực ngày 01/08/2024" in str(caught.value)


# --- Creating and editing through the page ----------------------------------------------------


def test_tuyengiao_creates_a_document_with_its_pdf(client, province, media):
    login(client, province, "tuyengiao")
    theme = Theme.objects.create(kind=Theme.Kind.YEAR, title="Chuyên đề năm 2021", term="XIII", year=2021)
    response = client.post(reverse("study_document_create"), {
        **form_data(province), "themes": [theme.pk], "attachment": pdf_upload()})
    document = Document.objects.get()
    assert response.status_code == 302 and response.url == reverse("study_document_detail", args=[document.pk])
    assert document.number_symbol == "35-NQ/TW" and list(document.themes.all()) == [theme]
    attachment = document.attachments.get()
    assert attachment.original_name == "chi-thi.pdf" and attachment.size == len(PDF)
    assert (media / attachment.file.name).read_bytes() == PDF
    assert document.search_key == "35-nq/tw ve tang cuong bao ve nen tang tu tuong cua dang ban chap hanh trung uong"


def test_malformed_symbol_re_shows_the_form_with_the_input(client, province, media):
    login(client, province, "tuyengiao")
    response = client.post(reverse("study_document_create"), {
        **form_data(province, number_symbol="35/NQ/TW"), "attachment": pdf_upload()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "không đúng dạng" in html and "05-CT/TW" in html
    assert 'value="35/NQ/TW"' in html and "Về tăng cường bảo vệ nền tảng" in html
    assert not Document.objects.exists() and not Attachment.objects.exists()
    assert not media.exists() or not any(media.rglob("*.pdf"))


@pytest.mark.parametrize("upload, message", [
    (lambda: pdf_upload("anh.png", PDF), "không phải PDF"),
    (lambda: pdf_upload("gia.pdf", b"MZ\x90\x00 not a pdf"), "nội dung không phải PDF"),
    (lambda: pdf_upload("lon.pdf", PDF + b"0" * (1024 * 1024 + 1)), "vượt giới hạn 1 MB"),
])
def test_bad_attachment_on_create_writes_nothing(client, province, media, settings, upload, message):
    settings.DOCUMENT_MAX_UPLOAD_MB = 1
    login(client, province, "tuyengiao")
    response = client.post(reverse("study_document_create"), {**form_data(province), "attachment": upload()})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Document.objects.exists() and not Attachment.objects.exists()
    assert not media.exists() or not any(media.rglob("*"))


@pytest.mark.parametrize("upload, message", [
    (lambda: pdf_upload("bao-cao.docx", PDF), "không phải PDF"),
    (lambda: pdf_upload("gia.pdf", b"<html>"), "nội dung không phải PDF"),
    (lambda: pdf_upload("lon.pdf", PDF + b"0" * (1024 * 1024 + 1)), "vượt giới hạn 1 MB"),
])
def test_bad_attachment_upload_is_refused(client, province, media, settings, upload, message):
    settings.DOCUMENT_MAX_UPLOAD_MB = 1
    document = make_document(province["units"]["CB1"])
    login(client, province, "bithu")
    response = client.post(reverse("study_attachment_upload", args=[document.pk]), {"file": upload()})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    assert not media.exists() or not any(media.rglob("*"))


def test_upload_then_download_and_delete(client, province, media):
    document = make_document(province["units"]["CB1"])
    login(client, province, "bithu")
    response = client.post(reverse("study_attachment_upload", args=[document.pk]), {"file": pdf_upload()})
    assert response.status_code == 302
    attachment = document.attachments.get()
    response = client.get(reverse("file_download", args=["attachment", attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline") and "chi-thi.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (media / attachment.file.name).exists()
    response = client.post(reverse("study_attachment_delete", args=[document.pk, attachment.pk]))
    assert response.status_code == 302 and not Attachment.objects.exists()


def test_media_is_not_served_publicly(client, province, media):
    attachment = make_attachment(make_document(province["units"]["TINH"]), media)
    login(client, province, "admin")
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


def test_edit_keeps_input_and_checks_the_kind(client, province, media):
    document = make_document(province["units"]["CB1"])
    login(client, province, "bithu")
    url = reverse("study_document_edit", args=[document.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(province, organization=province["units"]["CB1"].pk,
                                          number_symbol="05-CT/TW", issued_on="15/05/2021"))
    assert response.status_code == 200
    assert "là của loại CT" in response.content.decode()  # the form chose NQ
    response = client.post(url, form_data(province, organization=province["units"]["CB1"].pk,
                                          kind=DocumentKind.objects.get(code="CT").pk, number_symbol="05-CT/TW",
                                          issued_on="15/05/2021", title="Tiêu đề mới"))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "Tiêu đề mới"


def test_secretary_cannot_address_a_document_above_his_cell(client, province, media):
    login(client, province, "bithu")
    response = client.post(reverse("study_document_create"), form_data(province))  # addressed to TINH
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not Document.objects.exists()


def test_duplicate_number_and_date_is_refused(client, province, media):
    make_document(province["units"]["TINH"], "35-NQ/TW", "NQ", datetime.date(2018, 10, 22))
    login(client, province, "tuyengiao")
    response = client.post(reverse("study_document_create"), form_data(province))
    assert response.status_code == 200
    assert "đã có" in response.content.decode()
    assert Document.objects.count() == 1


# --- The catalogue ----------------------------------------------------------------------------


def test_search_ignores_diacritics_and_case(client, province):
    tinh = province["units"]["TINH"]
    make_document(tinh, "35-NQ/TW", "NQ", title="Về tăng cường bảo vệ nền tảng tư tưởng của Đảng",
                  issuing_body="Ban Chấp hành Trung ương")
    make_document(tinh, "17-CT/TU", "CT", title="Về tăng cường công tác đào tạo lý luận chính trị",
                  issuing_body="Ban Thường vụ Tỉnh ủy", issued_on=datetime.date(2022, 2, 22))
    login(client, province, "dangvien")

    def found(query):
        page = client.get(reverse("study_document_list"), {"q": query}).context["page"]
        return {d.number_symbol for d in page}

    assert found("bao ve nen tang") == {"35-NQ/TW"}
    assert found("ĐÀO TẠO") == {"17-CT/TU"}
    assert found("tinh uy") == {"17-CT/TU"}
    assert found("35-nq") == {"35-NQ/TW"}
    assert found("tang cuong") == {"35-NQ/TW", "17-CT/TU"}
    assert found("khong co gi") == set()


def test_filters_by_kind_year_and_theme(client, province):
    tinh = province["units"]["TINH"]
    theme = Theme.objects.create(kind=Theme.Kind.TERM, title="Toàn khóa", term="XIII")
    make_document(tinh, "35-NQ/TW", "NQ", issued_on=datetime.date(2018, 10, 22))
    make_document(tinh, "05-CT/TW", "CT", issued_on=datetime.date(2016, 5, 15), themes=[theme])
    make_document(tinh, "17-CT/TU", "CT", issued_on=datetime.date(2022, 2, 22))
    login(client, province, "bithu")

    def found(**params):
        return {d.number_symbol for d in client.get(reverse("study_document_list"), params).context["page"]}

    assert found(kind="CT") == {"05-CT/TW", "17-CT/TU"}
    assert found(year=2022) == {"17-CT/TU"}
    assert found(theme=theme.pk) == {"05-CT/TW"}
    assert found(kind="CT", year=2016) == {"05-CT/TW"}
    assert found(kind="KHONG-CO") == {"05-CT/TW", "17-CT/TU", "35-NQ/TW"}  # a stale choice is dropped


def test_list_pages_and_constant_queries(client, province, media, django_assert_max_num_queries):
    tinh = province["units"]["TINH"]
    login(client, province, "bithu")

    def add(n, start):
        for i in range(start, start + n):
            document = make_document(tinh, f"{i}-KH/TU", "KH", issued_on=datetime.date(2023, 1, 1))
            make_attachment(document, media)

    add(2, 1)
    client.get(reverse("study_document_list"))  # warm caches (session, content types)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("study_document_list"))
    add(60, 100)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("study_document_list"))
    assert len(response.context["page"].object_list) == 30 and response.context["page"].paginator.num_pages == 3
    assert "PDF" in response.content.decode()


def test_empty_catalogue_says_what_to_do(client, province):
    html = login(client, province, "tuyengiao").get(reverse("study_document_list")).content.decode()
    assert "Thêm văn bản" in html and "Chưa có văn bản nào" in html
    html = login(client, province, "dangvien").get(reverse("study_document_list")).content.decode()
    assert "Thêm văn bản" not in html and "Chưa có văn bản nào gửi đến đơn vị của bạn" in html


# --- Themes -----------------------------------------------------------------------------------


def test_current_years_theme_first(client, province):
    this_year = datetime.date.today().year
    Theme.objects.create(kind=Theme.Kind.YEAR, title="Chuyên đề năm trước", term="XIII", year=this_year - 1)
    Theme.objects.create(kind=Theme.Kind.TERM, title="Chuyên đề toàn khóa", term="XIII")
    Theme.objects.create(kind=Theme.Kind.YEAR, title="Chuyên đề năm nay", term="XIII", year=this_year)
    response = login(client, province, "dangvien").get(reverse("study_theme_list"))
    assert [t.title for t in response.context["themes"]] == [
        "Chuyên đề năm nay", "Chuyên đề toàn khóa", "Chuyên đề năm trước"]
    assert "Năm nay" in response.content.decode()


def test_tuyengiao_of_the_province_keeps_the_themes(client, province):
    login(client, province, "tuyengiao")
    response = client.post(reverse("study_theme_create"), {
        "kind": "hang_nam", "title": "Học tập và làm theo về ý chí tự lực, tự cường", "term": "XIII (2021–2026)",
        "year": "", "summary": ""})
    assert response.status_code == 200
    assert "phải có năm" in response.content.decode()  # the yearly theme needs its year
    assert not Theme.objects.exists()
    response = client.post(reverse("study_theme_create"), {
        "kind": "toan_khoa", "title": "Ý chí tự lực, tự cường", "term": "XIII (2021–2026)", "year": "2021",
        "summary": ""})
    assert response.status_code == 302
    theme = Theme.objects.get()
    assert theme.year is None  # a term-long theme has no year
    response = client.post(reverse("study_theme_edit", args=[theme.pk]), {
        "kind": "hang_nam", "title": "Năm 2026", "term": "XIV", "year": "2026", "summary": "Nội dung"})
    assert response.status_code == 302
    theme.refresh_from_db()
    assert (theme.kind, theme.year, theme.title) == ("hang_nam", 2026, "Năm 2026")


@pytest.mark.parametrize("role", ["bithu", "daotao", "dangvien"])
def test_others_cannot_edit_themes(client, province, role):
    login(client, province, role)
    assert client.get(reverse("study_theme_create")).status_code == 403
    response = client.post(reverse("study_theme_create"), {"kind": "toan_khoa", "title": "X", "term": "XIII"})
    assert response.status_code == 403 and not Theme.objects.exists()


def test_tuyengiao_below_the_top_publishes_only_in_his_subtree(client, province, media):
    from tests.factories import UserFactory, give_grant

    staff = UserFactory(username="tuyengiao-dbx")
    give_grant(staff, province["units"]["DBX"], "tuyengiao")
    client.force_login(staff)
    assert client.get(reverse("study_theme_create")).status_code == 403  # themes are the province's
    response = client.post(reverse("study_document_create"), form_data(province))  # TINH: above him
    assert response.status_code == 200 and not Document.objects.exists()
    response = client.post(reverse("study_document_create"), form_data(
        province, organization=province["units"]["CB3"].pk))
    assert response.status_code == 302
    assert Document.objects.get().organization.code == "CB3"


def test_api_list_queries_do_not_grow(client, province, media, django_assert_max_num_queries):
    tinh = province["units"]["TINH"]
    login(client, province, "bithu")
    make_document(tinh, "1-KH/TU", "KH", title="Kế hoạch học tập")
    client.get("/api/v1/documents/")
    with django_assert_max_num_queries(10) as small:
        client.get("/api/v1/documents/?q=ke hoach&kind=KH")
    for i in range(2, 40):
        make_attachment(make_document(tinh, f"{i}-KH/TU", "KH", title="Kế hoạch học tập"), media)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get("/api/v1/documents/?q=ke hoach&kind=KH").json()
    assert body["count"] == 39 and sum(row["attachment_count"] for row in body["results"]) == 38


def test_api_upload_refuses_a_fake_pdf(client, province, media):
    document = make_document(province["units"]["CB1"])
    login(client, province, "bithu")
    response = client.post(f"/api/v1/documents/{document.pk}/attachments/",
                           {"file": pdf_upload("gia.pdf", b"GIF89a")})
    assert response.status_code == 400 and "nội dung không phải PDF" in response.json()["file"][0]
    assert not Attachment.objects.exists()


def test_admin_checks_the_number_symbol(client, province):
    client.force_login(province["users"]["admin"])
    assert client.get(reverse("admin:resolutions_document_changelist")).status_code == 200
    response = client.post(reverse("admin:resolutions_document_add"), {
        "kind": DocumentKind.objects.get(code="CT").pk, "number_symbol": "05/CT/TW", "issuing_body": "Bộ Chính trị",
        "issued_on": "15/05/2016", "title": "Chỉ thị", "summary": "", "organization": province["units"]["TINH"].pk,
        "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0"})
    assert response.status_code == 200 and "không đúng dạng" in response.content.decode()
    assert not Document.objects.exists()
    response = client.post(reverse("admin:resolutions_document_add"), {
        "kind": DocumentKind.objects.get(code="CT").pk, "number_symbol": "05-CT/TW", "issuing_body": "Bộ Chính trị",
        "issued_on": "15/05/2016", "title": "Chỉ thị", "summary": "", "organization": province["units"]["TINH"].pk,
        "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0"})
    assert response.status_code == 302 and Document.objects.get().number_symbol == "05-CT/TW"
