"""What members study and how they take part: documents, themes, study campaigns,
study sessions with attendance, and the yearly commitments (DESIGN.md §3, DOMAIN.md §3–4)."""

import re

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.files import private_storage
from portal.models import CatalogueEntry, Organization, Person
from portal.text import search_key

SEARCH_CONFIG = "simple"  # no stemming: Vietnamese words are single syllables, kept as typed


def search_text(*parts: str) -> str:
    """Words without diacritics, punctuation as spaces: "35-NQ/TW" → "35 nq tw", so the
    full-text parser sees the number and the symbol as separate words."""
    return " ".join(re.sub(r"[\W_]+", " ", search_key(" ".join(parts))).split())


def search_vector_field():
    """The full-text vector of `search_text`, a stored generated column (one GIN index serves it)."""
    return models.GeneratedField(expression=SearchVector("search_text", config=SEARCH_CONFIG),
                                 output_field=SearchVectorField(), db_persist=True)


def search_indexes(prefix: str) -> list:
    return [GinIndex(fields=["search_vector"], name=f"{prefix}_search_fts"),
            GinIndex(fields=["search_text"], name=f"{prefix}_search_text_trgm", opclasses=["gin_trgm_ops"])]


class DocumentKind(CatalogueEntry):
    """Loại văn bản: NQ nghị quyết, CT chỉ thị, KL kết luận, QĐ, KH, HD, TB, BC, CV.
    `code` is the symbol as it stands in a number-symbol ("NQ", "CT"…)."""

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("loại văn bản")
        verbose_name_plural = _("loại văn bản")
        constraints = [CatalogueEntry.validity_constraint("documentkind_valid_dates")]


