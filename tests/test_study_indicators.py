"""The study indicators (DESIGN.md §4: 5, 7, 8) and the campaign follow-up, as of their
period: a member transferred between đảng bộ mid-year, a cell merged into a cell of
another đảng bộ on 1 July. Every figure is checked against a recomputation written here
in plain Python from the raw rows (its own reading of the rule of portal.asof), and
against itself after later transfers, a merger and a move: a past period's figures do
not move."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest

from portal import tree
from portal.access import system_reach
from portal.asof import Period
from portal.models import Organization, OrganizationPeriod, PartyStatus, PartyStatusChange, Person, Transfer
from portal.services import transfer_person
from resolutions.models import (
    Attendance,
    Commitment,
    RatingLevel,
    StudyCampaign,
    StudySession,
    UnitStudySettings,
)
from resolutions.selectors.documents import campaign_progress, commend_remind
from resolutions.selectors.indicators import (
    commend_people,
    document_readers,
    remind_people,
    sessions_in,
    study_figures,
)
from tests.factories import PersonFactory, make_unit
from tests.test_documents import make_document

P, E, A = Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT
YEAR = 2025
PERIOD = Period.year(YEAR)
MERGED_ON = datetime.date(YEAR, 7, 1)
MOVED_ON = datetime.date(YEAR, 9, 1)
d = datetime.date


def session(unit, held_on, marks, *, documents=(), campaign=None, kind=StudySession.Kind.REGULAR,
            format=StudySession.Format.IN_PERSON):
    s = StudySession.objects.create(organization=unit, held_on=held_on, kind=kind, campaign=campaign,
                                    format=format, bridge_points=3 if format == StudySession.Format.ONLINE else None)
    s.documents.set(documents)
    Attendance.objects.bulk_create([Attendance(session=s, person=p, status=st) for p, st in marks])
    return s


@pytest.fixture
def year(province):
    """TINH ─ DBK ─ CS1 ─ CB1, CB2
            └ DBX ─ CB3, CB4 (merged into CB2 on 1/7/2025: its two members pass to DBK)
    `mover` leaves CB1 (DBK) for CB3 (DBX) on 1/9/2025; `late_member` is admitted to CB3
    in 2025 with his status history recorded; `exempt` of CB2 is excused from activity
    since March."""
    units = dict(province["units"])
    units["CB4"] = make_unit("Chi bộ ấp Tân Phú", parent=units["DBX"], code="CB4")
    people = {"secretary": province["secretary"], "member": province["member"], **province["others"]}
    people["mover"] = PersonFactory(full_name="Đinh Văn Chuyển", organization=units["CB1"])
    people["cb4a"] = PersonFactory(full_name="Võ Thị Hợp", organization=units["CB4"])
    people["cb4b"] = PersonFactory(full_name="Mai Văn Nhập", organization=units["CB4"])
    people["exempt"] = PersonFactory(full_name="Lý Văn Miễn", organization=units["CB2"])
    people["late_member"] = PersonFactory(full_name="Tô Thị Mới", organization=units["CB3"],
                                          admitted_on=d(YEAR, 10, 1), official_on=None)
    status = {s.code: s for s in PartyStatus.objects.all()}
    PartyStatusChange.objects.create(person=people["exempt"], status=status["chinh-thuc"], effective_on=d(2011, 3, 2))
    PartyStatusChange.objects.create(person=people["exempt"], status=status["mien-sinh-hoat"],
                                     effective_on=d(YEAR, 3, 1))
    Person.objects.filter(pk=people["exempt"].pk).update(party_status=status["mien-sinh-hoat"])
    PartyStatusChange.objects.create(person=people["late_member"], status=status["quan-chung"],
                                     effective_on=d(2000, 1, 1))
    PartyStatusChange.objects.create(person=people["late_member"], status=status["du-bi"], effective_on=d(YEAR, 10, 1))
    Person.objects.filter(pk=people["late_member"].pk).update(party_status=status["du-bi"])
    for person in Person.objects.filter(status_changes__isnull=True):  # as portal.services.create_person records
        PartyStatusChange.objects.create(person=person, status=person.party_status, effective_on=person.admitted_on)
    UnitStudySettings.objects.create(organization=units["DBX"], unexcused_absence_threshold=0)

    doc_a = make_document(units["TINH"], "01-KL/TW", "KL", issued_on=d(2021, 5, 18))
    doc_b = make_document(units["TINH"], "35-NQ/TW", "NQ", issued_on=d(2018, 10, 22))
    campaign = StudyCampaign.objects.create(title="Quán triệt Kết luận 01-KL/TW", document=doc_a,
                                            organization=units["TINH"], starts_on=d(YEAR, 3, 1),
                                            deadline=d(YEAR, 10, 31))
    p, u = people, units
    session(u["CB1"], d(YEAR, 3, 10), [(p["secretary"], P), (p["member"], E), (p["cb1"], A), (p["mover"], P)],
            campaign=campaign, kind=StudySession.Kind.STUDY)
    session(u["CB4"], d(YEAR, 4, 10), [(p["cb4a"], P), (p["cb4b"], A)], documents=[doc_a],
            kind=StudySession.Kind.STUDY, format=StudySession.Format.ONLINE)
    session(u["CB2"], d(YEAR, 5, 5), [(p["cb2"], P), (p["exempt"], A)], documents=[doc_b],
            kind=StudySession.Kind.THEMATIC)
    tree.merge_organizations([u["CB4"]], into=u["CB2"], effective_on=MERGED_ON)
    session(u["CB2"], d(YEAR, 8, 5), [(p["cb2"], P), (p["cb4a"], P), (p["cb4b"], A)], documents=[doc_a])
    transfer_person(p["mover"], to_organization=u["CB3"], transferred_on=MOVED_ON)
    session(u["CB3"], d(YEAR, 10, 15), [(p["cb3"], A), (p["mover"], P), (p["late_member"], P)], documents=[doc_b])
    session(u["CB1"], d(YEAR, 11, 5), [(p["secretary"], P), (p["member"], P), (p["cb1"], A)])
    session(u["CB1"], d(YEAR - 1, 12, 10), [(p["secretary"], A), (p["member"], P)], documents=[doc_a])
    session(u["CB3"], d(YEAR + 1, 1, 10), [(p["cb3"], P)], documents=[doc_a])

    ratings = {r.code: r for r in RatingLevel.objects.all()}
    for key, state, rating in [("secretary", Commitment.Status.ACCEPTED, "xuat-sac"),
                               ("member", Commitment.Status.ACCEPTED, "tot"),
                               ("cb1", Commitment.Status.DRAFT, None), ("cb2", Commitment.Status.SUBMITTED, None),
                               ("cb4a", Commitment.Status.ACCEPTED, "tot"), ("mover", Commitment.Status.RETURNED, None),
                               ("cb3", Commitment.Status.ACCEPTED, None)]:
        Commitment.objects.create(person=p[key], year=YEAR, status=state,
                                  rating=ratings[rating] if rating else None)
    Commitment.objects.create(person=p["cb1"], year=YEAR - 1, status=Commitment.Status.ACCEPTED)
    for unit in units.values():
        unit.refresh_from_db()
    return {**province, "units": units, "people": people, "documents": [doc_a, doc_b], "campaign": campaign}


# --- An independent reading of the rule, in plain Python -------------------------------------------


def tree_on(day):
    """{organization id: path} of the tree standing on `day`."""
    return {row.organization_id: row.path for row in OrganizationPeriod.objects.all()
            if row.valid_from <= day and (row.valid_to is None or row.valid_to > day)}


def unit_on(person, day):
    later = sorted((t for t in Transfer.objects.filter(person=person) if t.transferred_on > day),
                   key=lambda t: (t.transferred_on, t.pk))
    return later[0].from_organization_id if later else person.organization_id


def status_on(person, day):
    changes = sorted(PartyStatusChange.objects.filter(person=person), key=lambda c: (c.effective_on, c.pk))
    if not changes:
        return person.party_status
    before = [c for c in changes if c.effective_on <= day]
    return before[-1].status if before else None


def child_of(unit, path):
    """The child of `unit` named in `path` (None for the unit itself); False outside it."""
    parts = path.strip("/").split("/")
    if str(unit.pk) not in parts:
        return False
    below = parts[parts.index(str(unit.pk)) + 1:]
    return int(below[0]) if below else None


def members_then(unit, day, *, expected_only=False):
    """{person: child} of the members of the subtree on `day`."""
    paths = tree_on(day)
    found = {}
    for person in Person.objects.all():
        status = status_on(person, day)
        if status is None or not status.is_member or (expected_only and not status.expected_at_meetings):
            continue
        if person.admitted_on and person.admitted_on > day:
            continue
        child = child_of(unit, paths.get(unit_on(person, day), "/"))
        if child is not False:
            found[person] = child
    return found


def recompute(unit, period):
    """Every figure of study_figures, from the raw rows, as {child: value} plus "total"."""
    day = min(period.end, unit.dissolved_on - datetime.timedelta(days=1) if unit.dissolved_on else period.end)
    sessions = {}
    for s in StudySession.objects.prefetch_related("documents", "attendance").select_related("campaign"):
        if period.start <= s.held_on <= period.end:
            child = child_of(unit, tree_on(s.held_on).get(s.organization_id, "/"))
            if child is not False:
                sessions[s] = child
    figures = {"sessions": Counter(), "kinds": Counter(), "formats": Counter(), "rows": Counter(),
               "present": Counter()}
    for s, child in sessions.items():
        figures["sessions"][child] += 1
        figures["kinds"][s.kind] += 1
        figures["formats"][s.format] += 1
        figures["rows"][child] += len(s.attendance.all())
        figures["present"][child] += sum(1 for a in s.attendance.all() if a.status == P)
    documents = {doc.pk for s in sessions for doc in s.documents.all()} | {
        s.campaign.document_id for s in sessions if s.campaign and s.campaign.document_id}
    rows_in_period = [a for a in Attendance.objects.select_related("session__campaign").prefetch_related(
        "session__documents") if period.start <= a.session.held_on <= period.end]
    expected = members_then(unit, day, expected_only=True)
    figures["expected"] = Counter(expected.values())
    for document in documents:
        readers = {a.person for a in rows_in_period if a.status == P and (
            document in {doc.pk for doc in a.session.documents.all()}
            or (a.session.campaign and a.session.campaign.document_id == document))}
        figures[f"read_{document}"] = Counter(child for person, child in expected.items() if person in readers)
    thresholds = {row.organization_id: row.unexcused_absence_threshold for row in UnitStudySettings.objects.all()}
    paths = tree_on(day)
    figures["commend"], figures["remind"] = Counter(), Counter()
    for person, child in members_then(unit, day).items():
        mine = [a for a in rows_in_period if a.person_id == person.pk]
        if mine and all(a.status == P for a in mine):
            figures["commend"][child] += 1
        above = [int(x) for x in paths[unit_on(person, day)].strip("/").split("/")]
        threshold = next((thresholds[x] for x in reversed(above) if x in thresholds), 2)
        if sum(1 for a in mine if a.status == A) > threshold:
            figures["remind"][child] += 1
    for key in ("filers", "filed", "accepted"):
        figures[key] = Counter()
    figures["ratings"] = Counter()
    for year in range(period.start.year, day.year + 1):
        for person, child in members_then(unit, min(d(year, 12, 31), day), expected_only=True).items():
            commitment = Commitment.objects.filter(person=person, year=year).first()
            figures["filers"][child] += 1
            if commitment and commitment.status != Commitment.Status.DRAFT:
                figures["filed"][child] += 1
            if commitment and commitment.status == Commitment.Status.ACCEPTED:
                figures["accepted"][child] += 1
                if commitment.rating_id:
                    figures["ratings"][commitment.rating.code] += 1
    return figures, documents


def same(breakdown, counter, value=lambda v: v):
    """The breakdown's total and every child's figure are the counter's."""
    assert value(breakdown.total) == sum(counter.values())
    for child in set(breakdown.by_child) | set(counter):
        got = value(breakdown.by_child[child]) if child in breakdown.by_child else 0
        assert got == counter[child], child


