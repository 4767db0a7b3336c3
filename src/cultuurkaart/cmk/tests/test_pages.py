"""The CmK pages: each role sees what point 1 of issue 13 gives it; staff-only minutes never on
a page for a school, the steering group or a municipality; programme isolation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from cultuurkaart.cmk.models import Activity, Conversation, Participation
from cultuurkaart.cmk.services import conversations
from cultuurkaart.cmk.tests import factories as f
from cultuurkaart.core import clock

pytestmark = pytest.mark.django_db

SECRET = "GEHEIM-alleen-voor-het-bureau"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def world(db):
    a, b = f.amstelland(), f.second_programme()
    out = {}
    for key, prog in (("a", a), ("b", b)):
        mun = prog.municipalities.order_by("name").first()
        part = f.participation(prog, municipality_name=mun.name)
        with clock.frozen(dt.datetime(2025, 5, 12, 10, tzinfo=clock.AMSTERDAM)):
            conversations.record_conversation(
                part,
                held_on=dt.date(2025, 5, 1),
                shared_minutes="Gedeelde afspraken",
                staff_minutes=SECRET,
                actions=[{"text": "Evi invullen", "due_on": dt.date(2025, 6, 1)}],
                actor=None,
            )
        out[key] = {
            "programme": prog,
            "participation": part,
            "staff": f.staff(prog),
            "steering": f.steering(prog),
            "municipality": f.municipal(mun),
            "contact": f.contact(part),
        }
    return out


PROGRAMME_PAGES = {
    "portals:cmk_dashboard": {"staff", "steering", "municipality"},
    "portals:cmk_targets": {"staff", "steering", "municipality"},
    "portals:cmk_participations": {"staff", "steering", "municipality"},
    "portals:cmk_conversations": {"staff"},
    "portals:cmk_activities": {"staff"},
    "portals:cmk_meetings": {"staff"},
    "portals:cmk_calendar": {"staff"},
}
ROLES = ("staff", "steering", "municipality", "contact")


@pytest.mark.parametrize("name", sorted(PROGRAMME_PAGES))
def test_programme_pages_per_role_and_programme(world, name):
    for role in ROLES:
        c = client_for(world["a"][role])
        for target in ("a", "b"):
            url = reverse(name, kwargs={"programme_id": world[target]["programme"].pk})
            r = c.get(url)
            want = 404 if target == "b" else 200 if role in PROGRAMME_PAGES[name] else 403
            assert r.status_code == want, (name, role, target, r.status_code)
            if r.status_code == 200:
                assert SECRET not in r.content.decode() or role == "staff"


def test_participation_page_per_role(world):
    part = world["a"]["participation"]
    url = reverse("portals:cmk_participation", kwargs={"participation_id": part.pk})
    staff = client_for(world["a"]["staff"]).get(url).content.decode()
    assert SECRET in staff and "Gedeelde afspraken" in staff
    contact = client_for(world["a"]["contact"]).get(url)
    assert contact.status_code == 200
    body = contact.content.decode()
    assert "Gedeelde afspraken" in body and "Evi invullen" in body and SECRET not in body
    assert 'data-testid="step-form"' not in body
    municipality = client_for(world["a"]["municipality"]).get(url)
    assert municipality.status_code == 200
    body = municipality.content.decode()
    assert SECRET not in body and "Gedeelde afspraken" not in body
    assert client_for(world["a"]["steering"]).get(url).status_code == 403
    other = reverse(
        "portals:cmk_participation",
        kwargs={"participation_id": world["b"]["participation"].pk},
    )
    for role in ROLES:
        assert client_for(world["a"][role]).get(other).status_code == 404, role


def test_a_contact_cannot_open_another_school_of_its_programme(world):
    prog = world["a"]["programme"]
    sibling = f.participation(prog)
    url = reverse("portals:cmk_participation", kwargs={"participation_id": sibling.pk})
    assert client_for(world["a"]["contact"]).get(url).status_code == 404


def test_staff_moves_a_step_and_records_a_conversation_on_the_page(world):
    part = world["a"]["participation"]
    c = client_for(world["a"]["staff"])
    step_url = reverse("portals:cmk_participation_step", kwargs={"participation_id": part.pk})
    r = c.post(step_url, {"number": 3})
    assert r.status_code == 302
    part.refresh_from_db()
    assert part.current_step.number == 3
    c.post(step_url, {"number": 1})
    part.refresh_from_db()
    assert part.current_step.number == 3  # back without a reason: refused
    conv_url = reverse(
        "portals:cmk_participation_conversation", kwargs={"participation_id": part.pk}
    )
    r = c.post(conv_url, {"planned_on": "2026-11-01"})
    assert r.status_code == 302
    assert Conversation.objects.filter(participation=part, held_on__isnull=True).exists()
    # the steering group and the contact cannot post
    for role in ("steering", "contact", "municipality"):
        assert client_for(world["a"][role]).post(step_url, {"number": 4}).status_code == 403


def test_staff_adds_an_activity_and_a_school(world):
    prog = world["a"]["programme"]
    c = client_for(world["a"]["staff"])
    url = reverse("portals:cmk_activities", kwargs={"programme_id": prog.pk})
    r = c.post(
        url,
        {
            "line": "C",
            "title": "Wijkproject",
            "held_on": "2025-04-01",
            "participants": 30,
            "schools": [world["a"]["participation"].pk],
        },
    )
    assert r.status_code == 302
    assert Activity.objects.filter(programme=prog, title="Wijkproject").exists()
    r = c.post(url, {"line": "A", "title": "Te vroeg", "held_on": "2024-12-01", "participants": 3})
    assert r.status_code == 200 and not Activity.objects.filter(title="Te vroeg").exists()
    loc = f.location("sbo")
    r = c.post(
        reverse("portals:cmk_participations", kwargs={"programme_id": prog.pk}),
        {"location_code": loc.code, "track": "track-2"},
    )
    assert r.status_code == 302
    assert Participation.objects.get(location=loc).prospect is True
    # the steering group cannot post
    assert client_for(world["a"]["steering"]).post(url, {}).status_code == 403


def test_the_targets_page_opens_the_records(world):
    prog = world["a"]["programme"]
    c = client_for(world["a"]["steering"])
    url = reverse("portals:cmk_targets", kwargs={"programme_id": prog.pk})
    body = c.get(url + "?indicator=existing-schools&year=2026").content.decode()
    assert 'data-testid="cmk-records"' in body
    assert world["a"]["participation"].location.name in body
    assert world["b"]["participation"].location.name not in body


def test_admin_creates_a_programme_in_the_back_office(admin):
    from django_otp import DEVICE_ID_SESSION_KEY

    from cultuurkaart.accounts.tests.factories import totp_device

    c = client_for(admin)
    session = c.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(admin).persistent_id
    session.save()
    url = reverse("portals:backoffice_cmk_programme_new")
    assert c.get(url).status_code == 200
    r = c.post(
        url,
        {
            "code": "cmk-west-2025",
            "name": "CmK West",
            "starts_on": "2025-01-01",
            "ends_on": "2028-12-31",
            "phases": "Fase 1; 2025-01-01; 2026-12-31\nFase 2; 2026-06-01; 2028-12-31",
            "municipalities": "Zaanstad",
        },
    )
    assert r.status_code == 200  # overlapping phases
    r = c.post(
        url,
        {
            "code": "cmk-west-2025",
            "name": "CmK West",
            "starts_on": "2025-01-01",
            "ends_on": "2028-12-31",
            "phases": "Fase 1; 2025-01-01; 2026-12-31\nFase 2; 2027-01-01; 2028-12-31",
            "municipalities": "Zaanstad\nWormerland",
        },
    )
    assert r.status_code == 302


def test_home_lists_own_programmes(world):
    body = client_for(world["a"]["contact"]).get(reverse("portals:cmk_home")).content.decode()
    assert world["a"]["participation"].location.name in body
    assert world["b"]["programme"].name not in body


def test_staff_names_the_advisor_and_the_page_speaks_english(world):
    part = world["a"]["participation"]
    staff = world["a"]["staff"]
    c = client_for(staff)
    url = reverse("portals:cmk_participation_advisor", kwargs={"participation_id": part.pk})
    assert c.post(url, {"advisor": staff.pk}).status_code == 302
    part.refresh_from_db()
    assert part.advisor == staff
    c.post(url, {"advisor": world["b"]["staff"].pk})  # not staff of this programme: none
    part.refresh_from_db()
    assert part.advisor is None
    staff.language = "en"
    staff.save(update_fields=["language"])
    page = reverse("portals:cmk_dashboard", kwargs={"programme_id": world["a"]["programme"].pk})
    body = c.get(page).content.decode()
    assert "Results and targets" in body and "Resultaten en doelen" not in body
