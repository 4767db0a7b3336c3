"""Submits at the same moment on PostgreSQL (real threads): every one gets its own attempt
number (the student's `Work` row lock); a release while feedback is edited releases one
consistent copy."""

from __future__ import annotations

import pytest
from django.db import connection

from cultuurkaart.core import clock
from cultuurkaart.ledger.tests.test_concurrency import run_threads
from cultuurkaart.teaching.models import Feedback, Submission
from cultuurkaart.teaching.services import assignments as service

from .factories import NOW, dossier_school, make_assignment, person_of, student, teacher

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"
    ),
]


def test_concurrent_submits_get_distinct_attempts():
    school = dossier_school()
    t, ann = teacher(school), student(school)
    with clock.frozen(NOW):
        a = make_assignment(school, t)
    person = person_of(ann)

    def submit(i):
        with clock.frozen(NOW):
            return service.submit(a, person, ann, text=f"versie {i}", actor=ann).attempt

    results = run_threads(6, submit)
    assert all(kind == "ok" for kind, _r in results), results
    assert sorted(r for _k, r in results) == [1, 2, 3, 4, 5, 6]
    assert Submission.objects.filter(assignment=a).count() == 6


def test_concurrent_releases_release_once():
    school = dossier_school()
    t, ann = teacher(school), student(school)
    with clock.frozen(NOW):
        a = make_assignment(school, t)
        sub = service.submit(a, person_of(ann), ann, text="x", actor=ann)
        service.give_feedback(sub, comment="Goed", grade="8", actor=t)

    def release(_i):
        with clock.frozen(NOW):
            return service.release(a, actor=t)

    results = run_threads(4, release)
    assert sorted(r for _k, r in results) == [0, 0, 0, 1]  # one release, one e-mail
    fb = Feedback.objects.get()
    assert (fb.released_comment, fb.released_grade) == ("Goed", "8")
