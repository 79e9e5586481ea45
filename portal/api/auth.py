"""API authentication by the portal's tokens (portal.tokens): the header stays DRF's
`Authorization: Token <key>`; an unknown, expired or revoked key answers 401 with why."""

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from portal import tokens


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = tokens.find(key)
        if token is None:
            raise AuthenticationFailed(_("Token không hợp lệ."))
        if token.revoked_at is not None:
            raise AuthenticationFailed(_("Token này đã bị thu hồi. Hãy lấy token mới."))
        if token.expires_at <= timezone.now():
            raise AuthenticationFailed(_("Token này đã hết hạn. Hãy lấy token mới."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("Tài khoản của token này đã bị khoá."))
        tokens.mark_used(token)
        return token.user, token
