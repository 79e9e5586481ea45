from django.utils.functional import SimpleLazyObject

from portal import navigation
from portal.access import reach_of


def portal(request):
    """The signed-in user's reach and navbar entries, computed only if the template uses them
    (the htmx partials, like the notification badge, use neither)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    view_name = request.resolver_match.view_name if request.resolver_match else None
    return {
        "reach": SimpleLazyObject(lambda: reach_of(user)),
        "nav_main": SimpleLazyObject(lambda: navigation.entries(user, view_name, navigation.MAIN)),
        "nav_user_menu": SimpleLazyObject(lambda: navigation.entries(user, view_name, navigation.USER_MENU)),
    }
