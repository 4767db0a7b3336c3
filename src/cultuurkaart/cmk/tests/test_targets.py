"""Targets computed from the records (issue 13 point 5), against hand-computed values."""

from __future__ import annotations

import datetime as dt

import pytest

from cultuurkaart.cmk.services import activities, programmes, targets
from cultuurkaart.cmk.services import participations as svc
from cultuurkaart.cmk.tests import factories as f
from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def at(day: str):
    return clock.frozen(dt.datetime.fromisoformat(day + "T10:00:00+01:00"))


def join(prog, kind, track, day, mun="Amstelveen"):
    return f.participation(
        prog, kind=kind, track=track, on=dt.date.fromisoformat(day), municipality_name=mun
    )


def step(p, number, day, **kw):
    with at(day):
        return svc.move_step(p, number, actor=None, **kw)


@pytest.fixture
def records(db):
    prog = f.amstelland()
    s = {}
    # existing schools (track 1): three in phase 1 (one set up before the start), one later
    s["e1"] = join(prog, "po", "track-1", "2025-02-03")
    s["e2"] = join(prog, "sbo", "track-1", "2025-09-01", mun="Aalsmeer")
    s["e3"] = join(prog, "po", "track-1", "2024-12-15")
    s["e4"] = join(prog, "po", "track-1", "2027-03-01")
    # new schools (track 2)
    s["a"] = join(prog, "po", "track-2", "2025-03-01")
    step(s["a"], 3, "2025-06-01")  # past the prospect phase in 2025 → PO 2026
    s["b"] = join(prog, "sbo", "track-2", "2026-09-01", mun="Aalsmeer")
    step(s["b"], 3, "2027-02-01")  # → PO 2028
    s["c"] = join(prog, "po", "track-2", "2025-03-01")
    step(s["c"], 2, "2025-05-01")  # still a prospect → not counted
    s["d"] = join(prog, "po", "track-2", "2025-03-01")
    step(s["d"], 3, "2026-03-01")
    step(s["d"], 2, "2026-04-01", reason="Toch nog niet")  # back to prospect → not counted
    s["v1"] = join(prog, "vo", "track-2", "2025-10-01")
    step(s["v1"], 3, "2026-12-31")  # last day of the first milestone → VO 2026
    s["v2"] = join(prog, "vo", "track-2", "2026-10-01")
    step(s["v2"], 3, "2027-01-01")  # first day of the second → VO 2028
    # a completed track 2 school is in track 1 now, but it is no existing school
    step(s["v1"], 8, "2027-06-01", complete=True)
    # connections: line C activities with schools
    with at("2028-12-01"):
        activities.record_activity(
            prog,
            line="C",
            title="Wijk 1",
            held_on="2025-05-01",
            participants=20,
            school_ids=[s["e1"].pk],
            actor=None,
        )
        activities.record_activity(
            prog,
            line="C",
            title="Wijk 1 vervolg",
            held_on="2027-05-01",
            participants=22,
            school_ids=[s["e1"].pk],
            actor=None,
        )
        activities.record_activity(
            prog,
            line="C",
            title="Wijk 2",
            held_on="2027-06-01",
            participants=15,
            school_ids=[s["e2"].pk],
            actor=None,
        )
        activities.record_activity(
            prog,
            line="A",
            title="Visie",
            held_on="2025-06-01",
            participants=12,
            school_ids=[s["e3"].pk],
            actor=None,
        )
        activities.record_activity(
            prog,
            line="C",
            title="Zonder school",
            held_on="2025-07-01",
            participants=9,
            actor=None,
        )
        # knowledge sharing
        for day, level, status in (
            ("2025-03-01", "regional", "held"),
            ("2026-10-01", "regional", "held"),
            ("2027-04-01", "regional", "held"),
            ("2025-06-01", "municipal", "held"),
        ):
            activities.record_meeting(
                prog,
                level=level,
                topic=f"Netwerk {day}",
                held_on=day,
                status=status,
                actor=None,
            )
    with at("2025-01-10"):
        activities.record_meeting(
            prog,
            level="regional",
            topic="Gepland",
            held_on="2028-05-01",
            status="planned",
            actor=None,
        )
    # another programme's records never count
    other = f.second_programme()
    o = join(other, "po", "track-1", "2025-02-03", mun="Haarlem")
    with at("2025-06-01"):
        activities.record_activity(
            other,
            line="C",
            title="Elders",
            held_on="2025-05-01",
            participants=5,
            school_ids=[o.pk],
            actor=None,
        )
    return prog, s


