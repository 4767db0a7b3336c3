"""Forms for the activation, pass and code-request pages (Dutch msgids, decision D4)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from cultuurkaart.rosters.constants import RosterKind

from . import codes


class ActivationForm(forms.Form):
    code = forms.CharField(
        label=_("Activeringscode"),
        max_length=40,
        help_text=_(
            "Staat in je e-mail of op het briefje van school. Bijvoorbeeld ABCD-EFGH-JKLM."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    first_name = forms.CharField(
        label=_("Voornaam"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Achternaam"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    birth_day = forms.IntegerField(
        label=_("Dag"),
        min_value=1,
        max_value=31,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-day"}),
    )
    birth_month = forms.IntegerField(
        label=_("Maand"),
        min_value=1,
        max_value=12,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-month"}),
    )
    birth_year = forms.IntegerField(
        label=_("Jaar"),
        min_value=1900,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
    )
    email = forms.EmailField(
        label=_("E-mailadres"),
        help_text=_("Hiermee log je later in. Je school ziet dit adres niet."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Kies een wachtwoord"),
        help_text=_("Minstens 10 tekens. Gebruik niet je naam of een makkelijk wachtwoord."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_terms = forms.BooleanField(
        label=_("Ik ga akkoord met de voorwaarden en de privacyverklaring."),
        error_messages={"required": _("Vink dit aan om verder te gaan.")},
    )
    parents_informed = forms.BooleanField(
        label=_(
            "Mijn ouders of verzorgers weten dat ik de Cultuurkaart gebruik en vinden het goed."
        ),
        help_text=_("Alleen nodig als je jonger bent dan 16."),
        required=False,
    )

    def clean_code(self):
        value = codes.normalise(self.cleaned_data["code"])
        if value is None:
            raise forms.ValidationError(
                _("Deze code klopt niet. Een code heeft 12 tekens, bijvoorbeeld ABCD-EFGH-JKLM.")
            )
        return value

    def clean(self):
        data = super().clean()
        day, month, year = (data.get(k) for k in ("birth_day", "birth_month", "birth_year"))
        if day and month and year:
            try:
                data["birth_date"] = dt.date(year, month, day)
            except ValueError:
                self.add_error("birth_day", _("Deze datum bestaat niet."))
        return data

    def to_service(self) -> dict:
        d = self.cleaned_data
        return {
            "first_name": d["first_name"],
            "last_name": d["last_name"],
            "birth_date": d["birth_date"],
            "email": d["email"],
            "password": d["password"],
            "accept_terms": bool(d["accept_terms"]),
            "parents_informed": bool(d["parents_informed"]),
        }


# Service field names → form fields (errors from services.activate).
ACTIVATION_FIELDS = {"birth_date": "birth_day"}


class CodeRequestForm(forms.Form):
    school_number = forms.CharField(
        label=_("CJP-schoolnummer van je school"),
        max_length=10,
        help_text=_("Vraag dit nummer aan je school of kijk op de website van je school."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    kind = forms.ChoiceField(
        label=_("Ik ben"),
        choices=[
            (RosterKind.STUDENTS, _("Student")),
            (RosterKind.TEACHERS, _("Docent of medewerker")),
        ],
        widget=forms.RadioSelect,
        initial=RosterKind.STUDENTS,
    )
    first_name = forms.CharField(
        label=_("Voornaam"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Achternaam"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("E-mailadres"),
        help_text=_("Hierheen sturen we je code."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class DeletionForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ja, verwijder mijn account en mijn Cultuurkaart."),
        error_messages={"required": _("Vink dit aan als je zeker weet dat je dit wilt.")},
    )
