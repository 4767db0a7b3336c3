"""Named groups within a class and assignments for them (issue 12 point 4, decisions DG-1..4)."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from cultuurkaart.core import clock
from cultuurkaart.core.errors import NotFound, ValidationFailed
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.dossier.models import Enablement
from cultuurkaart.teaching.models import AssignmentTarget, ClassGroup, Submission
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services import groups, growth

from .factories import (
    DAY,
    NOW,
    class_id,
    dossier_school,
    make_assignment,
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
    ann, bob, cas = (student(school, group="3B") for _ in range(3))
    return {
        "school": school,
        "teacher": t,
        "ann": ann,
        "bob": bob,
        "cas": cas,
        "other_class": student(school, group="4A"),
        "t_api": ApiClient(t, clock=AT),
    }


def _group(world, name="Groep A – dans", members=("ann",)):
    return groups.create_group(
        world["school"],
        class_id(world["school"]),
        name,
        [person_of(world[m]).pk for m in members],
        actor=world["teacher"],
    )


def _gets(user, assignment) -> bool:
    return any(r["assignment"].pk == assignment.pk for r in service.student_assignments(user))


def _group_assignment(world, g, **kw):
    return make_assignment(world["school"], world["teacher"], group=None, group_ids=[g.pk], **kw)


# --- the groups themselves ------------------------------------------------------------------


def test_create_rename_and_members(world):
    g = _group(world, members=("ann", "bob"))
    assert g.group == "3B" and g.name == "Groep A – dans"
    assert groups.member_ids(g) == sorted([person_of(world["ann"]).pk, person_of(world["bob"]).pk])
    groups.update_group(g, name="Groep A – theater", actor=world["teacher"])
    g.refresh_from_db()
    assert g.name == "Groep A – theater"
    groups.update_group(g, person_ids=[person_of(world["cas"]).pk], actor=world["teacher"])
    assert groups.member_ids(g) == [person_of(world["cas"]).pk]
    actions = list(
        AuditEntry.objects.filter(action__startswith="teaching.group.").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "teaching.group.changed",
        "teaching.group.changed",
        "teaching.group.created",
    ]


def test_a_student_can_be_in_several_groups(world):
    a = _group(world, "Dans", ("ann", "bob"))
    b = _group(world, "Muziek", ("ann",))
    ann = person_of(world["ann"]).pk
    assert ann in groups.member_ids(a) and ann in groups.member_ids(b)


def test_the_same_name_twice_in_a_class_is_refused(world):
    _group(world, "Dans")
    with pytest.raises(ValidationFailed) as exc:
        _group(world, "  dans ")
    assert exc.value.errors[0]["code"] == "taken"
    other = _group(world, "Muziek")
    with pytest.raises(ValidationFailed):
        groups.update_group(other, name="DANS", actor=world["teacher"])
    # another class may use the name
    groups.create_group(
        world["school"], class_id(world["school"], "4A"), "Dans", [], actor=world["teacher"]
    )
    assert ClassGroup.objects.filter(name__iexact="dans").count() == 2


def test_members_come_from_the_class_only(world):
    with pytest.raises(ValidationFailed) as exc:
        _group(world, members=("ann", "other_class"))
    assert exc.value.errors[0]["field"] == "person_ids"
    stranger = student(dossier_school(), group="3B")
    g = _group(world, members=("ann",))
    with pytest.raises(ValidationFailed):
        groups.update_group(g, person_ids=[person_of(stranger).pk], actor=world["teacher"])
    assert groups.member_ids(g) == [person_of(world["ann"]).pk]
    with pytest.raises(ValidationFailed):
        _group(world, name="   ")


def test_unknown_or_switched_off_class_is_404(world):
    with pytest.raises(NotFound):
        groups.create_group(world["school"], "0" * 16, "X", [], actor=world["teacher"])
    school = dossier_school(groups=("3B",))
    t = teacher(school)
    student(school, group="3B")
    g = groups.create_group(school, class_id(school), "X", [], actor=t)
    Enablement.objects.filter(school=school).delete()
    Enablement.objects.create(school=school, group="4A")
    with pytest.raises(NotFound):
        groups.group_for(school, g.pk)
    with pytest.raises(NotFound):  # another school's group
        groups.group_for(world["school"], g.pk)


def test_a_student_who_leaves_the_class_leaves_its_groups(world):
    g = _group(world, members=("ann", "bob"))
    with clock.frozen(NOW):
        a = _group_assignment(world, g)
    ann = person_of(world["ann"])
    ann.group = "4A"
    ann.save()
    assert groups.member_ids(g) == [person_of(world["bob"]).pk]
    with clock.frozen(NOW):
        assert not _gets(world["ann"], a)
        assert _gets(world["bob"], a)
    # the stale row goes at the next change; coming back does not put them back
    groups.update_group(g, name="Nieuw", actor=world["teacher"])
    ann.group = "3B"
    ann.save()
    assert groups.member_ids(g) == [person_of(world["bob"]).pk]


# --- assignments for a group ----------------------------------------------------------------


def test_a_group_assignment_reaches_its_members_only(world):
    g = _group(world, members=("ann",))
    with clock.frozen(NOW):
        a = _group_assignment(world, g)
        assert _gets(world["ann"], a)
        assert not _gets(world["bob"], a) and not _gets(world["other_class"], a)
        with pytest.raises(NotFound):
            service.assignment_for_student(a.pk, world["bob"])
        assert [p.pk for p in service.recipients(a)] == [person_of(world["ann"]).pk]
        assert AssignmentTarget.objects.get(assignment=a).class_group_id == g.pk


def test_a_student_added_later_gets_it(world):
    g = _group(world, members=("ann",))
    with clock.frozen(NOW):
        a = _group_assignment(world, g)
        groups.update_group(
            g,
            person_ids=[person_of(world["ann"]).pk, person_of(world["bob"]).pk],
            actor=world["teacher"],
        )
        assert _gets(world["bob"], a)
        service.submit(a, person_of(world["bob"]), world["bob"], text="Klaar", actor=world["bob"])


def test_a_removed_student_keeps_the_submission(world):
    g = _group(world, members=("ann", "bob"))
    with clock.frozen(NOW):
        a = _group_assignment(world, g)
        sub = service.submit(
            a, person_of(world["ann"]), world["ann"], text="Mijn werk", actor=world["ann"]
        )
        groups.update_group(g, person_ids=[person_of(world["bob"]).pk], actor=world["teacher"])
        assert Submission.objects.filter(pk=sub.pk).exists()
        rows = {r["person"].pk: r for r in service.progress(a)}
        ann_row = rows[person_of(world["ann"]).pk]
        assert ann_row["removed"] and ann_row["submission"].pk == sub.pk
        assert not rows[person_of(world["bob"]).pk]["removed"]
        # feedback still reaches them once released
        service.give_feedback(sub, comment="Mooi", actor=world["teacher"])
        service.release(a, actor=world["teacher"])
        mine = [r for r in service.student_assignments(world["ann"]) if r["assignment"].pk == a.pk]
        assert mine[0]["feedback"]["comment"] == "Mooi"
        # a member removed before submitting simply no longer has it
        groups.update_group(g, person_ids=[], actor=world["teacher"])
        assert not _gets(world["bob"], a)


def test_deleting_a_group_keeps_its_assignments_for_the_members(world):
    g = _group(world, members=("ann", "bob"))
    with clock.frozen(NOW):
        a = _group_assignment(world, g)
        assert groups.delete_group(g, actor=world["teacher"]) == 1
        assert not ClassGroup.objects.exists()
        assert _gets(world["ann"], a) and _gets(world["bob"], a) and not _gets(world["cas"], a)


def test_unknown_group_in_an_assignment_is_422(world):
    other = dossier_school()
    student(other, group="3B")
    foreign = groups.create_group(other, class_id(other), "X", [], actor=teacher(other))
    with clock.frozen(NOW), pytest.raises(ValidationFailed) as exc:
        _group_assignment(world, foreign)
    assert exc.value.errors[0]["field"] == "group_ids"


def test_the_class_overview_counts_group_assignments(world):
    g = _group(world, members=("ann",))
    with clock.frozen(NOW):
        _group_assignment(world, g, due=NOW - DAY / 2, opens=NOW - DAY)
        rows = {r["person"].pk: r for r in growth.class_overview(world["school"], "3B")}
    assert rows[person_of(world["ann"]).pk]["missing"] == 1
    assert rows[person_of(world["bob"]).pk]["missing"] == 0


# --- over the API ---------------------------------------------------------------------------


def _url(world, cid=None):
    return (
        f"/schools/{world['school'].pk}/dossier/classes/{cid or class_id(world['school'])}/groups"
    )


def test_groups_over_the_api(world):
    api, ann, bob = world["t_api"], person_of(world["ann"]).pk, person_of(world["bob"]).pk
    r = api.post(_url(world), {"name": "Groep A – dans", "person_ids": [str(ann)]})
    assert r.status_code == 201, r.content
    gid = r.json()["id"]
    assert r.json()["person_ids"] == [str(ann)] and r.json()["class_id"] == class_id(
        world["school"]
    )
    # twice: the same name is 422 with code "taken"
    r = api.post(_url(world), {"name": "groep a – dans"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "taken"
    r = api.get(_url(world))
    assert [g["name"] for g in r.json()["results"]] == ["Groep A – dans"]
    base = f"/schools/{world['school'].pk}/dossier/groups/{gid}"
    r = api.patch(base, {"name": "Groep B", "person_ids": [str(ann), str(bob)]})
    assert r.status_code == 200 and r.json()["name"] == "Groep B"
    assert sorted(r.json()["person_ids"]) == sorted([str(ann), str(bob)])
    body = {
        "title": "Dansen",
        "instructions": "",
        "group_ids": [gid],
        "due_at": (NOW + 7 * DAY).isoformat(),
        "submission": {"text": True},
        "competencies": ["creeren"],
    }
    r = api.post(f"/schools/{world['school'].pk}/assignments", body)
    assert r.status_code == 201, r.content
    assert r.json()["group_ids"] == [gid] and r.json()["class_ids"] == []
    mine = ApiClient(world["bob"], clock=AT).get("/me/assignments").json()
    assert [m["title"] for m in mine] == ["Dansen"]
    assert ApiClient(world["cas"], clock=AT).get("/me/assignments").json() == []
    assert api.delete(base).status_code == 204
    assert api.get(base).status_code == 404
    assert api.delete(base).status_code == 404  # twice


def test_groups_api_roles_and_other_schools(world):
    gid = str(_group(world).pk)
    base = f"/schools/{world['school'].pk}/dossier/groups/{gid}"
    # a student of the class: 403 (no teaching role at the school)
    ann_api = ApiClient(world["ann"], clock=AT)
    assert ann_api.get(_url(world)).status_code == 403
    assert ann_api.patch(base, {"name": "x"}).status_code == 403
    # a teacher of another school: 404 on this school's paths
    other = dossier_school()
    stranger = ApiClient(teacher(other), clock=AT)
    assert stranger.get(_url(world)).status_code == 404
    assert stranger.post(_url(world), {"name": "x"}).status_code == 404
    assert stranger.patch(base, {"name": "x"}).status_code == 404
    assert stranger.delete(base).status_code == 404
    # ... and this group through their own school's path is 404 too
    assert stranger.get(f"/schools/{other.pk}/dossier/groups/{gid}").status_code == 404
    # an unknown class id is 404
    assert world["t_api"].get(_url(world, "f" * 16)).status_code == 404
    # the dossier switched off: 404
    Enablement.objects.filter(school=world["school"]).delete()
    assert world["t_api"].get(_url(world)).status_code == 404
    assert world["t_api"].get(base).status_code == 404
    assert ClassGroup.objects.filter(pk=gid).exists()


# --- the pages ------------------------------------------------------------------------------


def _client(user):
    from django.test import Client

    client = Client(headers={"X-Clock": AT})
    client.force_login(user)
    return client


def _page(name, **kw):
    from django.urls import reverse

    return reverse(f"portals:{name}", kwargs=kw)


def test_groups_on_the_pages(world):
    s, tc = world["school"], _client(world["teacher"])
    url = _page("school_dossier_groups", school_id=s.pk, class_id=class_id(s))
    page = tc.get(url)
    assert page.status_code == 200 and "Deze klas heeft nog geen groepen" in page.content.decode()
    ann, bob = person_of(world["ann"]).pk, person_of(world["bob"]).pk
    response = tc.post(url, {"name": "Groep A – dans", "students": [str(ann), str(bob)]})
    assert response.status_code == 302
    g = ClassGroup.objects.get()
    assert groups.member_ids(g) == sorted([ann, bob])
    # twice: the error is on the name field, nothing new
    response = tc.post(url, {"name": "groep a – dans"})
    assert response.status_code == 200
    assert "al een groep met die naam" in response.content.decode()
    assert ClassGroup.objects.count() == 1
    # a student of another class is not offered and not accepted
    response = tc.post(url, {"name": "B", "students": [str(person_of(world["other_class"]).pk)]})
    assert response.status_code == 200 and ClassGroup.objects.count() == 1
    # edit: rename and members
    edit = _page("school_dossier_group", school_id=s.pk, group_id=g.pk)
    assert tc.get(edit).status_code == 200
    response = tc.post(edit, {"save": "1", "name": "Groep A – theater", "students": [str(bob)]})
    assert response.status_code == 302
    g.refresh_from_db()
    assert g.name == "Groep A – theater" and groups.member_ids(g) == [bob]
    # the assignment form offers the group and sets an assignment for it
    new = _page("school_dossier_assignment_new", school_id=s.pk)
    assert "Groep A – theater" in tc.get(new).content.decode()
    response = tc.post(
        new,
        {
            "title": "Dansen",
            "groups": [str(g.pk)],
            "due_at": "2024-03-11T17:00",
            "accepts_text": "on",
            "max_files": "1",
        },
    )
    assert response.status_code == 302
    with clock.frozen(NOW):
        a = service.assignments_of(s).get()
        assert _gets(world["bob"], a) and not _gets(world["ann"], a)
    # delete
    response = tc.post(edit, {"delete": "1"})
    assert response.status_code == 302 and not ClassGroup.objects.exists()
    with clock.frozen(NOW):
        assert _gets(world["bob"], a)


def test_group_pages_are_404_for_others(world):
    s = world["school"]
    g = _group(world)
    urls = [
        _page("school_dossier_groups", school_id=s.pk, class_id=class_id(s)),
        _page("school_dossier_group", school_id=s.pk, group_id=g.pk),
    ]
    # a student of the class: not a teaching page for them
    for url in urls:
        assert _client(world["ann"]).get(url).status_code in (403, 404)
    # a teacher of another school: 404, on this school's and their own school's paths
    other = dossier_school()
    stranger = _client(teacher(other))
    for url in urls:
        assert stranger.get(url).status_code == 404
    assert stranger.post(urls[1], {"delete": "1"}).status_code == 404
    own = _page("school_dossier_group", school_id=other.pk, group_id=g.pk)
    assert stranger.get(own).status_code == 404
    assert ClassGroup.objects.filter(pk=g.pk).exists()
    # unknown class: 404
    tc = _client(world["teacher"])
    assert (
        tc.get(_page("school_dossier_groups", school_id=s.pk, class_id="f" * 16)).status_code == 404
    )
