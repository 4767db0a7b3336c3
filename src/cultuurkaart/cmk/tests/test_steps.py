"""Tracks and steps (issue 13 point 2): one current step, forward stamps the date, backward
needs a reason, prospects, completing track 2, yearly cycles, versioning, contacts."""

import datetime as dt

import pytest

from cultuurkaart.cmk.constants import ActionKind
from cultuurkaart.cmk.models import Action, Contact, StepChange, Track
from cultuurkaart.cmk.services import participations as svc
from cultuurkaart.cmk.services import programmes
from cultuurkaart.cmk.tests import factories as f
from cultuurkaart.core import clock
from cultuurkaart.core.errors import Conflict, DomainError, ValidationFailed
from cultuurkaart.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def at(day: str):
    return clock.frozen(dt.datetime.fromisoformat(day + "T10:00:00+01:00"))


def test_a_new_participation_starts_at_step_1_of_its_track():
    p = f.participation(track="track-2", kind="vo")
    assert (p.track.code, p.cycle, p.current_step.number, p.prospect) == ("track-2", 1, 1, True)
    assert p.new_school is True
    t1 = f.participation(track="track-1")
    assert (t1.current_step.number, t1.prospect, t1.new_school) == (1, False, False)
    inst = f.participation(kind="institution")
    assert inst.track is None and inst.current_step is None


def test_the_same_location_cannot_join_twice():
    p = f.participation()
    with pytest.raises(Conflict) as exc:
        svc.add_participation(
            p.programme, location_code=p.location.code, track="track-1", actor=None
        )
    assert exc.value.type == "already-participating"


def test_unknown_location_and_track_are_refused():
    prog = f.amstelland()
    with pytest.raises(DomainError) as exc:
        svc.add_participation(prog, location_code="ZZ9999", track="track-1", actor=None)
    assert exc.value.type == "unknown-location"
    loc = f.location("po")
    with pytest.raises(DomainError):
        svc.add_participation(prog, location_code=loc.code, track="track-9", actor=None)
    mbo = f.location("mbo")
    with pytest.raises(DomainError):
        svc.add_participation(prog, location_code=mbo.code, track="track-1", actor=None)


def test_forward_stamps_the_date_and_backward_needs_a_reason():
    p = f.participation(track="track-1")
    staff = f.staff()
    with at("2025-03-10"):
        p = svc.move_step(p, 3, actor=staff)
    assert (p.current_step.number, p.step_since) == (3, dt.date(2025, 3, 10))
    change = StepChange.objects.filter(participation=p).last()
    assert (change.kind, change.from_number, change.to_number, change.on) == (
        "forward",
        1,
        3,
        dt.date(2025, 3, 10),
    )
    assert change.by == staff
    with at("2025-03-11"), pytest.raises(DomainError) as exc:
        svc.move_step(p, 2, actor=staff)
    assert exc.value.type == "reason-required" and exc.value.status == 422
    with at("2025-03-11"), pytest.raises(DomainError):
        svc.move_step(p, 2, reason="   ", actor=staff)
    p.refresh_from_db()
    assert p.current_step.number == 3
    with at("2025-03-12"):
        p = svc.move_step(p, 2, reason="Nieuwe directeur", actor=staff)
    back = StepChange.objects.filter(participation=p).last()
    assert (back.kind, back.reason, p.current_step.number) == ("backward", "Nieuwe directeur", 2)


def test_moving_to_the_current_step_twice_changes_nothing():
    p = f.participation(track="track-1")
    with at("2025-03-10"):
        svc.move_step(p, 2, actor=None)
        count = StepChange.objects.filter(participation=p).count()
        p = svc.move_step(p, 2, actor=None)
    assert StepChange.objects.filter(participation=p).count() == count
    assert p.current_step.number == 2


def test_steps_outside_the_track_are_refused():
    p = f.participation(track="track-1")
    for number in (0, 7, -1):
        with pytest.raises(DomainError):
            svc.move_step(p, number, actor=None)


