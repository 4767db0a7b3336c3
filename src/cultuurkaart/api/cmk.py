"""CmK programme monitoring (API.md "CmK programme monitoring"). Thin: parse, check the scope
(`cmk.services.access`, 404 outside the caller's programme, municipality or participation),
call the services, serialize. Staff-only minutes are serialized only for those who may see
them (`cmk.view_staff_minutes`); the key is absent for everyone else."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Prefetch
from ninja import Router, Schema, Status
from pydantic import Field

from cultuurkaart.cmk.constants import CmkRole
from cultuurkaart.cmk.models import (
    Activity,
    Conversation,
    Meeting,
    Participation,
    Programme,
    Track,
)
from cultuurkaart.cmk.services import access, activities, conversations, deadlines, programmes
from cultuurkaart.cmk.services import participations as parts
from cultuurkaart.cmk.services import targets as target_service
from cultuurkaart.cmk.services.dashboard import dashboard as dashboard_figures
from cultuurkaart.core import permissions
from cultuurkaart.core.errors import NotFound

from .base import Date, Id, Out, Page, errors, paged, paginate
from .permissions import require

router = Router(tags=["cmk"])


# --- scope --------------------------------------------------------------------------------


def _programme(request, programme_id: str, action: str) -> Programme:
    permissions.record(request, action)
    return access.require_programme(request.user, programme_id, action)


def _participation(request, participation_id: str, action: str) -> Participation:
    permissions.record(request, action)
    return access.require_participation(request.user, participation_id, action)


def _d(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --- schemas ------------------------------------------------------------------------------


class CmkPhaseOut(Out):
    name: str
    starts_on: Date
    ends_on: Date


class CmkLineOut(Out):
    code: str
    name: str


class CmkMunicipalityOut(Out):
    id: Id
    name: str
    matching: str | None
    goals: str


class CmkStepOut(Out):
    number: int
    name: str


class CmkTrackStepOut(CmkStepOut):
    description: str


class CmkTrackOut(Out):
    id: Id
    code: str
    version: int
    name: str
    cyclic: bool
    prospect_until_step: int | None
    steps: list[CmkTrackStepOut]


class CmkTargetCell(Out):
    year: int | None
    target: int


class CmkIndicatorOut(Out):
    code: str
    name: str
    rule: str
    targets: list[CmkTargetCell]


class CmkProgrammeOut(Out):
    id: Id
    code: str
    name: str
    starts_on: Date
    ends_on: Date
    phases: list[CmkPhaseOut]
    lines: list[CmkLineOut]
    municipalities: list[CmkMunicipalityOut]
    tracks: list[CmkTrackOut]
    indicators: list[CmkIndicatorOut]
    participations: int


class CmkProgrammeSummary(Out):
    id: Id
    code: str
    name: str
    starts_on: Date
    ends_on: Date


class CmkCurrentStepOut(Out):
    number: int
    name: str
    since: Date | None


class CmkLocationRef(Out):
    id: Id
    code: str
    name: str
    kind: str


class CmkHistoryOut(Out):
    track: str
    track_version: int
    cycle: int
    kind: str
    from_number: int | None
    to_number: int
    on: Date
    reason: str


class CmkContactOut(Out):
    id: Id
    role: str
    name: str
    email: str
    phone: str
    valid_from: Date
    valid_until: Date | None


class CmkActionOut(Out):
    id: Id
    kind: str
    text: str
    due_on: Date | None
    closed: bool


class CmkConversationOut(Out):
    id: Id
    held_on: Date | None
    planned_on: Date | None
    shared_minutes: str | None = None
    staff_minutes: str | None = None
    actions: list[CmkActionOut] = []


class CmkParticipationOut(Out):
    id: Id
    programme: str
    location: CmkLocationRef
    municipality: str | None
    track: str | None
    track_version: int | None
    cycle: int | None
    step: CmkCurrentStepOut | None
    completed: bool
    prospect: bool
    advisor: Id | None = None
    history: list[CmkHistoryOut] = []
    contacts: list[CmkContactOut] = []
    conversations: list[CmkConversationOut] = []


class CmkParticipationCreated(Out):
    id: Id
    track: str | None
    cycle: int | None
    step: CmkStepOut | None
    prospect: bool


class CmkActivityOut(Out):
    id: Id
    line: str
    title: str
    held_on: Date
    participants: int
    school_ids: list[Id]


class CmkAttendanceOut(Out):
    organisation: str
    people: int


class CmkMeetingOut(Out):
    id: Id
    level: str
    topic: str
    held_on: Date
    status: str
    attendance: list[CmkAttendanceOut]


class CmkRecordOut(Out):
    type: str
    id: Id
    label: str
    on: Date
    code: str | None = None
    municipality: str | None = None


class CmkTargetOut(Out):
    indicator: str
    name: str
    year: int | None
    period: list[Date]
    target: int
    realised: int
    records: list[CmkRecordOut]


class CmkCountOut(Out):
    key: str
    label: str
    count: int


class CmkDashboardOut(Out):
    programme: str
    participations: int
    prospects: int
    by_track_step: list[CmkCountOut]
    by_municipality: list[CmkCountOut]
    activities_by_line: list[CmkCountOut]
    participants_by_line: list[CmkCountOut]
    meetings_by_level: list[CmkCountOut]
    without_conversation: int
    open_actions: int


class CmkDeadlineOut(Out):
    on: Date
    kind: str
    title: str
    id: Id | None


# --- serializers --------------------------------------------------------------------------


def serialize_programme(p: Programme) -> dict[str, Any]:
    tracks = Track.objects.filter(programme=p, is_current=True).prefetch_related("steps")
    return {
        "id": str(p.pk),
        "code": p.code,
        "name": p.name,
        "starts_on": _d(p.starts_on),
        "ends_on": _d(p.ends_on),
        "phases": [
            {"name": ph.name, "starts_on": _d(ph.starts_on), "ends_on": _d(ph.ends_on)}
            for ph in p.phases.all()
        ],
        "lines": [{"code": line.code, "name": line.name} for line in p.lines.all()],
        "municipalities": [
            {
                "id": str(m.pk),
                "name": m.name,
                "matching": None if m.matching is None else f"{m.matching:.2f}",
                "goals": m.goals,
            }
            for m in p.municipalities.all()
        ],
        "tracks": [
            {
                "id": str(t.pk),
                "code": t.code,
                "version": t.version,
                "name": t.name,
                "cyclic": t.cyclic,
                "prospect_until_step": t.prospect_until_step,
                "steps": [
                    {"number": s.number, "name": s.name, "description": s.description}
                    for s in t.steps.all()
                ],
            }
            for t in tracks
        ],
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "rule": i.rule,
                "targets": [{"year": t.year, "target": t.value} for t in i.targets.all()],
            }
            for i in p.indicators.prefetch_related("targets")
        ],
        "participations": p.participations.count(),
    }


def _summary(p: Programme) -> dict[str, Any]:
    return {
        "id": str(p.pk),
        "code": p.code,
        "name": p.name,
        "starts_on": _d(p.starts_on),
        "ends_on": _d(p.ends_on),
    }


def _step(p: Participation) -> dict[str, Any] | None:
    if p.current_step is None:
        return None
    return {"number": p.current_step.number, "name": p.current_step.name}


def serialize_created(p: Participation) -> dict[str, Any]:
    return {
        "id": str(p.pk),
        "track": p.track.code if p.track else None,
        "cycle": p.cycle if p.track else None,
        "step": _step(p),
        "prospect": p.prospect,
    }


def serialize_participation(p: Participation, user, *, detail: bool = True) -> dict[str, Any]:
    """What the caller may see: staff and the admin everything; a contact the shared minutes
    and actions, never the staff-only part; a municipality no minutes and no contacts."""
    shared = access.may(user, "cmk.view_shared_minutes", p.programme, p)
    staff = access.may(user, "cmk.view_staff_minutes", p.programme, p)
    out: dict[str, Any] = {
        "id": str(p.pk),
        "programme": p.programme.code,
        "location": {
            "id": str(p.location_id),
            "code": p.location.code,
            "name": p.location.name,
            "kind": p.location.kind,
        },
        "municipality": p.municipality.name if p.municipality else None,
        "track": p.track.code if p.track else None,
        "track_version": p.track.version if p.track else None,
        "cycle": p.cycle if p.track else None,
        "step": None
        if p.current_step is None
        else {
            "number": p.current_step.number,
            "name": p.current_step.name,
            "since": _d(p.step_since),
        },
        "completed": p.cycle_completed_on is not None,
        "prospect": p.prospect,
        "advisor": str(p.advisor_id) if p.advisor_id else None,
    }
    if not detail:
        return out
    out["history"] = [
        {
            "track": c.track.code,
            "track_version": c.track.version,
            "cycle": c.cycle,
            "kind": c.kind,
            "from_number": c.from_number,
            "to_number": c.to_number,
            "on": _d(c.on),
            "reason": c.reason,
        }
        for c in p.step_changes.select_related("track")
    ]
    out["contacts"] = (
        [
            {
                "id": str(c.pk),
                "role": c.role,
                "name": c.name,
                "email": c.email,
                "phone": c.phone,
                "valid_from": _d(c.valid_from),
                "valid_until": _d(c.valid_until),
            }
            for c in p.contacts.all()
        ]
        if shared
        else []
    )
    convs = Conversation.objects.filter(participation=p).prefetch_related("actions")
    out["conversations"] = [serialize_conversation(c, shared=shared, staff=staff) for c in convs]
    return out


def serialize_conversation(c: Conversation, *, shared: bool, staff: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": str(c.pk),
        "held_on": _d(c.held_on),
        "planned_on": _d(c.planned_on),
    }
    if shared:
        item["shared_minutes"] = c.shared_minutes
        item["actions"] = [
            {
                "id": str(a.pk),
                "kind": a.kind,
                "text": a.text,
                "due_on": _d(a.due_on),
                "closed": a.closed_at is not None,
            }
            for a in c.actions.all()
        ]
    if staff:
        item["staff_minutes"] = c.staff_minutes
    return item


def serialize_activity(a: Activity) -> dict[str, Any]:
    return {
        "id": str(a.pk),
        "line": a.line.code,
        "title": a.title,
        "held_on": _d(a.held_on),
        "participants": a.participants,
        "school_ids": [str(pk) for pk in a.participations.values_list("pk", flat=True)],
    }


def serialize_meeting(m: Meeting) -> dict[str, Any]:
    return {
        "id": str(m.pk),
        "level": m.level,
        "topic": m.topic,
        "held_on": _d(m.held_on),
        "status": m.status,
        "attendance": [
            {"organisation": a.organisation, "people": a.people} for a in m.attendance.all()
        ],
    }


def serialize_target(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "period": [_d(day) for day in row["period"]],
        "records": [{**r, "on": _d(r["on"])} for r in row["records"]],
    }


# --- programmes ---------------------------------------------------------------------------


class CmkPhaseIn(Schema):
    name: str
    starts_on: dt.date
    ends_on: dt.date


class CmkProgrammeIn(Schema):
    code: str
    name: str
    starts_on: dt.date
    ends_on: dt.date
    phases: list[CmkPhaseIn] = []
    municipalities: list[str] = []


@router.get(
    "/cmk/programmes",
    response={200: Page[CmkProgrammeSummary], **errors(401, 422)},
    openapi_extra=paged(),
)
def list_programmes(request):
    """The programmes the caller works in as programme staff (all for the admin)."""
    return paginate(request, access.staff_programmes_for(request.user).order_by("code"), _summary)


@router.post("/cmk/programmes", response={201: CmkProgrammeOut, **errors(401, 403, 409, 413, 422)})
def create_programme(request, payload: CmkProgrammeIn):
    require(request, "cmk.manage_programmes")
    programme = programmes.create_programme(payload.dict(), actor=request.user)
    return Status(201, serialize_programme(programme))


@router.get(
    "/cmk/programmes/{programme_id}", response={200: CmkProgrammeOut, **errors(401, 403, 404)}
)
def get_programme(request, programme_id: str):
    programme = _programme(request, programme_id, "cmk.view_programme")
    return serialize_programme(programme)


# --- participations -----------------------------------------------------------------------


class CmkParticipationIn(Schema):
    location_code: str
    track: Literal["track-1", "track-2"] | None = None
    municipality: str | None = None


@router.post(
    "/cmk/programmes/{programme_id}/participations",
    response={201: CmkParticipationCreated, **errors(401, 403, 404, 409, 413, 422)},
)
def add_participation(request, programme_id: str, payload: CmkParticipationIn):
    programme = _programme(request, programme_id, "cmk.work")
    p = parts.add_participation(
        programme,
        location_code=payload.location_code,
        track=payload.track,
        municipality=payload.municipality,
        actor=request.user,
    )
    return Status(201, serialize_created(p))


@router.get(
    "/cmk/programmes/{programme_id}/participations",
    response={200: Page[CmkParticipationOut], **errors(401, 403, 404, 422)},
    exclude_unset=True,
    openapi_extra=paged(),
)
def list_participations(request, programme_id: str):
    programme = _programme(request, programme_id, "cmk.view_programme")
    qs = Participation.objects.filter(programme=programme).select_related(
        "programme", "location", "municipality", "track", "current_step"
    )
    return paginate(
        request,
        qs.order_by("location__name"),
        lambda p: serialize_participation(p, request.user, detail=False),
    )


@router.get(
    "/cmk/participations/{participation_id}",
    response={200: CmkParticipationOut, **errors(401, 403, 404)},
    exclude_unset=True,
)
def get_participation(request, participation_id: str):
    p = _participation(request, participation_id, "cmk.view_participation")
    return serialize_participation(p, request.user)


class CmkStepIn(Schema):
    number: int
    reason: str | None = None
    complete: bool = False


@router.post(
    "/cmk/participations/{participation_id}/step",
    response={200: CmkParticipationOut, **errors(401, 403, 404, 409, 413, 422)},
    exclude_unset=True,
)
def move_step(request, participation_id: str, payload: CmkStepIn):
    p = _participation(request, participation_id, "cmk.work")
    p = parts.move_step(
        p,
        payload.number,
        reason=payload.reason or "",
        complete=payload.complete,
        actor=request.user,
    )
    return serialize_participation(_reload(p), request.user)


def _reload(p: Participation) -> Participation:
    return Participation.objects.select_related(
        "programme", "location", "municipality", "track", "current_step"
    ).get(pk=p.pk)


@router.post(
    "/cmk/participations/{participation_id}/cycles",
    response={201: CmkParticipationOut, **errors(401, 403, 404, 409, 422)},
    exclude_unset=True,
)
def open_cycle(request, participation_id: str):
    p = _participation(request, participation_id, "cmk.work")
    p = parts.open_cycle(p, actor=request.user)
    return Status(201, serialize_participation(_reload(p), request.user))


class CmkAdvisorIn(Schema):
    advisor: str | None = None


@router.post(
    "/cmk/participations/{participation_id}/advisor",
    response={200: CmkParticipationOut, **errors(401, 403, 404, 413, 422)},
    exclude_unset=True,
)
def set_advisor(request, participation_id: str, payload: CmkAdvisorIn):
    """The programme staff member who advises the school (`null`: none); another
    programme's staff: 404."""
    from cultuurkaart.accounts.models import User
    from cultuurkaart.core.ids import parse_id

    p = _participation(request, participation_id, "cmk.work")
    advisor = None
    if payload.advisor is not None:
        advisor = User.objects.filter(pk=parse_id(payload.advisor)).first()
        if advisor is None:
            raise NotFound("No such advisor in this programme.")
    p = parts.set_advisor(p, advisor, actor=request.user)
    return serialize_participation(_reload(p), request.user)


