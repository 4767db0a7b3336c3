from django.shortcuts import redirect
from django.urls import reverse

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
