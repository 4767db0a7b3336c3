"""Assignments, submissions, feedback, release and extensions (issue 12 point 4)."""

from __future__ import annotations

import hashlib

import pytest
from django.core import mail
from django.core.files.storage import default_storage

from cultuurkaart.core import clock
from cultuurkaart.core.errors import NotFound, ValidationFailed
from cultuurkaart.teaching.models import Submission
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services.assignments import AssignmentClosed, AssignmentNotOpen

from .factories import (
    DAY,
    NOW,
    dossier_school,
    make_assignment,
    make_media,
    person_of,
    png_bytes,
    student,
    teacher,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    school = dossier_school()
    return {
        "school": school,
        "teacher": teacher(school),
        "ann": student(school, group="3B"),
        "bob": student(school, group="3B"),
        "other_class": student(school, group="4A"),
    }


def _state(user, assignment):
    rows = [r for r in service.student_assignments(user) if r["assignment"].pk == assignment.pk]
    return rows[0] if rows else None


def test_a_class_assignment_reaches_its_students_only(world):
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
        assert _state(world["ann"], a)["state"] == "not_started"
        assert _state(world["bob"], a) is not None
        assert _state(world["other_class"], a) is None
        with pytest.raises(NotFound):
            service.assignment_for_student(a.pk, world["other_class"])


def test_a_student_who_joins_the_class_later_gets_it(world):
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
        late_joiner = student(world["school"], group="3B")
        assert _state(late_joiner, a)["state"] == "not_started"


def test_an_assignment_for_single_students(world):
    with clock.frozen(NOW):
        a = make_assignment(
            world["school"],
            world["teacher"],
            group=None,
            person_ids=[person_of(world["other_class"]).pk],
        )
        assert _state(world["other_class"], a) is not None
        assert _state(world["ann"], a) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due": NOW - 2 * DAY}, "due_at"),  # before opening
        ({"cutoff": NOW + DAY}, "cutoff_at"),  # before the due date
        ({"group": "9Z"}, "class_ids"),  # not a class of the school
        ({"text": False, "files": 0}, "submission"),
        ({"competencies": ["zingen"]}, "competencies"),
        ({"rubric": {"criteria": [{"name": "Onderzoek", "levels": ["alleen"]}]}}, "rubric"),
    ],
)
def test_invalid_assignments_are_refused(world, change, field):
    with clock.frozen(NOW), pytest.raises(ValidationFailed) as refused:
        make_assignment(world["school"], world["teacher"], **change)
    assert refused.value.errors[0]["field"] == field


def test_a_student_of_another_school_cannot_be_named(world):
    other = dossier_school()
    stranger = student(other)
    with clock.frozen(NOW), pytest.raises(ValidationFailed):
        make_assignment(
            world["school"], world["teacher"], group=None, person_ids=[person_of(stranger).pk]
        )


def test_not_open_yet_is_invisible_and_refused(world):
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"], opens=NOW + DAY)
        assert _state(world["ann"], a) is None
        with pytest.raises(AssignmentNotOpen):
            service.submit(a, person_of(world["ann"]), world["ann"], text="x", actor=None)


def test_states_draft_submitted_returned_graded(world):
    ann, t = world["ann"], world["teacher"]
    with clock.frozen(NOW):
        a = make_assignment(world["school"], t)
        service.save_work(a, ann, text="Eerste versie", actor=ann)
        assert _state(ann, a)["state"] == "draft"
        sub = service.submit(a, person_of(ann), ann, actor=ann)
        assert sub.text == "Eerste versie" and sub.attempt == 1 and not sub.late
        assert _state(ann, a)["state"] == "submitted"
        service.give_feedback(sub, comment="Mooi begin", actor=t)
        assert _state(ann, a)["state"] == "submitted"  # not released yet
        service.release(a, actor=t)
        assert _state(ann, a)["state"] == "returned"
        service.give_feedback(sub, comment="Mooi begin", grade="8", actor=t)
        assert _state(ann, a)["state"] == "returned"  # the grade is not released yet
        assert _state(ann, a)["feedback"]["grade"] == ""
        service.release(a, actor=t)
        assert _state(ann, a)["state"] == "graded"
        assert _state(ann, a)["feedback"]["grade"] == "8"