def test_exactly_one_current_step_per_participation_and_cycle():
    p = f.participation(track="track-1")
    with at("2025-03-10"):
        svc.move_step(p, 4, actor=None)
    p.refresh_from_db()
    # one field holds the current step; the history shows every move of the cycle
    assert p.current_step.track_id == p.track_id
    assert list(
        StepChange.objects.filter(participation=p, cycle=1).values_list("to_number", flat=True)
    ) == [1, 4]


def test_track_2_is_a_prospect_until_step_2_is_done():
    p = f.participation(track="track-2", kind="po")
    with at("2025-04-01"):
        p = svc.move_step(p, 2, actor=None)
    assert p.prospect is True and p.committed_on is None
    with at("2025-05-01"):
        p = svc.move_step(p, 3, actor=None)
    assert p.prospect is False and p.committed_on == dt.date(2025, 5, 1)
    with at("2025-05-02"):
        p = svc.move_step(p, 2, reason="Toch nog niet", actor=None)
    assert p.prospect is True and p.committed_on is None


def test_completing_track_2_moves_the_school_to_track_1():
    p = f.participation(track="track-2", kind="vo")
    with at("2025-06-01"):
        p = svc.move_step(p, 8, actor=None)
    assert p.track.code == "track-2" and p.current_step.number == 8
    with at("2026-06-01"):
        p = svc.move_step(p, 8, complete=True, actor=None)
    assert (p.track.code, p.cycle, p.current_step.number, p.prospect) == ("track-1", 1, 1, False)
    assert p.new_school is True and p.committed_on == dt.date(2025, 6, 1)
    kinds = list(StepChange.objects.filter(participation=p).values_list("kind", flat=True))
    assert kinds == ["start", "forward", "complete", "start"]


def test_last_step_plus_one_also_completes():
    p = f.participation(track="track-2", kind="po")
    with at("2025-06-01"):
        p = svc.move_step(p, 9, actor=None)
    assert p.track.code == "track-1"


def test_completing_track_1_closes_the_cycle_until_a_new_one_is_opened():
    p = f.participation(track="track-1")
    with at("2025-10-01"):
        p = svc.move_step(p, 5, complete=True, actor=None)
    assert p.cycle_completed_on == dt.date(2025, 10, 1)
    with at("2025-10-02"), pytest.raises(Conflict) as exc:
        svc.move_step(p, 5, complete=True, actor=None)
    assert exc.value.type == "cycle-completed"
    # one cycle per calendar year: not again in 2025
    with at("2025-12-31"), pytest.raises(Conflict) as exc:
        svc.open_cycle(p, actor=None)
    assert exc.value.type == "cycle-already-open"
    with at("2026-01-01"):
        p = svc.open_cycle(p, actor=None)
    assert (p.cycle, p.current_step.number, p.cycle_completed_on) == (2, 1, None)
    with at("2026-02-01"), pytest.raises(Conflict):
        svc.open_cycle(p, actor=None)


def test_only_track_1_has_cycles():
    p = f.participation(track="track-2")
    with at("2026-01-01"), pytest.raises(DomainError) as exc:
        svc.open_cycle(p, actor=None)
    assert exc.value.type == "not-cyclic"


def test_a_used_track_gets_a_new_version_and_participations_keep_theirs():
    prog = f.amstelland()
    t1 = Track.objects.get(programme=prog, code="track-1", is_current=True)
    p = f.participation(track="track-1")
    names = [f"Stap {i}" for i in range(1, 7)]
    new = programmes.change_track_steps(t1, names, actor=None)
    assert (new.version, new.is_current, new.steps.count()) == (2, True, 6)
    t1.refresh_from_db()
    assert t1.is_current is False and t1.steps.count() == 5
    p.refresh_from_db()
    assert p.track_id == t1.pk
    later = f.participation(track="track-1")
    assert later.track_id == new.pk
    assert AuditEntry.objects.filter(action="cmk.track.changed").count() == 1


