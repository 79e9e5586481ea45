"""Shares and breakdowns: the shapes every indicator of every app returns (DESIGN.md §4),
so that reports compose them without knowing which app counted."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Share:
    """`done` of `total`; `percent` is None when there is nobody to count."""

    done: int = 0
    total: int = 0

    @property
    def percent(self) -> Decimal | None:
        if not self.total:
            return None
        return (Decimal(100 * self.done) / self.total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def missing(self) -> int:
        return self.total - self.done

    def __add__(self, other: "Share") -> "Share":
        return Share(self.done + other.done, self.total + other.total)


@dataclass
class Breakdown(Generic[T]):
    total: T
    by_child: dict[int | None, T] = field(default_factory=dict)

    def of(self, child_id: int | None, empty: T) -> T:
        return self.by_child.get(child_id, empty)
