from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal import home, person_sections, selectors
from portal.access import can_manage, reach_of
from portal.forms import PeopleFilterForm
from portal.pagination import CachedCountPaginator
from portal.services import log_person_read

PAGE_SIZE = 50


def _units_with_children(user, units):
    """[(unit, [its children])], each with subtree counts: two queries, whatever the tree."""
    units = list(units.order_by("path"))
    children = list(selectors.children_of(user, [unit.id for unit in units]))
    selectors.with_subtree_counts(units + children)
    return [(unit, [child for child in children if child.parent_id == unit.id]) for unit in units]


@login_required
def dashboard(request):
    """One page: the day's work (the apps' cards), then what the user manages, what he was granted, himself."""
    user = request.user
    context = {"own_person": selectors.own_person(user), "cards": home.cards_for(user)}
    if user.is_superuser:
        context["overview"] = selectors.overview_counts(user)
        context["unit_groups"] = _units_with_children(user, selectors.child_units(user, None))
    else:
        context["managed"] = [
            {"position": position, "counts": selectors.subtree_member_counts(position.organization)}
            for position in selectors.positions_held(user)
        ]
        grants = list(selectors.grants_held(user))
        if grants:
            granted = selectors.units_visible_to(user).filter(id__in={grant.organization_id for grant in grants})
            context["grants"] = grants
            context["unit_groups"] = _units_with_children(user, granted.select_related("level"))
    return render(request, "portal/dashboard.html", context)


@login_required
@require_GET
def unit_tree(request):
    units = selectors.with_subtree_counts(selectors.child_units(request.user, None))
    return render(request, "portal/unit_tree.html", {"units": units})


@login_required
@require_GET
def unit_children(request, code):
    """The htmx partial that expands one node of the tree."""
    unit = selectors.unit_by_code(request.user, code)
    units = selectors.with_subtree_counts(selectors.child_units(request.user, unit))
    return render(request, "portal/_unit_nodes.html", {"units": units, "parent": unit})


@login_required
@require_GET
def unit_detail(request, code):
    user = request.user
    unit = selectors.unit_by_code(user, code)
    members = CachedCountPaginator(selectors.unit_members(user, unit), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.subtree_member_counts(unit)
    return render(request, "portal/unit_detail.html", {
        "unit": unit,
        "ancestors": selectors.visible_ancestors(user, unit),
        "positions": selectors.current_positions(unit),
        "counts": counts,
        "member_total": sum(counts.values()),
        "members": members,
        "children": selectors.with_subtree_counts(selectors.child_units(user, unit)),
        "may_import": unit.active and can_manage(user, unit),
    })


@login_required
@require_GET
def person_list(request):
    user = request.user
    form = PeopleFilterForm.for_user(user, request.GET)
    people = selectors.people_list(user, form.filters())
    page = CachedCountPaginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(value for name, value in form.cleaned_data.items())
    return render(request, "portal/person_list.html", {"form": form, "page": page, "filtered": filtered})


@login_required
@require_GET
def person_detail(request, pk):
    person = selectors.person_by_id(request.user, pk)
    log_person_read(user=request.user, person=person, via="web")
    return render(request, "portal/person_detail.html", {
        "person": person,
        "can_see_unit": reach_of(request.user).covers_path(person.organization.path),
        **selectors.person_history(person),
        "sections": person_sections.sections_for(request.user, person),
    })
