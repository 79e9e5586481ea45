"""Training (DESIGN.md §3, DOMAIN.md §5): class types as dated rules, yearly plans approved
by the superior committee, classes with lessons, enrolments with lesson attendance and
results, certificates in gapless registers, lecturers, external results, targets."""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.files import private_storage
from portal.models import CatalogueEntry, Organization, PartyStatus, Person, PositionRole, TheoryLevel

SCORE_MAX = 10  # scores are out of 10, two decimals


class ClassType(CatalogueEntry):
    """Loại lớp (chương trình): bồi dưỡng nhận thức về Đảng, đảng viên mới, nghiệp vụ công
    tác Đảng, cập nhật kiến thức mới, chuyên đề, sơ cấp LLCT; trung cấp and cao cấp LLCT
    are `external` (taught by the provincial school and the academy, recorded as
    `ExternalResult`). What a class of the type requires is in its `ClassTypeRule`s, each
    in force over a period (the Party's guidance changes)."""

    external = models.BooleanField(_("học ở cơ sở đào tạo bên ngoài"), default=False,
                                   help_text=_("Trung cấp, cao cấp lý luận chính trị: ghi kết quả, không mở lớp."))
    theory_level = models.ForeignKey(TheoryLevel, null=True, blank=True, on_delete=models.PROTECT,
                                     verbose_name=_("trình độ lý luận đạt được"),
                                     help_text=_("Người hoàn thành được cập nhật trình độ lý luận chính trị này."))

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("loại lớp bồi dưỡng")
        verbose_name_plural = _("loại lớp bồi dưỡng")
        constraints = [CatalogueEntry.validity_constraint("classtype_valid_dates")]


class ClassTypeRule(models.Model):
    """What a class of a type requires while the rule is in force: who is eligible, its
    lessons and periods, whether it ends with a test and a certificate, the pass mark."""

    class Eligibility(models.TextChoices):
        ANYONE = "moi_nguoi", _("Mọi người")
        STATUS = "tinh_trang", _("Theo tình trạng đảng viên")
        POSITION = "chuc_vu", _("Người giữ chức vụ")

    class_type = models.ForeignKey(ClassType, on_delete=models.CASCADE, related_name="rules",
                                   verbose_name=_("loại lớp"))
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    eligibility = models.CharField(_("đối tượng"), max_length=12, choices=Eligibility.choices,
                                   default=Eligibility.ANYONE)
    eligible_statuses = models.ManyToManyField(PartyStatus, blank=True, related_name="+",
                                               verbose_name=_("tình trạng được học"))
    eligible_roles = models.ManyToManyField(PositionRole, blank=True, related_name="+",
                                            verbose_name=_("chức vụ được học"))
    lessons = models.PositiveSmallIntegerField(_("số bài (chuyên đề)"), default=1)
    periods = models.PositiveSmallIntegerField(_("số tiết"), default=4)
    has_test = models.BooleanField(_("có kiểm tra cuối khóa"), default=False)
    certifies = models.BooleanField(_("cấp giấy chứng nhận"), default=False)
    pass_mark = models.DecimalField(_("điểm đạt"), max_digits=4, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(0), MaxValueValidator(SCORE_MAX)])
    basis = models.CharField(_("căn cứ"), max_length=300, blank=True,
                             help_text=_("Văn bản hướng dẫn quy định chương trình này."))

    class Meta:
        verbose_name = _("quy định của loại lớp")
        verbose_name_plural = _("quy định của loại lớp")
        ordering = ["class_type", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["class_type", "valid_from"], name="classtyperule_one_per_start",
                                    violation_error_message=_("Loại lớp này đã có quy định hiệu lực từ ngày này.")),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="classtyperule_valid_dates",
                                   violation_error_message=_("Ngày hết hiệu lực phải sau ngày có hiệu lực.")),
            models.CheckConstraint(condition=Q(has_test=False) | Q(pass_mark__isnull=False),
                                   name="classtyperule_test_has_pass_mark",
                                   violation_error_message=_("Lớp có kiểm tra cần có điểm đạt.")),
        ]

    def __str__(self):
        return f"{self.class_type} ({self.valid_from:%d/%m/%Y})"


