"""What training adds to portal's pages: a card on the home page for those who train
(portal/home.py), and the training record on a person's page and on /study/me/
(portal/person_sections.py). Each reads through the training selectors in a fixed
number of queries."""

from django.utils import timezone

from portal.home import HomeCard
from portal.person_sections import PersonSection
from training.forms.external import ExternalResultForm
from training.selectors import home as home_selectors
from training.selectors.person import training_record
from training.services.external import may_record


def training_card(user) -> dict:
    """The counts of the training home: classes running, results to enter, certificates to
    issue, plans to submit."""
    return home_selectors.work_counts(user, timezone.localdate())


def record_section(user, person) -> dict:
    """The person's training record; the form of an external result for whoever may record one."""
    record = training_record(user, person)
    record["form"] = ExternalResultForm() if may_record(user, person) else None
    return record


CARDS = [HomeCard(90, "training/home/card.html", training_card, home_selectors.trains)]
SECTIONS = [PersonSection(50, "training/person/record.html", record_section)]
