"""State changes of the documents area: documents and their PDF attachments, themes,
study campaigns, a unit's study settings. Each validates fully and answers bad input
with a Vietnamese ValidationError, writing nothing; who may write is checked here too
(PermissionDenied), so pages, the API and the admin share one rule."""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pypdf import PdfReader

from portal.access import Action, can_manage, may
from portal.models import Organization
from resolutions.models import Attachment, Document, DocumentKind, StudyCampaign, Theme, UnitStudySettings
from resolutions.selectors.documents import can_edit_themes

# Party documents: "05-CT/TW", "195-KH/ĐU", "434-CV/BTGTU" (number-kind/issuer).
_PARTY_SYMBOL = re.compile(r"^(?P<number>\d{1,5})-(?P<kind>[A-ZĐ]{1,6})/(?P<issuer>[A-ZĐ]{1,10}(?:-[A-ZĐ]{1,10})*)$")
# State documents: "27/CT-TTg", "15/2020/NĐ-CP", "3058/UBND-NC" (number[/year]/kind-issuer).
_STATE_SYMBOL = re.compile(r"^(?P<number>\d{1,6})/(?:\d{4}/)?(?P<kind>[A-ZĐ]{1,8})-(?P<issuer>[A-Za-zĐđ]{1,10}"
                           r"(?:-[A-Za-zĐđ]{1,10})*)$")
PDF_MAGIC = b"%PDF-"
PDF_MAX_PAGE_TREE_NODES = 5000  # far above any resolution; bounds the walk of a forged or cyclic page tree


def _malformed(value: str) -> ValidationError:
    return ValidationError(
        {"number_symbol": _("Số, ký hiệu “%(value)s” không đúng dạng. Văn bản của Đảng viết theo dạng "
                            "số-loại/cơ quan ban hành, ví dụ 05-CT/TW hoặc 195-KH/ĐU; văn bản nhà nước viết "
                            "như 27/CT-TTg.") % {"value": value}},
        code="malformed")


def _symbol_match(value: str):
    """(the number-symbol as written, without spaces, its match, whether it is a Party one)."""
    text = unicodedata.normalize("NFC", "".join((value or "").split()))
    party = _PARTY_SYMBOL.match(text.upper())
    return text, party or _STATE_SYMBOL.match(text), party is not None


def symbol_kind(value: str) -> str | None:
    """The kind code a number-symbol carries ("CT" in "05-CT/TW", "UBND" in "3058/UBND-NC"),
    None when it is not a number-symbol."""
    _text, match, _party = _symbol_match(value)
    return match["kind"] if match else None


def _kind_in_force(code: str, on) -> bool:
    return DocumentKind.objects.in_force(on).filter(code=code).exists()


def validate_number_symbol(value: str, kind: DocumentKind | None, issued_on, *, kind_in_force=_kind_in_force) -> str:
    """The number-symbol as it is to be stored, or a ValidationError saying what is wrong.
    The kind in the symbol must be a kind in force on the issue date and the one chosen.
    `kind_in_force(code, day)` answers from the database; an import passes its catalogue
    read once."""
    text, match, party = _symbol_match(value)
    if not text:
        raise ValidationError({"number_symbol": _("Nhập số, ký hiệu của văn bản, ví dụ 05-CT/TW.")},
                              code="required")
    if match is None:
        raise _malformed(value)
    if party:
        text = text.upper()
    if kind is None or issued_on is None:
        return text  # the missing field gets its own message
    symbol_kind = match["kind"]
    known = kind_in_force(symbol_kind, issued_on)
    if party or known:
        if not known:
            raise ValidationError(
                {"number_symbol": _("Ký hiệu loại “%(code)s” không có trong danh mục loại văn bản có hiệu lực "
                                    "ngày %(date)s (NQ, CT, KL, QĐ, KH, HD, TB, BC, CV…).")
                 % {"code": symbol_kind, "date": date_format(issued_on, "SHORT_DATE_FORMAT")}},
                code="unknown_kind")
        if symbol_kind != kind.code:
            raise ValidationError(
                {"number_symbol": _("Ký hiệu “%(value)s” là của loại %(code)s, nhưng bạn chọn loại “%(kind)s” "
                                    "(%(kind_code)s). Sửa ký hiệu hoặc chọn lại loại văn bản.")
                 % {"value": text, "code": symbol_kind, "kind": kind.name, "kind_code": kind.code}},
                code="kind_mismatch")
    elif kind.code != "CV":
        # A state công văn carries its issuer's abbreviation instead of a kind ("3058/UBND-NC").
        raise ValidationError(
            {"number_symbol": _("Ký hiệu “%(value)s” không ghi loại văn bản (dạng công văn). Chọn loại "
                                "Công văn, hoặc sửa ký hiệu.") % {"value": text}},
            code="kind_mismatch")
    if kind.valid_from and kind.valid_from > issued_on or kind.valid_to and kind.valid_to < issued_on:
        raise ValidationError(
            {"kind": _("Loại văn bản “%(kind)s” không có hiệu lực vào ngày ban hành %(date)s.")
             % {"kind": kind.name, "date": date_format(issued_on, "SHORT_DATE_FORMAT")}},
            code="kind_not_in_force")
    return text


