"""The reports card of the home page (portal/home.py): the reports the user's units must
submit, with their deadline, state and days left, and how many of the units below wait
for his decision. A fixed number of queries whatever his reach."""

from django.utils import timezone

from portal.access import Action, reach_of
from portal.home import HomeCard
from reports import submission_selectors as selectors
from reports.models import Submission

LISTED = 5


def reports_anywhere(user) -> bool:
    return reach_of(user).allows_anywhere(Action.REPORT)


def reports_card(user) -> dict:
    own = list(selectors.own_submissions(user).exclude(status=Submission.Status.ACCEPTED)
               .order_by("due_on", "organization__path")[:LISTED])
    for submission in own:
        submission.url = selectors.report_url(submission)
    waiting = selectors.subordinate_submissions(user).filter(status=Submission.Status.SUBMITTED).count()
    return {"own": own, "waiting": waiting, "today": timezone.localdate()}


CARDS = [HomeCard(100, "reports/home/reports_card.html", reports_card, reports_anywhere)]
