"""The one access rule (DESIGN.md §1): who may see what.

A user's reach is a set of organisation subtrees, from (a) positions he holds whose role
manages a subtree (bí thư of X reaches X and below), (b) staff grants (tuyengiao at X),
plus (c) his own person record. Writing about a unit's records needs more than reading:
the unit must lie in a subtree the user manages, by position or by a grant whose role
may edit records (`can_manage`). Every queryset a page, API endpoint, admin page, export
or task touches goes through `restrict()`; outside the reach the answer is 404, exactly
as for an id that does not exist.

Models declare how they hang off the tree with `register()`; this module knows no
domain model but the core ones, so `portal` imports no domain app.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone


@dataclass(frozen=True)
class Reach:
    everything: bool = False
    signed_in: bool = False
    user_id: int | None = None
    paths: tuple[str, ...] = ()
    manage_paths: tuple[str, ...] = ()
    person_id: int | None = None
    own_unit_id: int | None = None  # the unit the user's person record belongs to
    own_unit_path: str | None = None

    def ancestor_paths(self) -> set[str]:
        """Every unit above or at a unit of the reach or the user's own unit: what is
        addressed to those subtrees concerns him."""
        paths = set(self.paths) | ({self.own_unit_path} if self.own_unit_path else set())
        return {path[: i + 1] for path in paths for i, ch in enumerate(path) if ch == "/" and i > 0}

    def covers_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.paths)

    def manages_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.manage_paths)


@dataclass(frozen=True)
class Scope:
    org_field: str | None  # lookup from the model to its Organization ("" = the model is one)
    person_field: str | None = None  # lookup from the model to the Person it is about ("" = it is one)
    # Lookup to the unit whose own members also see the object (a cell's session schedule).
    own_unit_field: str | None = None
    # Lookup to the unit whose whole subtree the object is addressed to (a document, a
    # campaign): everyone at or below that unit sees it.
    addressed_field: str | None = None
    user_field: str | None = None  # lookup to the account the object belongs to (a notification)
    public: bool = False  # every signed-in user sees it (the catalogue of themes)


_SCOPES: dict[type[models.Model], Scope] = {}
_NOBODY = Reach()

_REACH_SQL = """
    SELECT 'manage', o.path FROM portal_position p
      JOIN portal_person pe ON pe.id = p.person_id
      JOIN portal_positionrole r ON r.id = p.role_id
      JOIN portal_organization o ON o.id = p.organization_id
     WHERE pe.user_id = %(user)s AND r.manages_subtree AND o.active
       AND p.started_on <= %(today)s AND (p.ended_on IS NULL OR p.ended_on >= %(today)s)
    UNION ALL
    SELECT CASE WHEN sr.may_edit_records THEN 'manage' ELSE 'read' END, o.path FROM portal_grant g
      JOIN portal_staffrole sr ON sr.id = g.role_id
      JOIN portal_organization o ON o.id = g.organization_id
     WHERE g.user_id = %(user)s AND o.active
       AND g.started_on <= %(today)s AND (g.ended_on IS NULL OR g.ended_on >= %(today)s)
    UNION ALL
    SELECT 'self', pe.id || ' ' || o.id || ' ' || o.path FROM portal_person pe
      JOIN portal_organization o ON o.id = pe.organization_id
     WHERE pe.user_id = %(user)s
"""


def register(model: type[models.Model], *, org_field: str | None = None, **fields) -> None:
    _SCOPES[model] = Scope(org_field=org_field, **fields)


def scope_of(model: type[models.Model]) -> Scope:
    try:
        return _SCOPES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no access scope: register it in portal.access") from None


def is_registered(model: type[models.Model]) -> bool:
    return model in _SCOPES


def reach_of(user) -> Reach:
    """Computed in one query and kept on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _NOBODY
    cached = getattr(user, "_portal_reach", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        reach = Reach(everything=True, signed_in=True, user_id=user.pk)
    else:
        with connection.cursor() as cursor:
            cursor.execute(_REACH_SQL, {"user": user.pk, "today": timezone.localdate()})
            rows = cursor.fetchall()
        person_id, unit_id, unit_path = next(
            (value.split(" ") for kind, value in rows if kind == "self"), (None, None, None))
        reach = Reach(signed_in=True, user_id=user.pk,
                      paths=_tops(value for kind, value in rows if kind != "self"),
                      manage_paths=_tops(value for kind, value in rows if kind == "manage"),
                      person_id=int(person_id) if person_id else None,
                      own_unit_id=int(unit_id) if unit_id else None, own_unit_path=unit_path)
    user._portal_reach = reach
    return reach


def _tops(paths) -> tuple[str, ...]:
    """Only the top of nested subtrees, so a filter has as few terms as possible."""
    paths = sorted(set(paths))
    return tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))


def can_manage(user, organization) -> bool:
    """May `user` change the records (people, positions) of `organization`?"""
    return reach_of(user).manages_path(organization.path)


def _prefixed(field: str, lookup: str) -> str:
    return f"{field}__{lookup}" if field else lookup


def reach_q(reach: Reach, scope: Scope) -> Q | None:
    """The filter for `reach` on a model with `scope`; None means everything."""
    if reach.everything or (scope.public and reach.signed_in):
        return None
    terms = []
    if scope.user_field is not None and reach.user_id is not None:
        terms.append(Q(**{_prefixed(scope.user_field, "pk"): reach.user_id}))
    if scope.org_field is not None:
        terms += [Q(**{_prefixed(scope.org_field, "path__startswith"): p}) for p in reach.paths]
    if scope.person_field is not None and reach.person_id is not None:
        terms.append(Q(**{_prefixed(scope.person_field, "pk"): reach.person_id}))
    if scope.own_unit_field is not None and reach.own_unit_id is not None:
        terms.append(Q(**{_prefixed(scope.own_unit_field, "pk"): reach.own_unit_id}))
    if scope.addressed_field is not None and (ancestors := reach.ancestor_paths()):
        terms.append(Q(**{_prefixed(scope.addressed_field, "path__in"): sorted(ancestors)}))
    return reduce(or_, terms) if terms else Q(pk__in=[])


def restrict(queryset: QuerySet, user) -> QuerySet:
    """`queryset` narrowed to what `user` may see."""
    condition = reach_q(reach_of(user), scope_of(queryset.model))
    if condition is None:
        return queryset
    return queryset.filter(condition)


def restrict_to_managed(queryset: QuerySet, user) -> QuerySet:
    """`queryset` narrowed to what lies in units the user manages (`can_manage` as a
    filter): the choices a form may offer for writing."""
    reach = reach_of(user)
    if reach.everything:
        return queryset
    field = scope_of(queryset.model).org_field
    terms = [Q(**{_prefixed(field, "path__startswith"): p}) for p in reach.manage_paths]
    return queryset.filter(reduce(or_, terms) if terms else Q(pk__in=[]))


def get_visible_or_404(queryset: QuerySet, user, **lookup):
    """One answer for "does not exist" and "not yours": 404."""
    try:
        return restrict(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None