def require_publish(by, organization: Organization) -> None:
    """Who may publish documents and campaigns to a unit (the pages', the API's and the import's rule)."""
    if organization is None or not may(by, Action.PUBLISH, organization):
        raise PermissionDenied(_("Bạn không có quyền ban hành, phổ biến văn bản hay đợt học tập cho đơn vị này."))


def _save(instance):
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a concurrent writer won the race the check above lost
        raise ValidationError(_("Dữ liệu vừa bị người khác thay đổi; hãy thử lại.")) from exc
    return instance


@transaction.atomic
def save_document(*, by, document: Document | None = None, themes=None, **fields) -> Document:
    """Create (`document` None) or update a document addressed to a unit the user may publish to."""
    if document is not None:
        require_publish(by, document.organization)  # he may edit where it is addressed now…
        document = Document.objects.select_for_update().get(pk=document.pk)
    else:
        document = Document()
    for name, value in fields.items():
        setattr(document, name, value)
    require_publish(by, document.organization if document.organization_id else None)  # …and where it goes
    document.number_symbol = validate_number_symbol(
        document.number_symbol, document.kind if document.kind_id else None, document.issued_on)
    _save(document)
    if themes is not None:
        document.themes.set(themes)
    return document


def check_pdf(upload) -> None:
    """A PDF by extension and by content, within the size limit; else a clear message.
    The content is parsed, not only its first bytes: an HTML page with a `%PDF-` header in
    front is refused, as are a truncated file and an encrypted one."""
    limit_mb = settings.DOCUMENT_MAX_UPLOAD_MB
    name = upload.name or ""
    if not name.lower().endswith(".pdf"):
        raise ValidationError({"file": _("Tệp “%(name)s” không phải PDF. Chỉ nhận tệp .pdf.") % {"name": name}},
                              code="not_pdf")
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(
            {"file": _("Tệp “%(name)s” nặng %(size).1f MB, vượt giới hạn %(limit)d MB. Hãy nén hoặc tách tệp.")
             % {"name": name, "size": upload.size / 1024 / 1024, "limit": limit_mb}},
            code="too_large")
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    not_pdf = ValidationError(
        {"file": _("Tệp “%(name)s” có đuôi .pdf nhưng nội dung không phải PDF. Hãy xuất lại tệp dưới dạng PDF.")
         % {"name": name}},
        code="not_pdf")
    if head != PDF_MAGIC:
        raise not_pdf
    try:
        reader = PdfReader(upload, strict=False)
        encrypted = reader.is_encrypted
        pages = None if encrypted else _count_pages(reader)
    except Exception as exc:  # malformed input makes pypdf raise errors of many kinds, not only PyPdfError
        raise not_pdf from exc
    finally:
        upload.seek(0)
    if encrypted:
        # Members read it in the browser without a password, and what an encrypted file holds cannot be checked.
        raise ValidationError(
            {"file": _("Tệp “%(name)s” được đặt mật khẩu hoặc mã hoá. Hãy tải lên bản PDF không đặt mật khẩu.")
             % {"name": name}},
            code="encrypted_pdf")
    if not pages:
        raise not_pdf


