"""Reads of the documents area (documents, themes, study campaigns and their follow-up,
the member's own view, commend and remind), always through portal.access."""

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramStrictWordSimilarity,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone

from portal.access import Action, get_visible_or_404, may, reach_of, restrict
from portal.asof import Period, in_subtree_on, members_on, overlapping
from portal.models import Organization, OrganizationPeriod, Person, Position
from resolutions.models import (
    SEARCH_CONFIG,
    Attachment,
    Attendance,
    Audience,
    Document,
    DocumentKind,
    StudyCampaign,
    StudySession,
    Theme,
    UnitStudySettings,
    search_text,
)
from resolutions.selectors import indicators
from resolutions.selectors.sessions import attendance_rate, sessions_of_member

DEFAULT_ABSENCE_THRESHOLD = indicators.DEFAULT_ABSENCE_THRESHOLD


def can_edit_themes(user) -> bool:
    """Themes are the province's: whoever may publish at the top of the tree (a superuser,
    tuyên giáo of the province)."""
    return reach_of(user).allows_at_top(Action.PUBLISH)


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentFilter:
    query: str = ""  # as people name a document: "nghị quyết 35", "35/NQ-TW", "tu tuong dao duc"
    kind: str = ""  # DocumentKind.code
    year: int | None = None  # of issue
    theme: int | None = None


@dataclass(frozen=True)
class SearchTerms:
    """A query split the way people name documents: kind names or symbols ("chỉ thị", "CT"),
    numbers ("35", "05"), and the other words, all without diacritics."""

    kinds: dict[str, str]  # DocumentKind.code → the words that named it, as typed
    numbers: tuple[str, ...]
    words: tuple[str, ...]
    text: str  # the whole query, for trigram similarity

    def __bool__(self):
        return bool(self.text)

    @property
    def every_word(self) -> tuple[str, ...]:
        return (*self.words, *" ".join(self.kinds.values()).split(), *self.numbers)


def _kind_names() -> list[tuple[tuple[str, ...], str]]:
    """(words, code) for each kind's symbol and each name it goes by ("Quyết định, quy định"
    is two), longest first so "quyet dinh" wins over a shorter overlap."""
    names = []
    for code, name in DocumentKind.objects.values_list("code", "name"):
        for alias in [code, *name.split(",")]:
            if words := tuple(search_text(alias).split()):
                names.append((words, code))
    return sorted(names, key=lambda entry: -len(entry[0]))


NUMBER_WORD = "so"  # "số" in "nghị quyết số 35": dropped before a number, kept elsewhere ("Sở")


def _is_number(token: str) -> bool:
    return token.isascii() and token.isdigit()


def _without_zeros(number: str) -> str:
    """"05" → "5", as `_number_of` reads a number-symbol (no int(): a query may hold any digits)."""
    return number.lstrip("0") or "0"


def parse_search(query: str) -> SearchTerms:
    tokens = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", search_text(query)).split()  # "nq35": "nq 35"
    names = _kind_names() if tokens else []
    kinds, numbers, words = {}, [], []
    position = 0
    while position < len(tokens):
        for name, code in names:
            if tuple(tokens[position:position + len(name)]) == name:
                kinds.setdefault(code, " ".join(name))
                position += len(name)
                break
        else:
            token = tokens[position]
            if _is_number(token):
                numbers.append(token)
            elif not (token == NUMBER_WORD and position + 1 < len(tokens) and _is_number(tokens[position + 1])):
                words.append(token)
            position += 1
    return SearchTerms(kinds=kinds, numbers=tuple(numbers), words=tuple(words), text=" ".join(tokens))


def _all_of(words) -> SearchQuery:
    """Every word, each as a prefix ("tuon" finds "tuong" while typing)."""
    return SearchQuery(" & ".join(f"'{word}':*" for word in words), search_type="raw", config=SEARCH_CONFIG)


def _phrase(words: str) -> SearchQuery:
    return SearchQuery(words, search_type="phrase", config=SEARCH_CONFIG)


def _number_of(field: str) -> Func:
    """The leading number of a number-symbol, without leading zeros: "05-CT/TW" → "5"."""
    return Func(F(field), Value(r"^0*(\d+)"), function="substring", output_field=CharField())


