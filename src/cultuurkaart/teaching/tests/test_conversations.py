"""Reflection conversations and their reminder job (issue 12 point 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import TestCase

from cultuurkaart.core import clock, jobs
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.dossier.models import Enablement
from cultuurkaart.teaching.services import conversations

from .factories import NOW, dossier_school, person_of, student, teacher

pytestmark = pytest.mark.django_db


def test_a_conversation_needs_date_participants_and_summary():
    school = dossier_school()
    t, ann = teacher(school), student(school)
    with clock.frozen(NOW):
        with pytest.raises(ValidationFailed):
            conversations.record_conversation(
                school,
                person_of(ann),
                held_on=NOW.date() + dt.timedelta(days=1),
                participants="x",
                summary="y",
                actor=t,
            )
        with pytest.raises(ValidationFailed):
            conversations.record_conversation(
                school, person_of(ann), held_on=NOW.date(), participants="", summary="y", actor=t
            )
        row = conversations.record_conversation(
            school,
            person_of(ann),
            held_on=NOW.date(),
            participants="Ann en mentor",
            summary="Samen gekeken",
            next_learning_question="Hoe werkt licht?",
            actor=t,
        )
    assert list(conversations.shared_with(ann)) == [row]


def _run(at):
    mail.outbox.clear()
    with clock.frozen(at), TestCase.captureOnCommitCallbacks(execute=True):
        return jobs.run("remind-reflection-conversations")


def test_the_reminder_names_a_count_once_per_quiet_period():
    school = dossier_school()
    t1, t2 = teacher(school), teacher(school)
    ann, bob = student(school), student(school)
    with clock.frozen(NOW):
        conversations.record_conversation(
            school,
            person_of(ann),
            held_on=NOW.date() - dt.timedelta(days=30),
            participants="x",
            summary="y",
            actor=t1,
        )
    assert _run(NOW) == {"students": 1, "emails": 2}  # bob had none; one e-mail per teacher
    assert sorted(m.to[0] for m in mail.outbox) == sorted([t1.email, t2.email])
    body = mail.outbox[0].body
    assert person_of(bob).first_name not in body and person_of(bob).last_name not in body
    assert _run(NOW + dt.timedelta(days=1)) == {"students": 0, "emails": 0}  # twice: nothing
    assert _run(NOW + dt.timedelta(days=31))["students"] == 1  # after 30 days again


def test_the_interval_is_the_schools_and_its_boundary():
    school = dossier_school()
    Enablement.objects.filter(school=school).update(conversation_interval_months=2)
    t, ann = teacher(school), student(school)
    held = dt.date(2024, 1, 4)
    with clock.frozen(NOW):
        conversations.record_conversation(
            school, person_of(ann), held_on=held, participants="x", summary="y", actor=t
        )
    # NOW is 4 March: exactly two months after 4 January → not due yet
    assert conversations.due_students(school, dt.date(2024, 3, 4)) == []
    assert conversations.due_students(school, dt.date(2024, 3, 5)) == [person_of(ann)]


def test_schools_without_the_dossier_get_nothing():
    school = dossier_school()
    teacher(school)
    student(school)
    Enablement.objects.filter(school=school).delete()
    assert _run(NOW) == {"students": 0, "emails": 0}
