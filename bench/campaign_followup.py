"""Campaign follow-up of the whole demo province beside one hand-written SQL aggregate.

    DATABASE_URL=postgres://… python bench/campaign_followup.py [--reuse-database] [--members N] [--repeat N]

Against a province seeded with 100,000 members and its study data (a scratch database on
the DATABASE_URL server, seeded here, unless --reuse-database says DATABASE_URL already
holds one), it times `resolutions.selectors.documents.campaign_progress` (what the
follow-up page calls) for the province-wide campaign whose deadline has passed, and in the
same run one hand-written SQL statement over the same rows computing the same figures: per
unit, the sessions it held for the campaign, its expected members and those present at one
of them at least, and the expected and present members of its whole subtree. Both are run
`--repeat` times (the first, untimed, warms the caches); the medians are compared, and the
figures of both must be equal unit by unit. Goal: the selector within 3× the SQL.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import selector_versus_sql_main, timed  # noqa: E402

GOAL_RATIO = 3.0

# The follow-up's definitions as of the campaign's day (portal.asof's rule written out with
# joins): the units of the subtree during the campaign as they stood last within it, the
# linked sessions of units in the subtree on their day, the members expected at meetings
# on the day in their unit then; rolled up to every ancestor by the ids in each unit's path.
# Units that ended within the campaign are counted on their own last day by the selector:
# they are left out of the comparison (and add nothing above, there as here).
HAND_WRITTEN = """
WITH units AS (
    SELECT DISTINCT ON (organization_id) organization_id AS id, path FROM portal_organizationperiod
     WHERE strpos(path, %(marker)s) > 0 AND valid_from <= %(expected_on)s
       AND (valid_to IS NULL OR valid_to > %(starts)s)
     ORDER BY organization_id, valid_from DESC
), tree_then AS (
    SELECT organization_id AS id FROM portal_organizationperiod
     WHERE strpos(path, %(marker)s) > 0 AND valid_from <= %(expected_on)s
       AND (valid_to IS NULL OR valid_to > %(expected_on)s)
), linked AS MATERIALIZED (
    SELECT s.id, s.organization_id FROM resolutions_studysession s
      JOIN portal_organizationperiod op ON op.organization_id = s.organization_id AND op.valid_from <= s.held_on
       AND (op.valid_to IS NULL OR op.valid_to > s.held_on) AND strpos(op.path, %(marker)s) > 0
     WHERE s.campaign_id = %(campaign)s
        OR (s.held_on BETWEEN %(starts)s AND %(deadline)s AND s.id IN (
            SELECT studysession_id FROM resolutions_studysession_documents WHERE document_id = %(document)s))
), held AS (
    SELECT organization_id, count(*) AS sessions FROM linked GROUP BY organization_id
), present AS (
    SELECT DISTINCT a.person_id FROM resolutions_attendance a
     WHERE a.status = 'co_mat' AND a.session_id IN (SELECT id FROM linked)
), moved AS (
    SELECT DISTINCT ON (person_id) person_id, from_organization_id FROM portal_transfer
     WHERE transferred_on > %(expected_on)s ORDER BY person_id, transferred_on, id
), last_status AS (
    SELECT DISTINCT ON (person_id) person_id, status_id FROM portal_partystatuschange
     WHERE effective_on <= %(expected_on)s ORDER BY person_id, effective_on DESC, id DESC
), expected AS (
    SELECT p.id, coalesce(m.from_organization_id, p.organization_id) AS unit
      FROM portal_person p LEFT JOIN moved m ON m.person_id = p.id
      LEFT JOIN last_status st ON st.person_id = p.id
      JOIN portal_partystatus ps ON ps.id = CASE
           WHEN st.status_id IS NOT NULL THEN st.status_id
           WHEN NOT EXISTS (SELECT 1 FROM portal_partystatuschange c WHERE c.person_id = p.id) THEN p.party_status_id
           END
     WHERE ps.is_member AND ps.expected_at_meetings AND (p.admitted_on IS NULL OR p.admitted_on <= %(expected_on)s)
       AND coalesce(m.from_organization_id, p.organization_id) IN (SELECT id FROM tree_then)
), people AS (
    SELECT e.unit AS organization_id, count(*) AS expected, count(pr.person_id) AS attended
      FROM expected e LEFT JOIN present pr ON pr.person_id = e.id GROUP BY e.unit
), own AS (
    SELECT u.id, u.path, coalesce(h.sessions, 0) AS sessions, coalesce(pe.expected, 0) AS expected,
           coalesce(pe.attended, 0) AS attended
      FROM units u LEFT JOIN held h ON h.organization_id = u.id LEFT JOIN people pe ON pe.organization_id = u.id
     WHERE u.id IN (SELECT id FROM tree_then)
), rolled AS (
    SELECT ancestor::bigint AS id, sum(expected) AS expected, sum(attended) AS attended
      FROM own, unnest(string_to_array(trim(both '/' from own.path), '/')) AS ancestor
     GROUP BY ancestor
)
SELECT own.id, own.sessions, own.expected, own.attended, rolled.expected::int, rolled.attended::int
  FROM own JOIN rolled USING (id) ORDER BY own.path
