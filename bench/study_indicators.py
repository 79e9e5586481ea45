"""The study indicators of the whole demo province beside one hand-written SQL statement.

    DATABASE_URL=postgres://… python bench/study_indicators.py [--reuse-database] [--members N] [--repeat N]

Against a province seeded with 100,000 members and its study data (a scratch database on
the DATABASE_URL server, seeded here, unless --reuse-database says DATABASE_URL already
holds one), it times `resolutions.selectors.indicators.study_figures` of the province over
the last full year (indicators 5, 7 and 8 with their breakdown by child unit), and in the
same run one hand-written SQL statement over the same rows computing the same figures by
the same rule of attribution (portal.asof), written out here with joins (DISTINCT ON for a
person's first later transfer and last status change) instead of the selectors' correlated
expressions. Both are run `--repeat` times after an untimed warm-up; the medians are
compared, and the figures of both must be equal child by child. Goal: within 3× the SQL.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import selector_versus_sql_main, timed  # noqa: E402

GOAL_RATIO = 3.0

# %(marker)s is "/<root id>/": a unit's child of the root is the id after it in its path.
HAND_WRITTEN = """
WITH tree_then AS (
    SELECT organization_id, path,
           NULLIF(split_part(split_part(path, %(marker)s, 2), '/', 1), '')::int AS child
      FROM portal_organizationperiod
     WHERE valid_from <= %(day)s AND (valid_to IS NULL OR valid_to > %(day)s) AND strpos(path, %(marker)s) > 0
), sessions AS MATERIALIZED (
    SELECT s.id, s.kind, s.format,
           NULLIF(split_part(split_part(op.path, %(marker)s, 2), '/', 1), '')::int AS child
      FROM resolutions_studysession s
      JOIN portal_organizationperiod op ON op.organization_id = s.organization_id AND op.valid_from <= s.held_on
       AND (op.valid_to IS NULL OR op.valid_to > s.held_on) AND strpos(op.path, %(marker)s) > 0
     WHERE s.held_on BETWEEN %(start)s AND %(end)s
), session_documents AS MATERIALIZED (
    SELECT studysession_id AS session_id, document_id FROM resolutions_studysession_documents
    UNION ALL
    SELECT s.id, c.document_id FROM resolutions_studysession s JOIN resolutions_studycampaign c ON c.id = s.campaign_id
     WHERE c.document_id IS NOT NULL
), studied AS (
    SELECT DISTINCT d.document_id FROM sessions s JOIN session_documents d ON d.session_id = s.id
), moved AS (
    SELECT DISTINCT ON (person_id) person_id, from_organization_id FROM portal_transfer
     WHERE transferred_on > %(day)s ORDER BY person_id, transferred_on, id
), last_status AS (
    SELECT DISTINCT ON (person_id) person_id, status_id FROM portal_partystatuschange
     WHERE effective_on <= %(day)s ORDER BY person_id, effective_on DESC, id DESC
), members AS MATERIALIZED (
    SELECT p.id, t.child, t.organization_id AS unit, ps.expected_at_meetings AS expected
      FROM portal_person p
      LEFT JOIN moved m ON m.person_id = p.id
      JOIN tree_then t ON t.organization_id = coalesce(m.from_organization_id, p.organization_id)
      LEFT JOIN last_status st ON st.person_id = p.id
      JOIN portal_partystatus ps ON ps.id = CASE
           WHEN st.status_id IS NOT NULL THEN st.status_id
           WHEN NOT EXISTS (SELECT 1 FROM portal_partystatuschange c WHERE c.person_id = p.id) THEN p.party_status_id
           END
     WHERE ps.is_member AND (p.admitted_on IS NULL OR p.admitted_on <= %(day)s)
), thresholds AS MATERIALIZED (
    SELECT t.organization_id, coalesce((
        SELECT u.unexcused_absence_threshold FROM resolutions_unitstudysettings u
         WHERE strpos(t.path, '/' || u.organization_id || '/') > 0
         ORDER BY strpos(t.path, '/' || u.organization_id || '/') DESC LIMIT 1), %(default_threshold)s) AS threshold
      FROM tree_then t
), marks AS MATERIALIZED (
    SELECT a.person_id, count(*) AS n, count(*) FILTER (WHERE a.status = 'co_mat') AS present,
           count(*) FILTER (WHERE a.status = 'vang_khong_ly_do') AS absent
      FROM resolutions_attendance a JOIN resolutions_studysession s ON s.id = a.session_id
     WHERE s.held_on BETWEEN %(start)s AND %(end)s GROUP BY a.person_id
), reads AS (
    SELECT DISTINCT a.person_id, d.document_id
      FROM resolutions_attendance a JOIN resolutions_studysession s ON s.id = a.session_id
      JOIN session_documents d ON d.session_id = s.id
     WHERE a.status = 'co_mat' AND s.held_on BETWEEN %(start)s AND %(end)s
       AND d.document_id = ANY(ARRAY(SELECT document_id FROM studied))
), session_marks AS (
    SELECT s.child, count(*) AS n, count(*) FILTER (WHERE a.status = 'co_mat') AS present
      FROM resolutions_attendance a JOIN sessions s ON s.id = a.session_id GROUP BY s.child
), filers AS (
    SELECT m.child, c.status, r.code AS rating FROM members m
      LEFT JOIN resolutions_commitment c ON c.person_id = m.id AND c.year = %(year)s
      LEFT JOIN resolutions_ratinglevel r ON r.id = c.rating_id
     WHERE m.expected
)
SELECT 'sessions', s.child, NULL, count(DISTINCT s.id) FROM sessions s GROUP BY s.child
UNION ALL
SELECT 'rows', child, NULL, n FROM session_marks
UNION ALL
SELECT 'present', child, NULL, present FROM session_marks WHERE present > 0
UNION ALL
SELECT 'kind', NULL, kind, count(*) FROM sessions GROUP BY kind
UNION ALL
SELECT 'format', NULL, format, count(*) FROM sessions GROUP BY format
UNION ALL
SELECT 'expected', child, NULL, count(*) FROM members WHERE expected GROUP BY child
UNION ALL
SELECT 'read', m.child, r.document_id::text, count(*) FROM members m JOIN reads r ON r.person_id = m.id
 WHERE m.expected GROUP BY m.child, r.document_id