class CmkContactIn(Schema):
    role: Literal["icc", "coordinator", "director"]
    name: str
    email: str = ""
    phone: str = ""
    valid_from: dt.date | None = None


@router.post(
    "/cmk/participations/{participation_id}/contacts",
    response={201: CmkContactOut, **errors(401, 403, 404, 413, 422)},
)
def set_contact(request, participation_id: str, payload: CmkContactIn):
    p = _participation(request, participation_id, "cmk.work")
    c = parts.set_contact(p, **payload.dict(), actor=request.user)
    return Status(
        201,
        {
            "id": str(c.pk),
            "role": c.role,
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "valid_from": _d(c.valid_from),
            "valid_until": _d(c.valid_until),
        },
    )


class CmkActionIn(Schema):
    text: str
    due_on: dt.date | None = None


class CmkConversationIn(Schema):
    held_on: dt.date | None = None
    planned_on: dt.date | None = None
    shared_minutes: str | None = None
    staff_minutes: str | None = None
    actions: list[CmkActionIn] = []


@router.post(
    "/cmk/participations/{participation_id}/conversations",
    response={201: CmkConversationOut, **errors(401, 403, 404, 413, 422)},
    exclude_unset=True,
)
def record_conversation(request, participation_id: str, payload: CmkConversationIn):
    p = _participation(request, participation_id, "cmk.work")
    c = conversations.record_conversation(
        p,
        held_on=payload.held_on,
        planned_on=payload.planned_on,
        shared_minutes=payload.shared_minutes or "",
        staff_minutes=payload.staff_minutes or "",
        actions=[a.dict() for a in payload.actions],
        actor=request.user,
    )
    return Status(201, serialize_conversation(c, shared=True, staff=True))


