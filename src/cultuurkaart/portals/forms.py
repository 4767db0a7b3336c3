from django import forms
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core.fields import MoneyFormField, SaneDateFormField
from cultuurkaart.core.money import MAX_NATIONAL_TOTAL, ZERO
from cultuurkaart.schools.models import Programme


class RegistrationForm(forms.Form):
    location_code = forms.CharField(
        label=_("Locatiecode (BRIN + vestigingsnummer of RIO-code)"), max_length=20
    )
    extra_location_codes = forms.CharField(
        label=_("Andere locaties van dezelfde instelling (optioneel)"),
        required=False,
        max_length=500,
        help_text=_("Codes gescheiden door komma's."),
    )
    programme = forms.ModelChoiceField(
        label=_("Programma"),
        queryset=Programme.objects.all(),
        to_field_name="code",
        empty_label=None,
    )
    board_name = forms.CharField(label=_("Naam contactpersoon bevoegd gezag"), max_length=200)
    board_email = forms.EmailField(label=_("E-mailadres bevoegd gezag"))
    directie_name = forms.CharField(
        label=_("Naam directie (optioneel)"),
        max_length=200,
        required=False,
        help_text=_("Leeg laten als het bevoegd gezag ook de directie is."),
    )
    directie_email = forms.EmailField(label=_("E-mailadres directie (optioneel)"), required=False)
    budget_holder_name = forms.CharField(label=_("Naam budgethouder"), max_length=200)
    budget_holder_email = forms.EmailField(label=_("E-mailadres budgethouder"))
    invoice_email = forms.EmailField(label=_("E-mailadres voor facturen"))
    invoice_address = forms.CharField(
        label=_("Factuuradres"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )
    refund_iban = forms.CharField(
        label=_("IBAN voor terugbetalingen (optioneel)"), max_length=34, required=False
    )
    accept_terms = forms.BooleanField(
        label=_("Ik accepteer de algemene voorwaarden en de privacyverklaring.")
    )
    confirm_correct = forms.BooleanField(
        label=_("Ik verklaar dat de gegevens juist en volledig zijn.")
    )
    confirm_mandate = forms.BooleanField(
        label=_(
            "Het bevoegd gezag heeft de budgethouder gemandateerd om het schoolaccount te beheren."
        )
    )

    def to_service(self) -> dict:
        d = self.cleaned_data
        data = {
            "location_code": d["location_code"],
            "location_codes": [
                c.strip() for c in d["extra_location_codes"].split(",") if c.strip()
            ],
            "programme": d["programme"].code,
            "board": {"name": d["board_name"], "email": d["board_email"]},
            "budget_holder": {"name": d["budget_holder_name"], "email": d["budget_holder_email"]},
            "invoice_email": d["invoice_email"],
            "invoice_address": d["invoice_address"],
            "refund_iban": d["refund_iban"],
            "accept_terms": d["accept_terms"] and d["confirm_correct"] and d["confirm_mandate"],
        }
        if d["directie_name"] or d["directie_email"]:
            data["directie"] = {"name": d["directie_name"], "email": d["directie_email"]}
        return data


FIELD_MAP = {
    "board.name": "board_name",
    "board.email": "board_email",
    "budget_holder.name": "budget_holder_name",
    "budget_holder.email": "budget_holder_email",
    "directie.name": "directie_name",
    "directie.email": "directie_email",
    "location_codes": "extra_location_codes",
}


def add_service_errors(
    form: forms.Form, errors: list[dict], field_map: dict[str, str] | None = None
) -> None:
    """Put a service's field errors on the matching form fields (or the form)."""
    mapping = field_map or {}
    for error in errors:
        field = mapping.get(error.get("field", ""), error.get("field"))
        form.add_error(field if field in form.fields else None, error.get("message"))


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van afwijzing"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Deze reden wordt naar de school gemaild."),
    )


