"""The /api/v1 NinjaAPI: authentication, problem+json errors, paging."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.middleware import is_two_factor_satisfied
from cultuurkaart.core.errors import DomainError


class TokenAuth(HttpBearer):
    openapi_description = "Personal API token: `Authorization: Bearer ck_...`"

    def authenticate(self, request: HttpRequest, token: str):
        user = accounts.user_for_token(token)
        if user is not None:
            request.user = user
            translation.activate(user.language)  # the account's language (issue 8 point 22)
        return user


class BrowserSessionAuth(SessionAuth):
    """The browser session (CSRF-checked); finance roles must have passed two-factor.

    The CSRF check runs only when the request is signed in through its session: a request
    without a signed-in session authenticates nothing here, so it has nothing to forge, and
    a public endpoint (`POST /schools`) then proceeds anonymously (decision W4). Token calls
    are authenticated by TokenAuth first and never reach this check.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not getattr(getattr(request, "user", None), "is_authenticated", False):
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        if key is None:
            return None
        user = super().authenticate(request, key)
        if user is not None and not is_two_factor_satisfied(user):
            return None
        return user


AUTH = [TokenAuth(), BrowserSessionAuth()]

api = NinjaAPI(
    title="Cultuurkaart API",
    version="1",
    description="The Cultuurkaart platform's HTTP API (contract: API.md). Errors are RFC 9457 problem+json.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=AUTH,
)


def problem(
    status: int,
    type_: str,
    title: str,
    detail: str = "",
    errors: list | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type="application/problem+json")
    for key, value in (headers or {}).items():
        response[key] = value
    return response


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return problem(exc.status, exc.type, exc.title, exc.message, exc.errors, exc.headers)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [
            str(p)
            for p in err.get("loc", [])
            if p not in ("body", "query", "path", "form", "file", "payload")
        ]
        errors.append(
            {
                "field": ".".join(loc) or "body",
                "code": err.get("type", "invalid"),
                "message": err.get("msg", "Invalid value"),
            }
        )
    return problem(
        422, "validation-error", "Invalid input", "Some fields are missing or invalid.", errors
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return problem(
        401,
        "not-authenticated",
        "Authentication required",
        "Send a personal API token (Authorization: Bearer ...) or sign in.",
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(AuthorizationError)
def authorization_error(request, exc):
    return problem(403, "forbidden", "Not allowed", "Your role does not allow this.")


@api.exception_handler(Http404)
def not_found(request, exc):
    return problem(404, "not-found", "Not found", "No such object.")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return problem(exc.status_code, "http-error", str(exc), str(exc))


def paginate(request: HttpRequest, queryset, serialize) -> dict[str, Any]:
    """`?page=N&page_size=M` (default 50, max 500) → {"count", "results"}."""
    from cultuurkaart.core.errors import ValidationFailed

    try:
        page = int(request.GET.get("page", 1))
        size = int(request.GET.get("page_size", 50))
    except ValueError as exc:
        raise ValidationFailed("page and page_size must be whole numbers.") from exc
    if page < 1 or not 1 <= size <= 500:
        raise ValidationFailed(
            "page ≥ 1 and 1 ≤ page_size ≤ 500.",
            errors=[{"field": "page_size", "code": "out-of-range", "message": "1–500"}],
        )
    start = (page - 1) * size
    return {
        "count": queryset.count(),
        "results": [serialize(obj) for obj in queryset[start : start + size]],
    }
