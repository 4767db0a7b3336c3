from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from cultuurkaart.core import clock

# Pages behind a login that a finance role may only use after the second factor.
PROTECTED_PREFIXES = (
    "/school/",
    "/backoffice/",
    "/account/",
    "/django-admin/",
    "/provider/",
    "/aanbieder/",
)


def is_two_factor_satisfied(user) -> bool:
    if not user.is_authenticated or not user.requires_two_factor():
        return True
    return bool(getattr(user, "is_verified", lambda: False)())


class TwoFactorRequiredMiddleware:
    """Finance roles (admin, budget holder, provider) pass TOTP before any portal page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(PROTECTED_PREFIXES) and not is_two_factor_satisfied(request.user):
            return redirect(f"{reverse('accounts:two_factor')}?next={path}")
        return self.get_response(request)


def start_idle_clock(sender, request, user, **kwargs):
    """At sign-in the idle clock starts (no extra session write on the first page)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[FinanceSessionIdleMiddleware.SESSION_KEY] = clock.wall_now().timestamp()


class FinanceSessionIdleMiddleware:
    """Sessions of finance roles (TWO_FACTOR_ROLES) end after CK_FINANCE_SESSION_IDLE_SECONDS
    without a request (issue 8 point 6). Pages then ask to sign in again; the API answers
    as for an anonymous caller (401). Other roles keep the absolute SESSION_COOKIE_AGE."""

    SESSION_KEY = "ck_last_activity"
    WRITE_EVERY = 60  # seconds: not a session write on every request

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.requires_two_factor():
            moment = clock.wall_now().timestamp()
            last = request.session.get(self.SESSION_KEY)
            if last is not None and moment - last > settings.CK_FINANCE_SESSION_IDLE_SECONDS:
                logout(request)
                if not request.path_info.startswith("/api/"):
                    messages.info(
                        request,
                        _("U was 30 minuten niet actief en bent uitgelogd. Log opnieuw in."),
                    )
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('accounts:login')}?{query}")
            elif last is None or abs(moment - last) >= self.WRITE_EVERY:
                request.session[self.SESSION_KEY] = moment
        return self.get_response(request)


class AccountLanguageMiddleware:
    """The UI language (replaces Django's LocaleMiddleware, issue 8 point 22): a signed-in
    person's account setting; an anonymous visitor's explicit choice in the language switch
    (cookie); otherwise Dutch. The browser's Accept-Language header is not used."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def language_for(request) -> str:
        available = dict(settings.LANGUAGES)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = user.language
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        return chosen if chosen in available else settings.LANGUAGE_CODE

    def __call__(self, request):
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
            # The API's token authentication may have switched to the account's language.
            language = translation.get_language()
        finally:
            # The language is per request: a worker thread (or a test) that goes on with
            # other work after this request must not keep this person's language. The API's
            # token authentication switches it inside the request; this resets that too.
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
