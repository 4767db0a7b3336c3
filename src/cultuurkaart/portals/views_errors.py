"""Error pages (400, 403, 404, 413, 500) in the site's layout, and their problem+json
counterparts under /api/ (decision W6). Wired in conf/urls.py (handler400 ...) and
CSRF_FAILURE_VIEW."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse

from cultuurkaart.api.base import problem

logger = logging.getLogger(__name__)

_API_PROBLEMS = {
    400: ("bad-request", "Bad request", "The request could not be understood."),
    403: ("forbidden", "Not allowed", "Your role does not allow this."),
    404: ("not-found", "Not found", "No such object."),
    413: (
        "request-too-large",
        "Request body too large",
        "The request body exceeds the limit of this endpoint.",
    ),
    500: ("server-error", "Server error", "Something went wrong on our side."),
}


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _home_url(request) -> str:
    """The way back: the portal home (it sends a signed-in user on to their own portal)."""
    return reverse("portals:home")


def _page(request, status: int) -> HttpResponse:
    if _is_api(request):
        type_, title, detail = _API_PROBLEMS[status]
        if status == 413 and request.path.startswith("/api/v1/me/portfolio/media"):
            # A dossier file above the request limit: the per-file quota (API.md "Dossier").
            type_, title = "quota-exceeded", "File or storage quota exceeded"
        return problem(status, type_, title, detail)
    context = {"status": status, "home_url": _home_url(request)}
    template = f"errors/{status}.html"
    try:
        return render(request, template, context, status=status)
    except Exception:  # the full layout needs the database (menus); never fail an error page
        if status != 500:
            raise
        logger.exception("Rendering the 500 page with context processors failed")
        html = loader.get_template("errors/500_bare.html").render(context)
        return HttpResponse(html, status=status)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return _page(request, 413)
    return _page(request, 400)


def permission_denied(request, exception=None):
    return _page(request, 403)


def page_not_found(request, exception=None):
    return _page(request, 404)


def server_error(request):
    return _page(request, 500)


def csrf_failure(request, reason=""):
    """A failed CSRF check (expired form, cookies off): the 403 page with a hint."""
    if _is_api(request):
        return problem(
            403, "csrf-failed", "CSRF check failed", "Send the CSRF token or use a token."
        )
    context = {"status": 403, "home_url": _home_url(request), "csrf": True}
    return render(request, "errors/403.html", context, status=403)
