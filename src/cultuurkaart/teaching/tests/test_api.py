"""The teaching routes of API.md "Dossier"."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from cultuurkaart.core import clock
from cultuurkaart.dossier.models import Enablement
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.teaching.models import Extension, PrivateNote, Submission

from .factories import (
    DAY,
    NOW,
    class_id,
    dossier_school,
    make_assignment,
    make_media,
    person_of,
    student,
    teacher,
)

pytestmark = pytest.mark.django_db
AT = NOW.isoformat()


@pytest.fixture
def world():
    school = dossier_school()
    t = teacher(school)
    ann = student(school, group="3B")
    return {
        "school": school,
        "teacher": t,
        "ann": ann,
        "t_api": ApiClient(t, clock=AT),
        "ann_api": ApiClient(ann, clock=AT),
    }


def _create(api, school, **extra):
    body = {
        "title": "Museumbezoek",
        "instructions": "<p>Schrijf <script>alert(1)</script>wat je zag.</p>",
        "class_ids": [class_id(school)],
        "due_at": (NOW + 7 * DAY).isoformat(),
        "cutoff_at": (NOW + 9 * DAY).isoformat(),
        "submission": {"text": True, "files": 2},
        "competencies": ["reflecteren", "creeren"],
        "rubric": {"criteria": [{"name": "Onderzoek", "levels": ["begin", "sterk"]}]},
        **extra,
    }
    return api.post(f"/schools/{school.pk}/assignments", body)


def test_classes_come_from_the_roster(world):
    student(world["school"], group="4A")
    response = world["t_api"].get(f"/schools/{world['school'].pk}/dossier/classes")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": class_id(world["school"], "3B"), "name": "3B", "students": 1},
        {"id": class_id(world["school"], "4A"), "name": "4A", "students": 1},
    ]


def test_only_enabled_classes_are_listed():
    school = dossier_school(groups=("3B",))
    t = teacher(school)
    student(school, group="3B")
    student(school, group="4A")
    response = ApiClient(t).get(f"/schools/{school.pk}/dossier/classes")
    assert [c["name"] for c in response.json()["results"]] == ["3B"]


def test_a_teacher_creates_an_assignment(world):
    response = _create(world["t_api"], world["school"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["class_ids"] == [class_id(world["school"])]
    assert "<script>" not in body["instructions"] and "wat je zag" in body["instructions"]
    assert body["opens_at"] == NOW.isoformat()  # defaults to now
    assert body["rubric"]["criteria"][0]["levels"] == ["begin", "sterk"]


def test_validation_errors_are_422(world):
    response = _create(world["t_api"], world["school"], class_ids=["nope"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "class_ids"


def test_the_student_flow_over_the_api(world):
    a_id = _create(world["t_api"], world["school"]).json()["id"]
    ann_api, t_api = world["ann_api"], world["t_api"]
    mine = ann_api.get("/me/assignments").json()
    assert mine == [
        {
            "id": a_id,
            "title": "Museumbezoek",
            "due_at": (NOW + 7 * DAY).isoformat(),
            "cutoff_at": (NOW + 9 * DAY).isoformat(),
            "state": "not_started",
            "late": False,
            "closed": False,
            "feedback": None,
        }
    ]
    media = make_media(world["ann"])
    response = ann_api.post(
        f"/assignments/{a_id}/submissions", {"text": "Ik zag", "media_ids": [str(media.pk)]}
    )
    assert response.status_code == 201, response.json()
    sub = response.json()
    assert sub["attempt"] == 1 and sub["late"] is False and len(sub["files"]) == 1
    assert sub["files"][0]["sha256"] == media.sha256
    response = t_api.post(
        f"/submissions/{sub['id']}/feedback",
        {"comment": "Goed gezien", "grade": "8", "rubric": {"Onderzoek": "sterk"}},
    )
    assert response.status_code == 200 and response.json()["released"] is False
    assert ann_api.get("/me/assignments").json()[0]["feedback"] is None
    assert ann_api.get("/me/assignments").json()[0]["state"] == "submitted"
    response = t_api.post(f"/assignments/{a_id}/release", {})
    assert response.json() == {"released": 1}
    row = ann_api.get("/me/assignments").json()[0]
    assert row["state"] == "graded"
    assert row["feedback"]["comment"] == "Goed gezien" and row["feedback"]["grade"] == "8"
    listed = t_api.get(f"/assignments/{a_id}/submissions").json()
    assert listed["results"][0]["feedback"]["unreleased_changes"] is False


def test_after_the_cutoff_409_unless_extended(world):
    a_id = _create(world["t_api"], world["school"]).json()["id"]
    late = ApiClient(world["ann"], clock=(NOW + 10 * DAY).isoformat())
    response = late.post(f"/assignments/{a_id}/submissions", {"text": "x"})
    assert response.status_code == 409
    assert response.json()["type"] == "assignment-closed"
    response = world["t_api"].post(
        f"/assignments/{a_id}/extensions",
        {
            "person_ids": [str(person_of(world["ann"]).pk)],
            "due_at": (NOW + 11 * DAY).isoformat(),
            "reason": "ziek geweest",
        },
    )
    assert response.status_code == 201 and Extension.objects.count() == 1
    response = late.post(f"/assignments/{a_id}/submissions", {"text": "x"})
    assert response.status_code == 201 and response.json()["late"] is False


def test_another_students_assignment_is_404(world):
    a_id = _create(world["t_api"], world["school"]).json()["id"]
    other = student(world["school"], group="4A")
    response = ApiClient(other, clock=AT).post(f"/assignments/{a_id}/submissions", {"text": "x"})
    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_roles_and_scope(world):
    a_id = _create(world["t_api"], world["school"]).json()["id"]
    # a student may not set assignments; a teacher may not submit
    assert _create(world["ann_api"], world["school"]).status_code == 403
    response = world["t_api"].post(f"/assignments/{a_id}/submissions", {"text": "x"})
    assert response.status_code == 403
    # a teacher of another school: 404 everywhere
    other = dossier_school()
    stranger = ApiClient(teacher(other))
    assert stranger.get(f"/schools/{world['school'].pk}/dossier/classes").status_code == 404
    assert stranger.post(f"/assignments/{a_id}/release", {}).status_code == 404
    assert _create(stranger, world["school"]).status_code == 404


def test_every_route_is_404_where_the_dossier_is_off():
    school = SchoolFactory()
    t = teacher(school)
    api = ApiClient(t)
    assert api.get(f"/schools/{school.pk}/dossier/classes").status_code == 404
    assert api.get(f"/schools/{school.pk}/dossier/overview?class_id=x").status_code == 404
    assert api.get(f"/schools/{school.pk}/assignments").status_code == 404
    # switched off after the assignment was set: gone for the teacher and the student
    school = dossier_school()
    t, ann = teacher(school), student(school)
    a_id = _create(ApiClient(t, clock=AT), school).json()["id"]
    Enablement.objects.filter(school=school).delete()
    assert ApiClient(t).post(f"/assignments/{a_id}/release", {}).status_code == 404
    assert ApiClient(ann, clock=AT).get("/me/assignments").json() == []
    response = ApiClient(ann, clock=AT).post(f"/assignments/{a_id}/submissions", {"text": "x"})
    assert response.status_code == 404


def test_private_notes_over_the_api(world):
    ann_person = person_of(world["ann"])
    path = f"/schools/{world['school'].pk}/students/{ann_person.pk}/notes"
    response = world["t_api"].post(path, {"text": "Heeft thuis zorgen"})
    assert response.status_code == 201
    assert world["t_api"].get(path).json()["results"][0]["text"] == "Heeft thuis zorgen"
    # the student: 403 on the school route, and not a word in their own answers
    assert world["ann_api"].get(path).status_code == 403
    assert world["ann_api"].post(path, {"text": "x"}).status_code == 403
    assert "Heeft thuis" not in world["ann_api"].get("/me/assignments").content.decode()
    # another school's teacher: 404
    stranger = ApiClient(teacher(dossier_school()))
    assert stranger.get(path).status_code == 404
    # a teacher's own school, a person who is not a student there: 404
    assert (
        world["t_api"].get(f"/schools/{world['school'].pk}/students/999999/notes").status_code
        == 404
    )
    assert PrivateNote.objects.count() == 1


def test_class_overview_over_the_api(world):
    with clock.frozen(NOW - 8 * DAY):
        make_assignment(world["school"], world["teacher"], due=NOW - DAY, opens=NOW - 8 * DAY)
    path = f"/schools/{world['school'].pk}/dossier/overview"
    response = world["t_api"].get(path, {"class_id": class_id(world["school"])})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["person_id"] == str(person_of(world["ann"]).pk)
    assert row["missing_assignments"] == 1 and row["late_assignments"] == 0
    assert world["t_api"].get(path, {"class_id": "unknown"}).status_code == 404
    assert world["t_api"].get(path).status_code == 422
