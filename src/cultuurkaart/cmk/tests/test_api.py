"""The CmK routes of API.md: contract, rules over HTTP, and role × endpoint × programme
isolation (two programmes; staff-only minutes never reach a school, the steering group or a
municipality)."""

from __future__ import annotations

import datetime as dt

import pytest

from cultuurkaart.accounts.models import User
from cultuurkaart.cmk.models import Participation, Programme
from cultuurkaart.cmk.tests import factories as f

pytestmark = pytest.mark.django_db

CLOCK = "2025-05-12T10:00:00+02:00"
SECRET = "GEHEIM-alleen-voor-het-bureau"


@pytest.fixture
def two(db):
    """Two programmes, each with a school (with a held conversation), people in every role."""
    a, b = f.amstelland(), f.second_programme()
    world = {}
    for name, prog in (("a", a), ("b", b)):
        mun = prog.municipalities.order_by("name").first()
        part = f.participation(prog, track="track-2", kind="po", municipality_name=mun.name)
        other_school = f.participation(prog, track="track-1", kind="vo", municipality_name=mun.name)
        world[name] = {
            "programme": prog,
            "participation": part,
            "other_school": other_school,
            "staff": f.staff(prog),
            "steering": f.steering(prog),
            "municipality": f.municipal(mun),
            "contact": f.contact(part),
        }
    return world


def _conversation(api, part):
    return api.post(
        f"/cmk/participations/{part.pk}/conversations",
        {
            "held_on": "2025-05-01",
            "shared_minutes": "Gedeeld verslag",
            "staff_minutes": SECRET,
            "actions": [{"text": "Evi invullen", "due_on": "2025-06-01"}],
        },
    )


def test_admin_creates_a_programme_and_overlapping_phases_are_refused(api_as, admin):
    api = api_as(admin)
    body = {
        "code": "cmk-noord-2025",
        "name": "CmK Noord",
        "starts_on": "2025-01-01",
        "ends_on": "2028-12-31",
        "phases": [
            {"name": "1", "starts_on": "2025-01-01", "ends_on": "2026-12-31"},
            {"name": "2", "starts_on": "2026-06-01", "ends_on": "2028-12-31"},
        ],
        "municipalities": ["Alkmaar", "Bergen"],
    }
    r = api.post("/cmk/programmes", body)
    assert r.status_code == 422, r.content
    assert any(e["code"] == "overlap" for e in r.json()["errors"])
    body["phases"][1]["starts_on"] = "2027-01-01"
    r = api.post("/cmk/programmes", body)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["code"] == "cmk-noord-2025"
    assert [m["name"] for m in out["municipalities"]] == ["Alkmaar", "Bergen"]
    assert [t["code"] for t in out["tracks"]] == ["track-1", "track-2"]
    assert api.post("/cmk/programmes", body).status_code == 409


def test_only_the_admin_creates_programmes(api_as, two):
    for role in ("staff", "steering", "municipality", "contact"):
        r = api_as(two["a"][role]).post(
            "/cmk/programmes",
            {"code": "x-2025", "name": "X", "starts_on": "2025-01-01", "ends_on": "2025-12-31"},
        )
        assert r.status_code == 403, role


def test_the_seeded_programme_over_the_api(api_as, two):
    api = api_as(two["a"]["staff"])
    listing = api.get("/cmk/programmes").json()
    assert [p["code"] for p in listing["results"]] == ["cmk-amstelland-2025"]
    pid = listing["results"][0]["id"]
    detail = api.get(f"/cmk/programmes/{pid}").json()
    assert [ph["name"] for ph in detail["phases"]] == ["Fase 1 (2025–2026)", "Fase 2 (2027–2028)"]
    assert [line["code"] for line in detail["lines"]] == ["A", "B", "C"]
    assert len(detail["municipalities"]) == 4
    assert api.get("/cmk/programmes/cmk-amstelland-2025").json()["id"] == pid
    # the other programme's staff sees only its own
    other = api_as(two["b"]["staff"]).get("/cmk/programmes").json()
    assert [p["code"] for p in other["results"]] == ["cmk-tweede-2025"]


