"""Activities per programme line and knowledge-sharing meetings (issue 13 point 4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import DomainError, ValidationFailed

from ..constants import DeadlineKind, LineCode, MeetingLevel, MeetingStatus
from ..models import Activity, Deadline, Line, Meeting, MeetingAttendance, Participation


def _date(value, field: str, errors: list) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        errors.append({"field": field, "code": "invalid", "message": "Ongeldige datum."})
        return None


def _outside(programme, field: str):
    return DomainError(
        "The date lies outside the programme.",
        type="outside-programme",
        status=422,
        errors=[
            {
                "field": field,
                "code": "outside-programme",
                "message": "Deze datum ligt buiten de looptijd van het programma.",
            }
        ],
    )


def _participations(programme, ids, field: str, errors: list) -> list[Participation]:
    wanted = []
    for value in ids or []:
        try:
            wanted.append(int(value))
        except (TypeError, ValueError):
            errors.append({"field": field, "code": "invalid", "message": "Onbekende school."})
    found = list(Participation.objects.filter(programme=programme, pk__in=wanted))
    if len(found) != len(set(wanted)):
        errors.append(
            {"field": field, "code": "unknown", "message": "Onbekende school in dit programma."}
        )
    return found


def record_activity(
    programme,
    *,
    line: str,
    title: str,
    held_on,
    participants: int,
    school_ids: list | None = None,
    actor,
) -> Activity:
    """An activity of line A, B or C on a date within the programme (422
    `outside-programme` otherwise) with its participant count and the schools involved."""
    errors: list[dict] = []
    line_obj = None
    if line not in LineCode.values:
        errors.append({"field": "line", "code": "invalid", "message": "Kies lijn A, B of C."})
    else:
        line_obj = Line.objects.filter(programme=programme, code=line).first()
        if line_obj is None:
            errors.append({"field": "line", "code": "unknown", "message": "Onbekende lijn."})
    title = (title or "").strip()
    if not title or len(title) > 300:
        errors.append({"field": "title", "code": "required", "message": "Vul een titel in."})
    day = _date(held_on, "held_on", errors)
    if isinstance(participants, bool) or not isinstance(participants, int) or participants < 0:
        errors.append({"field": "participants", "code": "invalid", "message": "Vul 0 of meer in."})
    schools = _participations(programme, school_ids, "school_ids", errors)
    if errors:
        raise ValidationFailed("The activity is not valid.", errors=errors)
    if not programme.covers(day):
        raise _outside(programme, "held_on")
    with transaction.atomic():
        activity = Activity.objects.create(
            programme=programme,
            line=line_obj,
            title=title,
            held_on=day,
            participants=participants,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if schools:
            activity.participations.set(schools)
        audit.record(
            "cmk.activity.recorded",
            actor=actor,
            obj=activity,
            data={
                "programme": programme.pk,
                "line": line,
                "participants": participants,
                "schools": len(schools),
            },
        )
    return activity


def record_meeting(
    programme,
    *,
    level: str,
    topic: str,
    held_on,
    status: str = MeetingStatus.PLANNED,
    attendance: list[dict[str, Any]] | None = None,
    actor,
) -> Meeting:
    """A knowledge-sharing meeting (planned or held) with attendance per organisation. A
    planned meeting is on the deadline calendar; a held one lies not in the future."""
    errors: list[dict] = []
    if level not in MeetingLevel.values:
        errors.append({"field": "level", "code": "invalid", "message": "Kies een niveau."})
    if status not in MeetingStatus.values:
        errors.append({"field": "status", "code": "invalid", "message": "Kies een status."})
    topic = (topic or "").strip()
    if not topic or len(topic) > 300:
        errors.append({"field": "topic", "code": "required", "message": "Vul een onderwerp in."})
    day = _date(held_on, "held_on", errors)
    rows = []
    for i, item in enumerate(attendance or []):
        organisation = str((item or {}).get("organisation") or "").strip()
        people = (item or {}).get("people")
        if not organisation or len(organisation) > 200:
            errors.append(
                {
                    "field": f"attendance.{i}.organisation",
                    "code": "required",
                    "message": "Vul de organisatie in.",
                }
            )
        if isinstance(people, bool) or not isinstance(people, int) or people < 0:
            errors.append(
                {"field": f"attendance.{i}.people", "code": "invalid", "message": "0 of meer."}
            )
        rows.append((organisation, people))
    if status == MeetingStatus.PLANNED and rows:
        errors.append(
            {
                "field": "attendance",
                "code": "not-held",
                "message": "Aanwezigheid hoort bij een gehouden bijeenkomst.",
            }
        )
    if status == MeetingStatus.HELD and day is not None and day > clock.today():
        errors.append(
            {"field": "held_on", "code": "in-future", "message": "Deze datum ligt in de toekomst."}
        )
    if errors:
        raise ValidationFailed("The meeting is not valid.", errors=errors)
    if not programme.covers(day):
        raise _outside(programme, "held_on")
    by_name = {
        p.location.name.lower(): p
        for p in Participation.objects.filter(programme=programme).select_related("location")
    }
    with transaction.atomic():
        meeting = Meeting.objects.create(
            programme=programme,
            level=level,
            topic=topic,
            held_on=day,
            status=status,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        MeetingAttendance.objects.bulk_create(
            MeetingAttendance(
                meeting=meeting,
                organisation=organisation,
                participation=by_name.get(organisation.lower()),
                people=people,
            )
            for organisation, people in rows
        )
        if status == MeetingStatus.PLANNED:
            Deadline.objects.create(
                programme=programme,
                kind=DeadlineKind.MEETING,
                title=topic,
                due_on=day,
                remind_days=7,
                ref=f"meeting:{meeting.pk}",
            )
        audit.record(
            "cmk.meeting.recorded",
            actor=actor,
            obj=meeting,
            data={
                "programme": programme.pk,
                "level": level,
                "status": status,
                "organisations": len(rows),
                "people": sum(p for _, p in rows),
            },
        )
    return meeting


def mark_meeting_held(
    meeting: Meeting, *, attendance: list[dict[str, Any]], held_on=None, actor
) -> Meeting:
    """A planned meeting took place: the date it was held (default: the planned date; in the
    programme, not in the future) and its attendance per organisation (an organisation named
    like a participating school is linked to it, as in `record_meeting`); it leaves the
    calendar. Once only (409 `meeting-held`); audited with before and after."""
    errors: list[dict] = []
    day = meeting.held_on if held_on in (None, "") else _date(held_on, "held_on", errors)
    rows = []
    for i, item in enumerate(attendance or []):
        organisation = str((item or {}).get("organisation") or "").strip()
        people = (item or {}).get("people")
        if not organisation or len(organisation) > 200:
            errors.append(
                {
                    "field": f"attendance.{i}.organisation",
                    "code": "required",
                    "message": "Vul de organisatie in.",
                }
            )
        if isinstance(people, bool) or not isinstance(people, int) or people < 0:
            errors.append(
                {"field": f"attendance.{i}.people", "code": "invalid", "message": "0 of meer."}
            )
        rows.append((organisation, people))
    names = [o.lower() for o, _ in rows]
    if len(set(names)) != len(names):
        errors.append(
            {"field": "attendance", "code": "duplicate", "message": "Dubbele organisatie."}
        )
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update(of=("self",), no_key=True)
            .select_related("programme")
            .get(pk=meeting.pk)
        )
        if locked.status == MeetingStatus.HELD:
            raise DomainError("The meeting is held already.", type="meeting-held", status=409)
        if day is not None and day > clock.today():
            errors.append(
                {
                    "field": "held_on",
                    "code": "in-future",
                    "message": "Deze datum ligt in de toekomst.",
                }
            )
        elif day is not None and not locked.programme.covers(day):
            errors.append(
                {
                    "field": "held_on",
                    "code": "outside-programme",
                    "message": "Deze datum ligt buiten de looptijd van het programma.",
                }
            )
        if errors:
            raise ValidationFailed("The meeting is not valid.", errors=errors)
        by_name = {
            p.location.name.lower(): p
            for p in Participation.objects.filter(programme=locked.programme).select_related(
                "location"
            )
        }
        before = {"status": locked.status, "held_on": locked.held_on.isoformat()}
        locked.status = MeetingStatus.HELD
        locked.held_on = day
        locked.save(update_fields=["status", "held_on"])
        MeetingAttendance.objects.bulk_create(
            MeetingAttendance(
                meeting=locked,
                organisation=o,
                participation=by_name.get(o.lower()),
                people=n,
            )
            for o, n in rows
        )
        Deadline.objects.filter(programme=locked.programme, ref=f"meeting:{locked.pk}").delete()
        audit.record(
            "cmk.meeting.held",
            actor=actor,
            obj=locked,
            data={
                "programme": locked.programme_id,
                "people": sum(n for _, n in rows),
                "before": before,
                "after": {
                    "status": locked.status,
                    "held_on": day.isoformat(),
                    "organisations": len(rows),
                    "people": sum(n for _, n in rows),
                },
            },
        )
    return locked
