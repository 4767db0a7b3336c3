"""The /api/v1 NinjaAPI: authentication, problem+json errors, paging."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from django.http import Http404, HttpRequest, JsonResponse
from django.utils import translation
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.middleware import is_two_factor_satisfied
from cultuurkaart.core.errors import DomainError
from cultuurkaart.core.ids import parse_id


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

    def __call__(self, request: HttpRequest):
        # Without a session cookie there is no session to protect: no CSRF check, so a call
        # without credentials gets 401 (or reaches a public endpoint), never 403 "CSRF".
        if not request.COOKIES.get(self.param_name):
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        if key is None:
            return None
        user = super().authenticate(request, key)
        if user is not None and not is_two_factor_satisfied(user):
            return None
        return user


AUTH = [TokenAuth(), BrowserSessionAuth()]

PROBLEM_JSON = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the OpenAPI contract: shared response types ------------------------------------------------

Id = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[0-9]+$", "examples": ["42"]})]
Money = Annotated[
    str,
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "examples": ["123.45"]}),
]
Date = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
DateTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]

T = TypeVar("T")


class Out(BaseModel):
    """Base of every response body schema. A key the endpoint returns that its schema does
    not declare is an error (500 in tests), never silently dropped from the answer.

    A plain pydantic model, not ninja's `Schema` (decision NS-8): every endpoint answers with
    dicts made by its serializer, which pydantic validates in its compiled core; `Schema`
    wraps every nested object in ninja's `DjangoGetter` (and with `extra="forbid"` validates
    each one twice), which was 23 ms of a 50-offer search page."""

    model_config = ConfigDict(extra="forbid")


class Page(Out, Generic[T]):
    """A list envelope (API.md Conventions): `?page=N&page_size=M`."""

    count: int
    results: list[T]


class ProblemItem(Schema):
    """One error inside a problem: a `field`, or a spreadsheet `row` and `column`."""

    model_config = ConfigDict(extra="allow")

    field: str | None = None
    row: int | None = None
    column: str | None = None
    code: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details (`application/problem+json`); `type` is a stable short name."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemItem] = Field(default_factory=list)


ERROR_STATUSES = (401, 403, 404, 409, 413, 422, 429)


def errors(*statuses: int) -> dict[int, type[Problem]]:
    """The error statuses an operation can return, for `response={200: Out, **errors(404)}`."""
    unknown = set(statuses) - set(ERROR_STATUSES)
    if unknown:
        raise ValueError(f"Not an error status of this API: {sorted(unknown)}")
    return dict.fromkeys(statuses, Problem)


def file_download(media_type: str, description: str) -> dict[str, Any]:
    """`openapi_extra` for an operation whose 200 answer is a file of `media_type`."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def paged() -> dict[str, Any]:
    """`openapi_extra` of a list operation answered by `paginate`: its two query parameters."""
    return {
        "parameters": [
            {
                "in": "query",
                "name": "page",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "in": "query",
                "name": "page_size",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
            },
        ]
    }


# `openapi_extra` of an operation that takes a token or session but also serves anonymous
# callers (`auth=[*AUTH, lambda request: True]`): django-ninja appends this empty requirement
# to the operation's, which marks authentication optional.
OPTIONAL_AUTH = {"security": [{}]}


def path_id(value: str) -> int:
    """An id from the URL path: ASCII digits only (core.ids), otherwise 404."""
    pk = parse_id(value)
    if pk is None:
        raise Http404
    return pk


class CultuurkaartAPI(NinjaAPI):
    """Error answers are `application/problem+json` in the OpenAPI document, as on the wire."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content") or {}
                    if int(status) >= 400 and self.renderer.media_type in content:
                        response["content"] = {PROBLEM_JSON: content[self.renderer.media_type]}
        return schema


api = CultuurkaartAPI(
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
    body: dict[str, Any] = {  # the shape of `Problem`
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return problem(exc.status, exc.type, exc.title, exc.message, exc.errors, exc.headers)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    if any(list(err.get("loc", []))[:1] == ["path"] for err in exc.errors):
        # A path that names no object (an id that is not a number) is not found, not invalid.
        return not_found(request, exc)
    items = []
    for err in exc.errors:
        loc = [
            str(p)
            for p in err.get("loc", [])
            if p not in ("body", "query", "path", "form", "file", "payload")
        ]
        items.append(
            {
                "field": ".".join(loc) or "body",
                "code": err.get("type", "invalid"),
                "message": err.get("msg", "Invalid value"),
            }
        )
    return problem(
        422, "validation-error", "Invalid input", "Some fields are missing or invalid.", items
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
    if exc.status_code == 400:
        # django-ninja's "Cannot parse request body" (malformed JSON or form): invalid input.
        return problem(
            422,
            "validation-error",
            "Invalid input",
            "The request body could not be read.",
            [{"field": "body", "code": "unparsable", "message": str(exc)}],
        )
    return problem(exc.status_code, "http-error", str(exc), str(exc))


def paginate(request: HttpRequest, queryset, serialize) -> dict[str, Any]:
    """`?page=N&page_size=M` (default 50, max 500) → {"count", "results"}. (The offer search
    counts with its page instead: `marketplace.search.page`.)"""
    start, size = page_bounds(request)
    return {
        "count": queryset.count(),
        "results": [serialize(obj) for obj in queryset[start : start + size]],
    }


def page_bounds(request: HttpRequest) -> tuple[int, int]:
    """`?page=N&page_size=M` (default 50, max 500) → (first row, page size); 422 otherwise."""
    from cultuurkaart.core.errors import ValidationFailed

    page = parse_id(request.GET.get("page", "1"), max_digits=9)
    size = parse_id(request.GET.get("page_size", "50"), max_digits=3)
    if page is None or size is None:
        raise ValidationFailed(
            "page and page_size must be whole numbers.",
            errors=[{"field": "page", "code": "invalid", "message": "1–999999999"}],
        )
    if page < 1 or not 1 <= size <= 500:
        raise ValidationFailed(
            "page ≥ 1 and 1 ≤ page_size ≤ 500.",
            errors=[{"field": "page_size", "code": "out-of-range", "message": "1–500"}],
        )
    return (page - 1) * size, size
