"""Deadline calendar and reminders (point 10), conversations and meetings (points 3 and 4),
matching and deadline audit."""

from __future__ import annotations

import datetime as dt

import pytest

from cultuurkaart.cmk.models import Deadline
from cultuurkaart.cmk.services import activities, conversations, deadlines, programmes
from cultuurkaart.cmk.tests import factories as f
from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError, ValidationFailed
from cultuurkaart.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def at(day: str):
    return clock.frozen(dt.datetime.fromisoformat(day + "T08:00:00+01:00"))


def test_the_seed_puts_the_funder_dates_on_the_calendar():
    prog = f.amstelland()
    items = deadlines.calendar(prog, dt.date(2025, 1, 1), dt.date(2029, 12, 31))
    assert [i["on"] for i in items if i["kind"] == "funder"] == [
        dt.date(2026, 7, 1),
        dt.date(2027, 7, 1),
        dt.date(2028, 7, 1),
        dt.date(2029, 7, 1),
    ]


def test_a_deadline_is_reminded_once_from_its_reminder_day(
    mailoutbox, django_capture_on_commit_callbacks
):
    prog = f.amstelland()
    staff = f.staff(prog)
    Deadline.objects.filter(programme=prog).delete()
    d = deadlines.add_deadline(
        prog,
        kind="other",
        title="Stuurgroep voorbereiden",
        due_on=dt.date(2025, 6, 20),
        remind_days=14,
        actor=staff,
    )
    with django_capture_on_commit_callbacks(execute=True):
        with at("2025-06-05"):
            assert deadlines.send_reminders()["deadlines"] == 0  # 15 days ahead
        with at("2025-06-06"):
            assert deadlines.send_reminders()["deadlines"] == 1  # 14 days ahead
        with at("2025-06-07"):
            assert deadlines.send_reminders()["deadlines"] == 0  # once
    assert [m.to for m in mailoutbox] == [[staff.email]]
    assert "Stuurgroep voorbereiden" in mailoutbox[0].subject
    d.refresh_from_db()
    assert d.reminded_at is not None
    assert AuditEntry.objects.filter(action="cmk.deadline.added").exists()


def test_a_past_deadline_is_not_reminded(mailoutbox):
    prog = f.amstelland()
    f.staff(prog)
    Deadline.objects.filter(programme=prog).delete()
    deadlines.add_deadline(prog, kind="other", title="X", due_on=dt.date(2025, 1, 10), actor=None)
    with at("2025-01-11"):
        assert deadlines.send_reminders()["deadlines"] == 0


def test_the_reminder_job_runs_through_the_registry():
    from cultuurkaart.core import jobs

    assert "cmk-reminders" in jobs.names()


def test_deadline_validation():
    prog = f.amstelland()
    with pytest.raises(ValidationFailed):
        deadlines.add_deadline(prog, kind="nope", title="", due_on="x", actor=None)


def test_the_calendar_shows_planned_conversations_and_planned_meetings():
    prog = f.amstelland()
    part = f.participation(prog)
    with at("2025-03-01"):
        conversations.record_conversation(part, planned_on=dt.date(2025, 3, 20), actor=None)
        activities.record_meeting(
            prog,
            level="regional",
            topic="Netwerk voorjaar",
            held_on="2025-04-02",
            status="planned",
            actor=None,
        )
    items = deadlines.calendar(prog, dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    assert [(i["on"], i["kind"]) for i in items] == [
        (dt.date(2025, 3, 20), "conversation"),
        (dt.date(2025, 4, 2), "meeting"),
    ]


def test_a_planned_conversation_is_completed_once():
    prog = f.amstelland()
    part = f.participation(prog)
    with at("2025-03-01"):
        conv = conversations.record_conversation(part, planned_on=dt.date(2025, 3, 20), actor=None)
    with at("2025-03-19"), pytest.raises(ValidationFailed):
        conversations.complete_conversation(conv, held_on=dt.date(2025, 3, 20), actor=None)
    with at("2025-03-21"):
        done = conversations.complete_conversation(
            conv,
            held_on=dt.date(2025, 3, 20),
            shared_minutes="Gedeeld",
            staff_minutes="Intern",
            actions=[{"text": "Evi plannen"}],
            actor=None,
        )
        assert done.held_on == dt.date(2025, 3, 20)
        assert list(conversations.open_actions(part).values_list("text", flat=True)) == [
            "Evi plannen"
        ]
        with pytest.raises(DomainError) as exc:
            conversations.complete_conversation(conv, held_on=dt.date(2025, 3, 20), actor=None)
    assert exc.value.type == "conversation-held"


def test_conversation_rules():
    prog = f.amstelland()
    part = f.participation(prog)
    with at("2025-03-01"):
        with pytest.raises(ValidationFailed):  # nothing to record
            conversations.record_conversation(part, actor=None)
        with pytest.raises(ValidationFailed):  # held in the future
            conversations.record_conversation(part, held_on=dt.date(2025, 3, 2), actor=None)
        with pytest.raises(ValidationFailed):  # minutes of a conversation not held
            conversations.record_conversation(
                part, planned_on=dt.date(2025, 3, 9), shared_minutes="x", actor=None
            )
        with pytest.raises(ValidationFailed):  # before the programme
            conversations.record_conversation(part, held_on=dt.date(2024, 12, 31), actor=None)


def test_the_half_year_dashboard_of_missing_conversations():
    prog = f.amstelland()
    talked, silent, earlier = f.participation(prog), f.participation(prog), f.participation(prog)
    with at("2025-09-01"):
        conversations.record_conversation(talked, held_on=dt.date(2025, 7, 1), actor=None)
        conversations.record_conversation(earlier, held_on=dt.date(2025, 6, 30), actor=None)
        missing = set(conversations.without_conversation(prog))
    assert missing == {silent, earlier}
    assert conversations.half_year(dt.date(2025, 6, 30)) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 6, 30),
    )
    assert conversations.half_year(dt.date(2025, 7, 1)) == (
        dt.date(2025, 7, 1),
        dt.date(2025, 12, 31),
    )


def test_a_planned_meeting_is_marked_held_with_its_attendance():
    prog = f.amstelland()
    with at("2025-03-01"):
        meeting = activities.record_meeting(
            prog,
            level="municipal",
            topic="LEA",
            held_on="2025-03-10",
            status="planned",
            actor=None,
        )
        with pytest.raises(ValidationFailed):  # not yet
            activities.mark_meeting_held(meeting, attendance=[], actor=None)
    with at("2025-03-11"):
        held = activities.mark_meeting_held(
            meeting, attendance=[{"organisation": "Gemeente", "people": 3}], actor=None
        )
        assert held.status == "held" and held.attendance.get().people == 3
        assert not Deadline.objects.filter(ref=f"meeting:{meeting.pk}").exists()
        with pytest.raises(DomainError):
            activities.mark_meeting_held(meeting, attendance=[], actor=None)


def test_matching_is_audited_with_before_and_after():
    prog = f.amstelland()
    mun = f.municipality(prog, "Uithoorn")
    programmes.set_matching(mun, "25000.5", actor=None)
    programmes.set_matching(mun, "26000", actor=None)
    mun.refresh_from_db()
    assert str(mun.matching) == "26000.00"
    entries = list(AuditEntry.objects.filter(action="cmk.matching.set").order_by("pk"))
    assert [(e.data["before"], e.data["after"]) for e in entries] == [
        (None, "25000.50"),
        ("25000.50", "26000.00"),
    ]
    with pytest.raises(ValidationFailed):
        programmes.set_matching(mun, "-1", actor=None)
