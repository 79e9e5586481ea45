"""The kinds of job the apps register (portal itself imports no domain app)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class JobError(Exception):
    """A failure the person who asked can understand: its message (Vietnamese) is shown
    on the job's page as it is. Any other exception is logged and shown as a general error."""


@dataclass(frozen=True)
class JobKind:
    code: str
    label: Any  # lazy translated name, shown in lists ("Xuất tiến độ học tập")
    # The named permission (portal.access.Action) over the job's unit that lets someone
    # other than the requester see the job and its files.
    action: str
    organization: Callable[[dict], Any]  # params -> the Organization the job concerns
    run: Callable[[Any], None]  # run(job_run): the work; see portal.jobs.services.JobRun
    # params -> what this job is about, shown under its kind in lists ("35-NQ/TW · PDF")
    describe: Callable[[dict], str] | None = None
    # params -> (label, URL) of what a job that writes rows rather than files made, linked
    # on its page once it has succeeded ("Xem giấy chứng nhận của lớp", "/training/…")
    result_link: Callable[[dict], tuple[str, str]] | None = None


_KINDS: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> None:
    _KINDS[kind.code] = kind


def get_kind(code: str) -> JobKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"no job kind {code!r}: register it with portal.jobs.register_kind") from None


def all_kinds() -> list[JobKind]:
    return list(_KINDS.values())


def result_link_of(code: str, params: dict) -> tuple[str, str] | None:
    kind = _KINDS.get(code)
    return kind.result_link(params) if kind and kind.result_link else None


def label_of(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind else code
