from django.conf import settings
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
