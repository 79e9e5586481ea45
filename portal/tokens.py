"""API tokens (portal.models.ApiToken): issued for a username and password, found by the
digest of the key presented, revoked by their owner. The key itself is never stored."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from portal.models import ApiToken

PREFIX_LENGTH = 8
# last_used_at is for the owner's eye: one write a minute per token, not one per request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user` and its key, which only this answer carries."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:PREFIX_LENGTH], digest=digest(key), created_at=now,
        expires_at=now + datetime.timedelta(days=settings.API_TOKEN_DAYS))
    return token, key


def find(key: str) -> ApiToken | None:
    """The token whose key is `key`, usable or not (the caller says why it is refused).
    The lookup is by digest, so comparing takes no time that depends on the key."""
    return ApiToken.objects.select_related("user").filter(digest=digest(key)).first()


def mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def tokens_of(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def revoke_tokens(queryset: QuerySet[ApiToken]) -> int:
    """Revoke the tokens of `queryset` not yet revoked (a revocation keeps its first date)."""
    return queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke(user, token_id: int) -> None:
    """Revoke one of `user`'s tokens; another's is answered like a missing one (404)."""
    own = tokens_of(user).filter(pk=token_id)
    if not own.exists():
        raise Http404
    revoke_tokens(own)


def revoke_all(user) -> int:
    return revoke_tokens(tokens_of(user))
