"""CmK lists take the same number of queries for 1 and 50 rows (issue 14, point 3;
inventory in docs/query-counts.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from cultuurkaart.cmk.services import activities, conversations
from cultuurkaart.core import clock
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.core.tests.querycount import shown as shown_rows

from . import factories as f

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 5, 12, 10, tzinfo=clock.AMSTERDAM)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def prog():
    return f.amstelland()


def _participations(prog):
    def add(n):
        for i in range(n):
            part = f.participation(prog, kind=("po", "vo")[i % 2])
            conversations.record_conversation(
                part,
                held_on=dt.date(2025, 5, 1),
                shared_minutes="Goed gesprek",
                actions=[{"text": "Plan maken", "owner": "school"}],
                actor=None,
            )
            conversations.record_conversation(part, planned_on=dt.date(2025, 6, 1), actor=None)
            f.contact(part)

    return add


def _activities(prog):
    def add(n):
        parts = [f.participation(prog) for _ in range(2)]
        for i in range(n):
            activities.record_activity(
                prog,
                line="C",
                title=f"Activiteit {i}",
                held_on="2025-05-01",
                participants=20,
                school_ids=[p.pk for p in parts],
                actor=None,
            )

    return add


def _meetings(prog):
    def add(n):
        for i in range(n):
            activities.record_meeting(
                prog,
                level="regional",
                topic=f"Netwerk {i}",
                held_on="2025-04-10",
                status="held",
                attendance=[{"organisation": "Platform C", "people": 4}],
                actor=None,
            )

    return add


def _conversations_of(part):
    def add(n):
        for i in range(n):
            conversations.record_conversation(
                part,
                held_on=dt.date(2025, 4, 1) + dt.timedelta(days=i % 30),
                shared_minutes="Verslag",
                actions=[{"text": "Actie", "owner": "school"}],
                actor=None,
            )

    return add


PAGES = {
    "dashboard": ("", _participations),
    "targets": ("doelen/", _activities),
    "participations": ("scholen/", _participations),
    "conversations": ("gesprekken/", _participations),
    "activities": ("activiteiten/", _activities),
    "meetings": ("kennisdeling/", _meetings),
    "calendar": ("kalender/", _participations),
}


@pytest.mark.parametrize("name", PAGES)
def test_programme_pages(prog, name):
    path, rows = PAGES[name]
    client = page_client(f.staff(prog))
    assert_flat(rows(prog), lambda: client.get(f"/cmk/{prog.pk}/{path}"), rows=None)


def test_participation_page(prog):
    part = f.participation(prog)
    client = page_client(f.staff(prog))
    assert_flat(_conversations_of(part), lambda: client.get(f"/cmk/deelname/{part.pk}/"), rows=None)


API = {
    "participations": ("participations", _participations, None),
    "activities": ("activities", _activities, None),
    "targets": ("targets", _activities, False),
    "dashboard": ("dashboard", _participations, False),
    "calendar": ("calendar", _participations, None),
}


@pytest.mark.parametrize("name", API)
def test_programme_api(prog, api_as, name):
    path, rows, shown = API[name]
    api = api_as(f.staff(prog))
    assert_flat(
        rows(prog),
        lambda: api.get(f"/cmk/programmes/{prog.pk}/{path}"),
        rows=None if shown is False else shown_rows,
    )


def test_api_participation(prog, api_as):
    part = f.participation(prog)
    api = api_as(f.staff(prog))
    assert_flat(
        _conversations_of(part),
        lambda: api.get(f"/cmk/participations/{part.pk}"),
        rows=lambda r: len(r.json()["conversations"]),
    )
