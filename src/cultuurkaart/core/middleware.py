import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from . import clock


class ClockMiddleware:
    """Applies the `X-Clock` test-clock header when CK_ALLOW_CLOCK_OVERRIDE is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("X-Clock")
        if not header:
            return self.get_response(request)
        if not settings.CK_ALLOW_CLOCK_OVERRIDE:
            return JsonResponse(
                {
                    "type": "clock-override-refused",
                    "title": "Test clock not allowed",
                    "status": 400,
                    "detail": "X-Clock is only honoured when the server runs in test mode.",
                },
                status=400,
                content_type="application/problem+json",
            )
        try:
            moment = clock.parse(header)
        except ValueError:
            return JsonResponse(
                {
                    "type": "invalid-clock",
                    "title": "Invalid X-Clock header",
                    "status": 400,
                    "detail": "Use an ISO 8601 time such as 2024-03-28T10:00:00+01:00.",
                },
                status=400,
                content_type="application/problem+json",
            )
        with clock.frozen(moment):
            return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response Django makes (decision W2).

    Static files are served by WhiteNoise above this middleware and keep their own headers.
    A view may set its own Cache-Control for anonymous requests; a response to a signed-in
    user or to a request with credentials (API token) is always no-store.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = (
            getattr(user, "is_authenticated", False)
            or "HTTP_AUTHORIZATION" in request.META
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        if personal or not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
            if response.has_header("Expires"):
                del response["Expires"]
        return response


class RequestSizeLimitMiddleware:
    """Refuses oversized request bodies before anything reads them (decision W3).

    A body other than multipart (JSON, forms) may be DATA_UPLOAD_MAX_MEMORY_SIZE bytes; a
    multipart body (file upload) CK_MAX_MULTIPART_BYTES, or more on the paths of
    CK_LARGE_UPLOAD_PATHS (regex → bytes: a dossier export being imported). A larger declared
    length raises RequestDataTooBig, as Django does itself when a view reads a too-large body;
    handler400 answers both with 413 (problem+json under /api/, the 413 page elsewhere).
    Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, never into memory.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.large = [
            (re.compile(pattern), int(limit))
            for pattern, limit in getattr(settings, "CK_LARGE_UPLOAD_PATHS", {}).items()
        ]

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = (
            settings.CK_MAX_MULTIPART_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if multipart:
            for pattern, larger in self.large:
                if pattern.fullmatch(request.path):
                    limit = max(limit, larger)
        if limit is not None and length > limit:
            raise RequestDataTooBig("Request body exceeds the limit.")
        return self.get_response(request)
