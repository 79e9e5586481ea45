"""The cards of the home page, contributed by each app (like portal/navigation.py): portal
knows no app's work, so each app says what it puts on `/` and for whom.

An app registers its cards once, in its AppConfig.ready():

    home.register(HomeCard(order=10, template="resolutions/home/sessions.html",
                           context=sessions_card, visible=holds_a_position))

The dashboard (portal/views.py) renders, in `order`, the cards the user sees: `visible(user)`
decides whether the card is for him at all, `context(user)` gathers its data (in a constant
number of queries) and may still answer None to leave it out. A card that is shown but has
nothing to list says what to do instead: its template carries that empty state.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeCard:
    order: int
    template: str  # also the card's identity: registering it again (tests reload apps) replaces
    context: Callable  # context(user) -> dict | None
    visible: Callable | None = None  # visible(user) -> bool; None: every signed-in user


@dataclass(frozen=True)
class Shown:
    """A card as one request shows it."""

    template: str
    context: dict

    @property
    def id(self) -> str:
        """The card's name in the page (element ids, tests): its template's, "my-sessions"."""
        return self.template.rsplit("/", 1)[-1].removesuffix(".html").replace("_", "-")


_CARDS: dict[str, HomeCard] = {}


def register(*cards: HomeCard) -> None:
    for card in cards:
        _CARDS[card.template] = card


def cards_for(user) -> list[Shown]:
    """The cards `user` sees, in order, each with its data."""
    shown = []
    for card in sorted(_CARDS.values(), key=lambda card: (card.order, card.template)):
        if card.visible is not None and not card.visible(user):
            continue
        context = card.context(user)
        if context is not None:
            shown.append(Shown(card.template, context))
    return shown