def test_a_submission_is_an_immutable_snapshot_with_checksums(world):
    ann = world["ann"]
    content = png_bytes()
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
        media = make_media(ann, content)
        sub = service.submit(
            a, person_of(ann), ann, text="Mijn tekst", media_ids=[media.pk], actor=ann
        )
        # the student keeps working; the snapshot does not move
        service.save_work(a, ann, text="Nieuwe versie", media_ids=[], actor=ann)
        default_storage.delete(media.file)
        media.delete()
    sub = Submission.objects.get(pk=sub.pk)
    assert sub.text == "Mijn tekst"
    assert sub.text_sha256 == hashlib.sha256(b"Mijn tekst").hexdigest()
    [copy] = sub.files.all()
    assert copy.sha256 == hashlib.sha256(content).hexdigest()
    assert service.read_file(copy) == content
    assert service.verify(sub)
    with pytest.raises(ValueError):
        sub.save()


def test_each_submit_is_a_new_attempt(world):
    ann = world["ann"]
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
        first = service.submit(a, person_of(ann), ann, text="een", actor=ann)
        second = service.submit(a, person_of(ann), ann, text="twee", actor=ann)
    assert (first.attempt, second.attempt) == (1, 2)
    assert Submission.objects.get(pk=first.pk).text == "een"


def test_someone_elses_media_cannot_be_submitted(world):
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
        bobs = make_media(world["bob"])
        with pytest.raises(ValidationFailed):
            service.submit(
                a, person_of(world["ann"]), world["ann"], text="x", media_ids=[bobs.pk], actor=None
            )


@pytest.mark.parametrize(
    ("kwargs", "submit"),
    [
        ({"text": False, "files": 1}, {"text": "tekst"}),  # no text wanted
        ({"word_limit": 3}, {"text": "een twee drie vier"}),
        ({}, {"text": "   "}),  # nothing
    ],
)
def test_submission_types_are_enforced(world, kwargs, submit):
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"], **kwargs)
        with pytest.raises(ValidationFailed):
            service.submit(a, person_of(world["ann"]), world["ann"], actor=None, **submit)


def test_too_many_files_are_refused(world):
    ann = world["ann"]
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"], files=1)
        m1, m2 = make_media(ann), make_media(ann)
        with pytest.raises(ValidationFailed):
            service.submit(a, person_of(ann), ann, media_ids=[m1.pk, m2.pk], actor=None)


def test_late_after_due_and_closed_after_cutoff(world):
    ann = world["ann"]
    due, cutoff = NOW + DAY, NOW + 3 * DAY
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"], due=due, cutoff=cutoff)
    with clock.frozen(due):  # the due moment itself is on time
        assert not service.submit(a, person_of(ann), ann, text="op tijd", actor=ann).late
    with clock.frozen(due + dt_second()):
        assert service.submit(a, person_of(ann), ann, text="te laat", actor=ann).late
    with clock.frozen(cutoff):  # the cut-off moment itself is still accepted
        assert service.submit(a, person_of(ann), ann, text="net", actor=ann).late
    with clock.frozen(cutoff + dt_second()), pytest.raises(AssignmentClosed) as closed:
        service.submit(a, person_of(ann), ann, text="te laat", actor=ann)
    assert closed.value.status == 409 and closed.value.type == "assignment-closed"


def dt_second():
    import datetime as dt

    return dt.timedelta(seconds=1)


