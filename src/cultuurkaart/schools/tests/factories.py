import factory

from cultuurkaart.schools.constants import SchoolKind, SchoolStatus
from cultuurkaart.schools.models import Location, Programme, School


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    code = factory.Sequence(
        lambda n: f"{n % 100:02d}{chr(65 + n % 26)}{chr(65 + (n // 26) % 26)}{n % 100:02d}"
    )
    kind = SchoolKind.VO
    name = factory.Sequence(lambda n: f"School {n}")
    postcode = "1012AB"
    municipality = "Amsterdam"
    province = "Noord-Holland"
    students = 500


def programme(code: str = "vo-2024") -> Programme:
    """The programmes loaded by the data migration."""
    return Programme.objects.get(code=code)


class SchoolFactory(factory.django.DjangoModelFactory):
    """An accepted school with one location, registered for vo-2024."""

    class Meta:
        model = School
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"College {n}")
    kind = SchoolKind.VO
    status = SchoolStatus.ACTIVE
    school_number = factory.Sequence(lambda n: f"{200000 + n}0")
    board_name = "Bestuur"
    board_email = factory.Sequence(lambda n: f"board{n}@school.example")
    directie_name = "Directie"
    directie_email = factory.Sequence(lambda n: f"directie{n}@school.example")
    budget_holder_name = "Budgethouder"
    budget_holder_email = factory.Sequence(lambda n: f"bh{n}@school.example")
    invoice_email = factory.Sequence(lambda n: f"invoice{n}@school.example")
    invoice_address = "Postbus 1, 1000 AA Amsterdam"

    @factory.post_generation
    def locations(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.locations.set(extracted or [LocationFactory(kind=obj.kind, **kwargs)])

    @factory.post_generation
    def programmes(obj, create, extracted, **kwargs):
        if not create:
            return
        code = "vo-2024" if obj.kind == SchoolKind.VO else "mbo-pilot"
        obj.programmes.set(extracted or [Programme.objects.get(code=code)])