class PriorityGroup(models.TextChoices):
    """Seed 003: priority to women and ethnic-minority cadres, and the succession plan."""

    WOMEN = "nu", _("Cán bộ nữ")
    MINORITY = "dan_toc_thieu_so", _("Cán bộ người dân tộc thiểu số")
    SUCCESSION = "quy_hoach", _("Cán bộ trong quy hoạch")


class TrainingPlan(models.Model):
    """Kế hoạch đào tạo, bồi dưỡng năm of a unit (a đảng ủy, or the political centre on its
    behalf), approved by the superior committee. An amendment is a new version that goes
    the same way; when it is approved the version it amends becomes `SUPERSEDED`."""

    class Status(models.TextChoices):
        DRAFT = "nhap", _("Dự thảo")
        SUBMITTED = "da_trinh", _("Đã trình duyệt")
        RETURNED = "tra_lai", _("Trả lại để sửa")
        APPROVED = "da_duyet", _("Đã phê duyệt")
        SUPERSEDED = "da_thay_the", _("Đã được điều chỉnh")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="training_plans",
                                     verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    version = models.PositiveSmallIntegerField(_("lần"), default=1)
    amends = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments",
                               verbose_name=_("điều chỉnh kế hoạch"))
    title = models.CharField(_("tên kế hoạch"), max_length=300, blank=True)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("trình lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("phê duyệt / trả lại lúc"), null=True, blank=True)
    decision_comment = models.TextField(_("ý kiến của cấp ủy cấp trên"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kế hoạch đào tạo, bồi dưỡng")
        verbose_name_plural = _("kế hoạch đào tạo, bồi dưỡng")
        ordering = ["-year", "organization__path", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "version"], name="trainingplan_one_version",
                                    violation_error_message=_("Đơn vị đã có kế hoạch năm này với số lần này.")),
            # One approved version at a time: the rows classes count against.
            models.UniqueConstraint(fields=["organization", "year"], condition=Q(status="da_duyet"),
                                    name="trainingplan_one_approved",
                                    violation_error_message=_("Đơn vị đã có kế hoạch được phê duyệt của năm này.")),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="trainingplan_year_range",
                                   violation_error_message=_("Năm kế hoạch không hợp lệ.")),
        ]

    def __str__(self):
        label = self.title or _("Kế hoạch đào tạo, bồi dưỡng năm %(year)s") % {"year": self.year}
        return f"{label} — {self.organization}" + (f" ({_('lần')} {self.version})" if self.version > 1 else "")


class PlanLine(models.Model):
    """One line of a plan: classes of a type, learners, in a quarter, for priority groups."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="lines")
    class_type = models.ForeignKey(ClassType, on_delete=models.PROTECT, related_name="+", verbose_name=_("loại lớp"))
    planned_classes = models.PositiveSmallIntegerField(_("số lớp"), validators=[MinValueValidator(1)])
    planned_learners = models.PositiveIntegerField(_("số học viên"), validators=[MinValueValidator(1)])
    quarter = models.PositiveSmallIntegerField(_("quý"), null=True, blank=True,
                                               validators=[MinValueValidator(1), MaxValueValidator(4)])
    priority_groups = ArrayField(models.CharField(max_length=20, choices=PriorityGroup.choices), blank=True,
                                 default=list, verbose_name=_("đối tượng ưu tiên"))
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("dòng kế hoạch")
        verbose_name_plural = _("dòng kế hoạch")
        ordering = ["plan", "quarter", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                                   name="planline_quarter_range", violation_error_message=_("Quý phải từ 1 đến 4.")),
            models.CheckConstraint(condition=Q(planned_classes__gte=1) & Q(planned_learners__gte=1), name="planline_positive",
                                   violation_error_message=_("Số lớp và số học viên phải lớn hơn 0.")),
        ]

    def __str__(self):
        quarter = f" — {_('quý')} {self.quarter}" if self.quarter else ""
        return f"{self.class_type}: {self.planned_classes} {_('lớp')}, {self.planned_learners} {_('học viên')}{quarter}"


class Lecturer(models.Model):
    """Giảng viên chuyên trách, kiêm chức, báo cáo viên: a person registered with a unit."""

    class Kind(models.TextChoices):
        FULL_TIME = "chuyen_trach", _("Giảng viên chuyên trách")
        PART_TIME = "kiem_chuc", _("Giảng viên kiêm chức")
        SPEAKER = "bao_cao_vien", _("Báo cáo viên")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="lecturer_roles",
                               verbose_name=_("người"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="lecturers",
                                     verbose_name=_("đơn vị quản lý"))
    kind = models.CharField(_("loại"), max_length=14, choices=Kind.choices)
    qualification = models.CharField(_("trình độ, chuyên môn"), max_length=200, blank=True)
    meets_standard = models.BooleanField(_("đạt chuẩn"), default=False)
    standard_checked_on = models.DateField(_("ngày công nhận đạt chuẩn"), null=True, blank=True)
    started_on = models.DateField(_("từ ngày"))
    ended_on = models.DateField(_("đến ngày"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("giảng viên, báo cáo viên")
        verbose_name_plural = _("giảng viên, báo cáo viên")
        ordering = ["organization__path", "person__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], condition=Q(ended_on__isnull=True),
                                    name="lecturer_one_current_per_kind",
                                    violation_error_message=_("Người này đã là giảng viên loại này.")),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                                   name="lecturer_dates", violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu.")),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_kind_display()}"


class TrainingClassQuerySet(models.QuerySet):
    """The one rule of seed 003: a class counts when its plan line belongs to the approved
    version of its organizer's plan; every other class is "ngoài kế hoạch"."""

    def in_plan(self):
        return self.filter(in_plan_q())

    def outside_plan(self):
        return self.exclude(in_plan_q())


