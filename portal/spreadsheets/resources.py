"""What the formats' django-import-export resources share (the admin's buttons; the formats
themselves are what pages, the API and the commands use): cells read as the formats read
them, a column titled as the format's, and the resource of a list about the people of one
fixed group (a session's expected members, a class's learners)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from portal import access
from portal.spreadsheets.imports import ADMINISTRATOR
from portal.spreadsheets.matching import PERSON_TITLES, PeopleIndex, read_identity
from portal.spreadsheets.values import clean_text, day_text, parse_date


class DayWidget(widgets.Widget):
    """Dates as units write them (Excel dates, serial numbers, dd/mm/yyyy…), written dd/mm/yyyy."""

    def clean(self, value, row=None, **kwargs):
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        return day_text(value)


class TextWidget(widgets.Widget):
    """Text with its spaces tidied; an empty cell is None (never "": a party card's uniqueness
    counts real numbers only)."""

    def clean(self, value, row=None, **kwargs):
        return clean_text(value) or None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class ChoiceWidget(widgets.Widget):
    """A choice as people write it ("x", "P", "nữ", "không đạt"…), read by `read` (a format's
    own reading: Choices.get or more), written back by its name in `names`."""

    def __init__(self, read: Callable, names: dict, **kwargs):
        super().__init__(**kwargs)
        self._read = read
        self._names = names

    def clean(self, value, row=None, **kwargs):
        return self._read(value)

    def render(self, value, obj=None, **kwargs):
        return str(self._names.get(value, value or ""))


def column_field(titles: dict[str, str], key: str, attribute: str | None, widget=None, **kwargs) -> fields.Field:
    """The format's column `key` under its title; an empty cell keeps what is recorded, as the
    formats do (the widgets read it as None)."""
    return fields.Field(attribute=attribute, column_name=titles[key], widget=widget or TextWidget(),
                        saves_null_values=False, **kwargs)


class GroupResource(resources.ModelResource):
    """Rows of a model (`Meta.model`, with a `person`) about the people of one group, the
    object its `group_field` points to. Exports the rows the user sees (of the group, when
    given); imports into the group, each row about one of its people (`group_people()`),
    found as the formats find him, else a ValidationError beside the row."""

    group_field: str  # "session", "training_class"

    full_name = column_field(PERSON_TITLES, "full_name", "person__full_name", readonly=True)
    birth_date = column_field(PERSON_TITLES, "birth_date", "person__birth_date", DayWidget(), readonly=True)
    party_card_number = column_field(PERSON_TITLES, "party_card_number", "person__party_card_number", readonly=True)

    class Meta:
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *, group=None, group_label: str = "", user=None, **kwargs):
        super().__init__(**kwargs)
        self.group = group
        self.group_label = group_label  # how the reasons name the group ("danh sách lớp")
        self.user = user
        self._index = None

    def group_people(self):
        """The people of the group, a Person queryset."""
        raise NotImplementedError

    def get_queryset(self):
        rows = access.restrict(self._meta.model.objects.select_related("person"), self.user or ADMINISTRATOR)
        if self.group is not None:
            rows = rows.filter(**{self.group_field: self.group})
        return rows.order_by(f"{self.group_field}_id", "person__sort_key", "id")

    def get_instance(self, instance_loader, row):
        return self._meta.model.objects.filter(**{self.group_field: self.group},
                                               person_id=self.person_in_row(row)).first()

    def person_in_row(self, row) -> int:
        """The id of the person the row names, else a ValidationError saying why."""
        if self._index is None:
            self._index = PeopleIndex(self.group_people().values_list(
                "id", "full_name", "birth_date", "party_card_number", named=True), group=str(self.group_label))
        identity, problems = read_identity({key: row.get(title) for key, title in PERSON_TITLES.items()}, 0,
                                           PERSON_TITLES)
        if problems:
            raise ValidationError({problem.column: problem.reason for problem in problems})
        found = self._index.find(card=identity.card, name=identity.name, birth_date=identity.birth_date)
        if found.person is None:
            raise ValidationError(found.reason)
        return found.person.id
