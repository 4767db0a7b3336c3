"""Questionnaires: versions that freeze once answered, one response per school and
questionnaire (drafts autosave, immutable once submitted, reopened by staff with a logged
reason), invitations that reach only schools that have not submitted (SPEC §12)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.transitions import transition

from .. import base
from ..constants import RESPONDENT_ROLES, RESPONSE_TRANSITIONS, ResponseStatus
from ..models import Answer, Invitation, Question, Questionnaire, Reopening, Response
from . import analysis

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
MAX_QUESTIONS = 200


def _error(errors: list, field: str, code: str, message: str) -> None:
    errors.append({"field": field, "code": code, "message": message})


def _date(value: Any, field: str, errors: list) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        _error(errors, field, "invalid", _("Vul een datum in (JJJJ-MM-DD)."))
        return None


def _scale(value: Any) -> int | None:
    """A scale is the number of levels (answers 1..n): an int, or "1-n"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and re.fullmatch(r"\s*(1\s*-\s*)?\d{1,2}\s*", value):
        n = int(value.split("-")[-1])
    else:
        return None
    return n if 2 <= n <= 10 else None


def clean_questions(questions: Any) -> list[dict[str, Any]]:
    errors: list[dict] = []
    if not isinstance(questions, list) or not questions:
        raise ValidationFailed(
            _("Een vragenlijst heeft ten minste één vraag."),
            errors=[{"field": "questions", "code": "required", "message": _("Verplicht.")}],
        )
    if len(questions) > MAX_QUESTIONS:
        raise ValidationFailed(
            _("Te veel vragen."),
            errors=[{"field": "questions", "code": "too-many", "message": _("Te veel vragen.")}],
        )
    cleaned, seen = [], set()
    for i, raw in enumerate(questions):
        field = f"questions[{i}]"
        if not isinstance(raw, dict):
            _error(errors, field, "invalid", _("Een vraag is een object."))
            continue
        code = str(raw.get("code") or "").strip()
        pillar = str(raw.get("pillar") or "").strip()
        text = str(raw.get("text") or "").strip()
        scale = _scale(raw.get("scale"))
        if not CODE.match(code):
            _error(errors, f"{field}.code", "invalid", _("Een code van letters en cijfers."))
        elif code in seen:
            _error(errors, f"{field}.code", "duplicate", _("Deze code komt twee keer voor."))
        seen.add(code)
        if not pillar or len(pillar) > 80:
            _error(errors, f"{field}.pillar", "required", _("Vul de pijler in."))
        if not text or len(text) > 1000:
            _error(errors, f"{field}.text", "required", _("Vul de vraag in."))
        if scale is None:
            _error(errors, f"{field}.scale", "invalid", _("Een schaal van 2 tot 10 niveaus."))
        regional = raw.get("regional", False)
        if not isinstance(regional, bool):
            _error(errors, f"{field}.regional", "invalid", _("Ja of nee."))
        cleaned.append(
            {"code": code, "pillar": pillar, "text": text, "scale": scale, "regional": regional}
        )
    if errors:
        raise ValidationFailed(_("De vragenlijst is niet compleet."), errors=errors)
    return cleaned


def _clean_header(data: dict[str, Any], programme) -> dict[str, Any]:
    errors: list[dict] = []
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 200:
        _error(errors, "title", "required", _("Vul een titel in."))
    opens = _date(data.get("opens_on"), "opens_on", errors)
    closes = _date(data.get("closes_on"), "closes_on", errors)
    if opens and closes and closes < opens:
        _error(errors, "closes_on", "before-opening", _("De sluitdatum ligt voor de opening."))
    starts, ends = getattr(programme, "starts_on", None), getattr(programme, "ends_on", None)
    if opens and starts and ends and not (starts <= opens <= ends):
        _error(errors, "opens_on", "outside-programme", _("De datum valt buiten het programma."))
    if errors:
        raise ValidationFailed(_("De vragenlijst is niet compleet."), errors=errors)
    return {"title": title, "opens_on": opens, "closes_on": closes}