class RatingLevel(CatalogueEntry):
    """Mức xếp loại chất lượng: hoàn thành xuất sắc / tốt / hoàn thành / không hoàn thành
    nhiệm vụ, with the score thresholds of the rules in force."""

    min_score = models.PositiveSmallIntegerField(_("điểm tối thiểu"), null=True, blank=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("mức xếp loại")
        verbose_name_plural = _("mức xếp loại")
        constraints = [CatalogueEntry.validity_constraint("ratinglevel_valid_dates")]


class Theme(models.Model):
    """Chuyên đề toàn khóa (a term) or hằng năm (a year) under Kết luận 01-KL/TW."""

    class Kind(models.TextChoices):
        TERM = "toan_khoa", _("Chuyên đề toàn khóa")
        YEAR = "hang_nam", _("Chuyên đề hằng năm")

    kind = models.CharField(_("loại chuyên đề"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("tên chuyên đề"), max_length=500)
    term = models.CharField(_("nhiệm kỳ"), max_length=40, help_text=_("Ví dụ: XIII (2021–2026)"))
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    summary = models.TextField(_("nội dung chính"), blank=True)
    search_text = models.TextField(editable=False, default="")  # title and summary, see search_text()
    search_vector = search_vector_field()

    class Meta:
        verbose_name = _("chuyên đề")
        verbose_name_plural = _("chuyên đề")
        ordering = ["-year", "kind", "title"]
        indexes = search_indexes("theme")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="toan_khoa", year__isnull=True) | Q(kind="hang_nam", year__isnull=False),
                name="theme_year_matches_kind",
                violation_error_message=_("Chuyên đề hằng năm phải có năm; chuyên đề toàn khóa thì không."),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title

    def save(self, *args, **kwargs):
        self.search_text = search_text(self.title, self.summary)
        super().save(*args, **kwargs)


class Document(models.Model):
    """Văn bản to study. `number_symbol` is kept as written ("35-NQ/TW", "195-KH/ĐU");
    `organization` is the unit whose subtree it is addressed to."""

    kind = models.ForeignKey(DocumentKind, on_delete=models.PROTECT, verbose_name=_("loại văn bản"))
    number_symbol = models.CharField(_("số, ký hiệu"), max_length=60)
    issuing_body = models.CharField(_("cơ quan ban hành"), max_length=200)
    issued_on = models.DateField(_("ngày ban hành"))
    title = models.CharField(_("trích yếu"), max_length=500)
    summary = models.TextField(_("tóm tắt nội dung"), blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="documents", verbose_name=_("chuyên đề"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="documents",
                                     verbose_name=_("đơn vị phổ biến"))
    search_key = models.CharField(max_length=800, editable=False)
    # Number-symbol, title, summary and issuing body; the kind is matched through `kind`.
    search_text = models.TextField(editable=False, default="")
    search_vector = search_vector_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")
        ordering = ["-issued_on", "number_symbol"]
        indexes = [GinIndex(fields=["search_key"], name="document_search_trgm", opclasses=["gin_trgm_ops"]),
                   *search_indexes("document")]
        constraints = [
            models.UniqueConstraint(fields=["number_symbol", "issued_on"], name="document_unique_number",
                                    violation_error_message=_("Văn bản có số, ký hiệu và ngày ban hành này đã có.")),
        ]

    def __str__(self):
        return f"{self.number_symbol} — {self.title}"

    def save(self, *args, **kwargs):
        self.refresh_search_fields()
        super().save(*args, **kwargs)

    def refresh_search_fields(self) -> None:
        """What search reads, from the fields people write (also before a bulk write, which skips save)."""
        self.search_key = search_key(f"{self.number_symbol} {self.title} {self.issuing_body}")
        self.search_text = search_text(self.number_symbol, self.title, self.summary, self.issuing_body)


def attachment_path(instance, filename):
    return f"documents/{instance.document_id}/{timezone.now():%Y%m%d%H%M%S}.pdf"


class Attachment(models.Model):
    """A PDF of a document, in the private storage; served only by portal's download view."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("tệp PDF"), upload_to=attachment_path, storage=private_storage)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name


class Audience(models.TextChoices):
    """Đối tượng học tập: "trên trước, dưới sau, trong trước, ngoài sau"."""

    KEY_CADRES = "can_bo_chu_chot", _("Cán bộ chủ chốt")
    MEMBERS = "dang_vien", _("Đảng viên")
    PUBLIC = "quan_chung", _("Quần chúng")


class StudyCampaign(models.Model):
    """Đợt học tập, quán triệt: a unit has its subtree study a document or a theme by a deadline."""

    title = models.CharField(_("tên đợt học tập"), max_length=300)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="campaigns", verbose_name=_("văn bản"))
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns",
                              verbose_name=_("chuyên đề"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="campaigns",
                                     verbose_name=_("đơn vị triển khai"))
    audience = models.CharField(_("đối tượng"), max_length=20, choices=Audience.choices, default=Audience.MEMBERS)
    starts_on = models.DateField(_("bắt đầu"))
    deadline = models.DateField(_("hoàn thành trước ngày"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đợt học tập, quán triệt")
        verbose_name_plural = _("đợt học tập, quán triệt")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(document__isnull=False) | Q(theme__isnull=False),
                                   name="campaign_has_subject",
                                   violation_error_message=_("Chọn văn bản hoặc chuyên đề cần học tập.")),
            models.CheckConstraint(condition=Q(deadline__gte=F("starts_on")), name="campaign_deadline_after_start",
                                   violation_error_message=_("Hạn hoàn thành phải sau ngày bắt đầu.")),
        ]

    def __str__(self):
        return self.title


class StudySession(models.Model):
    """Buổi sinh hoạt chi bộ thường kỳ, chuyên đề, or học tập / quán triệt nghị quyết."""

    class Kind(models.TextChoices):
        REGULAR = "thuong_ky", _("Sinh hoạt chi bộ thường kỳ")
        THEMATIC = "chuyen_de", _("Sinh hoạt chuyên đề")
        STUDY = "hoc_tap", _("Học tập, quán triệt nghị quyết")

    class Format(models.TextChoices):
        IN_PERSON = "tap_trung", _("Tập trung")
        ONLINE = "truc_tuyen", _("Trực tuyến")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="study_sessions",
                                     verbose_name=_("đơn vị"))
    kind = models.CharField(_("loại buổi"), max_length=12, choices=Kind.choices, default=Kind.REGULAR)
    held_on = models.DateField(_("ngày"))
    starts_at = models.TimeField(_("giờ bắt đầu"), null=True, blank=True)
    format = models.CharField(_("hình thức"), max_length=12, choices=Format.choices, default=Format.IN_PERSON)
    place = models.CharField(_("địa điểm"), max_length=200, blank=True)
    bridge_points = models.PositiveSmallIntegerField(_("số điểm cầu"), null=True, blank=True)
    presenter = models.CharField(_("người trình bày"), max_length=150, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="sessions", verbose_name=_("văn bản"))
    campaign = models.ForeignKey(StudyCampaign, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="sessions", verbose_name=_("đợt học tập"))
    notes = models.TextField(_("ghi chú, biên bản tóm tắt"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("buổi sinh hoạt, học tập")
        verbose_name_plural = _("buổi sinh hoạt, học tập")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organization", "held_on"], name="session_org_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(format="tap_trung") | Q(bridge_points__isnull=False),
                name="session_online_has_bridge_points",
                violation_error_message=_("Buổi trực tuyến cần ghi số điểm cầu."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on:%d/%m/%Y} — {self.organization}"


class Attendance(models.Model):
    """One expected person at one session. Only expected people get a row (DOMAIN.md §3:
    not those excused from activity, transferred out, or admitted after the session), so
    an attendance share is present rows over all rows."""

    class Status(models.TextChoices):
        PRESENT = "co_mat", _("Có mặt")
        EXCUSED = "vang_co_ly_do", _("Vắng có lý do")
        ABSENT = "vang_khong_ly_do", _("Vắng không lý do")

    class Method(models.TextChoices):
        SECRETARY = "bi_thu", _("Bí thư ghi")
        QR = "qr", _("Quét mã QR")
        APOLOGY = "xin_vang", _("Xin vắng trước")

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(_("tình trạng"), max_length=20, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField(_("lý do"), max_length=300, blank=True)
    method = models.CharField(_("cách ghi"), max_length=10, choices=Method.choices, default=Method.SECRETARY)
    checked_in_at = models.DateTimeField(_("thời điểm ghi"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A scan refused because the secretary had marked him absent: shown to the secretary;
    # every attempt stays in the row history.
    refused_scan_at = models.DateTimeField(_("quét mã bị từ chối lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("điểm danh")
        verbose_name_plural = _("điểm danh")
        indexes = [models.Index(fields=["person", "session"], name="attendance_person")]
        constraints = [
            # Its index carries the status: the report counts a period's attendance from the
            # index alone, session by session (1.5 million rows a year for the province).
            models.UniqueConstraint(fields=["session", "person"], include=["status"], name="attendance_one_row_per_person",
                                    violation_error_message=_("Người này đã có trong danh sách điểm danh buổi này.")),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_status_display()}"


class UnitStudySettings(models.Model):
    """What a unit decides for itself: the unexcused-absence threshold above which a member
    is reminded (seed 000: "lười học")."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="study_settings")
    unexcused_absence_threshold = models.PositiveSmallIntegerField(
        _("ngưỡng vắng không lý do"), default=2,
        help_text=_("Đảng viên vắng không lý do nhiều hơn số buổi này trong năm sẽ được nhắc nhở."))

    class Meta:
        verbose_name = _("thiết lập học tập của đơn vị")
        verbose_name_plural = _("thiết lập học tập của đơn vị")

    def __str__(self):
        return str(self.organization)


class Commitment(models.Model):
    """Bản cam kết tu dưỡng, rèn luyện, phấn đấu of one person for one year."""

    class Status(models.TextChoices):
        DRAFT = "nhap", _("Bản nháp")
        SUBMITTED = "da_nop", _("Đã nộp")
        RETURNED = "tra_lai", _("Trả lại để sửa")
        ACCEPTED = "da_duyet", _("Đã duyệt")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="commitments")
    year = models.PositiveSmallIntegerField(_("năm"))
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("chuyên đề"))
    political_ideology = models.TextField(_("về tư tưởng chính trị"), blank=True)
    ethics_lifestyle = models.TextField(_("về phẩm chất đạo đức, lối sống"), blank=True)
    duties = models.TextField(_("về thực hiện chức trách, nhiệm vụ được giao"), blank=True)
    exemplary_conduct = models.TextField(_("về trách nhiệm nêu gương"), blank=True)
    study = models.TextField(_("về học tập, nâng cao trình độ"), blank=True)
    concrete_deed = models.TextField(_("việc làm cụ thể trong năm"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    review_comment = models.TextField(_("ý kiến của bí thư"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    self_assessment = models.TextField(_("tự đánh giá cuối năm"), blank=True)
    self_rating = models.ForeignKey(RatingLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("tự xếp loại"))
    rating = models.ForeignKey(RatingLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("xếp loại của chi bộ"))
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    rated_at = models.DateTimeField(_("xếp loại lúc"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bản cam kết tu dưỡng, rèn luyện, phấn đấu")
        verbose_name_plural = _("bản cam kết tu dưỡng, rèn luyện, phấn đấu")
        ordering = ["-year", "person__sort_key"]
        # The report reads a year's commitments of every member (person, status, rating) from
        # this index alone, not from the table and its long texts.
        indexes = [models.Index(fields=["year", "status"], include=["person", "rating"], name="commitment_year_status")]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="commitment_one_per_year",
                                    violation_error_message=_("Người này đã có bản cam kết của năm này.")),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(status="da_duyet"),
                                   name="commitment_rated_only_when_accepted",
                                   violation_error_message=_("Chỉ xếp loại bản cam kết đã được duyệt.")),
        ]

    def __str__(self):
        return f"{self.person} — {self.year}"

