"""The dashboard figures are cached per programme under its figures token (services/figures.py):
a repeated read runs one query, and every change behind the figures (through the services or
any ORM save or delete) is seen at once; programmes and municipalities never share an entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cultuurkaart.cmk.models import Action, Activity, Line, Programme
from cultuurkaart.cmk.services import activities, conversations, dashboard, programmes
from cultuurkaart.cmk.services import participations as parts
from cultuurkaart.cmk.tests import factories as f
from cultuurkaart.core import clock

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 5, 12, 10, tzinfo=clock.AMSTERDAM)


def figures(programme, municipality=None):
    with clock.frozen(NOW):
        return dashboard.dashboard(programme, municipality=municipality)


def test_a_repeated_read_is_one_query_and_equals_the_computed_figures():
    prog = f.amstelland()
    f.participation(prog)
    first = figures(prog)
    with CaptureQueriesContext(connection) as ctx:
        again = figures(prog)
    assert again == first
    assert len(ctx.captured_queries) == 1  # the token
    with clock.frozen(NOW):
        assert dashboard.compute(prog) == first


def test_every_change_behind_the_figures_is_seen_at_once():
    prog = f.amstelland()
    p = f.participation(prog, track="track-2")
    base = figures(prog)
    assert base["participations"] == 1 and base["prospects"] == 1
    assert base["without_conversation"] == 1

    q = f.participation(prog)
    assert figures(prog)["participations"] == 2
    with clock.frozen(NOW):
        parts.move_step(p, 3, actor=None)
    assert figures(prog)["prospects"] == 0
    with clock.frozen(NOW):
        conversations.record_conversation(p, held_on=dt.date(2025, 5, 1), actor=None)
    assert figures(prog)["without_conversation"] == 1
    action = parts.add_action(q, text="Bellen", actor=None)
    assert figures(prog)["open_actions"] == 1
    parts.close_action(action, actor=None)
    assert figures(prog)["open_actions"] == 0
    with clock.frozen(NOW):
        activities.record_activity(
            prog, line="C", title="Museum", held_on="2025-05-02", participants=30, actor=None
        )
        activities.record_meeting(
            prog, level="regional", topic="Netwerk", held_on="2025-05-03", status="held", actor=None
        )
    now = figures(prog)
    assert next(x for x in now["activities_by_line"] if x["key"] == "C")["count"] == 1
    assert next(x for x in now["meetings_by_level"] if x["key"] == "regional")["count"] == 1
    # a renamed step (a new track version) changes the labels
    track = prog.tracks.get(code="track-1", is_current=True)
    programmes.change_track_steps(
        track, ["Een", "Twee", "Drie", "Vier", "Vijf"], actor=None
    )  # used by q: a new version, q keeps its own
    f.participation(prog)  # on the new version
    assert any(x["label"].endswith("1. Een") for x in figures(prog)["by_track_step"])
    # plain ORM writes outside the services are seen too
    act = Activity.objects.filter(programme=prog).get()
    act.participants = 50
    act.save()
    assert next(x for x in figures(prog)["participants_by_line"] if x["key"] == "C")["count"] == 50
    act.participations.add(q)
    Action.objects.create(participation=q, text="Nog een")
    assert figures(prog)["open_actions"] == 1
    act.delete()
    assert next(x for x in figures(prog)["activities_by_line"] if x["key"] == "C")["count"] == 0
    # and a new half-year has its own entry
    with clock.frozen(dt.datetime(2025, 7, 1, 10, tzinfo=clock.AMSTERDAM)):
        assert dashboard.dashboard(prog)["without_conversation"] == 3


def test_programmes_and_municipalities_do_not_share_an_entry():
    a, b = f.amstelland(), f.second_programme()
    f.participation(a, municipality_name="Aalsmeer")
    f.participation(a, municipality_name="Uithoorn")
    f.participation(b)
    assert figures(a)["participations"] == 2
    assert figures(b)["participations"] == 1
    aalsmeer = f.municipality(a, "Aalsmeer")
    assert figures(a, aalsmeer)["participations"] == 1
    assert figures(a)["participations"] == 2


def test_a_rolled_back_change_never_leaves_a_reusable_token():
    from django.db import transaction

    prog = f.amstelland()
    f.participation(prog)
    figures(prog)
    before = Programme.objects.get(pk=prog.pk).figures_token
    with pytest.raises(RuntimeError), transaction.atomic():
        Line.objects.filter(programme=prog, code="A").get().save()
        inside = Programme.objects.get(pk=prog.pk).figures_token
        assert inside != before
        figures(prog)  # cached under the token that is about to disappear
        raise RuntimeError
    assert Programme.objects.get(pk=prog.pk).figures_token == before
    f.participation(prog)
    assert Programme.objects.get(pk=prog.pk).figures_token not in (before, inside)
    assert figures(prog)["participations"] == 2
