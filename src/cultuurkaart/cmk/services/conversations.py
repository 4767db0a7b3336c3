"""Account conversations (issue 13 point 3): planned and held conversations with every school
and institution twice a year, minutes with a shared part (the school's contact persons see
it) and a staff-only part (programme staff and the admin only, never the school, the steering
group or a municipality: not on a page, not in the API, not in an e-mail), and actions that
stay visible until closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import DomainError, ValidationFailed

from ..models import Action, Conversation, Participation
from . import participations as parts

MAX_MINUTES = 20_000


def half_year(day: dt.date) -> tuple[dt.date, dt.date]:
    """The half-year (1 Jan–30 Jun or 1 Jul–31 Dec) holding `day`."""
    if day.month <= 6:
        return dt.date(day.year, 1, 1), dt.date(day.year, 6, 30)
    return dt.date(day.year, 7, 1), dt.date(day.year, 12, 31)


def _date(value, field: str, errors: list) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append({"field": field, "code": "invalid", "message": "Ongeldige datum."})
        return None


def _clean_actions(actions, errors: list[dict]) -> list[tuple]:
    """Follow-up actions of a conversation as (text, due date); field errors into `errors`."""
    clean = []
    for i, item in enumerate(actions or []):
        text = str((item or {}).get("text") or "").strip()
        if not text or len(text) > 2000:
            errors.append(
                {"field": f"actions.{i}.text", "code": "required", "message": "Omschrijf de actie."}
            )
        due = _date((item or {}).get("due_on"), f"actions.{i}.due_on", errors)
        clean.append((text, due))
    return clean


def record_conversation(
    participation: Participation,
    *,
    held_on=None,
    planned_on=None,
    shared_minutes: str = "",
    staff_minutes: str = "",
    actions: list[dict[str, Any]] | None = None,
    actor,
) -> Conversation:
    """Plan a conversation (`planned_on`) or record one that was held (`held_on`, minutes,
    actions). A held date lies in the programme and not in the future."""
    errors: list[dict] = []
    held = _date(held_on, "held_on", errors)
    planned = _date(planned_on, "planned_on", errors)
    programme = participation.programme
    if held is None and planned is None and not errors:
        errors.append(
            {
                "field": "held_on",
                "code": "required",
                "message": "Vul de datum van het gesprek of de geplande datum in.",
            }
        )
    if held is not None and held > clock.today():
        errors.append(
            {"field": "held_on", "code": "in-future", "message": "Deze datum ligt in de toekomst."}
        )
    for field, day in (("held_on", held), ("planned_on", planned)):
        if day is not None and not programme.covers(day):
            errors.append(
                {
                    "field": field,
                    "code": "outside-programme",
                    "message": "Deze datum ligt buiten de looptijd van het programma.",
                }
            )
    shared = (shared_minutes or "").strip()
    staff = (staff_minutes or "").strip()
    if len(shared) > MAX_MINUTES or len(staff) > MAX_MINUTES:
        errors.append({"field": "shared_minutes", "code": "too-long", "message": "Te lang."})
    if (shared or staff) and held is None:
        errors.append(
            {
                "field": "held_on",
                "code": "required",
                "message": "Een verslag hoort bij een gehouden gesprek.",
            }
        )
    clean_actions = _clean_actions(actions, errors)
    if errors:
        raise ValidationFailed("The conversation is not valid.", errors=errors)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            participation=participation,
            planned_on=planned,
            held_on=held,
            shared_minutes=shared,
            staff_minutes=staff,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for text, due in clean_actions:
            parts.add_action(
                participation, text=text, due_on=due, conversation=conversation, actor=actor
            )
        _mail_shared_minutes(conversation)
        audit.record(
            "cmk.conversation.recorded",
            actor=actor,
            obj=conversation,
            data={
                "programme": programme.pk,
                "participation": participation.pk,
                "held": held is not None,
                "actions": len(clean_actions),
            },
        )
    return conversation


def complete_conversation(
    conversation: Conversation,
    *,
    held_on,
    shared_minutes: str = "",
    staff_minutes: str = "",
    actions: list[dict[str, Any]] | None = None,
    actor,
) -> Conversation:
    """A planned conversation was held: its date (in the programme, not in the future), the
    minutes (a shared and a staff-only part) and its actions. Once only (409
    `conversation-held`); audited with the before and after of the date, minutes' presence and
    number of actions (never the minutes themselves)."""
    errors: list[dict] = []
    held = _date(held_on, "held_on", errors)
    if held is None and not errors:
        errors.append({"field": "held_on", "code": "required", "message": "Vul de datum in."})
    shared = (shared_minutes or "").strip()
    staff = (staff_minutes or "").strip()
    for field, text in (("shared_minutes", shared), ("staff_minutes", staff)):
        if len(text) > MAX_MINUTES:
            errors.append({"field": field, "code": "too-long", "message": "Te lang."})
    clean_actions = _clean_actions(actions, errors)
    with transaction.atomic():
        locked = (
            Conversation.objects.select_for_update(of=("self",), no_key=True)
            .select_related("participation__programme")
            .get(pk=conversation.pk)
        )
        if locked.held_on is not None:
            raise DomainError(
                "This conversation was recorded already.", type="conversation-held", status=409
            )
        programme = locked.participation.programme
        if held is not None and held > clock.today():
            errors.append(
                {
                    "field": "held_on",
                    "code": "in-future",
                    "message": "Deze datum ligt in de toekomst.",
                }
            )
        elif held is not None and not programme.covers(held):
            errors.append(
                {
                    "field": "held_on",
                    "code": "outside-programme",
                    "message": "Deze datum ligt buiten de looptijd van het programma.",
                }
            )
        if errors:
            raise ValidationFailed("The conversation is not valid.", errors=errors)
        before = {"held_on": None, "planned_on": _iso(locked.planned_on), "minutes": False}
        locked.held_on = held
        locked.shared_minutes = shared
        locked.staff_minutes = staff
        locked.save(update_fields=["held_on", "shared_minutes", "staff_minutes"])
        for text, due in clean_actions:
            parts.add_action(
                locked.participation, text=text, due_on=due, conversation=locked, actor=actor
            )
        _mail_shared_minutes(locked)
        audit.record(
            "cmk.conversation.held",
            actor=actor,
            obj=locked,
            data={
                "programme": programme.pk,
                "participation": locked.participation_id,
                "before": before,
                "after": {
                    "held_on": _iso(held),
                    "planned_on": _iso(locked.planned_on),
                    "minutes": bool(shared or staff),
                    "actions": len(clean_actions),
                },
            },
        )
    return locked


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _mail_shared_minutes(conversation: Conversation) -> None:
    """The school's contact persons get the shared part of the minutes and the actions by
    e-mail. The staff-only part is never put in the context of a mail."""
    from .deadlines import contact_addresses

    if conversation.held_on is None or not conversation.shared_minutes:
        return
    participation = conversation.participation
    context = {
        "school": participation.location.name,
        "held_on": conversation.held_on,
        "shared_minutes": conversation.shared_minutes,
        "actions": [
            {"text": a.text, "due_on": a.due_on} for a in conversation.actions.order_by("pk")
        ],
        "participation_id": participation.pk,
    }
    mail.send("cmk_conversation_minutes", contact_addresses(participation, clock.today()), context)


def without_conversation(programme, *, day: dt.date | None = None, participations=None):
    """Participations (not ended) with no held conversation in the half-year of `day`."""
    start, end = half_year(day or clock.today())
    held = Conversation.objects.filter(
        participation=OuterRef("pk"), held_on__gte=start, held_on__lte=end
    )
    qs = participations if participations is not None else Participation.objects.all()
    return (
        qs.filter(programme=programme, ended_on__isnull=True)
        .annotate(has_conversation=Exists(held))
        .filter(has_conversation=False)
        .select_related("location", "municipality", "track", "current_step", "advisor")
        .order_by("location__name")
    )


def open_actions(participation=None, *, programme=None):
    qs = Action.objects.filter(closed_at__isnull=True)
    if participation is not None:
        qs = qs.filter(participation=participation)
    if programme is not None:
        qs = qs.filter(participation__programme=programme)
    return qs.select_related("participation__location", "assignee").order_by("due_on", "pk")
