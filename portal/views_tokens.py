"""The account's API tokens: the list of the user's own tokens (never their keys, which
only the API's token endpoint shows, once) and their revocation, one or all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import tokens


@login_required
@require_GET
def token_list(request):
    return render(request, "portal/token_list.html",
                  {"tokens": tokens.tokens_of(request.user)})


@login_required
@require_POST
def token_revoke(request, pk: int):
    tokens.revoke(request.user, pk)
    messages.success(request, _("Đã thu hồi token. Chương trình nào còn dùng nó sẽ không truy cập API được nữa."))
    return redirect("token_list")


@login_required
@require_POST
def token_revoke_all(request):
    count = tokens.revoke_all(request.user)
    messages.success(request, _("Đã thu hồi %(n)d token.") % {"n": count})
    return redirect("token_list")