# Relevance: the kind and the number people named count more than any amount of text.
NUMBER_WEIGHT, KIND_WEIGHT = 8.0, 4.0


# How close the words must come to a stretch of the text to count as a typo of it
# (strict word similarity: 1 is the same words); lower lets "tư tưởng của Đảng" pass for
# "tu tuong dao duc".
TYPO_SIMILARITY = 0.65


def search(items: QuerySet, terms: SearchTerms, *, kind_field: str | None = None,
           number_field: str | None = None) -> QuerySet:
    """THE search of the documents area, for documents and themes alike, ranked in PostgreSQL
    (the `search_vector` and `search_text` of resolutions.models). An item matches when every
    word is in its text (full-text, as prefixes) or the words are a typo away from a stretch
    of it (trigram), every named kind is its kind or is named in its text, and every number
    is its number or in its text. Annotated with `relevance`, to order by."""
    if not terms:
        return items.annotate(relevance=Value(0.0, output_field=FloatField()))
    if kind_field is None and number_field is None:  # themes have neither: every word is text
        terms = SearchTerms(kinds={}, numbers=(), words=terms.every_word, text=terms.text)
    matches = Q()
    relevance = TrigramWordSimilarity(Value(terms.text), "search_text")
    if terms.words:
        words = " ".join(terms.words)
        items = items.annotate(closeness=TrigramStrictWordSimilarity(Value(words), "search_text"))
        matches &= Q(search_vector=_all_of(terms.words)) | Q(  # the operator is what the trigram index serves
            search_text__trigram_strict_word_similar=words, closeness__gte=TYPO_SIMILARITY)
        relevance += SearchRank(F("search_vector"), _all_of(terms.words), cover_density=True)
    for code, named in terms.kinds.items():
        matches &= Q(**{kind_field: code}) | Q(search_vector=_phrase(named))
        relevance += Case(When(**{kind_field: code}, then=Value(KIND_WEIGHT)), default=0.0)
    if terms.numbers:
        items = items.annotate(searched_number=_number_of(number_field))
    for number in terms.numbers:
        matches &= Q(searched_number=_without_zeros(number)) | Q(search_vector=_all_of([number]))
        relevance += Case(When(searched_number=_without_zeros(number), then=Value(NUMBER_WEIGHT)), default=0.0)
    return items.filter(matches).annotate(relevance=ExpressionWrapper(relevance, output_field=FloatField()))


def documents_visible_to(user) -> QuerySet[Document]:
    return restrict(Document.objects.all(), user)


def documents_list(user, filters: DocumentFilter = DocumentFilter()) -> QuerySet[Document]:
    """The catalogue: most relevant first when searched, else newest first."""
    documents = documents_visible_to(user).select_related("kind", "organization").annotate(
        attachment_count=Count("attachments", distinct=True))
    documents = search(documents, parse_search(filters.query), kind_field="kind__code",
                       number_field="number_symbol")
    if filters.kind:
        documents = documents.filter(kind__code=filters.kind)
    if filters.year:
        documents = documents.filter(issued_on__year=filters.year)
    if filters.theme:
        documents = documents.filter(themes=filters.theme)
    return documents.order_by("-relevance", "-issued_on", "number_symbol", "id")


def document_years(user) -> list[int]:
    return list(documents_visible_to(user).annotate(y=ExtractYear("issued_on")).values_list("y", flat=True)
                .distinct().order_by("-y"))


def document_kinds(on=None) -> QuerySet[DocumentKind]:
    return DocumentKind.objects.in_force(on)


def document_by_id(user, pk) -> Document:
    return get_visible_or_404(Document.objects.select_related("kind", "organization"), user, pk=pk)


def document_detail(user, pk) -> dict:
    document = document_by_id(user, pk)
    return {
        "document": document,
        "attachments": list(document.attachments.order_by("uploaded_at", "id")),
        "themes": list(document.themes.all()),
        "campaigns": list(restrict(document.campaigns.select_related("organization"), user)
                          .order_by("-starts_on", "-id")),
        "can_edit": may(user, Action.PUBLISH, document.organization),
    }


def attachment_by_id(user, document_pk, pk) -> Attachment:
    """The attachment, only if its document is one the user may see (else 404)."""
    return get_visible_or_404(Attachment.objects.select_related("document__organization")
                              .filter(document_id=document_pk), user, pk=pk)


