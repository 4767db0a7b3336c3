"""A person's own tokens (create, list, revoke)."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.models import ApiToken
from cultuurkaart.core.ratelimit import client_ip

from .base import Page, errors, path_id
from .schemas import ApiTokenCreated, ApiTokenOut, UserOut
from .serializers import user_out

router = Router(tags=["me"])


class TokenIn(Schema):
    name: str = "API"
    # A token outlives the session or token that asks for it: confirm with the password
    # and, for accounts with two-factor, a code not used before (issue 8 point 6).
    password: str
    otp: str | None = None
    # Default one year from now; at most two years ahead.
    expires_at: dt.datetime | None = None


def _token(t: ApiToken) -> dict:
    return {
        "id": str(t.pk),
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at.isoformat(),
        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
        "expires_at": t.expires_at.isoformat() if t.expires_at else None,
        "revoked": t.revoked_at is not None,
        "active": t.is_active,
    }


@router.get("/me/tokens", response={200: Page[ApiTokenOut], **errors(401)})
def list_tokens(request):
    tokens = list(ApiToken.objects.filter(user=request.user))
    return {"count": len(tokens), "results": [_token(t) for t in tokens]}


@router.post("/me/tokens", response={201: ApiTokenCreated, **errors(401, 403, 413, 422)})
def create_token(request, payload: TokenIn):
    token, raw = accounts.mint_api_token_for_self(
        request.user,
        name=payload.name,
        password=payload.password,
        otp=payload.otp,
        ip=client_ip(request),
        expires_at=payload.expires_at,
    )
    return Status(201, {**_token(token), "token": raw})


@router.delete("/me/tokens/{token_id}", response={204: None, **errors(401, 403, 404)})
def revoke_token(request, token_id: str):
    token = get_object_or_404(ApiToken, pk=path_id(token_id), user=request.user)
    accounts.revoke_api_token(token, actor=request.user)
    return Status(204, None)


class MeIn(Schema):
    # The UI and e-mail language of the account: "nl" (default) or "en".
    language: str


@router.get("/me", response={200: UserOut, **errors(401)})
def me(request):
    return user_out(request.user)


@router.patch("/me", response={200: UserOut, **errors(401, 413, 422)})
def update_me(request, payload: MeIn):
    """Change one's own account settings (the language)."""
    accounts.set_language(request.user, payload.language, actor=request.user)
    return user_out(request.user)
