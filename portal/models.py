"""The core data: catalogues (rules as data), the organisation tree, people, positions, grants.

Catalogue entries carry validity dates (DOMAIN.md: many rules changed in 2025), so an
administrator edits them without a release and code asks for the entry in force on a date.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import CATALOGUE_ACTIONS
from portal.text import name_parts, search_key, vietnamese_sort_key


class User(AbstractUser):
    """An account. The person behind it, if any, is `Person.user`."""

    @property
    def display_name(self) -> str:
        """The name people know him by: his person record's, else the account's, else the
        username. Select `person` with the user where many are shown."""
        person = getattr(self, "person", None)
        # Vietnamese order: family and middle names (last_name) before the given name.
        account_name = f"{self.last_name} {self.first_name}".strip()
        return (person.full_name if person else "") or account_name or self.username

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")


# ---------------------------------------------------------------------------
# Catalogues: rules as data, each entry valid between two dates.
# ---------------------------------------------------------------------------


class CatalogueQuerySet(models.QuerySet):
    def in_force(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


def role_actions_field(help_text):
    """What a role may do, beyond seeing and updating records, where it is held (portal.access.Action)."""
    return ArrayField(
        models.CharField(max_length=20, choices=[(a.value, a.label) for a in CATALOGUE_ACTIONS]),
        verbose_name=_("được làm"), blank=True, default=list, help_text=help_text,
    )


class CatalogueEntry(models.Model):
    code = models.SlugField(_("mã"), max_length=40, unique=True, allow_unicode=True)
    name = models.CharField(_("tên"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    @classmethod
    def validity_constraint(cls, name):
        return models.CheckConstraint(
            condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
            name=name,
            violation_error_message=_("Ngày hết hiệu lực phải sau ngày có hiệu lực."),
        )


class OrgLevel(CatalogueEntry):
    """Cấp tổ chức đảng: đảng bộ tỉnh, đảng bộ trực thuộc, đảng bộ cơ sở, chi bộ cơ sở, chi bộ trực thuộc."""

    is_grassroots = models.BooleanField(_("là tổ chức cơ sở đảng"), default=False)
    is_cell = models.BooleanField(_("là chi bộ"), default=False)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("cấp tổ chức")
        verbose_name_plural = _("cấp tổ chức")
        constraints = [CatalogueEntry.validity_constraint("orglevel_valid_dates")]


class PartyStatus(CatalogueEntry):
    """Tình trạng đảng viên (quần chúng, dự bị, chính thức, miễn sinh hoạt, chuyển đi…)."""

    is_member = models.BooleanField(_("là đảng viên"), default=False)
    expected_at_meetings = models.BooleanField(_("phải dự sinh hoạt"), default=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("tình trạng đảng viên")
        verbose_name_plural = _("tình trạng đảng viên")
        constraints = [CatalogueEntry.validity_constraint("partystatus_valid_dates")]


class PositionRole(CatalogueEntry):
    """Chức vụ đảng: bí thư, phó bí thư, cấp ủy viên, ủy viên UBKT…"""

    manages_subtree = models.BooleanField(
        _("quản lý đơn vị và cấp dưới"),
        default=False,
        help_text=_("Người giữ chức vụ này thấy đơn vị và toàn bộ cấp dưới."),
    )
    is_committee_member = models.BooleanField(_("là cấp ủy viên"), default=False)
    actions = role_actions_field(_("Việc người giữ chức vụ này được làm ở đơn vị và toàn bộ cấp dưới. "
                                   "Chỉ chức vụ quản lý đơn vị và cấp dưới mới được giao việc."))

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("chức vụ đảng")
        verbose_name_plural = _("chức vụ đảng")
        constraints = [
            CatalogueEntry.validity_constraint("positionrole_valid_dates"),
            # A position reaches no unit unless its role manages a subtree: actions elsewhere would mean nothing.
            models.CheckConstraint(
                condition=Q(manages_subtree=True) | Q(actions=[]), name="positionrole_actions_need_subtree",
                violation_error_message=_("Chỉ chức vụ quản lý đơn vị và cấp dưới mới được giao việc; "
                                          "bỏ chọn các việc hoặc đánh dấu “quản lý đơn vị và cấp dưới”."),
            ),
        ]


class StaffRole(CatalogueEntry):
    """Vai trò nghiệp vụ được giao: tuyên giáo, đào tạo, tổ chức…"""

    may_edit_records = models.BooleanField(
        _("được cập nhật hồ sơ"),
        default=False,
        help_text=_("Người được giao vai trò này được sửa hồ sơ đảng viên, chức vụ của đơn vị và cấp dưới; "
                    "các vai trò khác chỉ được xem."),
    )
    actions = role_actions_field(_("Việc người được giao vai trò này được làm ở đơn vị được giao và toàn bộ cấp dưới."))

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("vai trò nghiệp vụ")
        verbose_name_plural = _("vai trò nghiệp vụ")
        constraints = [CatalogueEntry.validity_constraint("staffrole_valid_dates")]


class Ethnicity(CatalogueEntry):
    """Dân tộc: one of the 54 groups; every group but Kinh is a minority."""

    is_minority = models.BooleanField(_("dân tộc thiểu số"), default=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("dân tộc")
        verbose_name_plural = _("dân tộc")
        constraints = [CatalogueEntry.validity_constraint("ethnicity_valid_dates")]


class TheoryLevel(CatalogueEntry):
    """Trình độ lý luận chính trị: sơ cấp, trung cấp, cao cấp, cử nhân."""

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("trình độ lý luận chính trị")
        verbose_name_plural = _("trình độ lý luận chính trị")
        constraints = [CatalogueEntry.validity_constraint("theorylevel_valid_dates")]


# ---------------------------------------------------------------------------
# The organisation tree
# ---------------------------------------------------------------------------


class Organization(models.Model):
    """Tổ chức đảng. `path` is a materialised path ("/1/7/42/"), so a subtree is one
    indexed prefix predicate; `portal.tree` keeps it and the dated history in step."""

    code = models.CharField(_("mã đơn vị"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    level = models.ForeignKey(OrgLevel, on_delete=models.PROTECT, verbose_name=_("cấp"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("cấp trên"),
    )
    path = models.CharField(max_length=255, editable=False, db_index=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    active = models.BooleanField(_("đang hoạt động"), default=True)
    established_on = models.DateField(_("ngày thành lập"), null=True, blank=True)
    dissolved_on = models.DateField(_("ngày giải thể / sáp nhập"), null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors",
        verbose_name=_("đơn vị kế thừa"),
    )
    sort_order = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("tổ chức đảng")
        verbose_name_plural = _("tổ chức đảng")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="org_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["parent", "sort_order"], name="org_parent_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="org_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def is_ancestor_of(self, other) -> bool:
        return other.path.startswith(self.path)


class OrganizationChange(models.Model):
    """A dated decision that changed the tree: created, renamed, moved, merged, split, dissolved."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Thành lập")
        RENAMED = "renamed", _("Đổi tên")
        MOVED = "moved", _("Chuyển cấp trên")
        MERGED = "merged", _("Hợp nhất / sáp nhập")
        SPLIT = "split", _("Chia tách")
        DISSOLVED = "dissolved", _("Giải thể")

    kind = models.CharField(_("loại thay đổi"), max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="changes", verbose_name=_("đơn vị")
    )
    related = models.ManyToManyField(
        Organization, blank=True, related_name="related_changes",
        verbose_name=_("đơn vị liên quan"),
        help_text=_("Đơn vị bị hợp nhất vào, hoặc đơn vị mới tách ra."),
    )
    effective_on = models.DateField(_("ngày hiệu lực"))
    decision_number = models.CharField(_("số quyết định"), max_length=60, blank=True)
    old_parent = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_parent = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    old_name = models.CharField(max_length=255, blank=True)
    new_name = models.CharField(max_length=255, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quyết định thay đổi tổ chức")
        verbose_name_plural = _("quyết định thay đổi tổ chức")
        ordering = ["-effective_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.organization} ({self.effective_on:%d/%m/%Y})"


class OrganizationPeriod(models.Model):
    """The tree as it stood between two dates: one row per unit per period of unchanged
    parent/name/path. "As of" a date, the tree is the periods covering it, and a subtree
    is again one prefix predicate on the path the unit had then."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="periods")
    parent = models.ForeignKey(Organization, null=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=255)
    level = models.ForeignKey(OrgLevel, on_delete=models.PROTECT)
    path = models.CharField(max_length=255)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="exclusive")

    class Meta:
        verbose_name = _("lịch sử tổ chức")
        verbose_name_plural = _("lịch sử tổ chức")
        ordering = ["organization", "valid_from"]
        indexes = [
            models.Index(fields=["path", "valid_from"], name="orgperiod_path",
                         opclasses=["varchar_pattern_ops", "date_ops"]),
            models.Index(fields=["organization", "valid_from"], name="orgperiod_org"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="orgperiod_valid_dates",
            ),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(valid_to__isnull=True), name="orgperiod_one_open"
            ),
        ]

    def __str__(self):
        until = f"{self.valid_to:%d/%m/%Y}" if self.valid_to else "…"
        return f"{self.name} ({self.valid_from:%d/%m/%Y} – {until})"


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


class PersonQuerySet(models.QuerySet):
    def search(self, text: str):
        """Diacritic- and case-insensitive: "nguyen van an" finds "Nguyễn Văn An"."""
        key = search_key(text)
        if not key:
            return self
        return self.filter(search_key__contains=key)


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "nam", _("Nam")
        FEMALE = "nu", _("Nữ")

    full_name = models.CharField(_("họ và tên"), max_length=150)
    given_name = models.CharField(_("tên"), max_length=50, editable=False)
    sort_key = models.CharField(max_length=400, editable=False)
    search_key = models.CharField(max_length=150, editable=False)
    gender = models.CharField(_("giới tính"), max_length=3, choices=Gender.choices)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    ethnicity = models.ForeignKey(Ethnicity, on_delete=models.PROTECT, verbose_name=_("dân tộc"))
    party_status = models.ForeignKey(PartyStatus, on_delete=models.PROTECT, verbose_name=_("tình trạng"))
    party_status_since = models.DateField(_("từ ngày"), null=True, blank=True)
    # NULL, not "", for people without a card: the unique constraint ignores NULLs only.
    party_card_number = models.CharField(_("số thẻ đảng viên"), max_length=20, null=True, blank=True)  # noqa: DJ001
    admitted_on = models.DateField(_("ngày vào Đảng"), null=True, blank=True)
    official_on = models.DateField(_("ngày chính thức"), null=True, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="people", verbose_name=_("sinh hoạt tại")
    )
    education = models.CharField(_("trình độ học vấn"), max_length=60, blank=True)
    theory_level = models.ForeignKey(
        TheoryLevel, null=True, blank=True, on_delete=models.PROTECT,
        verbose_name=_("trình độ lý luận chính trị"),
    )
    job_title = models.CharField(_("chức danh, nơi công tác"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="person", verbose_name=_("tài khoản"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("người")
        verbose_name_plural = _("người")
        ordering = ["sort_key", "id"]
        indexes = [
            models.Index(fields=["organization", "sort_key"], name="person_org_sort"),
            models.Index(fields=["sort_key", "id"], name="person_sort"),
            GinIndex(fields=["search_key"], name="person_search_trgm", opclasses=["gin_trgm_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["party_card_number"], condition=Q(party_card_number__isnull=False),
                name="person_unique_party_card",
                violation_error_message=_("Số thẻ đảng viên này đã được cấp cho người khác."),
            ),
            models.CheckConstraint(
                condition=Q(official_on__isnull=True) | Q(admitted_on__isnull=True)
                | Q(official_on__gt=F("admitted_on")),
                name="person_official_after_admission",
                violation_error_message=_("Ngày chính thức phải sau ngày vào Đảng."),
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.refresh_derived_names()
        super().save(*args, **kwargs)

    def refresh_derived_names(self):
        """Bulk writers (`bulk_create`) call this themselves, since they bypass save()."""
        self.full_name = " ".join(self.full_name.split())
        self.given_name = name_parts(self.full_name)[-1] if self.full_name else ""
        self.sort_key = vietnamese_sort_key(self.full_name)
        self.search_key = search_key(self.full_name)


class PartyStatusChange(models.Model):
    """Tình trạng đảng viên theo thời gian: each status a person had and from when."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="status_changes")
    status = models.ForeignKey(PartyStatus, on_delete=models.PROTECT, verbose_name=_("tình trạng"))
    effective_on = models.DateField(_("từ ngày"))
    decision_number = models.CharField(_("số quyết định"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("thay đổi tình trạng đảng viên")
        verbose_name_plural = _("thay đổi tình trạng đảng viên")
        ordering = ["person", "effective_on", "id"]
        # portal.asof reads a person's status on a day from his last change on or before it:
        # one index-only step per person, no sort (the report reads it for every member).
        indexes = [models.Index(fields=["person", "effective_on", "id"], include=["status"],
                                name="statuschange_person_day")]

    def __str__(self):
        return f"{self.person} — {self.status} ({self.effective_on:%d/%m/%Y})"


class Transfer(models.Model):
    """Chuyển sinh hoạt đảng."""

    class Kind(models.TextChoices):
        PERMANENT = "chinh_thuc", _("Chính thức")
        TEMPORARY = "tam_thoi", _("Tạm thời")
        # Recorded for every member when his unit is merged or split (portal.tree), so that
        # his unit on an earlier day can still be read (portal.asof).
        REORGANISED = "sap_xep", _("Theo quyết định sắp xếp tổ chức")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="transfers")
    from_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("từ đơn vị")
    )
    to_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("đến đơn vị")
    )
    transferred_on = models.DateField(_("ngày chuyển"))
    kind = models.CharField(_("hình thức"), max_length=12, choices=Kind.choices, default=Kind.PERMANENT)
    decision_number = models.CharField(_("số quyết định"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("chuyển sinh hoạt đảng")
        verbose_name_plural = _("chuyển sinh hoạt đảng")
        ordering = ["-transferred_on"]
        # portal.asof reads a person's unit on a day from his first transfer after it.
        indexes = [models.Index(fields=["person", "transferred_on"], name="transfer_person_day")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_organization=F("to_organization")), name="transfer_different_units",
                violation_error_message=_("Đơn vị chuyển đến phải khác đơn vị chuyển đi."),
            )
        ]

    def __str__(self):
        return f"{self.person}: {self.from_organization} → {self.to_organization} ({self.transferred_on:%d/%m/%Y})"


class DatedQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))