def test_an_extension_reopens_for_that_student_only(world):
    ann, bob, t = world["ann"], world["bob"], world["teacher"]
    due, cutoff = NOW + DAY, NOW + 2 * DAY
    with clock.frozen(NOW):
        a = make_assignment(world["school"], t, due=due, cutoff=cutoff)
        service.grant_extension(a, [person_of(ann).pk], NOW + 5 * DAY, None, "ziek", actor=t)
    with clock.frozen(NOW + 4 * DAY):
        sub = service.submit(a, person_of(ann), ann, text="met uitstel", actor=ann)
        assert not sub.late
        with pytest.raises(AssignmentClosed):
            service.submit(a, person_of(bob), bob, text="zonder", actor=bob)
    # no cut-off in the extension: the assignment's, but never before the new due date
    with clock.frozen(NOW + 5 * DAY + dt_second()), pytest.raises(AssignmentClosed):
        service.submit(a, person_of(ann), ann, text="te laat", actor=ann)


def test_the_latest_extension_counts(world):
    ann, t = world["ann"], world["teacher"]
    with clock.frozen(NOW):
        a = make_assignment(world["school"], t, due=NOW + DAY, cutoff=NOW + DAY)
        service.grant_extension(a, [person_of(ann).pk], NOW + 9 * DAY, NOW + 9 * DAY, "a", actor=t)
    with clock.frozen(NOW + 2 * DAY):
        service.grant_extension(a, [person_of(ann).pk], NOW + 3 * DAY, NOW + 3 * DAY, "b", actor=t)
    with clock.frozen(NOW + 4 * DAY), pytest.raises(AssignmentClosed):
        service.submit(a, person_of(ann), ann, text="x", actor=ann)


def test_an_extension_for_a_non_recipient_is_refused(world):
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
        with pytest.raises(ValidationFailed):
            service.grant_extension(
                a,
                [person_of(world["other_class"]).pk],
                NOW + 2 * DAY,
                None,
                "x",
                actor=world["teacher"],
            )
        with pytest.raises(ValidationFailed):
            service.grant_extension(
                a, [person_of(world["ann"]).pk], NOW + 2 * DAY, None, "", actor=world["teacher"]
            )


def test_rubric_levels_must_come_from_the_rubric(world):
    rubric = {"criteria": [{"name": "Onderzoek", "levels": ["begin", "op weg", "sterk"]}]}
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"], rubric=rubric)
        sub = service.submit(a, person_of(world["ann"]), world["ann"], text="x", actor=None)
        with pytest.raises(ValidationFailed):
            service.give_feedback(sub, rubric={"Onderzoek": "perfect"}, actor=world["teacher"])
        with pytest.raises(ValidationFailed):
            service.give_feedback(sub, rubric={"Zang": "begin"}, actor=world["teacher"])
        fb = service.give_feedback(sub, rubric={"Onderzoek": "sterk"}, actor=world["teacher"])
    assert fb.rubric == {"Onderzoek": "sterk"}


def test_release_mails_once_and_only_the_named_students(world):
    ann, bob, t = world["ann"], world["bob"], world["teacher"]
    with clock.frozen(NOW):
        a = make_assignment(world["school"], t)
        s1 = service.submit(a, person_of(ann), ann, text="a", actor=ann)
        s2 = service.submit(a, person_of(bob), bob, text="b", actor=bob)
        service.give_feedback(s1, comment="GEHEIM-A", actor=t)
        service.give_feedback(s2, comment="GEHEIM-B", actor=t)
    mail.outbox.clear()
    with clock.frozen(NOW + DAY), django_capture_on_commit():
        assert service.release(a, [person_of(ann).pk], actor=t) == 1
    assert [m.to for m in mail.outbox] == [[ann.email]]
    assert "GEHEIM" not in mail.outbox[0].body  # the e-mail names the assignment only
    assert _state(bob, a)["feedback"] is None
    with clock.frozen(NOW + DAY), django_capture_on_commit():
        assert service.release(a, [person_of(ann).pk], actor=t) == 0  # twice: nothing new
    assert len(mail.outbox) == 1


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
