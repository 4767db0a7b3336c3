"""Private notes by teachers about a student (SPEC §11, seed 004 "de leraar kan persoonlijke
notities maken"). Only the student's dossier teachers at the school of the roster entry
read them; no page, API answer, e-mail, export or transfer of the student ever contains
them (the only readers are `notes_for` and the teacher's pages that call it)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import NotFound, ValidationFailed

from ..models import PrivateNote
from . import classes
from .text import plain

MAX_NOTE = 5000


def student_at(school, person_id) -> object:
    """The school's student (roster entry) with the dossier on for their class; else 404."""
    person = classes.students(school, person_ids=[person_id]).first() if person_id else None
    if person is None or not classes.is_dossier_student(person):
        raise NotFound("Not found")
    return person


def add_note(school, person, text: str, *, actor) -> PrivateNote:
    text = plain(text)[:MAX_NOTE]
    if not text:
        raise ValidationFailed(
            _("Schrijf een notitie."),
            errors=[{"field": "text", "code": "required", "message": "Write a note."}],
        )
    with transaction.atomic():
        note = PrivateNote.objects.create(
            school=school, person=person, author=actor, text=text, created_at=clock.now()
        )
        # ids only: the note's text is personal data and stays out of the audit log
        audit.record("teaching.note.added", actor=actor, obj=note, school_id=school.pk)
    return note


def notes_for(school, person):
    return (
        PrivateNote.objects.filter(school=school, person=person)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )
