"""The one access rule (DESIGN.md §1): who may see what, and who may do what where.

A user's reach is a set of organisation subtrees, from (a) positions he holds whose role
manages a subtree (bí thư of X reaches X and below), (b) staff grants (tuyengiao at X),
plus (c) his own person record. Within that reach he may do the named `Action`s that the
catalogue gives the role he holds there: VIEW wherever the reach runs, MANAGE (change
people's records and positions) where the role manages a subtree or may edit records, and
PUBLISH, TRAIN, APPROVE, REPORT where the role's `actions` list them. Nothing here names a role:
an administrator changes who may do what by editing the catalogue.

Every queryset a page, API endpoint, admin page, export or task touches goes through
`restrict()`; outside the reach the answer is 404, exactly as for an id that does not
exist. System work (tasks, reports, commands) has no user: it names the subtree it works
on with `system_reach()`, and every function here takes that `Reach` where it takes a user.

Models declare how they hang off the tree with `register()`; this module knows no
domain model but the core ones, so `portal` imports no domain app.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("Xem")
    MANAGE = "manage", _("Cập nhật hồ sơ")
    PUBLISH = "publish", _("Ban hành, phổ biến văn bản và triển khai đợt học tập")
    TRAIN = "train", _("Lập kế hoạch và tổ chức lớp bồi dưỡng")
    # The committee's word on the plans of the units below it (never on its own unit's).
    APPROVE = "approve", _("Phê duyệt kế hoạch đào tạo, bồi dưỡng của cấp dưới")
    REPORT = "report", _("Lập và xuất báo cáo")


# VIEW and MANAGE follow the roles' flags (manages_subtree, may_edit_records); these are
# the ones a role's `actions` list.
CATALOGUE_ACTIONS = [Action.PUBLISH, Action.TRAIN, Action.APPROVE, Action.REPORT]


@dataclass(frozen=True)
class Reach:
    everything: bool = False
    signed_in: bool = False  # sees what every signed-in user sees (the public catalogue)
    user_id: int | None = None
    # Per action, the tops of the subtrees where it is allowed.
    action_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    person_id: int | None = None
    own_unit_id: int | None = None  # the unit the user's person record belongs to
    own_unit_path: str | None = None

    def paths_for(self, action: Action) -> tuple[str, ...]:
        return self.action_paths.get(action, ())

    def allows(self, action: Action, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.paths_for(action))

    def allows_anywhere(self, action: Action) -> bool:
        return self.everything or bool(self.paths_for(action))

    def allows_at_top(self, action: Action) -> bool:
        """Allowed at a root of the tree ("/<id>/"), so over a whole province."""
        return self.everything or any(p.count("/") == 2 for p in self.paths_for(action))

    @property
    def paths(self) -> tuple[str, ...]:
        return self.paths_for(Action.VIEW)

    @property
    def manage_paths(self) -> tuple[str, ...]:
        return self.paths_for(Action.MANAGE)

    def ancestor_paths(self) -> set[str]:
        """Every unit above or at a unit of the reach or the user's own unit: what is
        addressed to those subtrees concerns him."""
        paths = set(self.paths) | ({self.own_unit_path} if self.own_unit_path else set())
        return {path[: i + 1] for path in paths for i, ch in enumerate(path) if ch == "/" and i > 0}

    def covers_path(self, path: str) -> bool:
        return self.allows(Action.VIEW, path)

    def manages_path(self, path: str) -> bool:
        return self.allows(Action.MANAGE, path)


@dataclass(frozen=True)
class Scope:
    # Lookups from the model to its Organization ("" = the model is one); the object lies
    # in reach when any of them does (a transfer: the unit it leaves and the one it joins).
    org_fields: tuple[str, ...] = ()
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

# One row per current position whose role manages a subtree, per current grant, and the
# user's own person record (path, the role's actions, whether it manages, person, unit).
_REACH_SQL = """
    SELECT o.path, r.actions, TRUE, NULL::bigint, NULL::bigint FROM portal_position p
      JOIN portal_person pe ON pe.id = p.person_id
      JOIN portal_positionrole r ON r.id = p.role_id
      JOIN portal_organization o ON o.id = p.organization_id
     WHERE pe.user_id = %(user)s AND r.manages_subtree AND o.active
       AND p.started_on <= %(today)s AND (p.ended_on IS NULL OR p.ended_on >= %(today)s)
    UNION ALL
    SELECT o.path, sr.actions, sr.may_edit_records, NULL, NULL FROM portal_grant g
      JOIN portal_staffrole sr ON sr.id = g.role_id
      JOIN portal_organization o ON o.id = g.organization_id
     WHERE g.user_id = %(user)s AND o.active
       AND g.started_on <= %(today)s AND (g.ended_on IS NULL OR g.ended_on >= %(today)s)
    UNION ALL
    SELECT o.path, NULL, FALSE, pe.id, o.id FROM portal_person pe
      JOIN portal_organization o ON o.id = pe.organization_id
     WHERE pe.user_id = %(user)s