def _deadline(questionnaire: Questionnaire, *, actor) -> None:
    """The questionnaire's closing date on the programme calendar (with the staff reminder
    of `cmk-reminders`): one deadline per questionnaire, replaced when the date changes."""
    from cultuurkaart.cmk.constants import DeadlineKind
    from cultuurkaart.cmk.models import Deadline
    from cultuurkaart.cmk.services import deadlines

    ref = f"questionnaire:{questionnaire.pk}"
    for old in Deadline.objects.filter(programme=questionnaire.programme, ref=ref):
        if old.due_on == questionnaire.closes_on:
            return
        deadlines.remove_deadline(old, actor=actor)
    deadlines.add_deadline(
        questionnaire.programme,
        kind=DeadlineKind.QUESTIONNAIRE,
        title=_("Vragenlijst %(title)s sluit") % {"title": questionnaire.title[:250]},
        due_on=questionnaire.closes_on,
        ref=ref,
        actor=actor,
    )


def _write_questions(questionnaire: Questionnaire, questions: list[dict]) -> None:
    Question.objects.bulk_create(
        Question(questionnaire=questionnaire, position=i, **q) for i, q in enumerate(questions)
    )


@transaction.atomic
def create_questionnaire(programme, data: dict[str, Any], *, actor) -> Questionnaire:
    errors: list[dict] = []
    header = questions = None
    try:
        header = _clean_header(data, programme)
    except ValidationFailed as exc:
        errors += exc.errors
    try:
        questions = clean_questions(data.get("questions"))
    except ValidationFailed as exc:
        errors += exc.errors
    if errors or header is None or questions is None:
        raise ValidationFailed(_("De vragenlijst is niet compleet."), errors=errors)
    questionnaire = Questionnaire.objects.create(
        programme=programme, year=header["opens_on"].year, created_by=actor, **header
    )
    _write_questions(questionnaire, questions)
    _deadline(questionnaire, actor=actor)
    analysis.bump(programme.pk)
    audit.record(
        "cmk_evaluation.questionnaire.created",
        actor=actor,
        obj=questionnaire,
        data={"programme": programme.pk, "questions": len(questions)},
    )
    return questionnaire


def _lock(questionnaire: Questionnaire) -> Questionnaire:
    return Questionnaire.objects.select_for_update(of=("self",), no_key=True).get(
        pk=questionnaire.pk
    )


@transaction.atomic
def change_questionnaire(questionnaire: Questionnaire, data: dict[str, Any], *, actor):
    """Change title, dates and questions; the questions only while nobody answered
    (409 `questionnaire-frozen`: make a new version instead)."""
    questionnaire = _lock(questionnaire)
    header = _clean_header({**_header_of(questionnaire), **data}, questionnaire.programme)
    questions = clean_questions(data["questions"]) if "questions" in data else None
    if questions is not None:
        if questionnaire.frozen or questionnaire.responses.exists():
            raise Conflict(
                _("Deze vragenlijst heeft al antwoorden; maak een nieuwe versie."),
                type="questionnaire-frozen",
            )
        questionnaire.questions.all().delete()
        _write_questions(questionnaire, questions)
    for key, value in header.items():
        setattr(questionnaire, key, value)
    questionnaire.year = header["opens_on"].year
    questionnaire.save()
    _deadline(questionnaire, actor=actor)
    analysis.bump(questionnaire.programme_id)
    audit.record(
        "cmk_evaluation.questionnaire.changed",
        actor=actor,
        obj=questionnaire,
        data={"questions_changed": questions is not None},
    )
    return questionnaire


def _header_of(q: Questionnaire) -> dict[str, Any]:
    return {"title": q.title, "opens_on": q.opens_on, "closes_on": q.closes_on}