def check(figures, unit, period):
    expected, documents = recompute(unit, period)
    same(figures.sessions, expected["sessions"], lambda c: c.total)
    assert figures.sessions.total.by_kind == +expected["kinds"]
    assert figures.sessions.total.by_format == +expected["formats"]
    same(figures.attendance, expected["rows"], lambda s: s.total)
    same(figures.attendance, expected["present"], lambda s: s.done)
    assert {reach.document.pk for reach in figures.documents} == documents
    for reach in figures.documents:
        same(reach.share, expected["expected"], lambda s: s.total)
        same(reach.share, expected[f"read_{reach.document.pk}"], lambda s: s.done)
    same(figures.commend, expected["commend"])
    same(figures.remind, expected["remind"])
    same(figures.commitments, expected["filers"], lambda c: c.expected)
    same(figures.commitments, expected["filed"], lambda c: c.filed)
    same(figures.commitments, expected["accepted"], lambda c: c.accepted)
    assert figures.commitments.total.ratings == +expected["ratings"]


# --- The figures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["TINH", "DBK", "DBX", "CS1", "CB2", "CB3"])
def test_figures_equal_an_independent_count_from_the_raw_rows(year, code):
    unit = year["units"][code]
    check(study_figures(unit, PERIOD), unit, PERIOD)


