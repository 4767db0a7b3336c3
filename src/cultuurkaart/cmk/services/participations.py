"""Participations, tracks and steps, cycles, contacts and follow-up actions (SPEC §12,
issue 13 point 2).

Rules:
- a participation has exactly one current step in its current cycle (`current_step`);
- moving forward stamps the date (`step_since`, the history row); moving back needs a reason
  (422 `reason-required`);
- a school is a prospect until the track's `prospect_until_step` (track 2: step 2) is done,
  that is until it moved past it;
- completing the last step of track 2 moves the school to step 1 of the current version of
  track 1 (cycle 1); completing track 1 closes the cycle until staff opens the next one (one
  cycle per calendar year);
- a new contact for a role ends the previous one the day before and gives the advisor a
  follow-up action.

Lock order: the participation row (select_for_update(of=("self",), no_key=True))."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import Conflict, DomainError, NotFound, ValidationFailed

from ..constants import INSTITUTION_KIND, SCHOOL_KINDS, ActionKind, ContactRole
from ..models import Action, Contact, Municipality, Participation, StepChange, Track, TrackStep

# Days an advisor gets for the follow-up of a new contact person.
CONTACT_FOLLOW_UP_DAYS = 14


def _refuse(field: str, code: str, message: str, detail: str, status=422, type=None):
    raise DomainError(
        detail,
        type=type or "validation-error",
        status=status,
        errors=[{"field": field, "code": code, "message": message}],
    )


def current_track(programme, code: str) -> Track | None:
    return Track.objects.filter(programme=programme, code=code, is_current=True).first()


def add_participation(
    programme,
    *,
    location_code: str,
    track: str | None,
    municipality: str | None = None,
    advisor=None,
    actor,
) -> Participation:
    """A school (PO, SBO, VO: with a track) or cultural institution (no track) joins the
    programme at step 1 of the current version of its track."""
    from cultuurkaart.schools.models import Location

    code = str(location_code or "").strip().upper().replace(" ", "")
    location = Location.objects.filter(code=code).first()
    if location is None:
        _refuse(
            "location_code",
            "unknown-location",
            "Deze locatie staat niet in het register.",
            "Unknown registry location.",
            type="unknown-location",
        )
    if location.kind not in (*SCHOOL_KINDS, INSTITUTION_KIND):
        _refuse(
            "location_code",
            "wrong-kind",
            "Alleen PO-, SBO- en VO-scholen en culturele instellingen doen mee.",
            "This kind of location cannot take part.",
        )
    track_obj = None
    if location.kind == INSTITUTION_KIND:
        if track:
            _refuse(
                "track",
                "no-track-for-institutions",
                "Culturele instellingen volgen geen spoor.",
                "Institutions follow no track.",
            )
    else:
        track_obj = current_track(programme, track or "")
        if track_obj is None:
            _refuse("track", "unknown-track", "Kies spoor 1 of spoor 2.", "Unknown track.")
    mun = None
    name = (municipality or location.municipality or "").strip()
    if name:
        mun = Municipality.objects.filter(programme=programme, name__iexact=name).first()
        if mun is None and municipality:
            _refuse(
                "municipality",
                "unknown-municipality",
                "Deze gemeente hoort niet bij het programma.",
                "Unknown municipality.",
            )
    today = clock.today()
    with transaction.atomic():
        if Participation.objects.filter(programme=programme, location=location).exists():
            raise Conflict(
                "This location already takes part in the programme.",
                type="already-participating",
            )
        first = track_obj.steps.order_by("number").first() if track_obj else None
        participation = Participation.objects.create(
            programme=programme,
            location=location,
            municipality=mun,
            track=track_obj,
            cycle=1,
            current_step=first,
            step_since=today if first else None,
            prospect=bool(track_obj and track_obj.prospect_until_step),
            new_school=bool(track_obj and track_obj.prospect_until_step),
            joined_on=today,
            advisor=advisor,
        )
        if first is not None:
            StepChange.objects.create(
                participation=participation,
                track=track_obj,
                cycle=1,
                from_number=None,
                to_number=first.number,
                kind="start",
                on=today,
                by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        audit.record(
            "cmk.participation.added",
            actor=actor,
            obj=participation,
            data={
                "programme": programme.pk,
                "location": location.pk,
                "track": track_obj.code if track_obj else None,
            },
        )
    return participation


def _lock(participation) -> Participation:
    return (
        Participation.objects.select_for_update(of=("self",), no_key=True)
        .select_related("track", "current_step", "programme")
        .get(pk=participation.pk)
    )


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def cycle_started_on(participation) -> dt.date | None:
    change = (
        StepChange.objects.filter(
            participation=participation,
            track=participation.track_id,
            cycle=participation.cycle,
            kind__in=("start", "cycle"),
        )
        .order_by("-at", "-pk")
        .first()
    )
    return change.on if change else None


def move_step(
    participation, number: int, *, reason: str = "", complete: bool = False, actor
) -> Participation:
    """Move the current step. `complete` (or `number` = last step + 1) marks the last step
    done. Returns the participation as it is afterwards."""
    reason = (reason or "").strip()
    with transaction.atomic():
        p = _lock(participation)
        if p.track is None:
            _refuse("number", "no-track", "Deze deelnemer volgt geen spoor.", "No track.")
        steps = {s.number: s for s in p.track.steps.all()}
        last = max(steps)
        if not isinstance(number, int) or isinstance(number, bool):
            _refuse("number", "invalid", "Kies een stap.", "Invalid step.")
        if number == last + 1:
            number, complete = last, True
        if number not in steps:
            _refuse(
                "number", "invalid-step", f"Kies een stap van 1 tot en met {last}.", "No such step."
            )
        current = p.current_step.number
        today = clock.today()
        before = {
            "track": p.track.code,
            "version": p.track.version,
            "cycle": p.cycle,
            "step": current,
            "completed": p.cycle_completed_on is not None,
            "prospect": p.prospect,
        }
        backward = number < current or (number == current and p.cycle_completed_on and not complete)
        if backward:
            if not reason:
                raise DomainError(
                    "Moving back a step needs a reason.",
                    type="reason-required",
                    status=422,
                    errors=[
                        {
                            "field": "reason",
                            "code": "reason-required",
                            "message": "Geef een reden om een stap terug te gaan.",
                        }
                    ],
                )
            _set_step(p, steps[number], today)
            p.cycle_completed_on = None
            _history(p, current, number, "backward", today, reason, actor)
        elif number > current:
            _set_step(p, steps[number], today)
            _history(p, current, number, "forward", today, reason, actor)
        if complete:
            if number != last:
                _refuse("number", "not-last-step", "Alleen de laatste stap rondt af.", "Not last.")
            if p.cycle_completed_on is not None:
                raise Conflict("This cycle is complete already.", type="cycle-completed")
            _history(p, last, last, "complete", today, reason, actor)
            if p.track.completes_to:
                nxt = current_track(p.programme, p.track.completes_to)
                if nxt is None:
                    raise DomainError("The next track is missing.", type="track-missing")
                p.track = nxt
                p.cycle = 1
                _set_step(p, nxt.steps.order_by("number").first(), today)
                p.cycle_completed_on = None
                _history(p, None, p.current_step.number, "start", today, "", actor)
            else:
                p.cycle_completed_on = today
        _update_prospect(p, today)
        p.save()
        after = {
            "track": p.track.code,
            "version": p.track.version,
            "cycle": p.cycle,
            "step": p.current_step.number,
            "completed": p.cycle_completed_on is not None,
            "prospect": p.prospect,
        }
        if after != before:
            audit.record(
                "cmk.step.changed",
                actor=actor,
                obj=p,
                data={"programme": p.programme_id, "before": before, "after": after},
            )
    return p


def _set_step(p: Participation, step: TrackStep, today: dt.date) -> None:
    p.current_step = step
    p.step_since = today


def _history(p, from_number, to_number, kind, today, reason, actor) -> None:
    StepChange.objects.create(
        participation=p,
        track=p.track,
        cycle=p.cycle,
        from_number=from_number,
        to_number=to_number,
        kind=kind,
        on=today,
        reason=reason,
        by=_actor(actor),
    )


def _update_prospect(p: Participation, today: dt.date) -> None:
    until = p.track.prospect_until_step
    p.prospect = bool(until) and p.current_step.number <= until
    if until:
        p.committed_on = None if p.prospect else (p.committed_on or today)


def open_cycle(participation, *, actor) -> Participation:
    """Track 1: open the next yearly cycle at step 1 (one cycle per calendar year)."""
    with transaction.atomic():
        p = _lock(participation)
        if p.track is None or not p.track.cyclic:
            raise DomainError(
                "Only track 1 has yearly cycles.",
                type="not-cyclic",
                status=422,
                errors=[
                    {
                        "field": "track",
                        "code": "not-cyclic",
                        "message": "Alleen spoor 1 kent jaarlijkse cycli.",
                    }
                ],
            )
        today = clock.today()
        started = cycle_started_on(p)
        if started is not None and started.year == today.year:
            raise Conflict("A cycle was opened this year already.", type="cycle-already-open")
        before = {"cycle": p.cycle, "step": p.current_step.number}
        p.cycle += 1
        # The newest version of the track for the new cycle.
        newest = current_track(p.programme, p.track.code) or p.track
        p.track = newest
        _set_step(p, newest.steps.order_by("number").first(), today)
        p.cycle_completed_on = None
        _history(p, None, p.current_step.number, "cycle", today, "", actor)
        p.save()
        audit.record(
            "cmk.cycle.opened",
            actor=actor,
            obj=p,
            data={
                "programme": p.programme_id,
                "before": before,
                "after": {"cycle": p.cycle, "step": p.current_step.number},
            },
        )
    return p


def end_participation(participation, *, on: dt.date | None = None, reason: str = "", actor):
    """The school or institution stops taking part (from `on`, today by default): it leaves
    the dashboard and the conversation list; its history and counted records stay."""
    reason = (reason or "").strip()
    if not reason:
        _refuse(
            "reason",
            "reason-required",
            "Geef een reden.",
            "A reason is required.",
            type="reason-required",
        )
    with transaction.atomic():
        p = _lock(participation)
        if p.ended_on is not None:
            raise Conflict("The participation has ended already.", type="participation-ended")
        on = on or clock.today()
        if on < p.joined_on:
            _refuse("on", "before-joining", "Dat is voor de start.", "Before joining.")
        p.ended_on = on
        p.save(update_fields=["ended_on"])
        audit.record(
            "cmk.participation.ended",
            actor=actor,
            obj=p,
            data={"programme": p.programme_id, "before": None, "after": on.isoformat()},
        )
    return p


# --- contacts and actions ---------------------------------------------------------------


def set_contact(
    participation,
    *,
    role: str,
    name: str,
    email: str = "",
    phone: str = "",
    valid_from: dt.date | None = None,
    actor,
) -> Contact:
    """Record the contact for a role from `valid_from` (today by default). A change ends the
    previous contact the day before and creates a follow-up action for the advisor."""
    from cultuurkaart.schools.services import clean_email

    errors: list[dict] = []
    if role not in ContactRole.values:
        errors.append({"field": "role", "code": "invalid", "message": "Kies een rol."})
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors.append({"field": "name", "code": "required", "message": "Vul een naam in."})
    if email:
        email = clean_email(email, "email", errors)
    phone = (phone or "").strip()[:30]
    if errors:
        raise ValidationFailed("The contact is not valid.", errors=errors)
    valid_from = valid_from or clock.today()
    with transaction.atomic():
        p = _lock(participation)
        previous = Contact.objects.filter(
            participation=p, role=role, valid_until__isnull=True
        ).first()
        if previous is not None and valid_from <= previous.valid_from:
            _refuse(
                "valid_from",
                "before-previous",
                "De nieuwe contactpersoon begint na de vorige.",
                "The new contact starts before the current one.",
            )
        if previous is not None:
            previous.valid_until = valid_from - dt.timedelta(days=1)
            previous.save(update_fields=["valid_until"])
        contact = Contact.objects.create(
            participation=p,
            role=role,
            name=name,
            email=email or "",
            phone=phone,
            valid_from=valid_from,
        )
        action = None
        if previous is not None:
            action = Action.objects.create(
                participation=p,
                kind=ActionKind.CONTACT_CHANGE,
                text=f"Kennismaken met de nieuwe {ContactRole(role).label.lower()}",
                due_on=valid_from + dt.timedelta(days=CONTACT_FOLLOW_UP_DAYS),
                assignee=p.advisor,
            )
        audit.record(
            "cmk.contact.set",
            actor=actor,
            obj=contact,
            data={
                "programme": p.programme_id,
                "participation": p.pk,
                "role": role,
                "previous": previous.pk if previous else None,
                "follow_up": action.pk if action else None,
            },
        )
    return contact


def set_advisor(participation, advisor, *, actor) -> Participation:
    from cultuurkaart.accounts.constants import RoleName

    if (
        advisor is not None
        and not advisor.roles.filter(
            role=RoleName.CMK_STAFF, cmk_programme=participation.programme_id
        ).exists()
    ):
        raise NotFound("No such advisor in this programme.")
    with transaction.atomic():
        p = _lock(participation)
        before = p.advisor_id
        p.advisor = advisor
        p.save(update_fields=["advisor"])
        Action.objects.filter(participation=p, closed_at__isnull=True, assignee_id=before).update(
            assignee=advisor
        )
        audit.record(
            "cmk.advisor.set",
            actor=actor,
            obj=p,
            data={"before": before, "after": advisor.pk if advisor else None},
        )
    return p


def add_action(participation, *, text: str, due_on=None, conversation=None, actor) -> Action:
    text = (text or "").strip()
    if not text or len(text) > 2000:
        raise ValidationFailed(
            "An action needs a text.",
            errors=[{"field": "text", "code": "required", "message": "Omschrijf de actie."}],
        )
    return Action.objects.create(
        participation=participation,
        conversation=conversation,
        kind=ActionKind.CONVERSATION if conversation else ActionKind.OTHER,
        text=text,
        due_on=due_on,
        assignee=participation.advisor,
    )


def close_action(action: Action, *, actor) -> Action:
    with transaction.atomic():
        locked = Action.objects.select_for_update(of=("self",), no_key=True).get(pk=action.pk)
        if locked.closed_at is not None:
            raise Conflict("The action is closed already.", type="action-closed")
        locked.closed_at = clock.now()
        locked.closed_by = _actor(actor)
        locked.save(update_fields=["closed_at", "closed_by"])
        audit.record(
            "cmk.action.closed",
            actor=actor,
            obj=locked,
            data={"participation": locked.participation_id},
        )
    return locked
