"""Upload replaces the whole list (SPEC §3): removed / kept / added, matching, atomicity."""

from __future__ import annotations

import sys
import types

import pytest

from cultuurkaart.core.models import AuditEntry
from cultuurkaart.rosters import services
from cultuurkaart.rosters.constants import PersonStatus
from cultuurkaart.rosters.models import Person, RosterUpload
from cultuurkaart.rosters.queries import last_full_upload_at, roster_size
from cultuurkaart.rosters.tests.factories import PersonFactory, student_row, xlsx
from cultuurkaart.rosters.validation import validate_file

pytestmark = pytest.mark.django_db


def rows_of(*rows):
    result = validate_file(xlsx(list(rows)), "students")
    assert result.valid, result.errors
    return result.rows


def replace(school, *rows, actor=None):
    return services.replace_roster(school, "students", rows_of(*rows), actor=actor)


def test_first_upload_adds_everyone(school, budget_holder):
    summary = replace(school, student_row(1), student_row(2), actor=budget_holder)
    assert (summary["added"], summary["kept"], summary["removed"], summary["total"]) == (2, 0, 0, 2)
    assert roster_size(school) == 2
    assert set(Person.objects.values_list("status", flat=True)) == {PersonStatus.NEW}
    upload = RosterUpload.objects.get()
    assert (upload.rows, upload.added, upload.uploaded_by) == (2, 2, budget_holder)
    assert last_full_upload_at(school) == upload.uploaded_at
    assert {p.created_at for p in Person.objects.all()} == {upload.uploaded_at}
    entry = AuditEntry.objects.get(action="rosters.roster.replaced")
    assert entry.data["added"] == 2 and "Voornaam1" not in str(entry.data)


def test_removed_kept_added_and_statuses_kept(school):
    keep = PersonFactory(
        school=school, email="Keep@School.example", status=PersonStatus.ACTIVE, group="1A", year=1
    )
    gone = PersonFactory(school=school, email="gone@school.example", status=PersonStatus.INVITED)
    other_school = PersonFactory(email="keep@school.example")
    teacher = PersonFactory(school=school, kind="teachers", email="t@school.example")
    summary = replace(
        school,
        student_row(1, email="keep@SCHOOL.example", first_name="Nieuwe", group="2A", year=2),
        student_row(2, email="new@school.example"),
    )
    assert (summary["added"], summary["kept"], summary["removed"]) == (1, 1, 1)
    keep.refresh_from_db()
    assert keep.status == PersonStatus.ACTIVE  # status kept
    assert (keep.first_name, keep.group, keep.year) == ("Nieuwe", "2A", 2)  # data from the file
    assert not Person.objects.filter(pk=gone.pk).exists()
    assert Person.objects.filter(pk=other_school.pk).exists()  # other schools untouched
    assert Person.objects.filter(pk=teacher.pk).exists()  # the other list untouched
    assert Person.objects.get(email="new@school.example").status == PersonStatus.NEW


def test_same_file_twice_keeps_everyone(school):
    rows = [student_row(i) for i in range(5)]
    replace(school, *rows)
    ids = set(Person.objects.values_list("id", flat=True))
    summary = replace(school, *rows)
    assert (summary["added"], summary["kept"], summary["removed"], summary["updated"]) == (
        0,
        5,
        0,
        0,
    )
    assert set(Person.objects.values_list("id", flat=True)) == ids


def test_match_by_name_tuple_when_no_email(school):
    anon = PersonFactory(
        school=school,
        email="",
        first_name="Leerling 1",
        last_name="achternaam1",
        group="1A",
        year=1,
        status=PersonStatus.INVITED,
    )
    summary = replace(school, ["LEERLING 1", "Achternaam1", "", "", "Hoofd", 1, "1a"])
    assert summary["kept"] == 1 and summary["added"] == 0
    anon.refresh_from_db()
    assert anon.status == PersonStatus.INVITED


def test_name_tuple_match_also_when_the_file_adds_an_email(school):
    p = PersonFactory(
        school=school, email="", first_name="Ali", last_name="Bakr", group="3C", year=3
    )
    summary = replace(school, ["Ali", "Bakr", "ali@school.example", "", "Hoofd", 3, "3C"])
    assert summary["kept"] == 1
    p.refresh_from_db()
    assert p.email == "ali@school.example"


def test_ambiguous_name_tuple_is_new(school):
    """Two people or two rows share the tuple: no match, rows are new, people removed."""
    PersonFactory(
        school=school, email="", first_name="Sam", last_name="de Vries", group="1A", year=1
    )
    PersonFactory(
        school=school, email="", first_name="Sam", last_name="de Vries", group="1A", year=1
    )
    summary = replace(school, ["Sam", "de Vries", "", "", "Hoofd", 1, "1A"])
    assert (summary["added"], summary["kept"], summary["removed"]) == (1, 0, 2)


