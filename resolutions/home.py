"""The study area's cards on the home page (portal/home.py): what the secretary, the member
and the propaganda staff have to do today. Each builder reads through the area's selectors
(the rules live there) in a fixed number of queries, whatever the unit's size."""

import datetime
from dataclasses import dataclass
from functools import partial

from django.utils import timezone

from portal.access import Action, reach_of
from portal.figures_cache import remember
from portal.home import HomeCard
from portal.selectors import grants_held, own_person, positions_held
from resolutions.models import Attendance, Commitment
from resolutions.selectors import commitments as commitment_selectors
from resolutions.selectors import documents as document_selectors
from resolutions.selectors import sessions as session_selectors
from resolutions.selectors.sessions import has_started

LISTED = 5  # rows a card lists; its footer links to the full list
# Campaigns whose deadline passed less than this long ago still show their late units.
RECENTLY_ENDED = datetime.timedelta(days=30)
CAMPAIGNS_SHOWN = 3
LOOKAHEAD = datetime.timedelta(days=31)  # how far a member's next sessions may lie in the next year


# --- Who the cards are for: read once per request, kept on the user object -----------------


def _led_units(user) -> list:
    """The units where the user holds a managing position (bí thư, phó bí thư, cấp ủy viên)."""
    if not hasattr(user, "_home_led_units"):
        user._home_led_units = [position.organization for position in positions_held(user)]
    return user._home_led_units


def _own_person(user):
    if not hasattr(user, "_home_person"):
        user._home_person = own_person(user)
    return user._home_person


def leads_a_unit(user) -> bool:
    return bool(_led_units(user))


def has_person(user) -> bool:
    return _own_person(user) is not None


def launches_campaigns(user) -> bool:
    """Propaganda staff: a staff grant whose role launches campaigns (tuyên giáo, tổ chức)."""
    return grants_held(user).filter(role__actions__contains=[Action.PUBLISH]).exists()


# --- The secretary ---------------------------------------------------------------------------


def _unit_sessions(user):
    return session_selectors.session_list(user).filter(organization__in=_led_units(user))


def upcoming_sessions_card(user) -> dict:
    """Today's and the next sessions of his units: "Điểm danh" once a session's day has come."""
    today = timezone.localdate()
    sessions = list(_unit_sessions(user).filter(held_on__gte=today).order_by("held_on", "starts_at", "id")[:LISTED])
    for session in sessions:
        session.may_record = session.held_on <= today
    return {"sessions": sessions, "units": _led_units(user), "today": today}


def unmarked_sessions_card(user) -> dict:
    """Sessions already held where nobody has recorded attendance (an apology is not a record)."""
    sessions = session_selectors.without_attendance(_unit_sessions(user).filter(held_on__lt=timezone.localdate()))
    listed = list(sessions[:LISTED])
    return {"sessions": listed, "total": len(listed) if len(listed) < LISTED else sessions.count()}


def reviews_card(user) -> dict:
    """Commitments of his units' members handed in and waiting for his decision, oldest first."""
    waiting = (commitment_selectors.commitments_visible_to(user)
               .filter(person__organization__in=_led_units(user), status=Commitment.Status.SUBMITTED)
               .order_by("submitted_at", "id"))
    listed = list(waiting[:LISTED])
    return {"commitments": listed, "total": len(listed) if len(listed) < LISTED else waiting.count(),
            "units": _led_units(user), "year": timezone.localdate().year}


def absentees_card(user) -> dict:
    """Members absent without excuse more often than their unit's threshold this year: the
    commend-and-remind rule, one aggregate query per unit he leads."""
    year = timezone.localdate().year
    units = [{"unit": unit, "people": document_selectors.commend_remind(user, unit, year)["remind"]}
             for unit in _led_units(user)]
    return {"units": units, "year": year, "empty": not any(entry["people"] for entry in units)}


# --- The member ------------------------------------------------------------------------------


def my_commitment_card(user) -> dict:
    """This year's commitment: to write, to finish, to revise after the secretary's comment, or done."""
    person, year = _own_person(user), timezone.localdate().year
    commitment = commitment_selectors.commitments_visible_to(user).filter(person=person, year=year).first()
    return {"commitment": commitment, "year": year, "statuses": Commitment.Status}