@router.post(
    "/cmk/actions/{action_id}/close",
    response={200: CmkActionOut, **errors(401, 403, 404, 409)},
)
def close_action(request, action_id: str):
    from cultuurkaart.cmk.models import Action

    from .base import path_id

    action = Action.objects.select_related("participation").filter(pk=path_id(action_id)).first()
    if action is None:
        permissions.record(request, "cmk.work")
        raise NotFound("Not found.")
    _participation(request, str(action.participation_id), "cmk.work")
    a = parts.close_action(action, actor=request.user)
    return {
        "id": str(a.pk),
        "kind": a.kind,
        "text": a.text,
        "due_on": _d(a.due_on),
        "closed": True,
    }


# --- activities and meetings --------------------------------------------------------------


class CmkActivityIn(Schema):
    line: Literal["A", "B", "C"]
    title: str
    held_on: dt.date
    participants: int = Field(ge=0)
    school_ids: list[str] = []


@router.post(
    "/cmk/programmes/{programme_id}/activities",
    response={201: CmkActivityOut, **errors(401, 403, 404, 413, 422)},
)
def record_activity(request, programme_id: str, payload: CmkActivityIn):
    programme = _programme(request, programme_id, "cmk.work")
    a = activities.record_activity(programme, **payload.dict(), actor=request.user)
    return Status(201, serialize_activity(a))


