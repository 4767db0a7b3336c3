"""Login with two-factor, the TOTP set-up, and the personal API tokens page."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from cultuurkaart.core.errors import RateLimited, ValidationFailed
from cultuurkaart.core.ratelimit import client_ip

from . import services
from .forms import (
    LoginForm,
    OtpForm,
    PasswordResetRequestForm,
    ResetPasswordForm,
    TokenForm,
)
from .models import ApiToken


def _next(request, default: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default or reverse("portals:home")


def login_view(request):
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_with_password(
                request,
                form.cleaned_data["email"],
                form.cleaned_data["password"],
                None,
                ip=client_ip(request),
                require_otp_now=False,
            )
        except RateLimited as exc:
            form.add_error(
                None,
                _("Te veel mislukte pogingen. Probeer het over %(minutes)s minuten opnieuw.")
                % {"minutes": max(1, exc.retry_after // 60)},
            )
            status = 429
        except services.InvalidCredentials:
            form.add_error(None, _("Dit e-mailadres en wachtwoord horen niet bij elkaar."))
            status = 200
        else:
            login(request, user)
            if user.requires_two_factor():
                return redirect(f"{reverse('accounts:two_factor')}?next={_next(request)}")
            return redirect(_next(request))
    return render(
        request, "accounts/login.html", {"form": form, "next": _next(request, "")}, status=status
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("U bent uitgelogd."))
    return redirect("portals:home")


def _qr_data_uri(url: str) -> str:
    """A complete SVG document (with its XML namespace and a viewBox, which an <img> needs;
    the inline fragment without them showed as a broken image) as a data URI."""
    return segno.make(url, error="m").svg_data_uri(
        scale=5, border=4, dark="#000", light="#fff", omitsize=True
    )


@login_required
def two_factor(request):
    """Verify the TOTP code; a user without a confirmed device sets one up first."""
    user = request.user
    if not user.requires_two_factor() or user.is_verified():
        return redirect(_next(request))
    device = services.confirmed_device(user)
    setup = device is None
    form = OtpForm(request.POST or None)
    context = {"form": form, "setup": setup, "next": _next(request)}
    if setup:
        pending = services.start_totp_setup(user)
        context["qr"] = _qr_data_uri(pending.config_url)
        context["secret"] = base64.b32encode(pending.bin_key).decode()
    if request.method == "POST" and form.is_valid():
        try:
            verified = services.verify_second_factor(
                user, form.cleaned_data["code"], ip=client_ip(request), setup=setup
            )
        except RateLimited as exc:
            form.add_error("code", _("Te veel mislukte pogingen. Probeer het later opnieuw."))
            response = render(request, "accounts/two_factor.html", context, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        if verified:
            otp_login(request, verified)
            return redirect(_next(request))
        form.add_error(
            "code", _("Deze code klopt niet. Controleer de tijd op uw telefoon en probeer opnieuw.")
        )
    return render(request, "accounts/two_factor.html", context)


@login_required
def tokens(request):
    """List, mint and revoke one's own API tokens. Minting asks for the password and a
    fresh two-factor code (services.mint_api_token_for_self)."""
    user = request.user
    needs_code = user.requires_two_factor() or services.confirmed_device(user) is not None
    form = TokenForm(request.POST or None, needs_code=needs_code)
    new_token = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.mint_api_token_for_self(
                user,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password"],
                otp=form.cleaned_data.get("otp"),
                ip=client_ip(request),
                expires_at=form.expires_at(),
            )
        except RateLimited as exc:
            form.add_error(None, _("Te veel mislukte pogingen. Probeer het later opnieuw."))
            status = 429
            retry_after = exc.retry_after
        except services.ReauthenticationFailed:
            form.add_error(None, _("Uw wachtwoord of de code klopt niet. Gebruik een nieuwe code."))
            status = 403
        except ValidationFailed:
            form.add_error(
                "expires_on", _("Kies een datum in de toekomst, hooguit twee jaar vooruit.")
            )
        else:
            form = TokenForm(needs_code=needs_code)
    response = render(
        request,
        "accounts/tokens.html",
        {"form": form, "new_token": new_token, "tokens": ApiToken.objects.filter(user=user)},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def set_language(request):
    """The language switch in the page header. For a signed-in person it changes the
    account setting (the UI and e-mails follow it); for an anonymous visitor it sets the
    language cookie. The browser's Accept-Language is never used (AccountLanguageMiddleware)."""
    from django.conf import settings as conf

    language = request.POST.get("language", "")
    target = _next(request)
    response = redirect(target)
    if language not in dict(conf.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.set_language(request.user, language, actor=request.user)
    else:
        response.set_cookie(
            conf.LANGUAGE_COOKIE_NAME,
            language,
            max_age=conf.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=conf.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response


@login_required
@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(token, actor=request.user)
    messages.success(request, _("De sleutel is ingetrokken."))
    return redirect("account:tokens")


def password_reset(request):
    """Ask for a link to choose a new password. The answer is the same whether or not an
    account exists; requests are throttled per client address and per e-mail address."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_password_reset(form.cleaned_data["email"], ip=client_ip(request))
        except RateLimited as exc:
            form.add_error(
                None,
                _("Te veel aanvragen. Probeer het over %(minutes)s minuten opnieuw.")
                % {"minutes": max(1, exc.retry_after // 60)},
            )
            response = render(request, "accounts/password_reset.html", {"form": form}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    form_class=ResetPasswordForm,
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
