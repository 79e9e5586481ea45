"""PDF attachments are parsed, not only sniffed (issue 11, point 10): what starts with
`%PDF-` but is not a PDF, a truncated file, an encrypted one, one without pages and a
forged page tree are refused with a Vietnamese message, through the pages and the API,
and nothing is written."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfWriter

from resolutions.models import Attachment, Document
from resolutions.services import documents
from tests.test_documents import PDF, form_data, login, make_document, pdf_upload

NOT_PDF = "nội dung không phải PDF"
ENCRYPTED = "đặt mật khẩu hoặc mã hoá"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_bytes(pages=1, password=None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# A page tree whose only kid is itself: a parser that trusts it walks forever.
CYCLIC_PAGE_TREE = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                    b"2 0 obj\n<< /Type /Pages /Kids [2 0 R] /Count 1 >>\nendobj\n"
                    b"trailer\n<< /Root 1 0 R /Size 3 >>\n%%EOF\n")

REFUSED = {
    "html_after_header": (b"%PDF-1.7\n<!doctype html><html><body><script>alert(1)</script></body></html>\n",
                          NOT_PDF),
    "truncated": (PDF[:len(PDF) // 2], NOT_PDF),
    "no_page": (pdf_bytes(pages=0), NOT_PDF),
    "cyclic_page_tree": (CYCLIC_PAGE_TREE, NOT_PDF),
    "encrypted": (pdf_bytes(password="mat-khau"), ENCRYPTED),
}


def nothing_written(media):
    return not Attachment.objects.exists() and (not media.exists() or not any(media.rglob("*")))


@pytest.mark.parametrize("case", REFUSED)
def test_upload_page_refuses_what_is_not_a_readable_pdf(case, client, province, media):
    content, message = REFUSED[case]
    document = make_document(province["units"]["CB1"])
    login(client, province, "bithu")
    response = client.post(reverse("study_attachment_upload", args=[document.pk]),
                           {"file": pdf_upload("van-ban.pdf", content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_written(media)


@pytest.mark.parametrize("case", REFUSED)
def test_api_refuses_what_is_not_a_readable_pdf(case, client, province, media):
    content, message = REFUSED[case]
    document = make_document(province["units"]["CB1"])
    login(client, province, "bithu")
    response = client.post(f"/api/v1/documents/{document.pk}/attachments/",
                           {"file": pdf_upload("van-ban.pdf", content)})
    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert nothing_written(media)


def test_document_form_with_html_behind_a_pdf_header_writes_nothing(client, province, media):
    login(client, province, "tuyengiao")
    response = client.post(reverse("study_document_create"), {
        **form_data(province), "attachment": pdf_upload("nghi-quyet.pdf", REFUSED["html_after_header"][0])})
    assert response.status_code == 200 and NOT_PDF in response.content.decode()
    assert not Document.objects.exists() and nothing_written(media)


def test_a_real_pdf_of_several_pages_is_stored_as_sent(client, province, media):
    content = pdf_bytes(pages=12)
    document = make_document(province["units"]["CB1"])
    login(client, province, "bithu")
    response = client.post(f"/api/v1/documents/{document.pk}/attachments/", {"file": pdf_upload("dai.pdf", content)})
    assert response.status_code == 201, response.content
    assert (media / document.attachments.get().file.name).read_bytes() == content


def test_the_page_tree_walk_is_bounded(province, media, monkeypatch):
    # Three pages under one root: four nodes.
    monkeypatch.setattr(documents, "PDF_MAX_PAGE_TREE_NODES", 4)
    documents.check_pdf(pdf_upload("ba-trang.pdf", pdf_bytes(pages=3)))
    monkeypatch.setattr(documents, "PDF_MAX_PAGE_TREE_NODES", 3)
    with pytest.raises(documents.ValidationError) as refused:
        documents.check_pdf(pdf_upload("ba-trang.pdf", pdf_bytes(pages=3)))
    assert NOT_PDF in refused.value.message_dict["file"][0]
