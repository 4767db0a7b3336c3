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

from cultuurkaart.core.errors import RateLimited
from cultuurkaart.core.ratelimit import client_ip

from . import services
from .forms import InvitedPasswordResetForm, LoginForm, OtpForm, TokenForm
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
        ip = client_ip(request)
        try:
            services.login_limiter_ip.check(ip)
            services.login_limiter_account.check(user.email)
        except RateLimited:
            form.add_error("code", _("Te veel mislukte pogingen. Probeer het later opnieuw."))
            return render(request, "accounts/two_factor.html", context, status=429)
        code = form.cleaned_data["code"]
        verified = (
            services.confirm_totp_setup(user, code) if setup else services.verify_totp(user, code)
        )
        if verified:
            otp_login(request, verified)
            services.login_limiter_account.reset(user.email)
            return redirect(_next(request))
        services.login_limiter_ip.fail(ip)
        services.login_limiter_account.fail(user.email)
        form.add_error(
            "code", _("Deze code klopt niet. Controleer de tijd op uw telefoon en probeer opnieuw.")
        )
    return render(request, "accounts/two_factor.html", context)


@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = services.create_api_token(request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": ApiToken.objects.filter(user=request.user),
        },
    )


@login_required
@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(token, actor=request.user)
    messages.success(request, _("De sleutel is ingetrokken."))
    return redirect("account:tokens")


password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    form_class=InvitedPasswordResetForm,
    email_template_name="emails/password_reset.body.txt",
    subject_template_name="emails/password_reset.subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