@transaction.atomic
def new_version(questionnaire: Questionnaire, *, actor) -> Questionnaire:
    """A copy with the same questions that can be changed (the previous stays frozen)."""
    questionnaire = _lock(questionnaire)
    if hasattr(questionnaire, "next_version"):
        raise Conflict(_("Er is al een nieuwere versie."), type="already-versioned")
    copy = Questionnaire.objects.create(
        programme=questionnaire.programme,
        year=questionnaire.year,
        version=questionnaire.version + 1,
        previous=questionnaire,
        created_by=actor,
        **_header_of(questionnaire),
    )
    _write_questions(
        copy,
        [
            {k: getattr(q, k) for k in ("code", "pillar", "text", "scale", "regional")}
            for q in questionnaire.questions.all()
        ],
    )
    analysis.bump(copy.programme_id)
    audit.record(
        "cmk_evaluation.questionnaire.versioned",
        actor=actor,
        obj=copy,
        data={"previous": questionnaire.pk},
    )
    return copy


# --- responses ------------------------------------------------------------------------------


def _clean_answers(questionnaire: Questionnaire, answers: Any, *, complete: bool) -> dict:
    if not isinstance(answers, dict):
        raise ValidationFailed(
            _("De antwoorden zijn een object van code naar niveau."),
            errors=[{"field": "answers", "code": "invalid", "message": _("Ongeldig.")}],
        )
    questions = {q.code: q for q in questionnaire.questions.all()}
    errors: list[dict] = []
    cleaned = {}
    for code, value in answers.items():
        question = questions.get(code)
        if question is None:
            _error(errors, f"answers.{code}"[:80], "unknown-question", _("Onbekende vraag."))
            continue
        if value is None or value == "":
            continue
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            _error(errors, f"answers.{code}", "invalid", _("Kies een niveau."))
        elif not 1 <= value <= question.scale:
            _error(errors, f"answers.{code}", "out-of-scale", _("Dit niveau bestaat niet."))
        else:
            cleaned[code] = value
    if complete:
        for code in questions:
            if code not in cleaned and not any(e["field"] == f"answers.{code}" for e in errors):
                _error(errors, f"answers.{code}", "required", _("Beantwoord deze vraag."))
    if errors:
        raise ValidationFailed(_("Niet alle antwoorden zijn in orde."), errors=errors)
    return cleaned


def _clean_roles(roles: Any) -> list[str]:
    if roles is None:
        return []
    if not isinstance(roles, list) or any(r not in RESPONDENT_ROLES for r in roles):
        raise ValidationFailed(
            _("Onbekende rol van de invuller."),
            errors=[
                {
                    "field": "respondent_roles",
                    "code": "invalid",
                    "message": ", ".join(RESPONDENT_ROLES),
                }
            ],
        )
    return sorted(set(roles))


@transaction.atomic
def save_response(
    questionnaire: Questionnaire,
    participation,
    answers: Any,
    *,
    respondent_roles: Any = None,
    submit: bool = False,
    actor,
) -> Response:
    """Autosave a draft (partial answers are fine) or submit (every question answered).
    A submitted response is final: another save → 409 `already-submitted`. The first saved
    response freezes the questionnaire's questions."""
    questionnaire = _lock(questionnaire)
    if participation.programme_id != questionnaire.programme_id:
        raise ValidationFailed(
            _("Deze school doet niet mee aan dit programma."),
            errors=[{"field": "participation_id", "code": "invalid", "message": _("Ongeldig.")}],
        )
    today = clock.today()
    if today < questionnaire.opens_on or today > questionnaire.closes_on:
        raise Conflict(_("De vragenlijst is nu niet open."), type="questionnaire-closed")
    response = (
        Response.objects.select_for_update(of=("self",), no_key=True)
        .filter(questionnaire=questionnaire, participation=participation)
        .first()
    )
    if response is not None and response.submitted:
        raise Conflict(
            _("Uw school heeft deze vragenlijst al ingediend."), type="already-submitted"
        )
    cleaned = _clean_answers(questionnaire, answers, complete=submit)
    roles = _clean_roles(respondent_roles)
    if submit and not roles:
        raise ValidationFailed(
            _("Geef aan wie de vragenlijst hebben ingevuld."),
            errors=[{"field": "respondent_roles", "code": "required", "message": _("Verplicht.")}],
        )
    now = clock.now()
    if response is None:
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    questionnaire=questionnaire, participation=participation, created_at=now
                )
        except IntegrityError:  # pragma: no cover - the questionnaire lock serialises
            raise Conflict(_("Probeer het opnieuw."), type="already-submitted") from None
    response.answers = cleaned
    response.respondent_roles = roles
    response.updated_at = now
    if submit:
        transition(response, ResponseStatus.SUBMITTED, RESPONSE_TRANSITIONS)
        response.submitted_at = now
        response.submitted_by = actor
        response.municipality = base.municipality_of(participation)
        response.sector = base.sector_of(participation)
        questions = {q.code: q.pk for q in questionnaire.questions.all()}
        Answer.objects.bulk_create(
            Answer(response=response, question_id=questions[code], value=value)
            for code, value in cleaned.items()
        )
    response.save()
    if submit:
        analysis.add_totals(response)
    if questionnaire.frozen_at is None:
        questionnaire.frozen_at = now
        questionnaire.save(update_fields=["frozen_at"])
    if submit:
        analysis.bump(questionnaire.programme_id)
        audit.record(
            "cmk_evaluation.response.submitted",
            actor=actor,
            obj=response,
            data={"questionnaire": questionnaire.pk, "participation": participation.pk},
        )
    return response


