"""The navbar's entries, contributed by each app (DESIGN.md §2): portal knows no app's URL.

An app registers its items once, in its AppConfig.ready():

    navigation.register(NavItem(_("Việc của tôi"), "job_list", order=50, section=USER_MENU))

The context processor (portal/context_processors.py) gives templates/_navbar.html the
items of the request: resolved, filtered by `visible`, in `order`, with the active one marked.
"""

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.urls import reverse

MAIN = "main"  # the bar itself
USER_MENU = "user"  # the account dropdown, above "Đăng xuất"


@dataclass(frozen=True)
class NavItem:
    label: str  # gettext_lazy: resolved in the language of each request
    url_name: str
    order: int
    # URL names (shell patterns: "session_*") of the pages under this entry; the entry's own
    # page is always one. aria-current="page" marks the entry's own page only.
    active: tuple[str, ...] = ()
    inactive: tuple[str, ...] = ()  # exceptions to `active`
    visible: Callable | None = None  # visible(user) -> bool; None: every signed-in user
    section: str = MAIN

    def is_active(self, view_name: str | None) -> bool:
        if view_name is None or any(fnmatchcase(view_name, pattern) for pattern in self.inactive):
            return False
        return view_name == self.url_name or any(fnmatchcase(view_name, pattern) for pattern in self.active)


@dataclass(frozen=True)
class Entry:
    """An item as one request shows it."""

    label: str
    url: str
    active: bool
    current: bool  # the page the entry links to: aria-current="page"


_ITEMS: dict[str, NavItem] = {}


def register(*items: NavItem) -> None:
    for item in items:
        if item.section not in (MAIN, USER_MENU):
            raise ValueError(f"{item.url_name}: unknown navigation section {item.section!r}")
        _ITEMS[item.url_name] = item  # by URL name: registering twice (tests reload apps) replaces


def entries(user, view_name: str | None, section: str) -> list[Entry]:
    """The items of `section` that `user` sees, in order, for the page `view_name`."""
    items = sorted((item for item in _ITEMS.values() if item.section == section),
                   key=lambda item: (item.order, item.url_name))
    return [Entry(label=item.label, url=reverse(item.url_name), active=item.is_active(view_name),
                  current=view_name == item.url_name)
            for item in items if item.visible is None or item.visible(user)]
