"""Forms of the provider pages (application, own data, revocation) and the back office."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cultuurkaart.providers.constants import COMPONENTS, SUITABLE_FOR, ProviderKind
from cultuurkaart.providers.services import UPDATE_FIELDS


class ProviderDataForm(forms.Form):
    name = forms.CharField(label=_("Naam organisatie of kunstenaar"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Soort aanbieder"), choices=ProviderKind.choices, widget=forms.RadioSelect
    )
    sector = forms.CharField(
        label=_("Sector"), max_length=200, help_text=_("Bijvoorbeeld podiumkunsten of erfgoed.")
    )
    activity_type = forms.CharField(
        label=_("Soort activiteit"),
        max_length=200,
        help_text=_("Bijvoorbeeld voorstellingen, workshops of rondleidingen."),
    )
    address = forms.CharField(
        label=_("Adres"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_name = forms.CharField(label=_("Naam contactpersoon"), max_length=200)
    contact_email = forms.EmailField(label=_("E-mailadres contactpersoon"))
    contact_phone = forms.CharField(
        label=_("Telefoonnummer contactpersoon"), max_length=40, required=False
    )
    coordinator_name = forms.CharField(
        label=_("Naam coördinator (als dat iemand anders is)"), max_length=200, required=False
    )
    coordinator_email = forms.EmailField(label=_("E-mailadres coördinator"), required=False)
    coordinator_phone = forms.CharField(
        label=_("Telefoonnummer coördinator"), max_length=40, required=False
    )
    iban = forms.CharField(
        label=_("IBAN voor uitbetalingen"),
        max_length=40,
        help_text=_("Het rekeningnummer waarop CJP uw weborders uitbetaalt."),
    )

    def organisation_data(self) -> dict:
        d = self.cleaned_data
        coordinator = {
            "name": d.get("coordinator_name", ""),
            "email": d.get("coordinator_email", ""),
            "phone": d.get("coordinator_phone", ""),
        }
        return {
            "name": d["name"],
            "kind": d["kind"],
            "sector": d["sector"],
            "activity_type": d["activity_type"],
            "address": d["address"],
            "contact": {
                "name": d["contact_name"],
                "email": d["contact_email"],
                "phone": d.get("contact_phone", ""),
            },
            "coordinator": coordinator if any(coordinator.values()) else None,
            "iban": d["iban"],
        }


class ProviderApplicationForm(ProviderDataForm):
    cultural_educational = forms.BooleanField(
        label=_("1. Wij maken cultuureducatief of sociaal-educatief aanbod."), required=False
    )
    professional = forms.BooleanField(
        label=_("2. Ons aanbod is ontwikkeld door professionals."), required=False
    )
    suitable_for = forms.MultipleChoiceField(
        label=_("3. Ons aanbod is geschikt voor"),
        choices=list(SUITABLE_FOR.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    not_employed_by_school = forms.BooleanField(
        label=_("4. Ik ben (of de aanvrager is) niet in dienst van een school."), required=False
    )
    components = forms.MultipleChoiceField(
        label=_("5. Ons aanbod heeft minstens één van deze onderdelen"),
        choices=list(COMPONENTS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    accept_terms = forms.BooleanField(
        label=_("Ik ga akkoord met de voorwaarden voor acceptanten."), required=False
    )

    def to_service(self) -> dict:
        d = self.cleaned_data
        return {
            **self.organisation_data(),
            "criteria": {
                "cultural_educational": d["cultural_educational"],
                "professional": d["professional"],
                "suitable_for": d["suitable_for"],
                "employed_by_school": not d["not_employed_by_school"],
                "components": d["components"],
            },
            "accept_terms": d["accept_terms"],
        }


class ProviderUpdateForm(ProviderDataForm):
    otp = forms.CharField(
        label=_("Code uit uw authenticator-app (alleen bij een nieuw IBAN)"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_(
            "Een nieuw IBAN bevestigt u met een nieuwe code. Uitbetalingen naar het nieuwe "
            "IBAN wachten daarna 3 werkdagen."
        ),
    )


FIELD_MAP = {
    "contact.name": "contact_name",
    "contact.email": "contact_email",
    "contact.phone": "contact_phone",
    "coordinator.name": "coordinator_name",
    "coordinator.email": "coordinator_email",
    "coordinator.phone": "coordinator_phone",
    "criteria.cultural_educational": "cultural_educational",
    "criteria.professional": "professional",
    "criteria.suitable_for": "suitable_for",
    "criteria.employed_by_school": "not_employed_by_school",
    "criteria.components": "components",
}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Deze reden wordt naar de aanbieder gemaild."),
    )


class RevocationResponseForm(forms.Form):
    response = forms.CharField(
        label=_("Uw reactie"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("CJP houdt de intrekking aan tot er een besluit is over uw reactie."),
    )


def initial_from(provider) -> dict:
    """The provider's own data for the form (the fields `update_provider` changes; the BIC
    follows from the IBAN)."""
    return {f: getattr(provider, f) for f in UPDATE_FIELDS if f != "bic"}