@transaction.atomic
def reopen_response(response: Response, reason: str, *, actor) -> Response:
    """Staff reopen a submitted response with a reason (logged and audited): it becomes a
    draft with its answers, and leaves the analysis until it is submitted again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Geef een reden op."),
            type="reason-required",
            errors=[{"field": "reason", "code": "required", "message": _("Verplicht.")}],
        )
    response = Response.objects.select_for_update(of=("self",), no_key=True).get(pk=response.pk)
    before = response.submitted_at
    transition(response, ResponseStatus.DRAFT, RESPONSE_TRANSITIONS)
    Reopening.objects.create(
        response=response,
        by=actor,
        reason=reason[:2000],
        answers_before=response.answers,
        submitted_at_before=before,
    )
    analysis.add_totals(response, sign=-1)
    response.answer_rows.all().delete()
    response.submitted_at = None
    response.submitted_by = None
    response.updated_at = clock.now()
    response.save()
    analysis.bump(response.questionnaire.programme_id)
    audit.record(
        "cmk_evaluation.response.reopened",
        actor=actor,
        obj=response,
        data={
            "questionnaire": response.questionnaire_id,
            "participation": response.participation_id,
            "submitted_at_before": before.isoformat() if before else None,
        },
    )
    return response


# --- invitations ----------------------------------------------------------------------------


def participations_of(programme):
    """The programme's current participations (an ended one leaves the lists)."""
    from cultuurkaart.cmk.models import Participation

    return Participation.objects.filter(programme=programme, ended_on__isnull=True).select_related(
        "location"
    )


@transaction.atomic
def send_invitations(questionnaire: Questionnaire, *, actor) -> dict[str, int]:
    """E-mail the contacts of every participating school that has not submitted (the first
    round is the invitation, later rounds are reminders). Schools that submitted are never
    mailed again."""
    questionnaire = _lock(questionnaire)
    submitted = set(
        questionnaire.responses.filter(status=ResponseStatus.SUBMITTED).values_list(
            "participation_id", flat=True
        )
    )
    last = questionnaire.invitations.order_by("-round").values_list("round", flat=True).first()
    number = (last or 0) + 1
    schools = mails = 0
    now = clock.now()
    for participation in participations_of(questionnaire.programme):
        if participation.pk in submitted:
            continue
        emails = base.contact_emails(participation)
        Invitation.objects.create(
            questionnaire=questionnaire,
            participation=participation,
            round=number,
            sent_at=now,
            sent_by=actor,
            recipients=len(emails),
        )
        schools += 1
        if emails:
            mails += len(emails)
            mail.send(
                "cmk_questionnaire_invitation",
                emails,
                {
                    "questionnaire": questionnaire,
                    "participation": participation,
                    "reminder": number > 1,
                },
            )
    audit.record(
        "cmk_evaluation.invitations.sent",
        actor=actor,
        obj=questionnaire,
        data={"round": number, "schools": schools, "emails": mails, "skipped": len(submitted)},
    )
    return {"round": number, "schools": schools, "emails": mails, "skipped": len(submitted)}