def in_plan_q(to_class: str = "") -> Q:
    """"The class counts", from a model whose lookup to its TrainingClass is `to_class`
    (e.g. "training_class__" from Enrollment)."""
    return Q(**{f"{to_class}plan_line__plan__status": TrainingPlan.Status.APPROVED})


class TrainingClass(models.Model):
    """Lớp bồi dưỡng. Counted in every figure only when its plan line belongs to an approved
    plan; otherwise it is "ngoài kế hoạch" (seed 003)."""

    class Format(models.TextChoices):
        IN_PERSON = "tap_trung", _("Tập trung")
        ONLINE = "truc_tuyen", _("Trực tuyến")

    class_type = models.ForeignKey(ClassType, on_delete=models.PROTECT, related_name="classes",
                                   verbose_name=_("loại lớp"))
    organizer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="training_classes",
                                  verbose_name=_("đơn vị tổ chức"))
    plan_line = models.ForeignKey(PlanLine, null=True, blank=True, on_delete=models.PROTECT, related_name="classes",
                                  verbose_name=_("dòng kế hoạch"))
    name = models.CharField(_("tên lớp"), max_length=300)
    starts_on = models.DateField(_("khai giảng"))
    ends_on = models.DateField(_("bế giảng"))
    format = models.CharField(_("hình thức"), max_length=12, choices=Format.choices, default=Format.IN_PERSON)
    place = models.CharField(_("địa điểm"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("số học viên tối đa"), validators=[MinValueValidator(1)])
    results_closed_at = models.DateTimeField(_("chốt kết quả lúc"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("lớp bồi dưỡng")
        verbose_name_plural = _("lớp bồi dưỡng")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["organizer", "starts_on"], name="trainingclass_org_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="trainingclass_dates",
                                   violation_error_message=_("Ngày bế giảng phải từ ngày khai giảng trở đi.")),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="trainingclass_capacity",
                                   violation_error_message=_("Số học viên tối đa phải lớn hơn 0.")),
        ]

    def __str__(self):
        return self.name