def my_sessions_card(user) -> dict:
    """His next sessions, each with "Xin vắng" until it starts (or the apology he sent)."""
    today = timezone.localdate()
    sessions = []
    # In late December the next sessions are next year's: the selector reads one year at a time.
    for year in sorted({today.year, (today + LOOKAHEAD).year}):
        sessions += session_selectors.sessions_of_member(_own_person(user), year).filter(held_on__gte=today)[:LISTED]
    sessions = sessions[:LISTED]
    for session in sessions:
        session.apologised = session.my_method == Attendance.Method.APOLOGY
        session.may_apologise = not session.apologised and not has_started(session)
    return {"sessions": sessions}


def my_attendance_card(user) -> dict:
    year = timezone.localdate().year
    rate = session_selectors.attendance_rate(_own_person(user), year)
    percent = None if rate.rate is None else round(100 * rate.rate)
    return {"rate": rate, "percent": percent, "year": year}


# --- The propaganda staff --------------------------------------------------------------------


@dataclass(frozen=True)
class Lagging:
    name: str
    count: int  # units of its subtree late (past the deadline) or not yet covered


@dataclass(frozen=True)
class CampaignSummary:
    percent: int  # share of the expected who attended
    units: int
    done: int
    late: int
    past_deadline: bool
    lagging: tuple[Lagging, ...]  # the top units (below what he sees first) with most units behind


def _campaign_summary(campaign, user, today) -> CampaignSummary:
    """The follow-up (`campaign_progress`, with the user as viewer) reduced to its top units'
    figures: a province has thousands of cells, the home page names the units above them."""
    rows = document_selectors.campaign_progress(campaign=campaign, viewer=user, as_of=today)
    ids = {row.id for row in rows}
    tops = [row for row in rows if row.parent_id not in ids]
    expected, attended = sum(r.subtree_expected for r in tops), sum(r.subtree_attended for r in tops)
    past_deadline = today > campaign.deadline
    candidates = [child for top in tops for child in top.children] or tops
    behind = [Lagging(row.name, row.subtree_late if past_deadline else row.subtree_units - row.subtree_done)
              for row in candidates]
    behind = sorted((entry for entry in behind if entry.count), key=lambda entry: (-entry.count, entry.name))
    return CampaignSummary(
        percent=round(100 * attended / expected) if expected else 0,
        units=sum(r.subtree_units for r in tops), done=sum(r.subtree_done for r in tops),
        late=sum(r.subtree_late for r in tops), past_deadline=past_deadline, lagging=tuple(behind[:LISTED]))


def campaigns_card(user) -> dict:
    """Campaigns under way (and those ended lately), each with its progress and late units;
    each follow-up is one aggregate query, its summary kept for a minute (portal.figures_cache)."""
    today = timezone.localdate()
    campaigns = list(document_selectors.campaigns_list(user).filter(
        starts_on__lte=today, deadline__gte=today - RECENTLY_ENDED).order_by("deadline", "id")[:CAMPAIGNS_SHOWN])
    paths = reach_of(user).paths
    for campaign in campaigns:
        campaign.summary = remember(partial(_campaign_summary, campaign, user, today),
                                    "home-campaign", campaign.pk, paths, today)
    return {"campaigns": campaigns, "may_launch": reach_of(user).allows_anywhere(Action.PUBLISH)}


CARDS = [
    HomeCard(10, "resolutions/home/upcoming_sessions.html", upcoming_sessions_card, leads_a_unit),
    HomeCard(20, "resolutions/home/unmarked_sessions.html", unmarked_sessions_card, leads_a_unit),
    HomeCard(30, "resolutions/home/reviews.html", reviews_card, leads_a_unit),
    HomeCard(40, "resolutions/home/absentees.html", absentees_card, leads_a_unit),
    HomeCard(50, "resolutions/home/my_commitment.html", my_commitment_card, has_person),
    HomeCard(60, "resolutions/home/my_sessions.html", my_sessions_card, has_person),
    HomeCard(70, "resolutions/home/my_attendance.html", my_attendance_card, has_person),
    HomeCard(80, "resolutions/home/campaigns.html", campaigns_card, launches_campaigns),
]
