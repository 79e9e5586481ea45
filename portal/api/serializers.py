"""Thin serializers: shapes of the JSON, nothing more. Validation of people and
positions lives in `portal.services`; the scope of posted units and people in the
fields below, which look them up only inside what the user may see or manage."""

import datetime

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from portal.access import can_manage, restrict
from portal.inputs import id_or
from portal.models import (
    Ethnicity,
    Organization,
    OrgLevel,
    PartyStatus,
    Person,
    Position,
    PositionRole,
    TheoryLevel,
)


def catalogue_help(model, example: str):
    """The schema's description of a catalogue code: the codes are data that administrators
    edit (so not an enum), listed in the admin's catalogue of that model."""
    meta = model._meta
    return format_lazy("Mã trong danh mục “{catalogue}” (dữ liệu do quản trị viên cập nhật, xem tại "
                       "/admin/{app}/{model}/), ví dụ “{example}”",
                       catalogue=meta.verbose_name_plural, app=meta.app_label, model=meta.model_name,
                       example=example)


class CatalogueSerializer(serializers.Serializer):
    """An entry of a catalogue; the field that holds it says which catalogue (`catalogue_help`)."""

    code = serializers.CharField()
    name = serializers.CharField()


class LocalTimeField(serializers.TimeField):
    """A time of day in the portal's time zone, written as RFC 3339 `full-time` (what the
    schema's `format: time` means): 08:00:00+07:00. A time sent with another offset is
    turned into the portal's time; one sent without an offset is taken as the portal's."""

    default_error_messages = {
        "invalid": gettext_lazy("Giờ không đúng định dạng: dùng dạng giờ:phút[:giây][độ lệch múi giờ], "
                                "ví dụ 08:00 hoặc 08:00:00+07:00."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Giờ theo múi giờ của cổng, kèm độ lệch, ví dụ 08:00:00+07:00")
        super().__init__(**kwargs)

    @staticmethod
    def _on_today(value: datetime.time) -> datetime.datetime:
        return datetime.datetime.combine(timezone.localdate(), value.replace(tzinfo=None),
                                         tzinfo=value.tzinfo or timezone.get_current_timezone())

    def to_internal_value(self, value):
        if isinstance(value, datetime.time):
            parsed = value
        else:
            try:
                parsed = datetime.time.fromisoformat(str(value).strip())
            except ValueError:
                self.fail("invalid")
        return timezone.localtime(self._on_today(parsed)).time().replace(tzinfo=None)

    def to_representation(self, value):
        if value is None:
            return None
        return self._on_today(value).isoformat(timespec="seconds").split("T", 1)[1]


class UnitBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class PersonBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class OrganizationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:organization-detail", lookup_field="code")
    level = CatalogueSerializer(help_text=catalogue_help(OrgLevel, "dang-bo-co-so"))
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True,
                                          help_text="Mã đơn vị cấp trên; null với đơn vị cao nhất")

    class Meta:
        model = Organization
        fields = ["id", "url", "code", "name", "level", "parent", "path", "depth", "active",
                  "established_on", "dissolved_on", "sort_order"]


class ChildUnitSerializer(OrganizationSerializer):
    child_count = serializers.IntegerField(read_only=True)

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "child_count"]


class PersonSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:person-detail")
    organization = UnitBriefSerializer()
    ethnicity = CatalogueSerializer(help_text=catalogue_help(Ethnicity, "kinh"))
    party_status = CatalogueSerializer(help_text=catalogue_help(PartyStatus, "chinh-thuc"))
    theory_level = CatalogueSerializer(allow_null=True, help_text=catalogue_help(TheoryLevel, "trung-cap"))

    class Meta:
        model = Person
        fields = ["id", "url", "full_name", "given_name", "gender", "birth_date", "ethnicity", "party_status",
                  "party_status_since", "party_card_number", "admitted_on", "official_on", "organization",
                  "education", "theory_level", "job_title"]

    def to_representation(self, person):
        """The same JSON as the declared fields give (a test compares them), built directly:
        a page of the list holds 50 people, and DRF's field-by-field path is the larger part
        of its cost."""
        if not hasattr(self, "_url_prefix"):
            request = self.context["request"]
            self._url_prefix = request.build_absolute_uri(reverse("api:person-detail", kwargs={"pk": 0}))[:-2]

        def entry(item):
            return None if item is None else {"code": item.code, "name": item.name}

        def day(value):
            return None if value is None else value.isoformat()

        unit = person.organization
        return {
            "id": person.id, "url": f"{self._url_prefix}{person.id}/", "full_name": person.full_name,
            "given_name": person.given_name, "gender": person.gender, "birth_date": day(person.birth_date),
            "ethnicity": entry(person.ethnicity), "party_status": entry(person.party_status),
            "party_status_since": day(person.party_status_since), "party_card_number": person.party_card_number,
            "admitted_on": day(person.admitted_on), "official_on": day(person.official_on),
            "organization": {"id": unit.id, "code": unit.code, "name": unit.name},
            "education": person.education, "theory_level": entry(person.theory_level), "job_title": person.job_title,
        }


class PositionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:position-detail")
    person = PersonBriefSerializer()
    organization = UnitBriefSerializer()
    role = CatalogueSerializer(help_text=catalogue_help(PositionRole, "bi-thu"))

    class Meta:
        model = Position
        fields = ["id", "url", "person", "organization", "role", "started_on", "ended_on"]


# --- Input -----------------------------------------------------------------


class InForceCodeField(serializers.SlugRelatedField):
    """A catalogue entry by its code, among those in force today (rules as data)."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("Không có mục “{value}” đang có hiệu lực trong danh mục."),
        "invalid": gettext_lazy("Giá trị không hợp lệ."),
    }

    def __init__(self, model, *, example: str, **kwargs):
        self.model = model
        kwargs.setdefault("help_text", catalogue_help(model, example))
        super().__init__(slug_field="code", queryset=model.objects.all(), **kwargs)

    def get_queryset(self):
        return self.model.objects.in_force()


@extend_schema_field(OpenApiTypes.STR)
class ManagedUnitField(serializers.Field):
    """A unit by code or id, looked up only among the units the user manages: one
    answer for "does not exist" and "not yours", so nothing leaks."""

    def to_internal_value(self, data):
        user = self.context["request"].user
        units = restrict(Organization.objects.filter(active=True), user)
        unit_id = id_or(data) if isinstance(data, int | str) else None
        lookup = {"pk": unit_id} if unit_id else {"code": str(data)}
        unit = units.filter(**lookup).first()
        if unit is None or not can_manage(user, unit):
            raise serializers.ValidationError(
                _("Không tìm thấy đơn vị “%(unit)s” trong phạm vi bạn quản lý.") % {"unit": data})
        return unit

    def to_representation(self, value):
        return value.code


@extend_schema_field(OpenApiTypes.INT)
class ManagedPersonField(serializers.Field):
    def to_internal_value(self, data):
        user = self.context["request"].user
        try:
            person = restrict(Person.objects.select_related("organization"), user).filter(pk=int(data)).first()
        except (TypeError, ValueError):
            person = None
        if person is None or not can_manage(user, person.organization):
            raise serializers.ValidationError(
                _("Không tìm thấy người có mã %(id)s trong phạm vi bạn quản lý.") % {"id": data})
        return person

    def to_representation(self, value):
        return value.pk


# DRF's own Vietnamese catalogue leaves these in English; input errors must say in
# Vietnamese what to fix.
FIELD_ERRORS = {
    "required": gettext_lazy("Trường này là bắt buộc."),
    "null": gettext_lazy("Trường này không được để trống."),
    "blank": gettext_lazy("Trường này không được để trống."),
    "max_length": gettext_lazy("Không được dài quá {max_length} ký tự."),
    "invalid_choice": gettext_lazy("“{input}” không phải là một lựa chọn hợp lệ."),
}
DATE_ERRORS = {
    "invalid": gettext_lazy("Ngày không đúng định dạng: dùng dạng năm-tháng-ngày, ví dụ 2025-02-22."),
    "datetime": gettext_lazy("Cần một ngày, không kèm giờ."),
}


class InputSerializer(serializers.Serializer):
    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            messages = {**FIELD_ERRORS, **(DATE_ERRORS if isinstance(field, serializers.DateField) else {})}
            field.error_messages.update({k: v for k, v in messages.items() if k in field.error_messages})
        return fields


class PersonWriteSerializer(InputSerializer):
    full_name = serializers.CharField(max_length=150)
    gender = serializers.ChoiceField(choices=Person.Gender.choices)
    birth_date = serializers.DateField(required=False, allow_null=True)
    ethnicity = InForceCodeField(Ethnicity, example="kinh")
    party_status = InForceCodeField(PartyStatus, example="chinh-thuc")
    party_status_since = serializers.DateField(required=False, allow_null=True)
    party_card_number = serializers.CharField(max_length=20, required=False, allow_null=True, allow_blank=True)
    admitted_on = serializers.DateField(required=False, allow_null=True)
    official_on = serializers.DateField(required=False, allow_null=True)
    organization = ManagedUnitField()
    education = serializers.CharField(max_length=60, required=False, allow_blank=True)
    theory_level = InForceCodeField(TheoryLevel, example="trung-cap", required=False, allow_null=True)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate_party_card_number(self, value):
        # An absent card is NULL, never "", so the uniqueness rule only counts real numbers.
        return value.strip() or None if value else None


class PositionWriteSerializer(InputSerializer):
    person = ManagedPersonField()
    organization = ManagedUnitField()
    role = InForceCodeField(PositionRole, example="bi-thu")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True)


class PositionEndSerializer(InputSerializer):
    ended_on = serializers.DateField()


class TokenRequestSerializer(InputSerializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, max_length=100,
                                 help_text="Tên gợi nhớ của token, hiện trên trang Token API của tài khoản")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