def test_two_rows_one_person_same_tuple_is_new(school):
    PersonFactory(school=school, email="", first_name="Sam", last_name="Bos", group="1A", year=1)
    summary = replace(
        school, ["Sam", "Bos", "", "", "H", 1, "1A"], ["Sam", "Bos", "", "", "H", 1, "1A"]
    )
    assert (summary["added"], summary["kept"], summary["removed"]) == (2, 0, 1)


def test_email_match_wins_over_name_tuple(school):
    by_mail = PersonFactory(
        school=school, email="x@school.example", first_name="A", last_name="B", group="1A", year=1
    )
    summary = replace(school, ["Anders", "Iemand", "x@school.example", "", "H", 1, "1A"])
    assert summary["kept"] == 1
    by_mail.refresh_from_db()
    assert by_mail.first_name == "Anders"


def test_changed_class_does_not_match_by_tuple(school):
    PersonFactory(school=school, email="", first_name="Sam", last_name="Bos", group="1A", year=1)
    summary = replace(school, ["Sam", "Bos", "", "", "H", 2, "2A"])
    assert (summary["added"], summary["removed"]) == (1, 1)


def test_removed_people_with_active_membership_are_listed(school):
    active = PersonFactory(school=school, status=PersonStatus.ACTIVE)
    PersonFactory(school=school, status=PersonStatus.INVITED)
    summary = replace(school, student_row(1, email="n@school.example"))
    assert summary["removed"] == 2
    assert summary["removed_active"] == [
        {"id": active.pk, "first_name": active.first_name, "last_name": active.last_name}
    ]


def test_removal_revokes_codes_through_the_memberships_hook(school, monkeypatch):
    calls = []
    module = types.ModuleType("cultuurkaart.memberships.services")
    module.revoke_codes_for_people = lambda ids: calls.append(sorted(ids))
    monkeypatch.setitem(sys.modules, "cultuurkaart.memberships.services", module)
    gone = PersonFactory(school=school)
    replace(school, student_row(1, email="n@school.example"))
    assert calls == [[gone.pk]]


def test_failure_half_way_leaves_the_old_list(school, monkeypatch):
    old = [PersonFactory(school=school, email=f"old{i}@school.example") for i in range(3)]
    before = sorted(Person.objects.values_list("id", "email", "first_name", "status"))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    # Fails after the removals and updates ran, while adding.
    monkeypatch.setattr(services, "_insert", boom)
    with pytest.raises(RuntimeError):
        replace(
            school,
            student_row(1, email="old0@school.example", first_name="Changed"),
            student_row(9),
        )
    assert sorted(Person.objects.values_list("id", "email", "first_name", "status")) == before
    assert not RosterUpload.objects.exists()
    assert len(old) == 3


def test_add_edit_remove_by_hand(school, budget_holder):
    from cultuurkaart.core.errors import ValidationFailed

    person = services.add_person(
        school,
        "students",
        {
            "first_name": " Eva ",
            "last_name": "Smit",
            "email": "eva@school.example",
            "mobile": "+31 6 1234 5678",
            "location": "H",
            "year": 3,
            "group": "3A",
        },
        actor=budget_holder,
    )
    assert (person.first_name, person.mobile, person.status) == ("Eva", "+31612345678", "new")
    with pytest.raises(ValidationFailed) as info:
        services.add_person(
            school,
            "students",
            {
                "first_name": "X",
                "last_name": "Y",
                "email": "EVA@school.example",
                "location": "H",
                "year": 3,
                "group": "3A",
            },
            actor=budget_holder,
        )
    assert info.value.errors[0]["code"] == "email-duplicate"
    with pytest.raises(ValidationFailed) as info:
        services.update_person(person, {"mobile": "0612345678", "year": 8}, actor=budget_holder)
    assert {e["code"] for e in info.value.errors} == {"mobile-national", "year-invalid"}
    services.update_person(person, {"group": "3B"}, actor=budget_holder)
    person.refresh_from_db()
    assert person.group == "3B"
    person.status = PersonStatus.ACTIVE
    person.save()
    assert services.remove_person(person, actor=budget_holder) is True
    assert not Person.objects.exists()
    assert AuditEntry.objects.filter(action__startswith="rosters.person.").count() == 3


def test_many_changed_rows_take_the_bulk_path(school):
    """More than 200 changed people: PostgreSQL uses COPY + UPDATE … FROM, SQLite bulk_update."""
    replace(school, *[student_row(i) for i in range(260)])
    ids = dict(Person.objects.values_list("email", "id"))
    rows = [student_row(i, group="3C", year=3, mobile="+31612345678") for i in range(250)]
    rows += [student_row(i) for i in range(250, 260)]
    summary = replace(school, *rows)
    assert (summary["kept"], summary["updated"], summary["added"], summary["removed"]) == (
        260,
        250,
        0,
        0,
    )
    assert dict(Person.objects.values_list("email", "id")) == ids
    changed = Person.objects.get(email="leerling7@school.example")
    assert (changed.group, changed.year, changed.mobile) == ("3C", 3, "+31612345678")
    assert Person.objects.get(email="leerling255@school.example").group == "2B"