# ---------------------------------------------------------------------------
# Themes
# ---------------------------------------------------------------------------


def themes_list(year: int | None = None, query: str = "") -> list[Theme]:
    """The current year's theme first, then the term-long ones, then earlier years; when
    searched, only the matching ones, most relevant first."""
    year = year or timezone.localdate().year
    themes = search(Theme.objects.annotate(document_count=Count("documents")), parse_search(query))
    return sorted(themes.order_by("-year", "kind", "title"),
                  key=lambda t: (-t.relevance, t.year != year, t.kind != Theme.Kind.TERM, -(t.year or 0)))


def theme_by_id(user, pk) -> Theme:
    return get_visible_or_404(Theme.objects.all(), user, pk=pk)


# ---------------------------------------------------------------------------
# Study campaigns
# ---------------------------------------------------------------------------


def campaigns_list(user, *, current_only: bool = False) -> QuerySet[StudyCampaign]:
    campaigns = restrict(StudyCampaign.objects.all(), user).select_related("organization", "document", "theme")
    if current_only:
        campaigns = campaigns.filter(deadline__gte=timezone.localdate())
    return campaigns.order_by("-starts_on", "-id")


def campaign_by_id(user, pk) -> StudyCampaign:
    return get_visible_or_404(
        StudyCampaign.objects.select_related("organization", "organization__level", "document", "theme",
                                             "document__kind"), user, pk=pk)


def linked_sessions(campaign: StudyCampaign) -> QuerySet[StudySession]:
    """Sessions that count for a campaign: linked to it, or held on its document within
    its window, by a unit of its subtree as the tree stood on the session's day."""
    condition = Q(campaign=campaign)
    if campaign.document_id:
        condition |= Q(documents=campaign.document_id, held_on__gte=campaign.starts_on,
                       held_on__lte=campaign.deadline)
    matching = StudySession.objects.filter(condition).values("pk")
    return StudySession.objects.filter(pk__in=matching).filter(
        in_subtree_on(campaign.organization, "organization_id", "held_on"))


@dataclass
class UnitProgress:
    """One unit's line on a campaign's follow-up: its own figures and its subtree's."""

    id: int
    code: str
    name: str
    level: str
    path: str  # as the tree stood on its counting day
    depth: int  # below the campaign's unit
    parent_id: int | None
    sessions: int  # sessions it held itself for the campaign
    sessions_on_time: int
    first_held_on: datetime.date | None
    expected: int  # its own expected members
    attended: int  # of whom present at one linked session at least
    dissolved_on: datetime.date | None = None  # ended within the campaign: counted until then, not rolled up
    current_path: str = ""
    subtree_expected: int = 0
    subtree_attended: int = 0
    subtree_units: int = 0  # units with expected members of their own, itself included
    subtree_done: int = 0  # of which a session was held on time by themselves or a unit above
    subtree_late: int = 0
    covered: bool = False  # a session on time by itself or a unit above (a joint session)
    late: bool = False
    children: list = field(default_factory=list)

    @property
    def share(self) -> float | None:
        return self.attended / self.expected if self.expected else None

    @property
    def subtree_share(self) -> float | None:
        return self.subtree_attended / self.subtree_expected if self.subtree_expected else None

    @property
    def subtree_percent(self) -> int:
        return round(100 * (self.subtree_share or 0))

    @property
    def held(self) -> bool:
        return self.sessions > 0


def campaign_day(campaign: StudyCampaign, as_of: datetime.date) -> datetime.date:
    """The day a campaign's members are counted: its deadline, or `as_of` while under way."""
    return min(as_of, campaign.deadline)


def _campaign_units(campaign: StudyCampaign, day: datetime.date) -> list:
    """The units of the campaign's subtree at some time between its start and `day`, each
    as it stood last within that time (a unit merged on 1 July by its name and place then)."""
    root = campaign.organization
    return list(
        OrganizationPeriod.objects.filter(overlapping(campaign.starts_on, day), path__contains=f"/{root.pk}/")
        .order_by("organization_id", "-valid_from").distinct("organization_id")
        .values_list("organization_id", "organization__code", "name", "level__name", "path", "parent_id",
                     "organization__dissolved_on", "organization__path"))