def test_the_merged_cell_and_the_transferred_member_count_where_they_were(year):
    units, people = year["units"], year["people"]
    dbk, dbx = study_figures(units["DBK"], PERIOD), study_figures(units["DBX"], PERIOD)
    # CB4's April session belongs to DBX (its superior that day), CB2's August one to DBK.
    assert (dbk.sessions.total.total, dbx.sessions.total.total) == (4, 2)
    assert dbx.sessions.of(units["CB4"].pk, None).total == 1
    assert dbx.sessions.total.by_format == Counter({"truc_tuyen": 1, "tap_trung": 1})
    # On 31/12 the mover is in CB3 (DBX), CB4's members in CB2 (DBK); the exempt member
    # is no longer expected at meetings, the late member is (admitted 1/10).
    assert members(dbk, units) == {"CS1": 6}
    assert members(study_figures(units["CS1"], PERIOD), units) == {"CB1": 3, "CB2": 3}
    assert members(dbx, units) == {"CB3": 3}
    doc_a = year["documents"][0]
    reach = {r.document.pk: r.share for r in study_figures(units["TINH"], PERIOD).documents}[doc_a.pk]
    # Studied 01-KL/TW in 2025: secretary (campaign), mover (campaign, in CB1 then), cb4a, cb2 (August).
    assert (reach.total.done, reach.total.total) == (4, 9)
    assert reach.total.percent == Decimal("44.4")
    assert {p.full_name for p in document_readers(units["DBX"], PERIOD, doc_a)} == {people["mover"].full_name}
    # DBX's threshold is 0: its unexcused absentees are reminded, DBK's need more than 2.
    assert {p.full_name for p in remind_people(units["TINH"], PERIOD)} == {people["cb3"].full_name}
    assert {p.full_name for p in commend_people(units["DBX"], PERIOD)} == {
        people["mover"].full_name, people["late_member"].full_name}