UNION ALL
SELECT 'commend', m.child, NULL, count(*) FROM members m JOIN marks k ON k.person_id = m.id
 WHERE k.n > 0 AND k.present = k.n GROUP BY m.child
UNION ALL
SELECT 'remind', m.child, NULL, count(*) FROM members m JOIN marks k ON k.person_id = m.id
  JOIN thresholds t ON t.organization_id = m.unit WHERE k.absent > t.threshold GROUP BY m.child
UNION ALL
SELECT 'filers', child, NULL, count(*) FROM filers GROUP BY child
UNION ALL
SELECT 'filed', child, NULL, count(*) FROM filers WHERE status IN ('da_nop', 'tra_lai', 'da_duyet') GROUP BY child
UNION ALL
SELECT 'accepted', child, NULL, count(*) FROM filers WHERE status = 'da_duyet' GROUP BY child
UNION ALL
SELECT 'rating', NULL, rating, count(*) FROM filers WHERE status = 'da_duyet' AND rating IS NOT NULL GROUP BY rating
"""


def flatten(figures) -> dict:
    """study_figures as the hand-written statement's rows: (figure, child, key) → value."""
    flat = {}

    def put(name, breakdown, value, key=None):
        for child, item in breakdown.by_child.items():
            if value(item):
                flat[(name, child, key)] = value(item)

    put("sessions", figures.sessions, lambda c: c.total)
    put("rows", figures.attendance, lambda s: s.total)
    put("present", figures.attendance, lambda s: s.done)
    for name, counter in (("kind", figures.sessions.total.by_kind), ("format", figures.sessions.total.by_format),
                          ("rating", figures.commitments.total.ratings)):
        flat.update({(name, None, key): n for key, n in counter.items() if n})
    if figures.documents:
        put("expected", figures.documents[0].share, lambda s: s.total)
    for reach in figures.documents:
        put("read", reach.share, lambda s: s.done, str(reach.document.pk))
    put("commend", figures.commend, lambda n: n)
    put("remind", figures.remind, lambda n: n)
    put("filers", figures.commitments, lambda c: c.expected)
    put("filed", figures.commitments, lambda c: c.filed)
    put("accepted", figures.commitments, lambda c: c.accepted)
    return flat


