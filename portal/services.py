"""State changes on people and positions. Each validates fully (model and database
constraints) and answers bad input with a Vietnamese ValidationError, writing nothing."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.models import PartyStatusChange, Person, PersonReadLog


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
