"""Questionnaires: freezing, one submitted response per school, drafts, immutability,
reopening with a reason, invitations only to schools that have not submitted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from cultuurkaart.core import clock
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.models import AuditEntry

from ..constants import ResponseStatus
from ..models import Answer, Questionnaire, Reopening
from ..services import questionnaires as svc
from .factories import (
    QUESTIONS,
    amstelland,
    at,
    contact,
    participation,
    questionnaire,
    second_programme,
    staff,
)

pytestmark = pytest.mark.django_db

IN_WINDOW = at(dt.date(2025, 4, 1))
FULL = {"visie1": 3, "visie2": 2, "samen1": 4, "regio1": 5}


def test_create_validates_questions_and_dates():
    programme = amstelland()
    with pytest.raises(ValidationFailed) as exc:
        svc.create_questionnaire(
            programme,
            {
                "title": "X",
                "opens_on": "2025-03-01",
                "closes_on": "2025-02-01",
                "questions": [
                    {"code": "a", "pillar": "P", "text": "T", "scale": 4},
                    {"code": "a", "pillar": "P", "text": "T", "scale": 11},
                ],
            },
            actor=None,
        )
    fields = {(e["field"], e["code"]) for e in exc.value.errors}
    assert ("closes_on", "before-opening") in fields
    assert ("questions[1].code", "duplicate") in fields
    assert ("questions[1].scale", "invalid") in fields
    with pytest.raises(ValidationFailed) as exc:
        svc.create_questionnaire(
            programme,
            {
                "title": "X",
                "opens_on": "2030-03-01",
                "closes_on": "2030-04-01",
                "questions": QUESTIONS,
            },
            actor=None,
        )
    assert exc.value.errors[0]["code"] == "outside-programme"
    q = svc.create_questionnaire(
        programme,
        {
            "title": "Evi 2025",
            "opens_on": "2025-03-01",
            "closes_on": "2025-06-30",
            "questions": QUESTIONS,
        },
        actor=None,
    )
    assert q.year == 2025 and q.questions.filter(regional=True).count() == 1
    assert not q.frozen
    # its closing date is on the programme calendar, and moves with it
    from cultuurkaart.cmk.models import Deadline

    deadline = Deadline.objects.get(ref=f"questionnaire:{q.pk}")
    assert deadline.kind == "questionnaire" and deadline.due_on == dt.date(2025, 6, 30)
    svc.change_questionnaire(q, {"closes_on": "2025-07-15"}, actor=None)
    assert Deadline.objects.get(ref=f"questionnaire:{q.pk}").due_on == dt.date(2025, 7, 15)


def test_first_response_freezes_questions_and_a_new_version_can_change():
    q = questionnaire()
    part = participation()
    # before any response the questions may change
    svc.change_questionnaire(q, {"questions": QUESTIONS[:3]}, actor=None)
    assert q.questions.count() == 3
    with clock.frozen(IN_WINDOW):
        svc.save_response(q, part, {"visie1": 2}, actor=None)  # a draft freezes too
    q.refresh_from_db()
    assert q.frozen
    with pytest.raises(Conflict) as exc:
        svc.change_questionnaire(q, {"questions": QUESTIONS}, actor=None)
    assert exc.value.type == "questionnaire-frozen"
    # title and dates may still change
    svc.change_questionnaire(q, {"title": "Nieuw"}, actor=None)
    copy = svc.new_version(q, actor=None)
    assert copy.version == 2 and copy.previous_id == q.pk and not copy.frozen
    svc.change_questionnaire(copy, {"questions": QUESTIONS}, actor=None)
    assert copy.questions.count() == 4
    with pytest.raises(Conflict):
        svc.new_version(q, actor=None)  # only one successor


def test_draft_autosave_then_submit_once():
    q = questionnaire()
    part = participation()
    user = contact(part)
    with clock.frozen(IN_WINDOW):
        r = svc.save_response(q, part, {"visie1": 2}, actor=user)
        assert r.status == ResponseStatus.DRAFT and r.answers == {"visie1": 2}
        r = svc.save_response(q, part, {"visie1": 3, "samen1": 1}, actor=user)
        assert r.answers == {"visie1": 3, "samen1": 1}
        assert not Answer.objects.exists()  # drafts never reach the analysis
        with pytest.raises(ValidationFailed) as exc:  # submit needs every answer
            svc.save_response(
                q, part, {"visie1": 3}, respondent_roles=["icc"], submit=True, actor=user
            )
        assert {e["field"] for e in exc.value.errors} >= {"answers.visie2", "answers.samen1"}
        with pytest.raises(ValidationFailed) as exc:  # and who filled it in
            svc.save_response(q, part, FULL, submit=True, actor=user)
        assert exc.value.errors[0]["field"] == "respondent_roles"
        r = svc.save_response(
            q, part, FULL, respondent_roles=["icc", "director"], submit=True, actor=user
        )
        assert r.status == ResponseStatus.SUBMITTED and r.submitted_by == user
        assert r.municipality == "Amstelveen" and r.sector == "po"
        assert Answer.objects.filter(response=r).count() == 4
        with pytest.raises(Conflict) as exc:
            svc.save_response(q, part, FULL, respondent_roles=["icc"], submit=True, actor=user)
        assert exc.value.type == "already-submitted"
        with pytest.raises(Conflict) as exc:  # a draft save after submission too
            svc.save_response(q, part, {"visie1": 1}, actor=user)
        assert exc.value.type == "already-submitted"
    r.refresh_from_db()
    assert r.answers == FULL
    assert AuditEntry.objects.filter(action="cmk_evaluation.response.submitted").count() == 1


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"visie1": 5}, "out-of-scale"),
        ({"visie1": 0}, "out-of-scale"),
        ({"nope": 1}, "unknown-question"),
        ({"visie1": True}, "invalid"),
        ({"visie1": 2.5}, "invalid"),
    ],
)
def test_answers_are_levels_of_the_scale(answers, code):
    q = questionnaire()
    with clock.frozen(IN_WINDOW), pytest.raises(ValidationFailed) as exc:
        svc.save_response(q, participation(), answers, actor=None)
    assert exc.value.errors[0]["code"] == code


def test_window_boundaries():
    q = questionnaire()  # 1 March – 30 June 2025
    part = participation()
    for moment in (at(dt.date(2025, 2, 28), 23), at(dt.date(2025, 7, 1), 0)):
        with clock.frozen(moment), pytest.raises(Conflict) as exc:
            svc.save_response(q, part, {"visie1": 1}, actor=None)
        assert exc.value.type == "questionnaire-closed"
    for moment in (at(dt.date(2025, 3, 1), 0), at(dt.date(2025, 6, 30), 23)):
        with clock.frozen(moment):
            svc.save_response(q, part, {"visie1": 1}, actor=None)


def test_participation_of_another_programme_is_refused():
    q = questionnaire()
    other = participation(second_programme(), municipality="Haarlem")
    with clock.frozen(IN_WINDOW), pytest.raises(ValidationFailed):
        svc.save_response(q, other, {"visie1": 1}, actor=None)


def test_reopen_needs_a_reason_and_is_logged():
    q = questionnaire()
    part = participation()
    office = staff()
    with clock.frozen(IN_WINDOW):
        r = svc.save_response(q, part, FULL, respondent_roles=["icc"], submit=True, actor=None)
        with pytest.raises(ValidationFailed) as exc:
            svc.reopen_response(r, "  ", actor=office)
        assert exc.value.type == "reason-required"
        r = svc.reopen_response(r, "Verkeerde school ingevuld", actor=office)
        assert r.status == ResponseStatus.DRAFT and r.answers == FULL
        assert not Answer.objects.filter(response=r).exists()
        reopening = Reopening.objects.get(response=r)
        assert reopening.reason == "Verkeerde school ingevuld" and reopening.by == office
        assert reopening.answers_before == FULL and reopening.submitted_at_before is not None
        entry = AuditEntry.objects.get(action="cmk_evaluation.response.reopened")
        assert entry.actor == office and "Verkeerde" not in str(entry.data)
        with pytest.raises(Conflict):  # a draft cannot be reopened
            svc.reopen_response(r, "nog eens", actor=office)
        r = svc.save_response(
            q, part, {**FULL, "visie1": 1}, respondent_roles=["icc"], submit=True, actor=None
        )
        assert r.submitted and Answer.objects.get(response=r, question__code="visie1").value == 1


def test_invitations_reach_only_schools_that_have_not_submitted(
    django_capture_on_commit_callbacks,
):
    q = questionnaire()
    done, draft, silent = participation(), participation(), participation()
    ended = participation()
    ended.ended_on = dt.date(2025, 3, 15)
    ended.save(update_fields=["ended_on"])
    c_ended = contact(ended)
    c_done, c_draft, c_silent = contact(done), contact(draft), contact(silent)
    with clock.frozen(IN_WINDOW), django_capture_on_commit_callbacks(execute=True):
        first = svc.send_invitations(q, actor=None)
    assert first["round"] == 1 and first["schools"] >= 3
    sent = {to for m in mail.outbox for to in m.to}
    assert {c_done.email, c_draft.email, c_silent.email} <= sent
    assert c_ended.email not in sent  # an ended participation leaves the lists
    mail.outbox.clear()
    with clock.frozen(IN_WINDOW):
        svc.save_response(q, done, FULL, respondent_roles=["icc"], submit=True, actor=c_done)
        svc.save_response(q, draft, {"visie1": 1}, actor=c_draft)
        with django_capture_on_commit_callbacks(execute=True):
            second = svc.send_invitations(q, actor=None)
    assert second["round"] == 2 and second["skipped"] == 1
    sent = {to for m in mail.outbox for to in m.to}
    assert c_done.email not in sent
    assert {c_draft.email, c_silent.email} <= sent
    assert "herinnering" in mail.outbox[0].subject.lower()
    assert (
        Questionnaire.objects.get(pk=q.pk).invitations.filter(round=2, participation=done).count()
        == 0
    )