def run(repeat: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from portal.asof import Period
    from portal.models import Organization
    from resolutions.models import Attendance
    from resolutions.selectors.indicators import DEFAULT_ABSENCE_THRESHOLD, study_figures

    province = Organization.objects.get(parent=None, code="TINH")
    period = Period.year(timezone.localdate().year - 1)
    day = period.snapshot_day(province)
    params = {"marker": f"/{province.pk}/", "start": period.start, "end": period.end, "day": day,
              "year": period.last_year, "default_threshold": DEFAULT_ABSENCE_THRESHOLD}

    def selector():
        return study_figures(province, period)

    def hand_written():
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, params)
            return {(name, child, key): value for name, child, key, value in cursor.fetchall()}

    selector_ms, figures, selector_times = timed(selector, repeat, warm_up=True)
    sql_ms, rows, sql_times = timed(hand_written, repeat, warm_up=True)
    flat = flatten(figures)
    differences = sorted((key, flat.get(key), rows.get(key)) for key in set(flat) | set(rows)
                         if flat.get(key) != rows.get(key))
    same = not differences
    attendance_rows = Attendance.objects.filter(session__held_on__gte=period.start,
                                                session__held_on__lte=period.end).count()
    sessions, commitments = figures.sessions.total, figures.commitments.total
    print(f"{province.code}, {period.label} (members counted on {day:%d/%m/%Y}): {len(figures.children)} children; "
          f"{sessions.total:,} sessions, {attendance_rows:,} attendance rows of the year, "
          f"{figures.attendance.total.percent}% present; {len(figures.documents)} documents studied")
    print(f"commitments: {commitments.filed:,} filed, {commitments.accepted:,} accepted of {commitments.expected:,}; "
          f"commend {figures.commend.total:,}, remind {figures.remind.total:,}")
    print(f"selector study_figures:     median {selector_ms:.1f} ms over {repeat} runs "
          f"({', '.join(f'{t:.0f}' for t in selector_times)})")
    print(f"hand-written SQL statement: median {sql_ms:.1f} ms over {repeat} runs "
          f"({', '.join(f'{t:.0f}' for t in sql_times)})")
    ratio = selector_ms / sql_ms
    print(f"ratio {ratio:.2f} (goal ≤ {GOAL_RATIO:.0f}); figures equal child by child: {same}"
          + ("" if same else f" — first differences (figure, selector, SQL): {differences[:5]}"))
    return {"unit": province.code, "period": period.label, "children": len(figures.children),
            "sessions": sessions.total, "attendance_rows": attendance_rows, "documents": len(figures.documents),
            "members_expected": figures.documents[0].share.total.total if figures.documents else None,
            "selector_ms": round(selector_ms, 1), "sql_ms": round(sql_ms, 1), "ratio": round(ratio, 2),
            "same_figures": same, "figures_compared": len(rows)}


if __name__ == "__main__":
    selector_versus_sql_main("study_indicators", __doc__.splitlines()[0], run, label="study", repeat=5,
                             baseline="hand-written SQL statement", goal_ratio=GOAL_RATIO)
