import factory

from cultuurkaart.providers.models import Provider, ProviderStatus


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Theater De Aanbieder {n}")
    status = ProviderStatus.ACCEPTED