def _count_pages(reader: PdfReader) -> int:
    """The pages found by walking the page tree (its /Count may lie), or an error past the bound."""
    pending, visited, pages = [reader.trailer["/Root"]["/Pages"]], 0, 0
    while pending:
        node = pending.pop().get_object()
        visited += 1
        if visited > PDF_MAX_PAGE_TREE_NODES:
            raise ValueError("page tree beyond the bound")
        if node.get("/Type") == "/Pages":
            pending.extend(node["/Kids"])
        else:
            pages += 1
    return pages


@transaction.atomic
def add_attachment(*, by, document: Document, upload) -> Attachment:
    require_publish(by, document.organization)
    check_pdf(upload)
    original = upload.name.replace("\\", "/").rsplit("/", 1)[-1][:255]
    attachment = Attachment(document=document, original_name=original, size=upload.size)
    attachment.file.save(original, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)  # no orphan file when the row is not written
        raise
    return attachment


@transaction.atomic
def delete_attachment(*, by, attachment: Attachment) -> None:
    require_publish(by, attachment.document.organization)
    stored = attachment.file.name
    attachment.delete()
    storage = attachment.file.storage
    transaction.on_commit(lambda: storage.delete(stored))


def _require_themes(by) -> None:
    if not can_edit_themes(by):
        raise PermissionDenied(_("Chỉ Ban Tuyên giáo cấp tỉnh hoặc quản trị viên được cập nhật chuyên đề."))


@transaction.atomic
def save_theme(*, by, theme: Theme | None = None, **fields) -> Theme:
    _require_themes(by)
    theme = theme or Theme()
    for name, value in fields.items():
        setattr(theme, name, value)
    if theme.kind == Theme.Kind.TERM:
        theme.year = None  # a term-long theme has no year; the form may still carry one
    return _save(theme)


def check_campaign_subject(campaign: StudyCampaign) -> None:
    """Everyone in the campaign's subtree must be able to read its document: it must be
    addressed to the campaign's unit or a unit above it."""
    document = campaign.document
    if document is not None and campaign.organization_id and not campaign.organization.path.startswith(
            document.organization.path):
        raise ValidationError(
            {"document": _("Văn bản %(doc)s chỉ phổ biến đến %(unit)s, nên không giao cho toàn %(target)s học "
                           "được. Chọn văn bản gửi đến đơn vị này hoặc cấp trên.")
             % {"doc": document.number_symbol, "unit": document.organization.name,
                "target": campaign.organization.name}},
            code="document_out_of_reach")


@transaction.atomic
def save_campaign(*, by, campaign: StudyCampaign | None = None, **fields) -> StudyCampaign:
    """Launch (or correct) the study of a document or theme across a unit's subtree."""
    if campaign is not None:
        require_publish(by, campaign.organization)
        campaign = StudyCampaign.objects.select_for_update().get(pk=campaign.pk)
    else:
        campaign = StudyCampaign(created_by=by)
    for name, value in fields.items():
        setattr(campaign, name, value)
    require_publish(by, campaign.organization if campaign.organization_id else None)
    check_campaign_subject(campaign)
    return _save(campaign)


@transaction.atomic
def set_absence_threshold(*, by, unit: Organization, threshold: int) -> UnitStudySettings:
    if not can_manage(by, unit):
        raise PermissionDenied(_("Bạn không có quyền thay đổi thiết lập của đơn vị này."))
    settings_row, _created = UnitStudySettings.objects.get_or_create(organization=unit)
    settings_row.unexcused_absence_threshold = threshold
    return _save(settings_row)
