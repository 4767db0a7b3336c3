"""Reflection conversations (SPEC §11): date, participants, a summary shared with the
student, the next learning question; and the reminder when a student had none within the
school's interval (`dossier.Enablement.conversation_interval_months`, default 6)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.dossier.models import Enablement
from cultuurkaart.dossier.services import access

from ..constants import REMINDER_QUIET_DAYS
from ..models import ConversationReminder, ReflectionConversation
from . import classes
from .text import plain


def _invalid(field, message):
    return ValidationFailed(
        message, errors=[{"field": field, "code": "invalid", "message": message}]
    )


def record_conversation(
    school,
    person,
    *,
    held_on: dt.date,
    participants: str,
    summary: str,
    next_learning_question: str = "",
    actor,
) -> ReflectionConversation:
    participants = plain(participants)[:300]
    summary = plain(summary)[:5000]
    if held_on is None or held_on > clock.today() or not clock.is_sane_date(held_on):
        raise _invalid("held_on", _("Een gesprek heeft een datum, niet in de toekomst."))
    if not participants:
        raise _invalid("participants", _("Noem wie er aan het gesprek meededen."))
    if not summary:
        raise _invalid("summary", _("Schrijf een samenvatting die de leerling ziet."))
    with transaction.atomic():
        row = ReflectionConversation.objects.create(
            school=school,
            person=person,
            held_on=held_on,
            participants=participants,
            summary=summary,
            next_learning_question=plain(next_learning_question)[:300],
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record("teaching.conversation.recorded", actor=actor, obj=row, school_id=school.pk)
    return row


def conversations_of(school, person):
    return ReflectionConversation.objects.filter(school=school, person=person).order_by(
        "-held_on", "-pk"
    )


def shared_with(user):
    """The conversations of the member (summary and next learning question are shared)."""
    persons = classes.persons_of(user)
    return ReflectionConversation.objects.filter(person__in=persons).order_by("-held_on", "-pk")


def interval_months(school) -> int:
    row = access.enablement_settings(school)
    return row.conversation_interval_months if row is not None else 6


def _months_back(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, last))


def due_students(school, today: dt.date | None = None) -> list:
    """The school's dossier students (with an account) without a conversation since the
    interval began."""
    today = today or clock.today()
    since = _months_back(today, interval_months(school))
    groups = [row["name"] for row in classes.classes(school)]
    people = list(classes.students(school, groups=groups))
    users = classes.users_of([p.pk for p in people])
    last = dict(
        ReflectionConversation.objects.filter(school=school, person__in=people)
        .values("person_id")
        .annotate(last=Max("held_on"))
        .values_list("person_id", "last")
    )
    return [p for p in people if p.pk in users and (last.get(p.pk) or dt.date.min) < since]


def send_reminders(now: dt.datetime | None = None) -> dict:
    """Job `remind-reflection-conversations` (daily): per school with the dossier, one
    e-mail to its dossier teachers with the number of students who had no reflection
    conversation within the interval; a student is counted again only after 30 days. The
    e-mail names no student (the list is on the class overview)."""
    now = now or clock.now()
    today = now.astimezone(clock.AMSTERDAM).date()
    quiet = now - dt.timedelta(days=REMINDER_QUIET_DAYS)
    schools = {e.school for e in Enablement.objects.select_related("school")}
    mails = students = 0
    for school in sorted(schools, key=lambda s: s.pk):
        due = due_students(school, today)
        recent = set(
            ConversationReminder.objects.filter(
                school=school, person__in=due, sent_at__gt=quiet
            ).values_list("person_id", flat=True)
        )
        fresh = [p for p in due if p.pk not in recent]
        if not fresh:
            continue
        with transaction.atomic():
            ConversationReminder.objects.bulk_create(
                [ConversationReminder(school=school, person=p, sent_at=now) for p in fresh]
            )
            for teacher in access.dossier_teachers(school):
                mail.send(
                    "teaching_conversation_reminder",
                    [teacher.email],
                    {
                        "school_id": school.pk,
                        "count": len(fresh),
                        "months": interval_months(school),
                    },
                    language=teacher.language or "nl",
                )
                mails += 1
            audit.record(
                "teaching.conversation.reminded",
                school_id=school.pk,
                data={"students": len(fresh)},
            )
        students += len(fresh)
    return {"students": students, "emails": mails}