class Lesson(models.Model):
    """Bài (chuyên đề) of a class, on a date, given by a lecturer."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="lessons")
    number = models.PositiveSmallIntegerField(_("bài số"))
    title = models.CharField(_("tên bài"), max_length=300)
    held_on = models.DateField(_("ngày học"))
    periods = models.PositiveSmallIntegerField(_("số tiết"), default=4)
    lecturer = models.ForeignKey(Lecturer, null=True, blank=True, on_delete=models.PROTECT, related_name="lessons",
                                 verbose_name=_("giảng viên"))

    class Meta:
        verbose_name = _("bài học")
        verbose_name_plural = _("bài học")
        ordering = ["training_class", "number"]
        indexes = [models.Index(fields=["lecturer", "held_on"], name="lesson_lecturer_date")]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "number"], name="lesson_unique_number",
                                    violation_error_message=_("Lớp đã có bài số này.")),
        ]

    def __str__(self):
        return f"{_('Bài')} {self.number}: {self.title}"


class Enrollment(models.Model):
    """A person nominated to a class by a unit; his lesson attendance and result.
    `learner_organization` is his unit when nominated: the figures of that year count him
    there, and that unit's reach sees the enrolment."""

    class Result(models.TextChoices):
        PASSED = "dat", _("Đạt")
        FAILED = "khong_dat", _("Không đạt")

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="enrollments",
                                       verbose_name=_("lớp"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrollments",
                               verbose_name=_("học viên"))
    learner_organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                             verbose_name=_("đơn vị của học viên"))
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    nominated_at = models.DateTimeField(_("cử đi học lúc"), auto_now_add=True)
    score = models.DecimalField(_("điểm"), max_digits=4, decimal_places=2, null=True, blank=True,
                                validators=[MinValueValidator(0), MaxValueValidator(SCORE_MAX)])
    result = models.CharField(_("kết quả"), max_length=10, choices=Result.choices, blank=True)
    result_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    result_recorded_at = models.DateTimeField(_("ghi kết quả lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("học viên của lớp")
        verbose_name_plural = _("học viên của lớp")
        ordering = ["training_class", "person__sort_key"]
        indexes = [models.Index(fields=["person"], name="enrollment_person"),
                   models.Index(fields=["learner_organization"], name="enrollment_learner_org")]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "person"], name="enrollment_once_per_class",
                                    violation_error_message=_("Người này đã có trong danh sách lớp.")),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=SCORE_MAX),
                                   name="enrollment_score_range",
                                   violation_error_message=_("Điểm phải từ 0 đến 10.")),
        ]

    def __str__(self):
        return f"{self.person} — {self.training_class}"


class LessonAttendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "co_mat", _("Có mặt")
        EXCUSED = "vang_co_ly_do", _("Vắng có lý do")
        ABSENT = "vang_khong_ly_do", _("Vắng không lý do")

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="attendance")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("tình trạng"), max_length=20, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField(_("lý do"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("điểm danh buổi học")
        verbose_name_plural = _("điểm danh buổi học")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "enrollment"], name="lessonattendance_once",
                                    violation_error_message=_("Học viên đã được điểm danh bài này.")),
        ]

    def __str__(self):
        return f"{self.enrollment.person} — {self.get_status_display()}"


class CertificateRegister(models.Model):
    """Sổ cấp giấy chứng nhận of an organizer for a year: its row is locked while numbers
    are taken, so numbers have no gap and no duplicate however many issue at once."""

    organizer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sổ cấp giấy chứng nhận")
        verbose_name_plural = _("sổ cấp giấy chứng nhận")
        constraints = [models.UniqueConstraint(fields=["organizer", "year"], name="certificateregister_one")]

    def __str__(self):
        return f"{self.organizer} — {self.year}"


