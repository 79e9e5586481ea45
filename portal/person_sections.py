"""Sections of a person's record contributed by each app (like portal/home.py's cards):
portal knows no app's data, so each app says what it adds to the person page
(/people/<pk>/) and to the member's own page (/study/me/).

An app registers its sections once, in its AppConfig.ready():

    person_sections.register(PersonSection(order=10, template="training/person/record.html",
                                           context=training_record))

`context(user, person)` gathers what `user` may see of `person` (through portal.access),
in a constant number of queries, or answers None to leave the section out. The templates
include each section with `section` (its data) and `section_id`.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PersonSection:
    order: int
    template: str  # also the section's identity: registering it again (tests reload apps) replaces
    context: Callable  # context(user, person) -> dict | None


@dataclass(frozen=True)
class Shown:
    """A section as one request shows it."""

    template: str
    context: dict

    @property
    def id(self) -> str:
        return self.template.rsplit("/", 1)[-1].removesuffix(".html").replace("_", "-")


_SECTIONS: dict[str, PersonSection] = {}


def register(*sections: PersonSection) -> None:
    for section in sections:
        _SECTIONS[section.template] = section


def sections_for(user, person) -> list[Shown]:
    """The sections of `person`'s record that `user` sees, in order, each with its data."""
    shown = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.template)):
        context = section.context(user, person)
        if context is not None:
            shown.append(Shown(section.template, context))
    return shown