class SchoolSettingsForm(forms.Form):
    directie_name = forms.CharField(label=_("Naam directie"), max_length=200)
    directie_email = forms.EmailField(label=_("E-mailadres directie"))
    invoice_email = forms.EmailField(label=_("E-mailadres voor facturen"))
    invoice_address = forms.CharField(
        label=_("Factuuradres"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        required=False,
    )
    refund_iban = forms.CharField(
        label=_("IBAN voor terugbetalingen"), max_length=34, required=False
    )


class ProgrammeForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("Bijvoorbeeld vo-2025."))
    kind = forms.ChoiceField(label=_("Soort"), choices=[("vo", "VO"), ("mbo", "MBO")])
    name = forms.CharField(label=_("Naam"), max_length=120)
    rate_ocw = MoneyFormField(
        label=_("OCW-bijdrage per student (€)"), minimum=ZERO, allow_zero=True
    )
    rate_school = MoneyFormField(
        label=_("Bijdrage school per student (€)"), minimum=ZERO, allow_zero=True
    )
    rate_admin_fee = MoneyFormField(
        label=_("Administratiekosten per student zonder bijdrage (€)"),
        minimum=ZERO,
        allow_zero=True,
    )
    rate_teacher_fee = MoneyFormField(
        label=_("Lidmaatschap docent per jaar (€)"), minimum=ZERO, allow_zero=True
    )
    teacher_free_count = forms.IntegerField(
        label=_("Aantal gratis docentlidmaatschappen"), min_value=0, max_value=1_000_000, initial=0
    )
    teacher_free_before = SaneDateFormField(
        label=_("Gratis docenten bij eerste bestelling vóór"),
        required=False,
    )
    rate_voucher = MoneyFormField(label=_("Waarde tegoedbon (€)"), minimum=ZERO, allow_zero=True)
    rate_dossier = MoneyFormField(
        label=_("Dossier per student per jaar (€)"), minimum=ZERO, allow_zero=True, initial=0
    )
    register_from = SaneDateFormField(
        label=_("Aanmelden vanaf (leeg = altijd)"),
        required=False,
    )
    register_until = SaneDateFormField(
        label=_("Aanmelden tot en met (leeg = altijd)"),
        required=False,
    )
    order_from = SaneDateFormField(label=_("Bestellen vanaf"))
    order_until = SaneDateFormField(label=_("Bestellen tot en met"))
    roster_after = SaneDateFormField(label=_("Gegevens uploaden op of na"))
    spend_from = SaneDateFormField(label=_("Besteedbaar vanaf"))
    spend_until = SaneDateFormField(label=_("Besteedbaar tot en met"))
    membership_until = SaneDateFormField(
        label=_("Lidmaatschap geldig tot en met (optioneel)"),
        required=False,
    )
    ocw_total = MoneyFormField(
        label=_("Landelijk OCW-budget (€, optioneel)"),
        maximum=MAX_NATIONAL_TOTAL,
        required=False,
    )
    max_orders = forms.IntegerField(
        label=_("Bijbestellingen per school (leeg = onbeperkt)"),
        min_value=0,
        max_value=1000,
        required=False,
        help_text=_(
            "Het hoogste aantal bijbestellingen per school. Een school heeft per programma "
            "altijd hoogstens één lopende eerste bestelling."
        ),
    )

    RATE_KEYS = {
        "rate_ocw": "ocw",
        "rate_school": "school",
        "rate_admin_fee": "admin_fee",
        "rate_teacher_fee": "teacher_fee",
        "rate_voucher": "voucher",
        "rate_dossier": "dossier",
        "teacher_free_count": "teacher_free_count",
    }

    def to_service(self) -> dict:
        d = dict(self.cleaned_data)
        rates = {key: d.pop(field) for field, key in self.RATE_KEYS.items()}
        return {**d, "rates": rates}

    @classmethod
    def initial_for(cls, programme) -> dict:
        return {name: getattr(programme, name) for name in cls.base_fields}


class RegistryImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Soort bestand"), choices=[("vo", "VO-vestigingen"), ("mbo", "MBO-locaties")]
    )
    file = forms.FileField(label=_("DUO-bestand (CSV)"))


class BudgetHolderChangeForm(forms.Form):
    name = forms.CharField(label=_("Naam nieuwe budgethouder"), max_length=200)
    email = forms.EmailField(label=_("E-mailadres nieuwe budgethouder"))
    replaces = forms.ChoiceField(
        label=_("In plaats van"),
        required=False,
        help_text=_("Kies wie er stopt, of laat leeg voor een extra budgethouder."),
    )
    confirm_mandate = forms.BooleanField(
        label=_(
            "Het bevoegd gezag mandateert deze persoon om het schoolaccount en het budget te beheren."
        )
    )

    def __init__(self, *args, holders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replaces"].choices = [("", _("Niemand: extra budgethouder"))] + [
            (str(u.pk), f"{u.name} ({u.email})" if u.name else u.email) for u in holders
        ]