# Hand-computed from the fixture above: (indicator, year) → (target, realised).
EXPECTED = {
    ("existing-schools", 2026): (33, 3),  # e1, e2, e3 (set up before the start: counted at it)
    ("existing-schools", 2028): (0, 1),  # e4
    ("existing-schools", None): (33, 4),
    ("new-tracks-po", 2026): (3, 1),  # a
    ("new-tracks-po", 2028): (2, 1),  # b (SBO counts with PO)
    ("new-tracks-po", None): (5, 2),
    ("new-tracks-vo", 2026): (2, 1),  # v1 on 31 Dec 2026
    ("new-tracks-vo", 2028): (2, 1),  # v2 on 1 Jan 2027
    ("new-tracks-vo", None): (4, 2),
    ("connections", 2026): (6, 1),  # e1 (first line C activity in 2025; unique)
    ("connections", 2028): (3, 1),  # e2
    ("connections", None): (9, 2),
    ("knowledge-meetings", 2026): (4, 2),  # regional, held
    ("knowledge-meetings", 2028): (4, 1),
    ("knowledge-meetings", None): (8, 3),
}


def test_realised_values_equal_the_hand_computed_ones(records):
    prog, _ = records
    got = {(r["indicator"], r["year"]): (r["target"], r["realised"]) for r in targets.compute(prog)}
    assert got == EXPECTED


def test_each_figure_opens_its_records(records):
    prog, s = records
    rows = {(r["indicator"], r["year"]): r for r in targets.compute(prog)}
    ids = {k: {rec["id"] for rec in r["records"]} for k, r in rows.items()}
    assert ids[("existing-schools", 2026)] == {str(s[k].pk) for k in ("e1", "e2", "e3")}
    assert ids[("new-tracks-po", None)] == {str(s["a"].pk), str(s["b"].pk)}
    assert ids[("new-tracks-vo", 2026)] == {str(s["v1"].pk)}
    assert ids[("connections", None)] == {str(s["e1"].pk), str(s["e2"].pk)}
    for key, row in rows.items():
        assert row["realised"] == len(row["records"]), key


def test_a_municipality_sees_its_own_schools(records):
    prog, _ = records
    aalsmeer = f.municipality(prog, "Aalsmeer")
    got = {
        (r["indicator"], r["year"]): r["realised"]
        for r in targets.compute(prog, municipality=aalsmeer)
    }
    assert got[("existing-schools", None)] == 1  # e2
    assert got[("new-tracks-po", 2028)] == 1  # b
    assert got[("connections", 2028)] == 1  # e2
    assert got[("new-tracks-vo", None)] == 0


def test_the_realised_value_follows_the_records(records):
    prog, s = records
    step(s["c"], 3, "2026-02-01")
    rows = {(r["indicator"], r["year"]): r["realised"] for r in targets.compute(prog)}
    assert rows[("new-tracks-po", 2026)] == 2


def test_targets_over_the_api_link_records_and_are_never_typed(records, api_as):
    prog, s = records
    staff = f.staff(prog)
    r = api_as(staff).get(f"/cmk/programmes/{prog.pk}/targets")
    assert r.status_code == 200
    row = next(x for x in r.json() if x["indicator"] == "connections" and x["year"] is None)
    assert row["realised"] == 2 and {rec["id"] for rec in row["records"]} == {
        str(s["e1"].pk),
        str(s["e2"].pk),
    }
    # changing a target is audited with before and after; the realised value is not an input
    r = api_as(staff).put(
        f"/cmk/programmes/{prog.pk}/targets",
        {"indicator": "connections", "year": 2026, "target": 7, "realised": 99},
    )
    assert r.status_code == 200
    row = next(x for x in r.json() if x["indicator"] == "connections" and x["year"] == 2026)
    assert (row["target"], row["realised"]) == (7, 1)
    entry = AuditEntry.objects.get(action="cmk.target.set")
    assert entry.actor == staff and entry.data["before"] == 6 and entry.data["after"] == 7
    with pytest.raises(ValidationFailed):
        programmes.set_target(prog.indicators.get(code="connections"), 2031, 1, actor=None)
