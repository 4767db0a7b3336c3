import datetime as dt

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mailadres"), widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Wachtwoord"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OtpForm(forms.Form):
    code = forms.CharField(
        label=_("Code uit uw authenticator-app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Naam van de sleutel"),
        max_length=100,
        help_text=_("Bijvoorbeeld de naam van het systeem dat de sleutel gebruikt."),
    )
    expires_on = forms.DateField(
        label=_("Geldig tot en met"),
        required=False,
        help_text=_("Leeg laten: een jaar. Hooguit twee jaar vooruit."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    password = forms.CharField(
        label=_("Uw wachtwoord"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, needs_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["otp"] = forms.CharField(
                label=_("Nieuwe code uit uw authenticator-app"),
                max_length=10,
                help_text=_(
                    "Een code die u nog niet gebruikt heeft: wacht zo nodig op de volgende."
                ),
                widget=forms.TextInput(
                    attrs={
                        "autocomplete": "one-time-code",
                        "inputmode": "numeric",
                        "pattern": "[0-9 ]*",
                    }
                ),
            )

    def expires_at(self) -> dt.datetime | None:
        from cultuurkaart.core import clock

        day = self.cleaned_data.get("expires_on")
        return clock.end_of_day(day) if day else None


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mailadres"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ResetPasswordForm(SetPasswordForm):
    """The new password from the e-mailed link: every token and session of the account
    ends with it (services.reset_password)."""

    def save(self, commit=True):
        from . import services

        services.reset_password(self.user, self.cleaned_data["new_password1"])
        return self.user
