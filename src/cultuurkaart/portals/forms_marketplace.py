"""Forms of the marketplace pages. They collect input in the API's shape; the rules are the
service's (marketplace.services.clean_offer), whose field errors land on these fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core.fields import MoneyFormField
from cultuurkaart.marketplace.constants import (
    REASON_MAX,
    LevelKind,
    LocationMode,
    PriceModel,
    Vocabulary,
)
from cultuurkaart.marketplace.models import Term

# service field → form field
FIELD_MAP = {
    "venue.name": "venue_name",
    "venue.address": "venue_address",
    "venue.postcode": "venue_postcode",
    "venue.city": "venue_city",
}
LIST_FIELDS = ("disciplines", "levels", "themes", "provinces", "access")


def _choices(terms: list[Term]) -> list[tuple[str, str]]:
    return [(t.code, t.label) for t in terms]


def _level_choices(terms: list[Term]) -> list:
    """Levels grouped: each VO school type with its years, then the MBO levels."""
    groups: list = []
    by_parent: dict[int, list[Term]] = {}
    for t in terms:
        if t.parent_id:
            by_parent.setdefault(t.parent_id, []).append(t)
    for t in terms:
        if t.parent_id:
            continue
        years = by_parent.get(t.pk, [])
        if t.kind == LevelKind.VO and years:
            groups.append((t.label, [(t.code, _("Alle leerjaren")), *_choices(years)]))
        elif t.kind == LevelKind.VO:
            groups.append((t.label, [(t.code, t.label)]))
    mbo = [t for t in terms if t.kind == LevelKind.MBO and not t.parent_id]
    if mbo:
        groups.append((_("MBO"), _choices(mbo)))
    return groups


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _checks():
    return forms.CheckboxSelectMultiple


class OfferForm(forms.Form):
    title = forms.CharField(
        label=_("Titel"), max_length=140, help_text=_("5 tot 140 tekens."), required=False
    )
    description = forms.CharField(
        label=_("Beschrijving"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=3000,
        help_text=_("Wat maken of beleven de leerlingen? Maximaal 3.000 tekens."),
        required=False,
    )
    format = forms.ChoiceField(label=_("Vorm"), required=False)
    disciplines = forms.MultipleChoiceField(
        label=_("Disciplines"), widget=_checks(), required=False
    )
    levels = forms.MultipleChoiceField(
        label=_("Schoolsoorten, leerjaren en niveaus"), widget=_checks(), required=False
    )
    themes = forms.MultipleChoiceField(
        label=_("Burgerschapsthema's"),
        widget=_checks(),
        required=False,
        help_text=_("Verplicht als u een MBO-niveau kiest."),
    )
    location_mode = forms.ChoiceField(
        label=_("Waar vindt de activiteit plaats?"),
        choices=LocationMode.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    venue_name = forms.CharField(label=_("Naam locatie"), max_length=200, required=False)
    venue_address = forms.CharField(label=_("Adres locatie"), max_length=200, required=False)
    venue_postcode = forms.CharField(
        label=_("Postcode locatie"),
        max_length=7,
        required=False,
        help_text=_("Verplicht als de activiteit bij u plaatsvindt."),
    )
    venue_city = forms.CharField(label=_("Plaats locatie"), max_length=100, required=False)
    national = forms.BooleanField(
        label=_("Landelijk: wij komen naar scholen in heel Nederland"), required=False
    )
    provinces = forms.MultipleChoiceField(
        label=_("Provincies waar u naar scholen komt"), widget=_checks(), required=False
    )
    duration_minutes = forms.IntegerField(
        label=_("Duur in minuten"), min_value=1, max_value=20160, required=False
    )
    price_model = forms.ChoiceField(
        label=_("Prijs"), choices=PriceModel.choices, widget=forms.RadioSelect, required=False
    )
    price = MoneyFormField(label=_("Bedrag in euro's"), required=False)
    group_size = forms.IntegerField(
        label=_("Groepsgrootte (bij een prijs per groep)"),
        min_value=1,
        max_value=10000,
        required=False,
    )
    min_students = forms.IntegerField(
        label=_("Minimaal aantal leerlingen"), min_value=1, max_value=10000, required=False
    )
    max_students = forms.IntegerField(
        label=_("Maximaal aantal leerlingen"), min_value=1, max_value=10000, required=False
    )
    cjp_discount = forms.CharField(
        label=_("Korting voor CJP-leden"),
        max_length=200,
        required=False,
        help_text=_("Bijvoorbeeld: 2 euro korting op de entree."),
    )
    access = forms.MultipleChoiceField(
        label=_("Toegankelijkheid"), widget=_checks(), required=False
    )

    def __init__(self, *args, terms: dict[str, list[Term]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [("", _("Kies een vorm")), *_choices(terms["formats"])]
        self.fields["disciplines"].choices = _choices(terms["disciplines"])
        self.fields["levels"].choices = _level_choices(terms["levels"])
        self.fields["themes"].choices = _choices(terms["themes"])
        self.fields["provinces"].choices = _choices(terms["provinces"])
        self.fields["access"].choices = _choices(terms["access"])

    def to_service(self) -> dict:
        c = self.cleaned_data
        data = {
            key: c.get(key)
            for key in (
                "title",
                "description",
                "format",
                "location_mode",
                "national",
                "duration_minutes",
                "price_model",
                "price",
                "group_size",
                "min_students",
                "max_students",
                "cjp_discount",
                *LIST_FIELDS,
            )
        }
        data["venue"] = {
            "name": c.get("venue_name", ""),
            "address": c.get("venue_address", ""),
            "postcode": c.get("venue_postcode", ""),
            "city": c.get("venue_city", ""),
        }
        return data


def initial_from(data: dict) -> dict:
    """The form's initial values from the service's input shape (`offer_input`)."""
    initial = {k: v for k, v in data.items() if k not in ("venue", "sessions")}
    for key, value in (data.get("venue") or {}).items():
        initial[f"venue_{key}"] = value
    return initial


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Begint"), widget=DateTimeLocal(), required=False)
    ends_at = forms.DateTimeField(label=_("Eindigt"), widget=DateTimeLocal(), required=False)
    capacity = forms.IntegerField(
        label=_("Plaatsen"), min_value=1, max_value=100000, required=False
    )
    book_by = forms.DateTimeField(
        label=_("Boeken uiterlijk"), widget=DateTimeLocal(), required=False
    )

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(k) for k in self.fields)


SessionFormSet = forms.formset_factory(SessionForm, extra=2, max_num=50)


def sessions_from(formset) -> list[dict]:
    return [
        {k: f.cleaned_data.get(k) for k in ("starts_at", "ends_at", "capacity", "book_by")}
        for f in formset.forms
        if f.is_valid() and not f.is_blank()
    ]


class ImageForm(forms.Form):
    file = forms.FileField(
        label=_("Afbeelding"),
        help_text=_("JPEG, PNG of WebP, ten minste 600 × 400 pixels, maximaal 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt = forms.CharField(
        label=_("Alternatieve tekst"),
        max_length=300,
        help_text=_("Beschrijf wat er op de afbeelding te zien is, voor wie haar niet ziet."),
    )
    credit = forms.CharField(label=_("Fotograaf of bron"), max_length=200)


class ModerationReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"), widget=forms.Textarea(attrs={"rows": 3}), max_length=REASON_MAX
    )


class TermForm(forms.Form):
    vocabulary = forms.ChoiceField(label=_("Taxonomie"), choices=Vocabulary.choices)
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Vast: verandert niet meer zodra aanbod de term gebruikt."),
    )
    label_nl = forms.CharField(label=_("Naam (Nederlands)"), max_length=120)
    label_en = forms.CharField(label=_("Naam (Engels)"), max_length=120)
    position = forms.IntegerField(label=_("Volgorde"), min_value=0, initial=0, required=False)
    kind = forms.ChoiceField(
        label=_("Soort (alleen schoolsoorten en niveaus)"),
        choices=[("", "—"), *LevelKind.choices],
        required=False,
    )
    parent = forms.ModelChoiceField(
        label=_("Hoort bij schoolsoort (alleen leerjaren)"),
        queryset=Term.objects.filter(vocabulary=Vocabulary.LEVEL, parent=None),
        required=False,
    )
    active = forms.BooleanField(label=_("Actief"), required=False, initial=True)