"""


def register(model: type[models.Model], *, org_field: str | tuple[str, ...] | None = None, **fields) -> None:
    if org_field is None:
        org_fields = ()
    else:
        org_fields = (org_field,) if isinstance(org_field, str) else tuple(org_field)
    _SCOPES[model] = Scope(org_fields=org_fields, **fields)


def scope_of(model: type[models.Model]) -> Scope:
    try:
        return _SCOPES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no access scope: register it in portal.access") from None


def is_registered(model: type[models.Model]) -> bool:
    return model in _SCOPES


def reach_of(user) -> Reach:
    """The reach of a user (computed in one query and kept on the user object for the
    rest of the request), or the `Reach` itself when system work passes one."""
    if isinstance(user, Reach):
        return user
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
        held = [(path, actions, manages) for path, actions, manages, person_id, _unit in rows if person_id is None]
        person_id, unit_id, unit_path = next(
            ((person_id, unit_id, path) for path, _a, _m, person_id, unit_id in rows if person_id is not None),
            (None, None, None))
        action_paths = {
            Action.VIEW: _tops(path for path, _actions, _manages in held),
            Action.MANAGE: _tops(path for path, _actions, manages in held if manages),
        }
        for action in CATALOGUE_ACTIONS:
            action_paths[action] = _tops(path for path, actions, _manages in held if action in actions)
        reach = Reach(signed_in=True, user_id=user.pk, action_paths=action_paths, person_id=person_id,
                      own_unit_id=unit_id, own_unit_path=unit_path)
    user._portal_reach = reach
    return reach


def system_reach(organization) -> Reach:
    """The reach of system work (a task, a report, a command) over `organization`'s
    subtree: every action there, and no one's own records."""
    paths = (organization.path,)
    return Reach(signed_in=True, action_paths={action: paths for action in Action})


def _tops(paths) -> tuple[str, ...]:
    """Only the top of nested subtrees, so a filter has as few terms as possible."""
    paths = sorted(set(paths))
    return tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))


def may(user, action: Action, organization) -> bool:
    """May `user` do `action` at `organization` (and so anywhere below it)?"""
    return reach_of(user).allows(action, organization.path)


def can_manage(user, organization) -> bool:
    """May `user` change the records (people, positions) of `organization`?"""
    return may(user, Action.MANAGE, organization)


def units_where(user, action: Action) -> QuerySet:
    """Active units at or below those where `user` may do `action`, in tree order: the
    choices of a form."""
    from portal.models import Organization  # portal.models reads Action from here

    return restrict(Organization.objects.filter(active=True), user, action).order_by("path")


def _prefixed(field: str, lookup: str) -> str:
    return f"{field}__{lookup}" if field else lookup


def _anywhere_below(lookups, paths) -> Q:
    terms = [Q(**{_prefixed(lookup, "path__startswith"): p}) for lookup in lookups for p in paths]
    return reduce(or_, terms) if terms else Q(pk__in=[])


def org_q(user, action: Action, lookup: str | tuple[str, ...]) -> Q | None:
    """The filter "the organization at `lookup` (or at any of several lookups) lies where
    `user` may do `action`"; None means everything."""
    reach = reach_of(user)
    if reach.everything:
        return None
    return _anywhere_below((lookup,) if isinstance(lookup, str) else lookup, reach.paths_for(action))


def started_or_reached(queryset: QuerySet, user, *, owner: str, kind: str,
                       actions: Iterable[tuple[str, Action]]) -> QuerySet:
    """Rows of a log of work of several kinds (jobs, imports): those `user` started (`owner`,
    his foreign key), and those of each kind (`kind`'s value, the action it needs) whose
    organization lies where he may do that action. Kinds needing the same action share one
    subtree filter."""
    reach = reach_of(user)
    if reach.everything:
        return queryset
    if not reach.signed_in:
        return queryset.none()
    kinds_of = defaultdict(list)
    for code, action in actions:
        kinds_of[action].append(code)
    condition = Q(**{f"{owner}_id": reach.user_id})
    for action, codes in kinds_of.items():
        condition |= Q(**{f"{kind}__in": codes}) & _anywhere_below(("organization",), reach.paths_for(action))
    return queryset.filter(condition)


def reach_q(reach: Reach, scope: Scope, action: Action = Action.VIEW) -> Q | None:
    """The filter for what `reach` may do `action` on, of a model with `scope`; None means
    everything. Only seeing goes beyond the units: to one's own records, to what is
    addressed to one's units, to the public catalogue."""
    if reach.everything or (action == Action.VIEW and scope.public and reach.signed_in):
        return None
    if action != Action.VIEW:
        return _anywhere_below(scope.org_fields, reach.paths_for(action))
    terms = []
    if scope.user_field is not None and reach.user_id is not None:
        terms.append(Q(**{_prefixed(scope.user_field, "pk"): reach.user_id}))
    if scope.org_fields and reach.paths:
        terms.append(_anywhere_below(scope.org_fields, reach.paths))
    if scope.person_field is not None and reach.person_id is not None:
        terms.append(Q(**{_prefixed(scope.person_field, "pk"): reach.person_id}))
    if scope.own_unit_field is not None and reach.own_unit_id is not None:
        terms.append(Q(**{_prefixed(scope.own_unit_field, "pk"): reach.own_unit_id}))
    if scope.addressed_field is not None and (ancestors := reach.ancestor_paths()):
        terms.append(Q(**{_prefixed(scope.addressed_field, "path__in"): sorted(ancestors)}))
    return reduce(or_, terms) if terms else Q(pk__in=[])


def restrict(queryset: QuerySet, user, action: Action = Action.VIEW) -> QuerySet:
    """`queryset` narrowed to what `user` may do `action` on (by default: see)."""
    condition = reach_q(reach_of(user), scope_of(queryset.model), action)
    if condition is None:
        return queryset
    return queryset.filter(condition)


def restrict_to_managed(queryset: QuerySet, user) -> QuerySet:
    """`queryset` narrowed to what lies in units the user manages (`can_manage` as a
    filter): the choices a form may offer for writing."""
    return restrict(queryset, user, Action.MANAGE)


def get_visible_or_404(queryset: QuerySet, user, **lookup):
    """One answer for "does not exist" and "not yours": 404."""
    try:
        return restrict(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