@router.get(
    "/cmk/programmes/{programme_id}/activities",
    response={200: Page[CmkActivityOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_activities(request, programme_id: str):
    programme = _programme(request, programme_id, "cmk.view_programme")
    qs = (
        Activity.objects.filter(programme=programme)
        .select_related("line")
        .prefetch_related(Prefetch("participations", queryset=Participation.objects.only("pk")))
    )

    return paginate(request, qs.order_by("-held_on", "-pk"), serialize_activity_fast)


def serialize_activity_fast(a: Activity) -> dict[str, Any]:
    return {
        "id": str(a.pk),
        "line": a.line.code,
        "title": a.title,
        "held_on": _d(a.held_on),
        "participants": a.participants,
        "school_ids": [str(p.pk) for p in a.participations.all()],
    }


class CmkAttendanceIn(Schema):
    organisation: str
    people: int = Field(ge=0)


class CmkMeetingIn(Schema):
    level: Literal["national", "provincial", "regional", "municipal"]
    topic: str
    held_on: dt.date
    status: Literal["planned", "held"] = "planned"
    attendance: list[CmkAttendanceIn] = []


@router.post(
    "/cmk/programmes/{programme_id}/meetings",
    response={201: CmkMeetingOut, **errors(401, 403, 404, 413, 422)},
)
def record_meeting(request, programme_id: str, payload: CmkMeetingIn):
    programme = _programme(request, programme_id, "cmk.work")
    data = payload.dict()
    m = activities.record_meeting(programme, **data, actor=request.user)
    return Status(201, serialize_meeting(m))


def _conversation(request, conversation_id: str, action: str) -> Conversation:
    """A conversation through its participation's scope (404 outside it)."""
    from .base import path_id

    c = Conversation.objects.filter(pk=path_id(conversation_id)).only("participation_id").first()
    if c is None:
        permissions.record(request, action)
        raise NotFound("Not found.")
    _participation(request, str(c.participation_id), action)
    return c


class CmkConversationHeldIn(Schema):
    held_on: dt.date | None = None
    shared_minutes: str | None = None
    staff_minutes: str | None = None
    actions: list[CmkActionIn] = []


@router.post(
    "/cmk/conversations/{conversation_id}/held",
    response={200: CmkConversationOut, **errors(401, 403, 404, 409, 413, 422)},
    exclude_unset=True,
)
def hold_conversation(request, conversation_id: str, payload: CmkConversationHeldIn):
    """A planned conversation was held: the date, the minutes (shared and staff-only part)
    and actions. Recorded once: again → 409 `conversation-held`."""
    c = _conversation(request, conversation_id, "cmk.work")
    c = conversations.complete_conversation(
        c,
        held_on=payload.held_on,
        shared_minutes=payload.shared_minutes or "",
        staff_minutes=payload.staff_minutes or "",
        actions=[a.dict() for a in payload.actions],
        actor=request.user,
    )
    c = Conversation.objects.prefetch_related("actions").get(pk=c.pk)
    return serialize_conversation(c, shared=True, staff=True)


class CmkMeetingHeldIn(Schema):
    held_on: dt.date | None = None
    attendance: list[CmkAttendanceIn] = []


@router.post(
    "/cmk/meetings/{meeting_id}/held",
    response={200: CmkMeetingOut, **errors(401, 403, 404, 409, 413, 422)},
)
def hold_meeting(request, meeting_id: str, payload: CmkMeetingHeldIn):
    """A planned knowledge-sharing meeting took place: the date (default the planned one)
    and the attendance per organisation. Once: again → 409 `meeting-held`."""
    from .base import path_id

    meeting = Meeting.objects.filter(pk=path_id(meeting_id)).first()
    if meeting is None:
        permissions.record(request, "cmk.work")
        raise NotFound("Not found.")
    _programme(request, str(meeting.programme_id), "cmk.work")
    m = activities.mark_meeting_held(
        meeting,
        held_on=payload.held_on,
        attendance=[a.dict() for a in payload.attendance],
        actor=request.user,
    )
    return serialize_meeting(m)


class CmkTrackVersionOut(CmkTrackOut):
    is_current: bool
    used: bool
    participations: int


@router.get(
    "/cmk/programmes/{programme_id}/tracks",
    response={200: list[CmkTrackVersionOut], **errors(401, 403, 404)},
)
def list_tracks(request, programme_id: str):
    """Every track version of the programme with its steps (newest version first per
    track), whether participations use it."""
    programme = _programme(request, programme_id, "cmk.view_programme")
    return [serialize_track(t) for t in programmes.track_versions(programme)]


def serialize_track(t: Track) -> dict[str, Any]:
    return {
        "id": str(t.pk),
        "code": t.code,
        "version": t.version,
        "name": t.name,
        "cyclic": t.cyclic,
        "prospect_until_step": t.prospect_until_step,
        "is_current": t.is_current,
        "used": bool(t.n_participations or t.has_history),
        "participations": t.n_participations,
        "steps": [
            {"number": s.number, "name": s.name, "description": s.description}
            for s in t.steps.all()
        ],
    }


class CmkTrackStepIn(Schema):
    name: str
    description: str = ""


class CmkTrackStepsIn(Schema):
    steps: list[CmkTrackStepIn]


@router.put(
    "/cmk/programmes/{programme_id}/tracks/{track_code}",
    response={200: CmkTrackVersionOut, **errors(401, 403, 404, 409, 413, 422)},
)
def change_track(request, programme_id: str, track_code: str, payload: CmkTrackStepsIn):
    """The steps of a track in order (`{"steps": [{"name", "description"?}]}`). The current
    version changes in place while no participation used it; a used version is kept and a
    new current version is made. The same steps again change nothing."""
    programme = _programme(request, programme_id, "cmk.work")
    track = Track.objects.filter(programme=programme, code=track_code, is_current=True).first()
    if track is None:
        raise NotFound("No such track in this programme.")
    new = programmes.change_track_steps(
        track, [s.dict() for s in payload.steps], actor=request.user
    )
    return serialize_track(next(t for t in programmes.track_versions(programme) if t.pk == new.pk))


# --- targets, dashboard, calendar ---------------------------------------------------------


def _municipality_scope(request, programme):
    """A municipality role sees its own municipality's figures."""
    if access.role_of(request.user, programme) == CmkRole.MUNICIPALITY:
        ids = access.municipality_ids(request.user, programme)
        return programme.municipalities.filter(pk__in=ids).first()
    return None


@router.get(
    "/cmk/programmes/{programme_id}/targets",
    response={200: list[CmkTargetOut], **errors(401, 403, 404, 422)},
)
def get_targets(request, programme_id: str, records: bool = True):
    """Every indicator × milestone with the records behind the figure (`records=false`: the
    figures only, `records` empty)."""
    programme = _programme(request, programme_id, "cmk.view_aggregates")
    rows = target_service.compute(programme, municipality=_municipality_scope(request, programme))
    if not records:
        rows = [{**r, "records": []} for r in rows]
    return [serialize_target(r) for r in rows]


@router.get(
    "/cmk/programmes/{programme_id}/dashboard",
    response={200: CmkDashboardOut, **errors(401, 403, 404)},
)
def get_dashboard(request, programme_id: str):
    programme = _programme(request, programme_id, "cmk.view_aggregates")
    return dashboard_figures(programme, municipality=_municipality_scope(request, programme))


@router.get(
    "/cmk/programmes/{programme_id}/calendar",
    response={200: list[CmkDeadlineOut], **errors(401, 403, 404, 422)},
)
def get_calendar(
    request, programme_id: str, start: dt.date | None = None, end: dt.date | None = None
):
    programme = _programme(request, programme_id, "cmk.view_programme")
    items = deadlines.calendar(programme, start or programme.starts_on, end or programme.ends_on)
    return [
        {
            "on": _d(i["on"]),
            "kind": i["kind"],
            "title": i["title"],
            "id": str(i["deadline"].pk) if i["deadline"] else None,
        }
        for i in items
    ]


class CmkDeadlineIn(Schema):
    kind: Literal["funder", "questionnaire", "meeting", "conversation", "other"]
    title: str
    due_on: dt.date
    remind_days: int = Field(default=14, ge=0, le=365)


@router.post(
    "/cmk/programmes/{programme_id}/deadlines",
    response={201: CmkDeadlineOut, **errors(401, 403, 404, 413, 422)},
)
def add_deadline(request, programme_id: str, payload: CmkDeadlineIn):
    programme = _programme(request, programme_id, "cmk.work")
    d = deadlines.add_deadline(programme, **payload.dict(), actor=request.user)
    return Status(201, {"on": _d(d.due_on), "kind": d.kind, "title": d.title, "id": str(d.pk)})


class CmkTargetIn(Schema):
    indicator: str
    year: int | None = None
    target: int = Field(ge=0)


@router.put(
    "/cmk/programmes/{programme_id}/targets",
    response={200: list[CmkTargetOut], **errors(401, 403, 404, 413, 422)},
)
def set_target(request, programme_id: str, payload: CmkTargetIn):
    programme = _programme(request, programme_id, "cmk.work")
    indicator = programme.indicators.filter(code=payload.indicator).first()
    if indicator is None:
        from cultuurkaart.core.errors import ValidationFailed

        raise ValidationFailed(
            "Unknown indicator.",
            errors=[{"field": "indicator", "code": "unknown", "message": "Onbekende indicator."}],
        )
    programmes.set_target(indicator, payload.year, payload.target, actor=request.user)
    return [serialize_target(r) for r in target_service.compute(programme)]
