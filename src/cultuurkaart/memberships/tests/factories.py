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


def teacher(school, *, ordered: int = 50, **kwargs) -> Person:
    """A teacher on the roster of a school that ordered `ordered` teacher memberships in
    each of its programmes (a paid teacher membership needs one, decision M8-7)."""
    order_teacher_memberships(school, ordered)
    kwargs.setdefault("first_name", "Docent")
    return PersonFactory(school=school, kind=RosterKind.TEACHERS, year=None, group="", **kwargs)


def order_teacher_memberships(school, teachers: int) -> None:
    """An approved initial order with `teachers` teacher memberships, once per programme."""
    from cultuurkaart.core import clock
    from cultuurkaart.orders.models import BudgetOrder

    for programme in school.programmes.all():
        if BudgetOrder.objects.filter(school=school, programme=programme).exists():
            continue
        BudgetOrder.objects.create(
            school=school,
            programme=programme,
            kind="initial",
            status="approved",
            with_contribution=1,
            without_contribution=0,
            teachers=teachers,
            duo_count=1,
            submitted_at=clock.now(),
            objection_deadline=clock.now(),
        )


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
