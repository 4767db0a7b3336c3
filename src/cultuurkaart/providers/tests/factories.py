import factory

from cultuurkaart.providers.models import Provider, ProviderKind, ProviderStatus


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Theater De Aanbieder {n}")
    status = ProviderStatus.ACCEPTED
    kind = ProviderKind.ORGANISATION
    sector = "Podiumkunsten"
    activity_type = "Voorstellingen en workshops"
    address = "Spui 1, 1012 WX Amsterdam"
    contact_name = "Anna de Vries"
    contact_email = factory.Sequence(lambda n: f"contact{n}@aanbieder.example")
    contact_phone = "020 123 4567"
    coordinator_name = "Bram Jansen"
    coordinator_email = factory.Sequence(lambda n: f"coordinator{n}@aanbieder.example")
    iban = "NL91ABNA0417164300"
    bic = "ABNANL2A"
    criteria = factory.LazyFunction(
        lambda: {
            "cultural_educational": True,
            "professional": True,
            "suitable_for": ["vo"],
            "employed_by_school": False,
            "components": ["creative_expression"],
        }
    )


def application_data(**overrides) -> dict:
    """A valid application body (API.md), with `overrides` applied at the top level."""
    data = {
        "name": "Theatergroep De Spiegel",
        "kind": "organisation",
        "sector": "Podiumkunsten",
        "activity_type": "Voorstellingen en workshops",
        "address": "Spui 1, 1012 WX Amsterdam",
        "contact": {
            "name": "Anna de Vries",
            "email": "anna@spiegel.example",
            "phone": "0201234567",
        },
        "iban": "nl91 abna 0417 1643 00",
        "criteria": {
            "cultural_educational": True,
            "professional": True,
            "suitable_for": ["vo", "mbo"],
            "employed_by_school": False,
            "components": ["imagination", "creative_expression"],
        },
        "accept_terms": True,
    }
    data.update(overrides)
    return data
