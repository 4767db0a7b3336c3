"""The deadline calendar and its e-mail reminders (issue 13 point 10).

The calendar joins the programme's `Deadline` rows (funder accountability dates,
questionnaire windows of cmk_evaluation, planned meetings, anything the office adds) with
planned account conversations. The job `cmk-reminders` (daily) mails programme staff about
deadlines `remind_days` ahead, and the advisor and the school's contact persons about a
planned conversation a week ahead; each reminder is sent once (`reminded_at`). Reminders
carry dates and names of schools only: never minutes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import User
from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import ValidationFailed

from ..constants import DeadlineKind
from ..models import Contact, Conversation, Deadline, Programme

CONVERSATION_REMINDER_DAYS = 7


def add_deadline(
    programme, *, kind: str, title: str, due_on, remind_days: int = 14, ref: str = "", actor
) -> Deadline:
    errors: list[dict] = []
    if kind not in DeadlineKind.values:
        errors.append({"field": "kind", "code": "invalid", "message": "Kies een soort."})
    title = (title or "").strip()
    if not title or len(title) > 300:
        errors.append({"field": "title", "code": "required", "message": "Vul een titel in."})
    if not isinstance(due_on, dt.date):
        try:
            due_on = dt.date.fromisoformat(str(due_on))
        except ValueError:
            errors.append({"field": "due_on", "code": "invalid", "message": "Ongeldige datum."})
    if (
        isinstance(remind_days, bool)
        or not isinstance(remind_days, int)
        or not 0 <= remind_days <= 365
    ):
        errors.append(
            {"field": "remind_days", "code": "invalid", "message": "Tussen 0 en 365 dagen."}
        )
    if errors:
        raise ValidationFailed("The deadline is not valid.", errors=errors)
    with transaction.atomic():
        deadline = Deadline.objects.create(
            programme=programme,
            kind=kind,
            title=title,
            due_on=due_on,
            remind_days=remind_days,
            ref=ref[:60],
        )
        audit.record(
            "cmk.deadline.added",
            actor=actor,
            obj=deadline,
            data={"programme": programme.pk, "kind": kind, "due_on": due_on.isoformat()},
        )
    return deadline


def remove_deadline(deadline: Deadline, *, actor) -> None:
    with transaction.atomic():
        audit.record(
            "cmk.deadline.removed",
            actor=actor,
            obj=deadline,
            data={"programme": deadline.programme_id, "due_on": deadline.due_on.isoformat()},
        )
        deadline.delete()


def calendar(programme, start: dt.date, end: dt.date, *, participations=None) -> list[dict]:
    """Items between `start` and `end` (inclusive), by date: deadlines and planned
    conversations (of `participations` when given)."""
    items = [
        {
            "on": d.due_on,
            "kind": d.kind,
            "kind_label": d.get_kind_display(),
            "title": d.title,
            "deadline": d,
            "conversation": None,
        }
        for d in Deadline.objects.filter(programme=programme, due_on__range=(start, end))
    ]
    planned = Conversation.objects.filter(
        participation__programme=programme,
        held_on__isnull=True,
        planned_on__range=(start, end),
    ).select_related("participation__location")
    if participations is not None:
        planned = planned.filter(participation__in=participations)
    for c in planned:
        items.append(
            {
                "on": c.planned_on,
                "kind": DeadlineKind.CONVERSATION,
                "kind_label": DeadlineKind.CONVERSATION.label,
                "title": c.participation.location.name,
                "deadline": None,
                "conversation": c,
            }
        )
    return sorted(items, key=lambda i: (i["on"], i["kind"], i["title"]))


def staff_addresses(programme) -> list[str]:
    return sorted(
        User.objects.filter(
            is_active=True, roles__role=RoleName.CMK_STAFF, roles__cmk_programme=programme
        )
        .values_list("email", flat=True)
        .distinct()
    )


def contact_addresses(participation, on: dt.date) -> list[str]:
    """The school's current contact persons (dated contacts) and its people with a login."""
    dated = Contact.objects.filter(
        participation=participation, valid_from__lte=on, email__gt=""
    ).exclude(valid_until__lt=on)
    users = User.objects.filter(
        is_active=True, roles__role=RoleName.CMK_CONTACT, roles__cmk_participation=participation
    )
    return sorted(
        set(dated.values_list("email", flat=True)) | set(users.values_list("email", flat=True))
    )


def send_reminders(now: dt.datetime | None = None) -> dict:
    """Idempotent: each deadline and each planned conversation is reminded once."""
    now = now or clock.now()
    today = clock.today()
    deadlines = 0
    for deadline in Deadline.objects.filter(
        reminded_at__isnull=True, due_on__gte=today
    ).select_related("programme"):
        if deadline.due_on - dt.timedelta(days=deadline.remind_days) > today:
            continue
        with transaction.atomic():
            if not Deadline.objects.filter(pk=deadline.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            mail.send(
                "cmk_deadline_reminder",
                staff_addresses(deadline.programme),
                {"deadline": deadline, "programme": deadline.programme},
            )
            deadlines += 1
    conversations = 0
    horizon = today + dt.timedelta(days=CONVERSATION_REMINDER_DAYS)
    for conversation in Conversation.objects.filter(
        held_on__isnull=True, reminded_at__isnull=True, planned_on__range=(today, horizon)
    ).select_related(
        "participation__location", "participation__advisor", "participation__programme"
    ):
        participation = conversation.participation
        with transaction.atomic():
            if not Conversation.objects.filter(pk=conversation.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            advisor = participation.advisor
            staff = [advisor.email] if advisor else staff_addresses(participation.programme)
            context = {
                "school": participation.location.name,
                "planned_on": conversation.planned_on,
                "programme": participation.programme,
            }
            mail.send("cmk_conversation_reminder", staff, context)
            mail.send(
                "cmk_conversation_reminder",
                contact_addresses(participation, today),
                context,
            )
            conversations += 1
    return {"deadlines": deadlines, "conversations": conversations}


def programmes_running(day: dt.date):
    return Programme.objects.filter(starts_on__lte=day, ends_on__gte=day)