def test_roles_through_admin_users(api_as, admin, two):
    api = api_as(admin)
    part = two["a"]["participation"]
    prog = two["a"]["programme"]
    r = api.post(
        "/admin/users",
        {
            "email": "icc@school.example",
            "roles": [{"role": "cmk_contact", "cmk_participation": str(part.pk)}],
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["roles"][0]["cmk_participation"] == str(part.pk)
    r = api.post(
        "/admin/users",
        {
            "email": "sg@example.org",
            "roles": [{"role": "cmk_steering", "cmk_programme": prog.code}],
        },
    )
    assert r.status_code == 201 and r.json()["roles"][0]["cmk_programme"] == str(prog.pk)
    r = api.post("/admin/users", {"email": "x@example.org", "roles": [{"role": "cmk_staff"}]})
    assert r.status_code == 422
    r = api.post(
        "/admin/users",
        {
            "email": "y@example.org",
            "roles": [{"role": "cmk_contact", "cmk_participation": "999999"}],
        },
    )
    assert r.status_code == 422
    contact = User.objects.get(email="icc@school.example")
    own = api_as(contact).get(f"/cmk/participations/{part.pk}")
    assert own.status_code == 200
    other = two["a"]["other_school"]
    assert api_as(contact).get(f"/cmk/participations/{other.pk}").status_code == 404


def test_registry_takes_po_sbo_and_institutions_for_cmk(api_as, admin, two):
    api = api_as(admin)
    for code, kind in (("12AB", "po"), ("13AB", "sbo"), ("INST01", "institution")):
        r = api.post(
            "/admin/registry/locations",
            {"code": code, "kind": kind, "name": f"Locatie {code}", "municipality": "Aalsmeer"},
        )
        assert r.status_code == 201, r.content
    staff = api_as(two["a"]["staff"], clock=CLOCK)
    prog = two["a"]["programme"]
    r = staff.post(
        f"/cmk/programmes/{prog.pk}/participations", {"location_code": "12AB", "track": "track-2"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["track"] == "track-2" and r.json()["prospect"] is True
    assert r.json()["step"] == {
        "number": 1,
        "name": prog.tracks.get(code="track-2").steps.first().name,
    }
    assert Participation.objects.get(pk=r.json()["id"]).municipality.name == "Aalsmeer"
    r = staff.post(f"/cmk/programmes/{prog.pk}/participations", {"location_code": "INST01"})
    assert r.status_code == 201 and r.json()["track"] is None
    r = staff.post(
        f"/cmk/programmes/{prog.pk}/participations", {"location_code": "12AB", "track": "track-2"}
    )
    assert r.status_code == 409
    # a PO location never registers a school for the Cultuurkaart
    from cultuurkaart.schools import services as schools

    assert list(schools.find_locations("12AB")) == []


def test_steps_over_the_api(api_as, two):
    staff = api_as(two["a"]["staff"], clock=CLOCK)
    part = two["a"]["participation"]
    r = staff.post(f"/cmk/participations/{part.pk}/step", {"number": 3})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["step"] == {
        "number": 3,
        "name": part.track.steps.get(number=3).name,
        "since": "2025-05-12",
    }
    assert body["prospect"] is False
    r = staff.post(f"/cmk/participations/{part.pk}/step", {"number": 1})
    assert r.status_code == 422 and r.json()["type"] == "reason-required"
    r = staff.post(f"/cmk/participations/{part.pk}/step", {"number": 1, "reason": "Nulmeting over"})
    assert r.status_code == 200 and r.json()["history"][-1]["reason"] == "Nulmeting over"
    r = staff.post(f"/cmk/participations/{part.pk}/step", {"number": 8})
    r = staff.post(f"/cmk/participations/{part.pk}/step", {"number": 8, "complete": True})
    assert r.status_code == 200 and r.json()["track"] == "track-1"
    assert r.json()["step"]["number"] == 1
    # track 1 cycles: one per year
    r = staff.post(f"/cmk/participations/{part.pk}/cycles")
    assert r.status_code == 409
    r = api_as(two["a"]["staff"], clock="2026-01-05T10:00:00+01:00").post(
        f"/cmk/participations/{part.pk}/cycles"
    )
    assert r.status_code == 201 and r.json()["cycle"] == 2


def test_activities_outside_the_programme_are_refused(api_as, two):
    staff = api_as(two["a"]["staff"], clock=CLOCK)
    prog = two["a"]["programme"]
    part = two["a"]["participation"]
    for day, status in (
        ("2024-12-31", 422),
        ("2029-01-01", 422),
        ("2025-01-01", 201),
        ("2028-12-31", 201),
    ):
        r = staff.post(
            f"/cmk/programmes/{prog.pk}/activities",
            {
                "line": "C",
                "title": "Wijkproject",
                "held_on": day,
                "participants": 25,
                "school_ids": [str(part.pk)],
            },
        )
        assert r.status_code == status, (day, r.content)
        if status == 422:
            assert r.json()["type"] == "outside-programme"
    # a school of another programme cannot be named
    other = two["b"]["participation"]
    r = staff.post(
        f"/cmk/programmes/{prog.pk}/activities",
        {
            "line": "A",
            "title": "X",
            "held_on": "2025-03-01",
            "participants": 1,
            "school_ids": [str(other.pk)],
        },
    )
    assert r.status_code == 422
    r = staff.post(
        f"/cmk/programmes/{prog.pk}/activities",
        {"line": "A", "title": "X", "held_on": "2025-03-01", "participants": -1},
    )
    assert r.status_code == 422


def test_meetings_with_attendance(api_as, two):
    staff = api_as(two["a"]["staff"], clock=CLOCK)
    prog = two["a"]["programme"]
    r = staff.post(
        f"/cmk/programmes/{prog.pk}/meetings",
        {
            "level": "regional",
            "topic": "Netwerkbijeenkomst",
            "held_on": "2025-04-10",
            "status": "held",
            "attendance": [
                {"organisation": "Platform C", "people": 4},
                {"organisation": "De Kikker", "people": 2},
            ],
        },
    )
    assert r.status_code == 201, r.content
    assert sum(a["people"] for a in r.json()["attendance"]) == 6
    r = staff.post(
        f"/cmk/programmes/{prog.pk}/meetings",
        {"level": "regional", "topic": "Later", "held_on": "2025-09-10", "status": "held"},
    )
    assert r.status_code == 422  # held in the future
    r = staff.post(
        f"/cmk/programmes/{prog.pk}/meetings",
        {"level": "municipal", "topic": "LEA", "held_on": "2029-02-01", "status": "planned"},
    )
    assert r.status_code == 422 and r.json()["type"] == "outside-programme"


# --- isolation ----------------------------------------------------------------------------

ROUTES = [
    # (method, path template, body, action kind): kind says who may
    ("get", "/cmk/programmes/{programme}", None, "view_programme"),
    ("get", "/cmk/programmes/{programme}/participations", None, "view_programme"),
    ("get", "/cmk/programmes/{programme}/activities", None, "view_programme"),
    ("get", "/cmk/programmes/{programme}/calendar", None, "view_programme"),
    ("get", "/cmk/programmes/{programme}/targets", None, "aggregates"),
    ("get", "/cmk/programmes/{programme}/dashboard", None, "aggregates"),
    ("get", "/cmk/participations/{participation}", None, "participation"),
    ("post", "/cmk/participations/{participation}/step", {"number": 2}, "work"),
    ("post", "/cmk/participations/{participation}/cycles", None, "work"),
    (
        "post",
        "/cmk/participations/{participation}/conversations",
        {"planned_on": "2025-06-01"},
        "work",
    ),
    ("post", "/cmk/participations/{participation}/contacts", {"role": "icc", "name": "A"}, "work"),
    (
        "post",
        "/cmk/programmes/{programme}/participations",
        {"location_code": "NOPE", "track": "track-1"},
        "work",
    ),
    (
        "post",
        "/cmk/programmes/{programme}/activities",
        {"line": "A", "title": "T", "held_on": "2025-03-01", "participants": 3},
        "work",
    ),
    (
        "post",
        "/cmk/programmes/{programme}/meetings",
        {"level": "regional", "topic": "T", "held_on": "2025-03-01", "status": "held"},
        "work",
    ),
    (
        "post",
        "/cmk/programmes/{programme}/deadlines",
        {"kind": "other", "title": "T", "due_on": "2025-08-01"},
        "work",
    ),
    (
        "put",
        "/cmk/programmes/{programme}/targets",
        {"indicator": "connections", "year": 2026, "target": 7},
        "work",
    ),
]
ALLOWED = {
    "view_programme": {"staff", "admin"},
    "aggregates": {"staff", "steering", "municipality", "admin"},
    "participation": {"staff", "municipality", "contact", "admin"},
    "work": {"staff"},
}


@pytest.mark.parametrize(("method", "path", "body", "kind"), ROUTES)
def test_role_endpoint_programme_isolation(api_as, admin, two, method, path, body, kind):
    """Every role of programme A on programme A's objects (allowed or 403) and on programme
    B's (always 404, the admin aside)."""
    people = {
        **{r: two["a"][r] for r in ("staff", "steering", "municipality", "contact")},
        "admin": admin,
    }
    for role, user in people.items():
        for target in ("a", "b"):
            ids = {
                "programme": two[target]["programme"].pk,
                "participation": two[target]["participation"].pk,
            }
            url = path.format(**ids)
            call = getattr(api_as(user, clock=CLOCK), method)
            r = call(url, body) if method != "get" else call(url)
            if role == "admin":
                want = "ok" if role in ALLOWED[kind] else 403
            elif target == "b":
                want = 404
            else:
                want = "ok" if role in ALLOWED[kind] else 403
            if want == "ok":
                assert r.status_code not in (401, 403, 404) and r.status_code < 500, (
                    role,
                    target,
                    url,
                    r.status_code,
                    r.content,
                )
            else:
                assert r.status_code == want, (role, target, url, r.status_code, r.content)


def test_a_contact_sees_only_its_own_participation_and_a_municipality_only_its_own(api_as, two):
    a = two["a"]
    other = a["other_school"]
    assert api_as(a["contact"]).get(f"/cmk/participations/{other.pk}").status_code == 404
    # a municipality's participation in another municipality of the same programme
    prog = a["programme"]
    elsewhere = f.participation(prog, municipality_name="Uithoorn")
    assert a["municipality"].roles.get().cmk_municipality.name != "Uithoorn"
    assert api_as(a["municipality"]).get(f"/cmk/participations/{elsewhere.pk}").status_code == 404
    assert api_as(a["municipality"]).get(f"/cmk/participations/{other.pk}").status_code == 200


def test_staff_only_minutes_never_reach_schools_steering_or_municipalities(
    api_as, admin, two, mailoutbox, django_capture_on_commit_callbacks
):
    from cultuurkaart.cmk.services import participations as svc

    a = two["a"]
    part = a["participation"]
    svc.set_contact(
        part,
        role="icc",
        name="Iris",
        email="iris@school.example",
        valid_from=dt.date(2025, 1, 1),
        actor=None,
    )
    staff = api_as(a["staff"], clock=CLOCK)
    with django_capture_on_commit_callbacks(execute=True):
        r = _conversation(staff, part)
    assert r.status_code == 201, r.content
    assert r.json()["staff_minutes"] == SECRET
    # e-mail: the shared part reaches the school, the staff-only part never
    assert mailoutbox, "the school gets the shared minutes"
    for message in mailoutbox:
        assert SECRET not in message.body and SECRET not in message.subject
    assert any("Gedeeld verslag" in m.body for m in mailoutbox)
    assert {addr for m in mailoutbox for addr in m.to} >= {
        "iris@school.example",
        a["contact"].email,
    }
    # API
    for role, user in (("staff", a["staff"]), ("admin", admin)):
        body = api_as(user).get(f"/cmk/participations/{part.pk}").json()
        assert body["conversations"][0]["staff_minutes"] == SECRET, role
    contact = api_as(a["contact"]).get(f"/cmk/participations/{part.pk}")
    assert contact.status_code == 200
    conv = contact.json()["conversations"][0]
    assert "staff_minutes" not in conv and conv["shared_minutes"] == "Gedeeld verslag"
    assert SECRET not in contact.content.decode()
    mun = api_as(a["municipality"]).get(f"/cmk/participations/{part.pk}")
    assert mun.status_code == 200
    assert SECRET not in mun.content.decode() and "Gedeeld verslag" not in mun.content.decode()
    assert mun.json()["contacts"] == []
    for role in ("steering", "municipality", "contact"):
        for path in ("dashboard", "targets"):
            r = api_as(a[role]).get(f"/cmk/programmes/{a['programme'].pk}/{path}")
            assert SECRET not in r.content.decode(), (role, path)


def test_staff_minutes_are_not_in_reminders(two, mailoutbox, django_capture_on_commit_callbacks):
    import datetime as dt

    from cultuurkaart.cmk.services import conversations, deadlines
    from cultuurkaart.cmk.services import participations as svc
    from cultuurkaart.core import clock

    part = two["a"]["participation"]
    svc.set_contact(
        part,
        role="icc",
        name="Iris",
        email="iris@school.example",
        valid_from=dt.date(2025, 1, 1),
        actor=None,
    )
    with (
        clock.frozen(dt.datetime(2025, 5, 12, 10, tzinfo=clock.AMSTERDAM)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        held = conversations.record_conversation(
            part, held_on=dt.date(2025, 5, 1), staff_minutes=SECRET, actor=None
        )
        conversations.record_conversation(part, planned_on=dt.date(2025, 5, 15), actor=None)
        result = deadlines.send_reminders()
        again = deadlines.send_reminders()
    assert held.staff_minutes == SECRET
    assert result["conversations"] == 1 and again["conversations"] == 0
    assert any("iris@school.example" in m.to for m in mailoutbox)
    for m in mailoutbox:
        assert SECRET not in m.body


def test_api_lists_are_for_programme_staff_only(api_as, two):
    for role in ("steering", "municipality", "contact"):
        r = api_as(two["a"][role]).get("/cmk/programmes")
        assert r.status_code == 200 and r.json()["results"] == [], role


def test_programme_ids_of_both_kinds_are_scoped(api_as, two):
    staff_b = api_as(two["b"]["staff"])
    assert staff_b.get("/cmk/programmes/cmk-amstelland-2025").status_code == 404
    assert staff_b.get("/cmk/programmes/999999").status_code == 404
    assert staff_b.get("/cmk/programmes/cmk-tweede-2025").status_code == 200
    assert Programme.objects.count() == 2


def test_the_advisor_gets_the_follow_up_of_a_contact_change(api_as, two):
    from cultuurkaart.cmk.models import Action

    a = two["a"]
    part = a["participation"]
    staff = api_as(a["staff"], clock=CLOCK)
    r = staff.post(f"/cmk/participations/{part.pk}/advisor", {"advisor": str(a["staff"].pk)})
    assert r.status_code == 200 and r.json()["advisor"] == str(a["staff"].pk)
    # another programme's staff member cannot advise here
    r = staff.post(f"/cmk/participations/{part.pk}/advisor", {"advisor": str(two["b"]["staff"].pk)})
    assert r.status_code == 404
    for name, day in (("Anna", "2025-02-01"), ("Bram", "2025-05-01")):
        r = staff.post(
            f"/cmk/participations/{part.pk}/contacts",
            {"role": "coordinator", "name": name, "valid_from": day},
        )
        assert r.status_code == 201, r.content
    action = Action.objects.get(participation=part, kind="contact-change")
    assert action.assignee == a["staff"] and str(action.due_on) == "2025-05-15"
    r = staff.post(f"/cmk/actions/{action.pk}/close")
    assert r.status_code == 200 and r.json()["closed"] is True
    assert staff.post(f"/cmk/actions/{action.pk}/close").status_code == 409
    assert api_as(two["b"]["staff"]).post(f"/cmk/actions/{action.pk}/close").status_code == 404
