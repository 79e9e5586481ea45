"""State changes on people and positions. Each validates fully (model and database
constraints) and answers bad input with a Vietnamese ValidationError, writing nothing."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.models import PartyStatusChange, Person, PersonReadLog, Position, Transfer


def _save_person(person: Person) -> Person:
    person.refresh_derived_names()
    person.full_clean()
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent writer won the race the check above lost
        raise ValidationError(str(exc)) from exc
    return person


@transaction.atomic
def create_person(**fields) -> Person:
    person = _save_person(Person(**fields))
    PartyStatusChange.objects.create(person=person, status=person.party_status,
                                     effective_on=person.party_status_since or person.created_at.date())
    return person


@transaction.atomic
def update_person(person: Person, **fields) -> Person:
    status_before = person.party_status_id
    for name, value in fields.items():
        setattr(person, name, value)
    _save_person(person)
    if person.party_status_id != status_before:
        PartyStatusChange.objects.create(person=person, status=person.party_status,
                                         effective_on=person.party_status_since or person.updated_at.date())
    return person


def log_person_read(*, user, person: Person, via: str) -> None:
    PersonReadLog.objects.create(user=user, person=person, via=via)


@transaction.atomic
def create_position(*, person: Person, organization, role, started_on, ended_on=None) -> Position:
    position = Position(person=person, organization=organization, role=role, started_on=started_on,
                        ended_on=ended_on)
    position.full_clean()
    position.save()
    return position


@transaction.atomic
def end_position(position: Position, *, ended_on) -> Position:
    """Close a position held until now (miễn nhiệm, hết nhiệm kỳ)."""
    position = Position.objects.select_for_update().get(pk=position.pk)
    if position.ended_on is not None:
        raise ValidationError(
            {"ended_on": _("Chức vụ này đã kết thúc ngày %(date)s.")
             % {"date": date_format(position.ended_on, "SHORT_DATE_FORMAT")}},
            code="already_ended",
        )
    position.ended_on = ended_on
    position.full_clean()
    position.save(update_fields=["ended_on"])
    return position


@transaction.atomic
def transfer_person(person: Person, *, to_organization, transferred_on, kind=Transfer.Kind.PERMANENT,
                    decision_number: str = "") -> Transfer:
    """Chuyển sinh hoạt đảng: the person's unit changes and the move is kept, dated."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not to_organization.active:
        raise ValidationError(_("Đơn vị chuyển đến đã ngừng hoạt động."))
    transfer = Transfer(person=person, from_organization=person.organization, to_organization=to_organization,
                        transferred_on=transferred_on, kind=kind, decision_number=decision_number)
    transfer.full_clean()
    transfer.save()
    person.organization = to_organization
    person.save(update_fields=["organization", "updated_at"])
    return transfer
