from ninja import Router, Schema, Status

from cultuurkaart.accounts import services as accounts
from cultuurkaart.core.ratelimit import client_ip

from .base import Out, errors

router = Router(tags=["auth"])


class TokenRequest(Schema):
    email: str
    password: str
    otp: str | None = None
    name: str | None = None


class TokenResponse(Out):
    token: str


@router.post("/auth/token", auth=None, response={201: TokenResponse, **errors(401, 413, 422, 429)})
def issue_token(request, payload: TokenRequest):
    """Issue a personal API token. Finance roles send their TOTP code as `otp`."""
    user = accounts.login_with_password(
        request,
        payload.email,
        payload.password,
        payload.otp,
        ip=client_ip(request),
        require_otp_now=True,
    )
    _, raw = accounts.create_api_token(user, name=payload.name or "API")
    return Status(201, {"token": raw})
