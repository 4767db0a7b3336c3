"""Teaching lists take the same number of queries for 1 and 50 rows (issue 14, point 3;
inventory in docs/query-counts.md). The class overview service is also covered by
test_growth.test_the_overview_runs_a_fixed_number_of_queries."""

from __future__ import annotations

import pytest

from cultuurkaart.core import clock
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.dossier.services import access
from cultuurkaart.dossier.tests.factories import ItemFactory
from cultuurkaart.marketplace.tests.factories import provider_person
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services import materials as library
from cultuurkaart.teaching.services import notes

from .factories import NOW, class_id, dossier_school, make_assignment, person_of, student, teacher

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def world():
    school = dossier_school()
    student(school, group="3B")  # class 3B exists
    return school, teacher(school)


def _students(school, group="3B"):
    def add(n):
        for _ in range(n):
            user = student(school, group=group)
            ItemFactory(portfolio=access.portfolio_for(user), visibility="teachers", reflecteren=2)

    return add


def _assignments(school, by):
    def add(n):
        for _ in range(n):
            make_assignment(school, by)

    return add


def _classes(school):
    seen = iter(range(1000))

    def add(n):
        for _ in range(n):
            student(school, group=f"K{next(seen)}")

    return add


def test_classes_page(world):
    school, t = world
    client = page_client(t)
    assert_flat(_classes(school), lambda: client.get(f"/school/{school.pk}/dossier/klassen/"))


def test_api_classes(world, api_as):
    school, t = world
    api = api_as(t)
    assert_flat(_classes(school), lambda: api.get(f"/schools/{school.pk}/dossier/classes"))


@pytest.mark.parametrize("what", ["page", "csv", "api"])
def test_class_overview(world, api_as, what):
    school, t = world
    make_assignment(school, t)
    cid = class_id(school)
    fetch = {
        "page": lambda c: c.get(f"/school/{school.pk}/dossier/klassen/{cid}/"),
        "csv": lambda c: c.get(f"/school/{school.pk}/dossier/klassen/{cid}/overzicht.csv"),
        "api": lambda c: c.get(f"/schools/{school.pk}/dossier/overview?class_id={cid}"),
    }[what]
    client = api_as(t) if what == "api" else page_client(t)
    assert_flat(_students(school), lambda: fetch(client), rows=None)


def test_assignments_page(world):
    school, t = world
    client = page_client(t)
    assert_flat(
        _assignments(school, t), lambda: client.get(f"/school/{school.pk}/dossier/opdrachten/")
    )


def test_api_assignments(world, api_as):
    school, t = world
    api = api_as(t)
    assert_flat(_assignments(school, t), lambda: api.get(f"/schools/{school.pk}/assignments"))


def _submitted(assignment, school, t):
    def add(n):
        for _ in range(n):
            user = student(school)
            sub = service.submit(assignment, person_of(user), user, text="Mijn werk", actor=user)
            service.give_feedback(sub, comment="Goed", actor=t)

    return add


def test_assignment_progress_page(world):
    school, t = world
    a = make_assignment(school, t)
    client = page_client(t)
    assert_flat(
        _submitted(a, school, t),
        lambda: client.get(f"/school/{school.pk}/dossier/opdrachten/{a.pk}/"),
    )


def test_api_submissions(world, api_as):
    school, t = world
    a = make_assignment(school, t)
    api = api_as(t)
    assert_flat(_submitted(a, school, t), lambda: api.get(f"/assignments/{a.pk}/submissions"))


def _notes(school, person):
    def add(n):
        for i in range(n):
            notes.add_note(school, person, f"Notitie {i}", actor=teacher(school))

    return add


def test_notes_page(world):
    school, t = world
    person = person_of(student(school))
    client = page_client(t)
    assert_flat(
        _notes(school, person),
        lambda: client.get(f"/school/{school.pk}/dossier/notities/{person.pk}/"),
        rows=lambda r: r.content.decode().count("Notitie "),
    )


def test_api_notes(world, api_as):
    school, t = world
    person = person_of(student(school))
    api = api_as(t)
    assert_flat(
        _notes(school, person), lambda: api.get(f"/schools/{school.pk}/students/{person.pk}/notes")
    )


def test_material_library(world):
    school, t = world
    client = page_client(t)
    provider, _person = provider_person()

    def add(n):
        for i in range(n):
            library.add_material(
                school,
                title=f"Les {i}",
                link="https://example.org/les",
                scope="school",
                actor=teacher(school),
            )
            library.publish_material(
                provider, title=f"Pakket {i}", link="https://example.org/p", actor=_person
            )

    assert_flat(
        add,
        lambda: client.get(f"/school/{school.pk}/dossier/lesmateriaal/"),
        rows=lambda r: r.content.decode().count("Les "),
    )


def test_provider_materials():
    provider, person = provider_person()
    client = page_client(person)

    def add(n):
        for i in range(n):
            library.publish_material(
                provider, title=f"Pakket {i}", link="https://example.org/p", actor=person
            )

    assert_flat(
        add,
        lambda: client.get(f"/aanbieder/{provider.pk}/lesmateriaal/"),
        rows=lambda r: r.content.decode().count("Pakket "),
    )


def test_my_assignments_page(world):
    school, t = world
    client = page_client(student(school))
    assert_flat(
        _assignments(school, t),
        lambda: client.get("/mijn-opdrachten/"),
        rows=lambda r: r.content.decode().count("Museumbezoek"),
    )


def test_api_my_assignments(world, api_as):
    school, t = world
    api = api_as(student(school))
    assert_flat(_assignments(school, t), lambda: api.get("/me/assignments"))


@pytest.mark.parametrize("who", ["student", "teacher"])
def test_growth_pages(world, who):
    school, t = world
    pupil = student(school)
    portfolio = access.portfolio_for(pupil)

    def add(n):
        for i in range(n):
            ItemFactory(portfolio=portfolio, visibility="teachers", reflecteren=1 + i % 3)
            make_assignment(school, t)

    if who == "student":
        client, url = page_client(pupil), "/mijn-groei/"
    else:
        client, url = page_client(t), f"/school/{school.pk}/dossier/groei/{person_of(pupil).pk}/"
    assert_flat(add, lambda: client.get(url), rows=None)
