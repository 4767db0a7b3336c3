"""Domain errors. Services raise these; only the API and views know about HTTP."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was violated. `type` is the stable API error type (API.md)."""

    type = "domain-error"
    status = 422
    title = "Request refused"

    def __init__(
        self,
        message: str = "",
        *,
        type: str | None = None,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message or self.title)
        if type:
            self.type = type
        if status:
            self.status = status
        self.message = str(message or self.title)
        self.errors = errors or []
        self.headers = headers or {}


class ValidationFailed(DomainError):
    type = "validation-error"
    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    type = "not-found"
    status = 404
    title = "Not found"


class PermissionDenied(DomainError):
    type = "forbidden"
    status = 403
    title = "Not allowed"


class Conflict(DomainError):
    type = "conflict"
    status = 409
    title = "Conflict"


class RateLimited(DomainError):
    type = "rate-limited"
    status = 429
    title = "Too many attempts"

    def __init__(self, message: str = "", *, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = max(1, int(retry_after))