def test_an_unused_track_changes_in_place():
    prog = f.second_programme()
    t2 = Track.objects.get(programme=prog, code="track-2", is_current=True)
    same = programmes.change_track_steps(t2, [f"S{i}" for i in range(1, 10)], actor=None)
    assert same.pk == t2.pk and same.version == 1 and same.steps.count() == 9
    with pytest.raises(ValidationFailed):
        programmes.change_track_steps(t2, ["Een", "Twee"], actor=None)  # prospect needs >2


def test_step_changes_are_audited_with_before_and_after():
    staff = f.staff()
    p = f.participation(track="track-1")
    with at("2025-03-10"):
        svc.move_step(p, 2, actor=staff)
    entry = AuditEntry.objects.filter(action="cmk.step.changed").get()
    assert entry.actor == staff
    assert entry.data["before"]["step"] == 1 and entry.data["after"]["step"] == 2


def test_a_contact_change_ends_the_previous_and_creates_a_follow_up_for_the_advisor():
    staff = f.staff()
    p = f.participation(track="track-1")
    svc.set_advisor(p, staff, actor=staff)
    first = svc.set_contact(
        p,
        role="icc",
        name="Anna",
        email="anna@school.example",
        valid_from=dt.date(2025, 2, 1),
        actor=staff,
    )
    assert not Action.objects.filter(participation=p).exists()
    second = svc.set_contact(
        p, role="icc", name="Bram", valid_from=dt.date(2025, 9, 1), actor=staff
    )
    first.refresh_from_db()
    assert first.valid_until == dt.date(2025, 8, 31) and second.valid_until is None
    action = Action.objects.get(participation=p)
    assert action.kind == ActionKind.CONTACT_CHANGE and action.assignee == staff
    assert action.due_on == dt.date(2025, 9, 15) and action.closed_at is None
    # a director is another role: no follow-up for the first one
    svc.set_contact(p, role="director", name="Dirk", valid_from=dt.date(2025, 9, 1), actor=staff)
    assert Action.objects.filter(participation=p).count() == 1
    with pytest.raises(DomainError):
        svc.set_contact(p, role="icc", name="Cor", valid_from=dt.date(2025, 9, 1), actor=staff)
    assert Contact.objects.filter(participation=p, valid_until__isnull=True).count() == 2
    entry = AuditEntry.objects.filter(action="cmk.contact.set").last()
    assert "Bram" not in str(entry.data) and "Dirk" not in str(entry.data)


def test_closing_an_action_twice_is_refused():
    p = f.participation()
    action = svc.add_action(p, text="Bellen", actor=None)
    svc.close_action(action, actor=None)
    with pytest.raises(Conflict):
        svc.close_action(action, actor=None)


def test_an_ended_participation_leaves_the_lists_and_keeps_its_records():
    from cultuurkaart.cmk.services import conversations, targets

    p = f.participation(track="track-1")
    with pytest.raises(DomainError) as exc:
        svc.end_participation(p, reason=" ", actor=None)
    assert exc.value.type == "reason-required"
    with pytest.raises(DomainError):
        svc.end_participation(p, on=dt.date(2025, 1, 1), reason="Fusie", actor=None)
    with at("2025-10-01"):
        svc.end_participation(p, reason="Fusie", actor=None)
        assert p not in set(conversations.without_conversation(p.programme))
        with pytest.raises(Conflict):
            svc.end_participation(p, reason="Nogmaals", actor=None)
    row = next(
        r
        for r in targets.compute(p.programme)
        if r["indicator"] == "existing-schools" and r["year"] is None
    )
    assert str(p.pk) in {rec["id"] for rec in row["records"]}
    assert AuditEntry.objects.filter(action="cmk.participation.ended").count() == 1