def _expected_at_campaign(campaign: StudyCampaign, day: datetime.date) -> QuerySet[Person]:
    """Members of the subtree on `day` expected at meetings then (portal.asof), for the key
    cadres' campaigns only committee members on that day."""
    people = members_on(campaign.organization, day, expected_at_meetings=True)
    if campaign.audience == Audience.KEY_CADRES:
        people = people.filter(Exists(Position.objects.current(day).filter(
            person_id=OuterRef("pk"), role__is_committee_member=True)))
    return people


# The follow-up's aggregate: sessions of each unit, and its expected members with those
# present at a linked session. `expected` is one SELECT of (person id, his unit) per
# counting day: the campaign's, and the last day of each unit that ended within it.
_PROGRESS_SQL = """
WITH linked AS ({linked}),
expected AS ({expected}),
present AS (
    SELECT DISTINCT a.person_id FROM resolutions_attendance a
     WHERE a.session_id IN (SELECT id FROM linked) AND a.status = %s
),
people AS (
    SELECT e.unit_then AS organization_id, count(*) AS expected, count(pr.person_id) AS attended
      FROM expected e LEFT JOIN present pr ON pr.person_id = e.id
     GROUP BY e.unit_then
),
held AS (
    SELECT organization_id, count(*) AS sessions, count(*) FILTER (WHERE held_on <= %s) AS on_time,
           min(held_on) AS first_held_on
      FROM linked GROUP BY organization_id
)
SELECT coalesce(h.organization_id, pe.organization_id), coalesce(h.sessions, 0), coalesce(h.on_time, 0),
       h.first_held_on, coalesce(pe.expected, 0), coalesce(pe.attended, 0)
  FROM held h FULL JOIN people pe ON pe.organization_id = h.organization_id
"""


def campaign_progress(*, campaign: StudyCampaign, viewer, as_of: datetime.date | None = None) -> list[UnitProgress]:
    """The follow-up of a campaign, unit by unit down its subtree (tree order), as of its
    deadline (or `as_of` while under way) by the rule of portal.asof: members where and as
    they were that day, sessions where the tree stood on their day, the units of the
    campaign's time, those ended within it counted until their last day and marked. Two
    queries (the units, one aggregate); subtree figures rolled up in one pass.
    Only the units `viewer` may see are returned (figures still cover their whole subtree,
    which lies in his reach too). `viewer` is a user, or for tasks and reports the
    `portal.access.system_reach` of the subtree they work on."""
    as_of = as_of or timezone.localdate()
    day = campaign_day(campaign, as_of)
    root = campaign.organization
    units = _campaign_units(campaign, day)
    ended = {}  # last day → the units that ended within the campaign, counted on it
    for unit_id, *_rest, dissolved_on, _current in units:
        if dissolved_on and dissolved_on <= day:
            ended.setdefault(max(campaign.starts_on, dissolved_on - datetime.timedelta(days=1)), []).append(unit_id)
    selects = [_expected_at_campaign(campaign, day).values("pk", "unit_then")]
    selects += [_expected_at_campaign(campaign, last).filter(unit_then__in=ids).values("pk", "unit_then")
                for last, ids in sorted(ended.items())]
    expected = [indicators.sql_of(queryset) for queryset in selects]
    linked_sql, linked_params = indicators.sql_of(linked_sessions(campaign).values("id", "organization_id", "held_on"))
    sql = _PROGRESS_SQL.format(linked=linked_sql, expected=" UNION ALL ".join(
        f"SELECT m.pk AS id, m.unit_then FROM ({part}) m" for part, _ in expected))
    params = [*linked_params, *(p for _, part in expected for p in part), Attendance.Status.PRESENT,
              campaign.deadline]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        figures = {row[0]: row[1:] for row in cursor.fetchall()}
    rows = []
    for unit_id, code, name, level, path, parent_id, dissolved_on, current_path in units:
        sessions, on_time, first_held_on, expected_count, attended = figures.get(unit_id, (0, 0, None, 0, 0))
        rows.append(UnitProgress(
            id=unit_id, code=code, name=name, level=level, path=path, depth=_depth_below(path, root),
            parent_id=parent_id if unit_id != root.pk else None, sessions=sessions, sessions_on_time=on_time,
            first_held_on=first_held_on, expected=expected_count, attended=attended,
            dissolved_on=dissolved_on if dissolved_on and dissolved_on <= day else None, current_path=current_path))
    rows.sort(key=lambda row: row.path)
    _roll_up(rows, past_deadline=as_of > campaign.deadline)
    reach = reach_of(viewer)
    return [row for row in rows if reach.covers_path(row.current_path)]