class Position(models.Model):
    """Chức vụ đảng của một người tại một tổ chức, có thời hạn."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="positions",
                               verbose_name=_("người"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="positions",
                                     verbose_name=_("tổ chức"))
    role = models.ForeignKey(PositionRole, on_delete=models.PROTECT, verbose_name=_("chức vụ"))
    started_on = models.DateField(_("từ ngày"))
    ended_on = models.DateField(_("đến ngày"), null=True, blank=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("chức vụ")
        verbose_name_plural = _("chức vụ")
        ordering = ["organization__path", "role__sort_order"]
        indexes = [models.Index(fields=["organization", "role"], name="position_org_role")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="position_valid_dates",
                violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu."),
            )
        ]

    def __str__(self):
        return f"{self.role} — {self.organization}"


class Grant(models.Model):
    """Staff reach: a user may read and report on a unit and its subtree in a role."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants",
                             verbose_name=_("tài khoản"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="grants",
                                     verbose_name=_("đơn vị"))
    role = models.ForeignKey(StaffRole, on_delete=models.PROTECT, verbose_name=_("vai trò"))
    started_on = models.DateField(_("từ ngày"), default=timezone.localdate)
    ended_on = models.DateField(_("đến ngày"), null=True, blank=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("phân quyền nghiệp vụ")
        verbose_name_plural = _("phân quyền nghiệp vụ")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="grant_valid_dates",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.role} — {self.organization}"