def members(figures, units):
    names = {unit.pk: code for code, unit in units.items()}
    return {names[child]: share.total for child, share in figures.documents[0].share.by_child.items()} \
        if figures.documents else {}


def later_reorganisation(year):
    """2026: members transferred, CS1 moved under DBX, CB3 merged into CB1, a status changed."""
    units, people = year["units"], year["people"]
    status = PartyStatus.objects.get(code="chuyen-di")
    on = d(YEAR + 1, 3, 1)
    transfer_person(people["cb2"], to_organization=units["CB3"], transferred_on=on)
    transfer_person(people["mover"], to_organization=units["CB1"], transferred_on=on)
    tree.move_organization(units["CS1"], new_parent=units["DBX"], effective_on=d(YEAR + 1, 4, 1))
    tree.merge_organizations([units["CB3"]], into=units["CB1"], effective_on=d(YEAR + 1, 5, 1))
    PartyStatusChange.objects.create(person=people["member"], status=status, effective_on=d(YEAR + 1, 6, 1))
    Person.objects.filter(pk=people["member"].pk).update(party_status=status)
    UnitStudySettings.objects.create(organization=units["CB1"], unexcused_absence_threshold=9)
    for unit in units.values():
        unit.refresh_from_db()


def test_a_past_year_recomputed_after_later_changes_is_identical(year):
    units = year["units"]
    before = {code: study_figures(units[code], PERIOD) for code in ("TINH", "DBK", "DBX", "CB2")}
    people_before = {code: sorted(p.pk for p in commend_people(units[code], PERIOD)) for code in before}
    later_reorganisation(year)
    after = {code: study_figures(Organization.objects.get(code=code), PERIOD) for code in before}
    for code in before:
        assert after[code].sessions == before[code].sessions, code
        assert after[code].attendance == before[code].attendance, code
        assert after[code].documents == before[code].documents, code
        assert after[code].commitments == before[code].commitments, code
        assert (after[code].commend, after[code].remind) == (before[code].commend, before[code].remind), code
        assert sorted(p.pk for p in commend_people(Organization.objects.get(code=code), PERIOD)) == \
            people_before[code]
    check(after["TINH"], Organization.objects.get(code="TINH"), PERIOD)


