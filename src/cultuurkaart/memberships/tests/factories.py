import factory

from cultuurkaart.rosters.constants import PersonStatus, RosterKind
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools.tests.factories import SchoolFactory


class PersonFactory(factory.django.DjangoModelFactory):
    """A roster entry (rosters.Person); the rosters app owns the model."""

    class Meta:
        model = Person

    school = factory.SubFactory(SchoolFactory)
    kind = RosterKind.STUDENTS
    first_name = factory.Sequence(lambda n: f"Leerling{n}")
    last_name = factory.Sequence(lambda n: f"Achternaam{n}")
    email = factory.Sequence(lambda n: f"leerling{n}@student.example")
    location = "Hoofdlocatie"
    year = 3
    group = "3B"
    status = PersonStatus.NEW


def teacher(school, **kwargs) -> Person:
    kwargs.setdefault("first_name", "Docent")
    return PersonFactory(school=school, kind=RosterKind.TEACHERS, year=None, group="", **kwargs)


VALID_PASSWORD = "Zonnebloem-2024!"


def activation_data(**overrides) -> dict:
    data = {
        "first_name": "Sanne",
        "last_name": "de Vries",
        "birth_date": "2006-05-04",
        "email": "sanne@example.org",
        "password": VALID_PASSWORD,
        "accept_terms": True,
        "parents_informed": False,
    }
    data.update(overrides)
    return data


def activated(person, **overrides):
    """Issue a code for `person` and activate it; returns the membership."""
    from cultuurkaart.memberships import services

    code = services.issue_code(person)
    data = activation_data(email=f"member{person.pk}@example.org", **overrides)
    return services.activate(code, data, client=f"test-{person.pk}")