# ---------------------------------------------------------------------------
# Audit: row history (written by database triggers) and the person read log
# ---------------------------------------------------------------------------


class RowHistory(models.Model):
    """Every insert, update and delete on an audited table, written by a trigger
    (portal/migrations/0002_audit_triggers.py), so bulk writes and raw SQL are caught too."""

    table_name = models.CharField(max_length=63)
    row_id = models.BigIntegerField()
    action = models.CharField(max_length=1)  # I, U, D
    changed_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    context = models.CharField(max_length=100, blank=True)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)

    class Meta:
        verbose_name = _("lịch sử thay đổi")
        verbose_name_plural = _("lịch sử thay đổi")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["table_name", "row_id"], name="rowhistory_row")]

    def __str__(self):
        return f"{self.table_name} #{self.row_id} {self.action} {self.changed_at:%d/%m/%Y %H:%M}"


class PersonReadLog(models.Model):
    """Who read a person's record, when and how (Law 91/2025/QH15 on personal data)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="read_log")
    read_at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("nhật ký truy cập hồ sơ")
        verbose_name_plural = _("nhật ký truy cập hồ sơ")
        ordering = ["-read_at"]
        indexes = [models.Index(fields=["person", "read_at"], name="readlog_person")]

    def __str__(self):
        return f"{self.user} → {self.person} ({self.via})"


class Notification(models.Model):
    """An on-screen reminder to one user (the same text also goes by email where he has one)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(_("nội dung"), max_length=500)
    link = models.CharField(_("liên kết"), max_length=300, blank=True)
    # The same reminder is not sent twice: the task that sends it names it by this key.
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]

    def __str__(self):
        return self.text


class ApiToken(models.Model):
    """A key for the API (header `Authorization: Token …`). Only the SHA-256 digest of the
    key is kept: the key is shown once, when issued, and a copy of the table gives no access.
    It expires after settings.API_TOKEN_DAYS; its owner may revoke it earlier."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=100)
    prefix = models.CharField(_("đầu mã"), max_length=8)  # to tell one's tokens apart, not secret enough to use
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn"))
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"], name="apitoken_user")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())