def _depth_below(path: str, root: Organization) -> int:
    parts = path.strip("/").split("/")
    return len(parts) - 1 - parts.index(str(root.pk))


def _roll_up(rows: list[UnitProgress], *, past_deadline: bool) -> None:
    """Rows in path order, so every parent comes before its children: covered flows down,
    figures flow up to every ancestor in the list. A unit that ended within the campaign
    keeps its own line; its members are counted where they went, so it adds nothing above."""
    by_id = {row.id: row for row in rows}
    for row in rows:
        parent = by_id.get(row.parent_id)
        row.covered = row.sessions_on_time > 0 or (parent is not None and parent.covered)
        needs_session = row.expected > 0 and row.dissolved_on is None
        row.late = needs_session and past_deadline and not row.covered
        if parent is not None:
            parent.children.append(row)
        if row.dissolved_on is not None:
            continue
        unit = row
        while unit is not None:
            unit.subtree_expected += row.expected
            unit.subtree_attended += row.attended
            unit.subtree_units += needs_session
            unit.subtree_done += needs_session and row.covered
            unit.subtree_late += row.late
            unit = by_id.get(unit.parent_id)


def _prefixes(path: str) -> list[str]:
    """"/1/7/42/" → ["/1/", "/1/7/", "/1/7/42/"]."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


# ---------------------------------------------------------------------------
# The member's own view
# ---------------------------------------------------------------------------


def _present_at(campaign_ref, person_id) -> Exists:
    """Did the person attend (present) a session counting for the outer campaign?"""
    counted = Q(session__campaign=campaign_ref) | Q(
        session__documents=OuterRef("document_id"), session__held_on__gte=OuterRef("starts_on"),
        session__held_on__lte=OuterRef("deadline"))
    return Exists(Attendance.objects.filter(counted, person_id=person_id, status=Attendance.Status.PRESENT))


def member_overview(user, year: int | None = None) -> dict:
    """What the member studies now, his sessions and attendance rate this year, his campaigns."""
    today = timezone.localdate()
    year = year or today.year
    person = Person.objects.select_related("organization", "party_status").filter(user=user).first() if user.is_authenticated else None
    if person is None:
        return {"person": None, "year": year}
    unit = person.organization
    campaigns = list(
        restrict(StudyCampaign.objects.all(), user)
        .filter(organization__path__in=_prefixes(unit.path))
        .select_related("organization", "document", "document__kind", "theme")
        .annotate(done=_present_at(OuterRef("pk"), person.pk))
        .order_by("deadline", "-id"))
    sessions = list(sessions_of_member(person, year))[::-1]  # newest first
    rate = attendance_rate(person, year)
    return {
        "person": person,
        "year": year,
        "now": [c for c in campaigns if c.deadline >= today and c.starts_on <= today],
        "upcoming": [c for c in campaigns if c.starts_on > today],
        "campaigns": campaigns,
        "sessions": sessions,
        "status_labels": dict(Attendance.Status.choices),
        "expected_count": rate.expected,
        "present_count": rate.present,
        "attendance_rate": rate.rate,
    }


# ---------------------------------------------------------------------------
# Commend and remind
# ---------------------------------------------------------------------------


def absence_threshold(unit: Organization) -> int:
    row = UnitStudySettings.objects.filter(organization=unit).first()
    return row.unexcused_absence_threshold if row else DEFAULT_ABSENCE_THRESHOLD


def commend_remind(user, unit: Organization, year: int) -> dict:
    """The secretary's page: the people behind indicator 8 (`indicators.marked_people`, the
    rule of `commend_people` and `remind_people`: one for the page and the report), those
    the user may see, with their unit's name on the year's snapshot day. One query."""
    people = list(indicators.marked_people(unit, Period.year(year), restrict(Person.objects.all(), user)))
    return {"commend": [person for person in people if person.to_commend],
            "remind": [person for person in people if person.to_remind]}
