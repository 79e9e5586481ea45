"""What the submission pages, the API, the calendar and the home card read about the
reports units submit up the tree. Every list goes through the access rule."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from portal.access import Action, reach_of, restrict
from portal.asof import Period
from portal.models import Organization
from portal.printing import format_number, format_percent
from reports.indicators import figures_by_code, target_text
from reports.models import NarrativeRevision, ReportKind, Submission, SubmissionEvent

Status = Submission.Status


# --- Periods in URLs ---------------------------------------------------------------------------


def period_slug(period: Period) -> str:
    """A period as a URL says it: "2025", or "2021-2025" for several years."""
    if period.first_year == period.last_year:
        return str(period.last_year)
    return f"{period.first_year}-{period.last_year}"


def year_and_span(slug: str) -> tuple[str, int | None]:
    """The last year and the number of years of a period slug, as `report_target` takes
    them (checked there); a slug that is no period gives a year that fails its check."""
    first, dash, last = str(slug).replace("–", "-").partition("-")
    if not dash:
        return first, None
    if not (f"{first}{last}".isascii() and first.isdigit() and last.isdigit() and len(first) == len(last) == 4):
        return "", None
    return last, int(last) - int(first) + 1


def report_url(submission: Submission) -> str:
    return reverse("report_unit", args=[submission.organization.code, submission.kind.code,
                                        period_slug(submission.period)])


# --- The narrative -----------------------------------------------------------------------------


def section_codes(kind: ReportKind) -> list[str]:
    return [section["code"] for section in kind.sections]


def effective_narrative(submission: Submission) -> dict[str, str]:
    """Each section's text: as the unit wrote it, else the kind's default."""
    return {section["code"]: submission.narrative.get(section["code"], section.get("default", ""))
            for section in submission.kind.sections}


@dataclass(frozen=True)
class Section:
    code: str
    heading: str
    text: str
    revisions: list


def sections_of(submission: Submission, revisions_per_section: int = 10) -> list[Section]:
    """The narrative sections with their latest revisions (one query)."""
    history: dict[str, list] = {}
    for revision in (NarrativeRevision.objects.filter(submission=submission).select_related("author__person")
                     .order_by("section", "-saved_at", "-id")):
        history.setdefault(revision.section, []).append(revision)
    texts = effective_narrative(submission)
    return [Section(code=section["code"], heading=section["heading"], text=texts[section["code"]],
                    revisions=history.get(section["code"], [])[:revisions_per_section])
            for section in submission.kind.sections]


# --- Reading submissions -----------------------------------------------------------------------


def submissions_visible_to(user) -> QuerySet[Submission]:
    return restrict(Submission.objects.select_related("kind", "organization__parent", "organization__level"), user)


def submission_by_id(user, pk) -> Submission:
    from portal.access import get_visible_or_404

    return get_visible_or_404(Submission.objects.select_related("kind", "organization__parent"), user, pk=pk)


def submission_for(kind: ReportKind, unit: Organization, period: Period) -> Submission | None:
    return (Submission.objects.select_related("kind", "organization__parent", "submitted_by__person",
                                              "decided_by__person")
            .filter(kind=kind, organization=unit, period_start=period.start, period_end=period.end).first())


def events_of(submission: Submission) -> list[SubmissionEvent]:
    return list(submission.events.select_related("by__person").order_by("at", "id"))


@dataclass(frozen=True)
class SubmissionFilter:
    kind: str = ""
    year: int | None = None
    status: str = ""
    late: bool = False


def filtered(queryset: QuerySet[Submission], filters: SubmissionFilter) -> QuerySet[Submission]:
    if filters.kind:
        queryset = queryset.filter(kind__code=filters.kind)
    if filters.year is not None:
        queryset = queryset.filter(period_end__year=filters.year)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.late:
        queryset = queryset.filter(late=True)
    return queryset


def own_submissions(user, filters: SubmissionFilter = SubmissionFilter()) -> QuerySet[Submission]:
    """The reports the user writes: those of the units where he may REPORT, at the top
    of each subtree he reports for (a cell's secretary: his cell; a province's staff: the
    province), not every unit below."""
    reach = reach_of(user)
    tops = reach.paths_for(Action.REPORT)
    if reach.everything:
        queryset = Submission.objects.filter(organization__parent__isnull=True)
    elif not tops:
        return Submission.objects.none()
    else:
        queryset = Submission.objects.filter(organization__path__in=tops)
    return filtered(queryset.select_related("kind", "organization"), filters).order_by(
        "-period_end", "kind__sort_order", "organization__path")


def subordinate_submissions(user, filters: SubmissionFilter = SubmissionFilter()) -> QuerySet[Submission]:
    """The reports of the units directly below those the user reports for: the ones he
    accepts or returns."""
    reach = reach_of(user)
    tops = reach.paths_for(Action.REPORT)
    queryset = Submission.objects.select_related("kind", "organization__parent")
    if reach.everything:
        queryset = queryset.filter(organization__parent__parent__isnull=True, organization__parent__isnull=False)
    elif not tops:
        return Submission.objects.none()
    else:
        queryset = queryset.filter(organization__parent__path__in=tops)
    return filtered(queryset, filters).order_by("-period_end", "kind__sort_order", "organization__path")


@dataclass(frozen=True)
class StateCounts:
    open: int
    drafting: int
    submitted: int
    accepted: int
    returned: int
    late: int

    @property
    def total(self) -> int:
        return self.open + self.drafting + self.submitted + self.accepted + self.returned


def state_counts(queryset: QuerySet[Submission]) -> StateCounts:
    """How many reports are in each state, and how many are late: one aggregate."""
    figures = queryset.order_by().aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Status.values},
        late=Count("pk", filter=Q(late=True)))
    return StateCounts(**figures)


def children_reports(kind: ReportKind, unit: Organization, period: Period) -> QuerySet[Submission]:
    """The reports on `kind` and `period` of the units directly below `unit`: what the
    superior follows on its own report's page, the late ones first."""
    return (Submission.objects.filter(kind=kind, period_start=period.start, period_end=period.end,
                                      organization__parent=unit)
            .select_related("organization__parent", "kind", "submitted_by__person")
            .order_by("-late", "organization__sort_order", "organization__name"))


# --- Figures as the page shows them ------------------------------------------------------------


def figure_text(figure: dict | None) -> str:
    """A figure written the Vietnamese way ("1.127", "58,2%"), "—" when there is none."""
    if figure is None or figure.get("value") is None:
        return "—"
    if figure["kind"] == "percent":
        return format_percent(figure["value"])
    return format_number(figure["value"])


def figure_rows(figures: dict | None) -> list[dict]:
    """Each indicator of a computed report with its figures written out, for the page (the
    tables are in the run's files)."""
    if not figures:
        return []
    return [{"code": block["code"], "title": block["title"], "sentences": block.get("sentences", []),
             "figures": [{"code": item["code"], "label": item["label"], "text": figure_text(item),
                          "target": target_text(item)} for item in block["figures"]]}
            for block in figures["indicators"]]


def changed_figures(submitted: dict | None, live: dict | None) -> list[dict]:
    """The figures whose value in the live data differs from the submitted run's, by code:
    what has changed since the report was submitted (late entries, corrections)."""
    then, now = figures_by_code(submitted), figures_by_code(live)
    if not then or not now:
        return []
    changed = []
    for code in [*then, *(code for code in now if code not in then)]:
        before, after = then.get(code), now.get(code)
        if (before or {}).get("value") != (after or {}).get("value"):
            changed.append({"code": code, "label": (after or before)["label"], "then": figure_text(before),
                            "now": figure_text(after)})
    return changed
