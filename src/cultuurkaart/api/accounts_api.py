"""A person's own tokens (create, list, revoke)."""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.models import ApiToken

from .base import Page, errors, path_id
from .schemas import ApiTokenCreated, ApiTokenOut, UserOut

router = Router(tags=["me"])


class TokenIn(Schema):
    name: str = "API"


def _token(t: ApiToken) -> dict:
    return {
        "id": str(t.pk),
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at.isoformat(),
        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
        "revoked": t.revoked_at is not None,
    }


@router.get("/me/tokens", response={200: Page[ApiTokenOut], **errors(401)})
def list_tokens(request):
    tokens = list(ApiToken.objects.filter(user=request.user))
    return {"count": len(tokens), "results": [_token(t) for t in tokens]}


@router.post("/me/tokens", response={201: ApiTokenCreated, **errors(401, 403, 413, 422)})
def create_token(request, payload: TokenIn):
    token, raw = accounts.create_api_token(request.user, name=payload.name)
    return Status(201, {**_token(token), "token": raw})


@router.delete("/me/tokens/{token_id}", response={204: None, **errors(401, 403, 404)})
def revoke_token(request, token_id: str):
    token = get_object_or_404(ApiToken, pk=path_id(token_id), user=request.user)
    accounts.revoke_api_token(token, actor=request.user)
    return Status(204, None)


@router.get("/me", response={200: UserOut, **errors(401)})
def me(request):
    user = request.user
    return {
        "id": str(user.pk),
        "email": user.email,
        "name": user.name,
        "roles": [
            {
                "role": r.role,
                "school": str(r.school_id) if r.school_id else None,
                "provider": str(r.provider_id) if r.provider_id else None,
            }
            for r in user.roles.all()
        ],
    }