"""


def run(repeat: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from portal.access import system_reach
    from resolutions.models import Attendance, StudyCampaign
    from resolutions.selectors.documents import campaign_progress

    today = timezone.localdate()
    campaign = (StudyCampaign.objects.select_related("organization").filter(
        organization__parent=None, deadline__lt=today).order_by("-deadline").first())
    if campaign is None:
        raise SystemExit("no province-wide campaign with a past deadline: seed the demo first")
    counts = {"attendance_rows": Attendance.objects.count()}
    params = {"marker": f"/{campaign.organization.pk}/", "campaign": campaign.pk, "document": campaign.document_id,
              "starts": campaign.starts_on, "deadline": campaign.deadline, "expected_on": min(today, campaign.deadline)}

    def selector():
        return campaign_progress(campaign=campaign, viewer=system_reach(campaign.organization), as_of=today)

    def hand_written():
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, params)
            return cursor.fetchall()

    selector_ms, progress, selector_times = timed(selector, repeat, warm_up=True)
    sql_ms, rows, sql_times = timed(hand_written, repeat, warm_up=True)
    from_selector = [(u.id, u.sessions, u.expected, u.attended, u.subtree_expected, u.subtree_attended)
                     for u in progress if u.dissolved_on is None]
    mismatches = [(a, b) for a, b in zip(from_selector, rows, strict=False) if tuple(a) != tuple(b)]
    same = len(from_selector) == len(rows) and not mismatches
    root = progress[0]
    held = sum(1 for u in progress if u.sessions)
    print(f"campaign {campaign.pk} “{campaign.title}” of {campaign.organization.code}, "
          f"{campaign.starts_on:%d/%m/%Y}–{campaign.deadline:%d/%m/%Y}; {counts['attendance_rows']:,} attendance rows")
    print(f"{len(progress):,} units; {held:,} held a session; {root.subtree_attended:,} of {root.subtree_expected:,} "
          f"expected members present at least once ({100 * (root.subtree_share or 0):.1f}%); "
          f"{root.subtree_late:,} units late")
    print(f"selector campaign_progress: median {selector_ms:.1f} ms over {repeat} runs "
          f"({', '.join(f'{t:.0f}' for t in selector_times)})")
    print(f"hand-written SQL aggregate:  median {sql_ms:.1f} ms over {repeat} runs "
          f"({', '.join(f'{t:.0f}' for t in sql_times)})")
    ratio = selector_ms / sql_ms
    print(f"ratio {ratio:.2f} (goal ≤ {GOAL_RATIO:.0f}); figures equal unit by unit: {same}"
          + ("" if same else f" — first differences: {mismatches[:3]}"))
    return {"campaign": campaign.pk, "units": len(progress), "units_held": held,
            "subtree_expected": root.subtree_expected, "subtree_attended": root.subtree_attended,
            "attendance_rows": counts["attendance_rows"], "selector_ms": round(selector_ms, 1),
            "sql_ms": round(sql_ms, 1), "ratio": round(ratio, 2), "same_figures": same}


if __name__ == "__main__":
    selector_versus_sql_main("campaign_followup", __doc__.splitlines()[0], run, label="followup", repeat=7,
                             baseline="hand-written SQL aggregate", goal_ratio=GOAL_RATIO)