def new_verification_code() -> str:
    """16 characters of an unambiguous alphabet: unguessable, easy to read out from paper."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


class Certificate(models.Model):
    """Giấy chứng nhận of a passed learner: number `number` of its organizer's register of
    `year`; revoked with a reason, it keeps its number."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.PROTECT, related_name="certificate")
    organizer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("đơn vị cấp"))
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveIntegerField(_("số"))
    verification_code = models.CharField(_("mã xác minh"), max_length=32, unique=True, default=new_verification_code)
    issued_on = models.DateField(_("ngày cấp"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    revoked_on = models.DateField(_("ngày thu hồi"), null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # The printed certificate, made once when it is issued (a paper that was handed out does
    # not change; its state, valid or revoked, is what the verification page shows).
    pdf = models.FileField(_("tệp PDF"), storage=private_storage, max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("giấy chứng nhận")
        verbose_name_plural = _("giấy chứng nhận")
        ordering = ["-year", "organizer", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "year", "number"], name="certificate_unique_number",
                                    violation_error_message=_("Số giấy chứng nhận này đã được cấp.")),
            models.CheckConstraint(condition=Q(revoked_on__isnull=True) | ~Q(revoked_reason=""),
                                   name="certificate_revocation_has_reason",
                                   violation_error_message=_("Thu hồi giấy chứng nhận cần ghi lý do.")),
        ]

    def __str__(self):
        return self.register_number

    @property
    def register_number(self) -> str:
        return f"{self.number:04d}/{self.year}"

    @property
    def valid(self) -> bool:
        return self.revoked_on is None


class ExternalResult(models.Model):
    """Trung cấp, cao cấp LLCT (or another external programme) completed by a person; the
    service that records it raises his theory level."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="external_results",
                               verbose_name=_("người học"))
    class_type = models.ForeignKey(ClassType, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("chương trình"))
    institution = models.CharField(_("cơ sở đào tạo"), max_length=200)
    completed_on = models.DateField(_("ngày hoàn thành"))
    certificate_number = models.CharField(_("số văn bằng, chứng chỉ"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kết quả học tập bên ngoài")
        verbose_name_plural = _("kết quả học tập bên ngoài")
        ordering = ["-completed_on"]

    def __str__(self):
        return f"{self.person} — {self.class_type}"


class TargetIndicator(models.TextChoices):
    """The figures a unit may set a yearly target on (seed 002 and its own)."""

    CERTIFIED_SHARE = "ty_le_cap_chung_nhan", _("Học viên lớp kết nạp, đảng viên mới được cấp giấy chứng nhận (%)")
    PARTY_WORK_TRAINED_SHARE = "ty_le_boi_duong_nghiep_vu", _(
        "Cấp ủy viên, ủy viên UBKT, bí thư, phó bí thư được bồi dưỡng nghiệp vụ trong nhiệm kỳ (%)")
    LECTURER_STANDARD_SHARE = "ty_le_giang_vien_dat_chuan", _("Giảng viên kiêm chức đạt chuẩn (%)")
    SECRETARIES_LECTURED_SHARE = "ty_le_bi_thu_len_lop", _(
        "Bí thư, phó bí thư đảng bộ cơ sở lên lớp ít nhất một lần trong năm (%)")
    CLASSES = "so_lop", _("Số lớp trong năm")
    GRASSROOTS_WITH_CLASS_SHARE = "ty_le_co_so_co_lop", _("Đảng bộ cơ sở tổ chức ít nhất một lớp (%)")
    CLASSES_OF_TYPE = "so_lop_theo_loai", _("Số lớp của một loại lớp")
    LEARNERS_OF_TYPE = "so_hoc_vien_theo_loai", _("Số học viên của một loại lớp")


class TrainingTarget(models.Model):
    """Chỉ tiêu of a unit for a year: at least `value` (and at most `upper`, when set) of an
    indicator over its subtree; per class type for the indicators that need one."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="training_targets",
                                     verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    indicator = models.CharField(_("chỉ tiêu"), max_length=40, choices=TargetIndicator.choices)
    class_type = models.ForeignKey(ClassType, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("loại lớp"))
    value = models.DecimalField(_("mức tối thiểu"), max_digits=8, decimal_places=2,
                                validators=[MinValueValidator(0)])
    upper = models.DecimalField(_("mức tối đa"), max_digits=8, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chỉ tiêu đào tạo, bồi dưỡng")
        verbose_name_plural = _("chỉ tiêu đào tạo, bồi dưỡng")
        ordering = ["-year", "organization__path", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "indicator", "class_type"],
                                    nulls_distinct=False, name="trainingtarget_one_per_indicator",
                                    violation_error_message=_("Đơn vị đã đặt chỉ tiêu này cho năm này.")),
            models.CheckConstraint(
                condition=Q(indicator__in=["so_lop_theo_loai", "so_hoc_vien_theo_loai"], class_type__isnull=False)
                | (~Q(indicator__in=["so_lop_theo_loai", "so_hoc_vien_theo_loai"]) & Q(class_type__isnull=True)),
                name="trainingtarget_class_type_matches",
                violation_error_message=_("Chỉ tiêu theo loại lớp cần chọn loại lớp; các chỉ tiêu khác thì không.")),
            models.CheckConstraint(condition=Q(upper__isnull=True) | Q(upper__gte=F("value")),
                                   name="trainingtarget_upper_above_value",
                                   violation_error_message=_("Mức tối đa phải từ mức tối thiểu trở lên.")),
        ]

    def __str__(self):
        return f"{self.get_indicator_display()} — {self.organization} {self.year}"