def test_a_period_of_several_years_sums_the_commitments_of_each(year):
    units = year["units"]
    two_years = Period.years(YEAR, 2)
    figures = study_figures(units["TINH"], two_years)
    check(figures, units["TINH"], two_years)
    assert figures.commitments.total.expected == study_figures(units["TINH"], Period.year(YEAR - 1)) \
        .commitments.total.expected + study_figures(units["TINH"], PERIOD).commitments.total.expected


@pytest.mark.parametrize("code", ["TINH", "DBK", "CB1"])
def test_a_large_subtree_read_by_one_scan_counts_the_same(year, code, monkeypatch):
    """Large subtrees read the period's attendance in one parallel scan, small ones their own
    rows only: the same figures either way."""
    from resolutions.selectors import indicators

    unit = year["units"][code]
    monkeypatch.setattr(indicators, "SMALL_SUBTREE_UNITS", 0)
    figures = study_figures(unit, PERIOD)
    check(figures, unit, PERIOD)


def test_sessions_in_is_the_rows_behind_the_session_figure(year):
    tinh = year["units"]["TINH"]
    assert sessions_in(tinh, PERIOD).count() == study_figures(tinh, PERIOD).sessions.total.total == 6


def test_queries_do_not_grow_with_the_subtree(year, django_assert_max_num_queries):
    units = year["units"]
    with django_assert_max_num_queries(6) as small:
        study_figures(units["TINH"], PERIOD)
    for n in range(8):
        cell = make_unit(f"Chi bộ mới {n}", parent=units["DBX"])
        people = [PersonFactory(organization=cell) for _ in range(3)]
        session(cell, d(YEAR, 6, n + 1), [(person, P) for person in people],
                documents=[make_document(units["TINH"], f"{n + 10}-CT/TU", "CT", issued_on=d(2024, 1, n + 1))])
    with django_assert_max_num_queries(len(small.captured_queries)):
        study_figures(units["TINH"], PERIOD)


# --- The campaign follow-up and the secretary's page, on the same rule ------------------------------


def follow_up(campaign):
    rows = campaign_progress(campaign=campaign, viewer=system_reach(campaign.organization))
    return {row.code: (row.expected, row.attended, row.sessions, row.sessions_on_time, row.subtree_expected,
                       row.subtree_attended, row.subtree_units, row.subtree_done, row.subtree_late, row.late,
                       row.dissolved_on, row.path) for row in rows}


def test_a_past_campaign_counts_members_where_they_were_at_its_deadline(year):
    campaign, people = year["campaign"], year["people"]
    rows = follow_up(campaign)
    # The merged cell is listed until its end, marked; its members counted in CB2 on the deadline.
    assert rows["CB4"][-2] == MERGED_ON
    assert rows["CB4"][:2] == (2, 1)
    assert rows["CB2"][:2] == (3, 2)  # cb2, cb4a, cb4b (the exempt member is not expected); cb2 and cb4a came
    assert rows["CB3"][:2] == (3, 1)  # cb3, the mover (present in CB1 in March) and the member admitted 1/10
    assert rows["CB1"][:2] == (3, 1)
    assert rows["TINH"][4:6] == (9, 4)  # the merged cell's own line is not counted twice
    expected = members_then(year["units"]["TINH"], campaign.deadline, expected_only=True)
    assert rows["TINH"][4] == len(expected)
    assert people["mover"] in expected


def test_a_past_campaign_recomputed_after_later_changes_is_identical(year):
    before = follow_up(year["campaign"])
    later_reorganisation(year)
    assert follow_up(StudyCampaign.objects.get(pk=year["campaign"].pk)) == before


def test_the_secretarys_page_lists_the_people_of_indicator_8(year):
    units = year["units"]
    lists = commend_remind(year["users"]["tuyengiao"], units["TINH"], YEAR)
    assert {p.pk for p in lists["commend"]} == {p.pk for p in commend_people(units["TINH"], PERIOD)}
    assert {p.pk for p in lists["remind"]} == {p.pk for p in remind_people(units["TINH"], PERIOD)}
    figures = study_figures(units["TINH"], PERIOD)
    assert (figures.commend.total, figures.remind.total) == (len(lists["commend"]), len(lists["remind"]))
