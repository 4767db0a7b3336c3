"""Forms of the back office's jobs and programme-year pages."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

PARAM_LINE = re.compile(r"^([a-z][a-z0-9_]{0,39})=(.{0,200})$")


class JobRunForm(forms.Form):
    params = forms.CharField(
        label=_("Parameters (optioneel)"),
        help_text=_("Eén per regel: naam=waarde, bijvoorbeeld programme=vo-2024."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("Ik wil deze taak nu uitvoeren."),
        error_messages={"required": _("Vink aan dat u de taak nu wilt uitvoeren.")},
    )

    def clean_params(self) -> dict[str, str]:
        params = {}
        for number, line in enumerate(self.cleaned_data["params"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = PARAM_LINE.match(line)
            if match is None:
                raise forms.ValidationError(
                    _("Regel %(n)s: schrijf naam=waarde (kleine letters, cijfers, _)."),
                    params={"n": number},
                )
            params[match.group(1)] = match.group(2).strip()
        return params


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ja, ik weet het zeker."),
        error_messages={"required": _("Vink aan dat u het zeker weet.")},
    )
