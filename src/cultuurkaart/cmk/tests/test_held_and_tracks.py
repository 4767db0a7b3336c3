"""Issue 13 gaps (docs/cmk.md): a planned account conversation or knowledge-sharing meeting
is marked held, and a track's steps are edited (versions), over the API and the pages: the
happy path, every other role (403 in the programme, 404 outside it), another programme's
object (404), invalid input (422 with field errors) and doing it twice (409)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from cultuurkaart.cmk.models import Conversation, Meeting, MeetingAttendance, Track
from cultuurkaart.cmk.services import activities, conversations
from cultuurkaart.cmk.tests import factories as f
from cultuurkaart.core import clock
from cultuurkaart.core.models import AuditEntry

pytestmark = pytest.mark.django_db

CLOCK = "2025-05-12T10:00:00+02:00"
NOW = dt.datetime(2025, 5, 12, 10, tzinfo=clock.AMSTERDAM)
SECRET = "GEHEIM-alleen-voor-het-bureau"


@pytest.fixture
def two(db):
    """Two programmes, each with a school that has a planned conversation and a planned
    meeting, and people in every CmK role."""
    world = {}
    for key, prog in (("a", f.amstelland()), ("b", f.second_programme())):
        mun = prog.municipalities.order_by("name").first()
        part = f.participation(prog, municipality_name=mun.name)
        with clock.frozen(dt.datetime(2025, 4, 1, 10, tzinfo=clock.AMSTERDAM)):
            conv = conversations.record_conversation(
                part, planned_on=dt.date(2025, 5, 6), actor=None
            )
            meeting = activities.record_meeting(
                prog, level="regional", topic="Netwerk", held_on="2025-05-08", actor=None
            )
        world[key] = {
            "programme": prog,
            "participation": part,
            "conversation": conv,
            "meeting": meeting,
            "staff": f.staff(prog),
            "steering": f.steering(prog),
            "municipality": f.municipal(mun),
            "contact": f.contact(part),
        }
    return world


OTHERS = ("steering", "municipality", "contact")


# --- conversations over the API ------------------------------------------------------------


def _held_body(**extra):
    return {
        "held_on": "2025-05-07",
        "shared_minutes": "Gedeelde afspraken",
        "staff_minutes": SECRET,
        "actions": [{"text": "Evi invullen", "due_on": "2025-06-01"}],
        **extra,
    }


def test_staff_marks_a_planned_conversation_held_once(
    api_as, two, mailoutbox, django_capture_on_commit_callbacks
):
    a = two["a"]
    from cultuurkaart.cmk.models import Contact

    Contact.objects.create(
        participation=a["participation"],
        role="icc",
        name="Icc",
        email="icc@school.example",
        valid_from=dt.date(2025, 1, 1),
    )
    api = api_as(a["staff"], clock=CLOCK)
    url = f"/cmk/conversations/{a['conversation'].pk}/held"
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(url, _held_body())
    assert r.status_code == 200, r.content
    out = r.json()
    assert (out["held_on"], out["planned_on"]) == ("2025-05-07", "2025-05-06")
    assert out["staff_minutes"] == SECRET
    assert [x["text"] for x in out["actions"]] == ["Evi invullen"]
    # the school's contacts get the shared part, never the staff-only part
    assert any("Gedeelde afspraken" in m.body for m in mailoutbox)
    assert all(SECRET not in m.body and SECRET not in m.subject for m in mailoutbox)
    entry = AuditEntry.objects.get(action="cmk.conversation.held")
    assert entry.actor_id == a["staff"].pk and entry.at is not None
    assert entry.data["before"]["held_on"] is None
    assert entry.data["after"] == {
        "held_on": "2025-05-07",
        "planned_on": "2025-05-06",
        "minutes": True,
        "actions": 1,
    }
    assert SECRET not in str(entry.data)
    # twice → 409, nothing changes
    again = api.post(url, _held_body(held_on="2025-05-09"))
    assert again.status_code == 409 and again.json()["type"] == "conversation-held"
    assert Conversation.objects.get(pk=a["conversation"].pk).held_on == dt.date(2025, 5, 7)
    # the school's contact sees the shared part only
    seen = api_as(a["contact"]).get(f"/cmk/participations/{a['participation'].pk}").json()
    conv = seen["conversations"][0]
    assert conv["shared_minutes"] == "Gedeelde afspraken" and "staff_minutes" not in conv


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"held_on": None}, "held_on", "required"),
        ({"held_on": "2025-05-13"}, "held_on", "in-future"),
        ({"actions": [{"text": " "}]}, "actions.0.text", "required"),
        ({"shared_minutes": "x" * 20_001}, "shared_minutes", "too-long"),
    ],
)
def test_an_invalid_held_conversation_is_refused_with_field_errors(api_as, two, body, field, code):
    a = two["a"]
    r = api_as(a["staff"], clock=CLOCK).post(
        f"/cmk/conversations/{a['conversation'].pk}/held", _held_body(**body)
    )
    assert r.status_code == 422, r.content
    assert {(e["field"], e["code"]) for e in r.json()["errors"]} >= {(field, code)}
    assert Conversation.objects.get(pk=a["conversation"].pk).held_on is None


def test_a_held_date_outside_the_programme_is_refused(api_as, two):
    a = two["a"]
    r = api_as(a["staff"], clock=CLOCK).post(
        f"/cmk/conversations/{a['conversation'].pk}/held", _held_body(held_on="2024-12-31")
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "outside-programme"


def test_only_the_programmes_staff_marks_a_conversation_held(api_as, admin, two):
    a, b = two["a"], two["b"]
    for role in OTHERS:  # in the programme (the contact: its own school): 403
        r = api_as(a[role], clock=CLOCK).post(
            f"/cmk/conversations/{a['conversation'].pk}/held", _held_body()
        )
        assert r.status_code == 403, (role, r.status_code)
    assert (
        api_as(admin, clock=CLOCK)
        .post(f"/cmk/conversations/{a['conversation'].pk}/held", _held_body())
        .status_code
        == 403
    )
    # another programme's conversation: 404 for everyone of programme A
    for role in ("staff", *OTHERS):
        r = api_as(a[role], clock=CLOCK).post(
            f"/cmk/conversations/{b['conversation'].pk}/held", _held_body()
        )
        assert r.status_code == 404, role
    assert api_as(a["staff"]).post("/cmk/conversations/999999/held", _held_body()).status_code == (
        404
    )
    assert Conversation.objects.filter(held_on__isnull=False).count() == 0


# --- meetings over the API -----------------------------------------------------------------


def test_staff_marks_a_planned_meeting_held_once(api_as, two):
    a = two["a"]
    school_name = a["participation"].location.name
    api = api_as(a["staff"], clock=CLOCK)
    url = f"/cmk/meetings/{a['meeting'].pk}/held"
    body = {
        "held_on": "2025-05-09",
        "attendance": [
            {"organisation": "Gemeente Amstelveen", "people": 2},
            {"organisation": school_name, "people": 3},
        ],
    }
    r = api.post(url, body)
    assert r.status_code == 200, r.content
    out = r.json()
    assert (out["status"], out["held_on"]) == ("held", "2025-05-09")
    assert sum(x["people"] for x in out["attendance"]) == 5
    linked = MeetingAttendance.objects.get(meeting=a["meeting"], organisation=school_name)
    assert linked.participation_id == a["participation"].pk
    entry = AuditEntry.objects.get(action="cmk.meeting.held")
    assert entry.actor_id == a["staff"].pk
    assert entry.data["before"] == {"status": "planned", "held_on": "2025-05-08"}
    assert entry.data["after"]["held_on"] == "2025-05-09" and entry.data["after"]["people"] == 5
    again = api.post(url, body)
    assert again.status_code == 409 and again.json()["type"] == "meeting-held"
    assert MeetingAttendance.objects.filter(meeting=a["meeting"]).count() == 2


def test_a_meeting_keeps_its_planned_date_when_none_is_given(api_as, two):
    a = two["a"]
    r = api_as(a["staff"], clock=CLOCK).post(
        f"/cmk/meetings/{a['meeting'].pk}/held", {"attendance": []}
    )
    assert r.status_code == 200 and r.json()["held_on"] == "2025-05-08"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"held_on": "2025-05-13", "attendance": []}, "held_on"),
        ({"attendance": [{"organisation": "", "people": 1}]}, "attendance.0.organisation"),
        ({"attendance": [{"organisation": "A", "people": 1}] * 2}, "attendance"),
    ],
)
def test_an_invalid_held_meeting_is_refused_with_field_errors(api_as, two, body, field):
    a = two["a"]
    r = api_as(a["staff"], clock=CLOCK).post(f"/cmk/meetings/{a['meeting'].pk}/held", body)
    assert r.status_code == 422, r.content
    assert field in {e["field"] for e in r.json()["errors"]}
    assert Meeting.objects.get(pk=a["meeting"].pk).status == "planned"


def test_a_meeting_is_not_held_before_its_date(api_as, two):
    a = two["a"]
    r = api_as(a["staff"], clock="2025-05-01T10:00:00+02:00").post(
        f"/cmk/meetings/{a['meeting'].pk}/held", {"attendance": []}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "in-future"


def test_only_the_programmes_staff_marks_a_meeting_held(api_as, admin, two):
    a, b = two["a"], two["b"]
    for role in ("steering", "municipality", "contact"):
        r = api_as(a[role], clock=CLOCK).post(f"/cmk/meetings/{a['meeting'].pk}/held", {})
        assert r.status_code == 403, role
    assert (
        api_as(admin, clock=CLOCK).post(f"/cmk/meetings/{a['meeting'].pk}/held", {}).status_code
        == 403
    )
    for role in ("staff", *OTHERS):
        r = api_as(a[role], clock=CLOCK).post(f"/cmk/meetings/{b['meeting'].pk}/held", {})
        assert r.status_code == 404, role
    assert not Meeting.objects.filter(status="held").exists()


# --- tracks over the API -------------------------------------------------------------------


STEPS = [
    {"name": "Nulmeting", "description": "Evi invullen"},
    {"name": "Visie", "description": ""},
    {"name": "Plan", "description": "Het plan van de school"},
    {"name": "Uitvoering"},
    {"name": "Evaluatie"},
    {"name": "Borging", "description": "Nieuw"},
]


def test_editing_a_used_track_makes_a_new_version(api_as, two):
    a = two["a"]
    prog = a["programme"]
    old = Track.objects.get(programme=prog, code="track-1", is_current=True)
    api = api_as(a["staff"], clock=CLOCK)
    r = api.put(f"/cmk/programmes/{prog.pk}/tracks/track-1", {"steps": STEPS})
    assert r.status_code == 200, r.content
    out = r.json()
    assert (out["version"], out["is_current"], out["used"]) == (old.version + 1, True, False)
    assert [s["name"] for s in out["steps"]] == [s["name"] for s in STEPS]
    assert out["steps"][0]["description"] == "Evi invullen"
    # the school on the old version keeps it
    a["participation"].refresh_from_db()
    assert a["participation"].track_id == old.pk
    listed = api.get(f"/cmk/programmes/{prog.pk}/tracks").json()
    versions = [(t["code"], t["version"], t["is_current"], t["used"]) for t in listed]
    assert ("track-1", old.version, False, True) in versions
    # the same steps again: no new version
    same = api.put(f"/cmk/programmes/{prog.pk}/tracks/track-1", {"steps": STEPS})
    assert same.status_code == 200 and same.json()["version"] == old.version + 1
    # an unused current version changes in place (a new order)
    reordered = [STEPS[1], STEPS[0], *STEPS[2:]]
    moved = api.put(f"/cmk/programmes/{prog.pk}/tracks/track-1", {"steps": reordered}).json()
    assert moved["version"] == old.version + 1
    assert [s["name"] for s in moved["steps"]][:2] == ["Visie", "Nulmeting"]
    entries = list(AuditEntry.objects.filter(action="cmk.track.changed").order_by("pk"))
    assert len(entries) == 2 and entries[0].actor_id == a["staff"].pk
    assert entries[0].data["before"][0]["name"] == old.steps.get(number=1).name
    assert entries[0].data["after"][0] == {"name": "Nulmeting", "description": "Evi invullen"}
    assert entries[1].data["new_version"] is False


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([], "steps"),
        ([{"name": ""}, {"name": "Twee"}], "steps.0.name"),
        ([{"name": "Een", "description": "x" * 2001}], "steps.0.description"),
    ],
)
def test_invalid_steps_are_refused_with_field_errors(api_as, two, steps, field):
    a = two["a"]
    r = api_as(a["staff"]).put(
        f"/cmk/programmes/{a['programme'].pk}/tracks/track-1", {"steps": steps}
    )
    assert r.status_code == 422, r.content
    assert field in {e["field"] for e in r.json()["errors"]}
    assert Track.objects.filter(programme=a["programme"], code="track-1").count() == 1


def test_track_2_keeps_more_steps_than_its_prospect_phase(api_as, two):
    a = two["a"]
    r = api_as(a["staff"]).put(
        f"/cmk/programmes/{a['programme'].pk}/tracks/track-2",
        {"steps": [{"name": "Een"}, {"name": "Twee"}]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "too-few"


def test_only_the_programmes_staff_edits_tracks(api_as, admin, two):
    a, b = two["a"], two["b"]
    body = {"steps": STEPS}
    for role in OTHERS:
        r = api_as(a[role]).put(f"/cmk/programmes/{a['programme'].pk}/tracks/track-1", body)
        assert r.status_code == 403, role
    assert (
        api_as(admin).put(f"/cmk/programmes/{a['programme'].pk}/tracks/track-1", body).status_code
        == 403
    )
    assert api_as(admin).get(f"/cmk/programmes/{a['programme'].pk}/tracks").status_code == 200
    for role in ("staff", *OTHERS):
        user = api_as(a[role])
        assert user.put(
            f"/cmk/programmes/{b['programme'].pk}/tracks/track-1", body
        ).status_code == (404)
        assert user.get(f"/cmk/programmes/{b['programme'].pk}/tracks").status_code == 404
    unknown = api_as(a["staff"]).put(f"/cmk/programmes/{a['programme'].pk}/tracks/track-9", body)
    assert unknown.status_code == 404
    assert Track.objects.filter(code="track-1").count() == 2  # one per programme, unchanged


# --- the pages -----------------------------------------------------------------------------


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_conversation_page_marks_it_held(two):
    a = two["a"]
    c = client_for(a["staff"])
    url = reverse("portals:cmk_conversation_held", args=[a["conversation"].pk])
    with clock.frozen(NOW):
        page = c.get(url)
        assert page.status_code == 200
        assert b"conversation-held-form" in page.content
        detail = c.get(reverse("portals:cmk_participation", args=[a["participation"].pk]))
        assert url.encode() in detail.content
        bad = c.post(url, {"held_on": "2025-05-13", "actions": "Evi invullen; 1-6-2025"})
        assert bad.status_code == 422
        assert b"JJJJ-MM-DD" in bad.content
        future = c.post(url, {"held_on": "2025-05-13"})
        assert future.status_code == 422 and "toekomst" in future.content.decode()
        ok = c.post(
            url,
            {
                "held_on": "2025-05-07",
                "shared_minutes": "Gedeeld",
                "staff_minutes": SECRET,
                "actions": "Evi invullen; 2025-06-01\nPlan maken",
            },
        )
        assert ok.status_code == 302
        conv = Conversation.objects.get(pk=a["conversation"].pk)
        assert conv.held_on == dt.date(2025, 5, 7) and conv.actions.count() == 2
        again = c.post(url, {"held_on": "2025-05-08"}, follow=True)
        assert "al vastgelegd" in again.content.decode()
    assert Conversation.objects.get(pk=a["conversation"].pk).held_on == dt.date(2025, 5, 7)
    assert AuditEntry.objects.filter(action="cmk.conversation.held").count() == 1


def test_the_meeting_page_marks_it_held(two):
    a = two["a"]
    c = client_for(a["staff"])
    url = reverse("portals:cmk_meeting_held", args=[a["programme"].pk, a["meeting"].pk])
    with clock.frozen(NOW):
        listing = c.get(reverse("portals:cmk_meetings", args=[a["programme"].pk]))
        assert url.encode() in listing.content
        assert c.get(url).status_code == 200
        bad = c.post(url, {"held_on": "2025-05-09", "attendance": "Gemeente zonder aantal"})
        assert bad.status_code == 422 and "organisatie; aantal" in bad.content.decode()
        ok = c.post(url, {"held_on": "2025-05-09", "attendance": "Gemeente; 2\nMuseum; 4"})
        assert ok.status_code == 302
        meeting = Meeting.objects.get(pk=a["meeting"].pk)
        assert meeting.status == "held" and meeting.held_on == dt.date(2025, 5, 9)
        assert sum(meeting.attendance.values_list("people", flat=True)) == 6
        again = c.post(url, {"held_on": "2025-05-10"}, follow=True)
        assert "al vastgelegd" in again.content.decode()
    assert Meeting.objects.get(pk=a["meeting"].pk).held_on == dt.date(2025, 5, 9)


def _formset(steps):
    data = {
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "20",
    }
    for i, (order, name, description) in enumerate(steps):
        data[f"steps-{i}-order"] = str(order) if order else ""
        data[f"steps-{i}-name"] = name
        data[f"steps-{i}-description"] = description
    return data


def test_the_track_pages_edit_the_steps(two):
    a = two["a"]
    prog = a["programme"]
    c = client_for(a["staff"])
    listing = c.get(reverse("portals:cmk_tracks", args=[prog.pk]))
    assert listing.status_code == 200
    url = reverse("portals:cmk_track_edit", args=[prog.pk, "track-1"])
    assert url.encode() in listing.content
    form = c.get(url)
    assert form.status_code == 200 and b"new-version-notice" in form.content
    bad = c.post(url, _formset([(1, "", "Alleen een omschrijving")]))
    assert bad.status_code == 422 and "naam" in bad.content.decode()
    steps = [(2, "Tweede", ""), (1, "Eerste", "Uitleg"), (None, "", ""), (3, "Derde", "")]
    ok = c.post(url, _formset(steps))
    assert ok.status_code == 302
    current = Track.objects.get(programme=prog, code="track-1", is_current=True)
    assert current.version == 2
    assert list(current.steps.values_list("number", "name", "description")) == [
        (1, "Eerste", "Uitleg"),
        (2, "Tweede", ""),
        (3, "Derde", ""),
    ]


PAGES = ("conversation", "meeting", "tracks", "track_edit")


def _page_urls(world):
    return {
        "conversation": reverse("portals:cmk_conversation_held", args=[world["conversation"].pk]),
        "meeting": reverse(
            "portals:cmk_meeting_held", args=[world["programme"].pk, world["meeting"].pk]
        ),
        "tracks": reverse("portals:cmk_tracks", args=[world["programme"].pk]),
        "track_edit": reverse("portals:cmk_track_edit", args=[world["programme"].pk, "track-1"]),
    }


def test_the_pages_are_for_the_programmes_staff_only(two, admin):
    a, b = two["a"], two["b"]
    own, other = _page_urls(a), _page_urls(b)
    with clock.frozen(NOW):
        for role in OTHERS:
            c = client_for(a[role])
            for page in PAGES:
                assert c.get(own[page]).status_code == 403, (role, page)
                assert c.post(own[page], {"held_on": "2025-05-07"}).status_code == 403
                assert c.get(other[page]).status_code == 404, (role, page)
        staff = client_for(a["staff"])
        for page in PAGES:
            assert staff.get(own[page]).status_code == 200, page
            assert staff.get(other[page]).status_code == 404, page
            assert staff.post(other[page], {"held_on": "2025-05-07"}).status_code == 404
        # the admin reads the tracks, does no work in a programme
        c = client_for(admin)
        assert c.get(own["tracks"]).status_code == 200
        for page in ("conversation", "meeting", "track_edit"):
            assert c.get(own[page]).status_code == 403, page
    assert not Conversation.objects.filter(held_on__isnull=False).exists()
    assert not Meeting.objects.filter(status="held").exists()
    assert Track.objects.filter(code="track-1").count() == 2
