"""The portfolio's items and timeline (SPEC §11): create, change, delete, learning
questions (open → in progress → closed; closing needs a reflection; a school maximum of
open ones), reflections keep a copy of the prompt, competencies as codes with levels 0–3.

Every write locks the portfolio row (`locked_portfolio`), so the open-question maximum and
the media quota hold under concurrent requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Min, Q

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from cultuurkaart.core.transitions import transition

from ..constants import (
    COMPETENCY_CODES,
    LQ_TRANSITIONS,
    MAX_LEVEL,
    ItemType,
    LearningQuestionStatus,
    Visibility,
)
from ..models import Item, Media, Portfolio
from . import access, consent
from .text import MAX_BODY, sanitise

OPEN_STATES = (LearningQuestionStatus.OPEN, LearningQuestionStatus.IN_PROGRESS)
CREATABLE = {t.value for t in ItemType}
MAX_TITLE = 200
MAX_PROMPT = 2_000
MAX_VISIT_FIELD = 200


class ReflectionRequired(DomainError):
    type = "reflection-required"
    status = 422
    title = "Closing a learning question needs a reflection"


class TooManyOpenQuestions(Conflict):
    type = "too-many-open-questions"
    title = "The school's maximum of open learning questions is reached"


class ConsentRequired(DomainError):
    type = "consent-required"
    status = 422
    title = "Showing work outside the class needs recorded consent"


def _refuse(field: str, code: str, message: str):
    raise ValidationFailed(message, errors=[{"field": field, "code": code, "message": message}])


# --- school years -----------------------------------------------------------------------------


def school_year_of(day: dt.date) -> str:
    """The Dutch school year (1 August – 31 July) of a date, as "2023-2024"."""
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"


def school_year_range(label: str) -> tuple[dt.date, dt.date]:
    try:
        first, second = (int(part) for part in label.split("-"))
    except (ValueError, AttributeError):
        _refuse("school_year", "invalid", "Een schooljaar als 2023-2024.")
    if second != first + 1 or not 1990 <= first <= 2200:
        _refuse("school_year", "invalid", "Een schooljaar als 2023-2024.")
    return dt.date(first, 8, 1), dt.date(second, 7, 31)


# --- locking ----------------------------------------------------------------------------------


def locked_portfolio(portfolio_id: int) -> Portfolio:
    """The portfolio row, locked for this transaction (writes of one member queue)."""
    return Portfolio.objects.select_for_update(of=("self",), no_key=True).get(pk=portfolio_id)


def max_open_questions(school_id: int | None) -> int:
    row = access.enablement_settings(school_id) if school_id else None
    if row is not None:
        return row.max_open_questions
    return int(getattr(settings, "CK_DOSSIER_MAX_OPEN_QUESTIONS", 3))


# --- cleaning ---------------------------------------------------------------------------------


def _title(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text:
        _refuse("title", "invalid", "Dit veld bevat een ongeldig teken.")
    if not text:
        _refuse("title", "required", "Geef een titel.")
    if len(text) > MAX_TITLE:
        _refuse("title", "too-long", f"Maximaal {MAX_TITLE} tekens.")
    return text


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        _refuse("occurred_on", "invalid", "Een datum (JJJJ-MM-DD).")


def _levels(data: dict, current: dict[str, int] | None = None) -> dict[str, int]:
    """Levels 0–3 per competency code, from `competencies` (a list of codes, each level 1,
    or kept at its current level) and/or `competency_levels` ({code: 0–3})."""
    levels = dict.fromkeys(COMPETENCY_CODES, 0)
    codes = data.get("competencies")
    if codes is not None:
        if not isinstance(codes, list | tuple) or len(codes) > len(COMPETENCY_CODES):
            _refuse("competencies", "invalid", "Hoogstens drie competenties.")
        for code in codes:
            if code not in COMPETENCY_CODES:
                _refuse("competencies", "unknown", f"Onbekende competentie: {str(code)[:40]}.")
            levels[code] = max(1, (current or {}).get(code, 0))
    elif current:
        levels.update(current)
    explicit = data.get("competency_levels")
    if explicit is not None:
        if not isinstance(explicit, dict):
            _refuse("competency_levels", "invalid", "Per competentie een niveau 0–3.")
        for code, level in explicit.items():
            if code not in COMPETENCY_CODES:
                _refuse("competency_levels", "unknown", "Onbekende competentie.")
            if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= MAX_LEVEL:
                _refuse("competency_levels", "invalid", "Een niveau van 0 tot en met 3.")
            levels[code] = level
    return levels


def _visit(value: Any) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        _refuse("visit", "invalid", "Activiteit, plaats en aanbieder.")
    out = {}
    for key in ("activity", "place", "provider"):
        text = value.get(key) or ""
        if not isinstance(text, str) or len(text) > MAX_VISIT_FIELD or "\x00" in text:
            _refuse(f"visit.{key}", "invalid", f"Maximaal {MAX_VISIT_FIELD} tekens.")
        out[key] = text.strip()
    return out


def _visibility(value: Any, portfolio: Portfolio) -> str:
    visibility = value or Visibility.TEACHERS
    if visibility not in Visibility.values:
        _refuse("visibility", "invalid", "Kies wie het mag zien.")
    if visibility == Visibility.SCHOOL and not consent.has_consent(portfolio):
        raise ConsentRequired(
            "Voor tonen buiten de klas is toestemming nodig (van een ouder onder de 16).",
            errors=[{"field": "visibility", "code": "consent-required", "message": "Toestemming."}],
        )
    return visibility


def _own_item(portfolio: Portfolio, item_id: Any, field: str, *, type: str | None = None):
    try:
        pk = int(item_id)
    except (TypeError, ValueError):
        _refuse(field, "invalid", "Een id.")
    qs = Item.objects.filter(portfolio=portfolio, pk=pk)
    if type:
        qs = qs.filter(type=type)
    item = qs.first()
    if item is None:
        _refuse(field, "not-found", "Niet gevonden in je dossier.")
    return item


def _attach_media(portfolio: Portfolio, item: Item, media_ids: Any) -> None:
    if media_ids is None:
        return
    if not isinstance(media_ids, list | tuple) or len(media_ids) > 20:
        _refuse("media_ids", "invalid", "Hoogstens 20 bestanden.")
    try:
        ids = {int(m) for m in media_ids}
    except (TypeError, ValueError):
        _refuse("media_ids", "invalid", "Ids van je eigen bestanden.")
    rows = Media.objects.filter(portfolio=portfolio, pk__in=ids).filter(
        Q(item__isnull=True) | Q(item=item)
    )
    if rows.count() != len(ids):
        _refuse("media_ids", "not-found", "Bestand niet gevonden of al bij een ander item.")
    Media.objects.filter(item=item).exclude(pk__in=ids).update(item=None)
    rows.update(item=item)


def _link_question(portfolio: Portfolio, item: Item, question_id: Any) -> None:
    if question_id in (None, ""):
        item.learning_question = None
        return
    question = _own_item(
        portfolio, question_id, "learning_question_id", type=ItemType.LEARNING_QUESTION
    )
    if question.pk == item.pk:
        _refuse("learning_question_id", "invalid", "Een leervraag hoort niet bij zichzelf.")
    item.learning_question = question
    if question.lq_status == LearningQuestionStatus.OPEN:
        # Working on it: linking work to an open question puts it in progress.
        transition(question, LearningQuestionStatus.IN_PROGRESS, LQ_TRANSITIONS, field="lq_status")
        question.updated_at = clock.now()
        question.save(update_fields=["lq_status", "updated_at"])


def _check_open_limit(portfolio: Portfolio, school_id: int | None) -> None:
    limit = max_open_questions(school_id)
    current = Item.objects.filter(
        portfolio=portfolio, type=ItemType.LEARNING_QUESTION, lq_status__in=OPEN_STATES
    ).count()
    if current >= limit:
        raise TooManyOpenQuestions(
            f"Je hebt al {current} open leervragen; sluit er eerst een af (maximaal {limit})."
        )


# --- writes -----------------------------------------------------------------------------------


def create_item(portfolio: Portfolio, data: dict, *, actor, school_id: int | None = None) -> Item:
    """A new item on the member's own timeline (API `POST /me/portfolio/items`)."""
    item_type = data.get("type")
    if item_type not in CREATABLE:
        _refuse("type", "invalid", "Kies een soort.")
    body = data.get("body") or ""
    if not isinstance(body, str) or len(body) > MAX_BODY:
        _refuse("body", "too-long", f"Maximaal {MAX_BODY} tekens.")
    prompt = data.get("prompt") or ""
    if not isinstance(prompt, str) or len(prompt) > MAX_PROMPT:
        _refuse("prompt", "too-long", f"Maximaal {MAX_PROMPT} tekens.")
    title = _title(data.get("title"))
    occurred_on = _date(data.get("occurred_on"))
    levels = _levels(data)
    visit = _visit(data.get("visit"))
    now = clock.now()
    with transaction.atomic():
        portfolio = locked_portfolio(portfolio.pk)
        visibility = _visibility(data.get("visibility"), portfolio)
        if item_type == ItemType.LEARNING_QUESTION:
            _check_open_limit(portfolio, school_id)
        item = Item(
            portfolio=portfolio,
            type=item_type,
            title=title,
            body=sanitise(body),
            occurred_on=occurred_on,
            visibility=visibility,
            school_id=school_id,
            lq_status=LearningQuestionStatus.OPEN
            if item_type == ItemType.LEARNING_QUESTION
            else "",
            prompt=prompt.strip(),
            visit=visit,
            created_at=now,
            updated_at=now,
            **levels,
        )
        _link_question(portfolio, item, data.get("learning_question_id"))
        item.save()
        _attach_media(portfolio, item, data.get("media_ids"))
        audit.record(
            "dossier.item.created",
            actor=actor,
            obj=item,
            school_id=school_id,
            data={"portfolio": portfolio.pk, "type": item_type},
        )
    return item


UPDATABLE = {
    "title",
    "body",
    "occurred_on",
    "competencies",
    "competency_levels",
    "visibility",
    "media_ids",
    "learning_question_id",
    "prompt",
    "visit",
    "is_draft",
    "lq_status",
}


def update_item(item: Item, data: dict, *, actor) -> Item:
    """The owner changes an item (PATCH). A draft (e.g. a visit from a web order) stays a
    draft until `is_draft: false`; every change by the owner sets `edited_by_owner_at`.
    The learning question's status may move to `in_progress` here; closing goes through
    `close_learning_question` (it needs a reflection)."""
    with transaction.atomic():
        portfolio = locked_portfolio(item.portfolio_id)
        item = Item.objects.select_for_update(of=("self",), no_key=True).get(pk=item.pk)
        changed: list[str] = []
        if "title" in data:
            item.title = _title(data["title"])
            changed.append("title")
        if "body" in data:
            body = data["body"] or ""
            if not isinstance(body, str) or len(body) > MAX_BODY:
                _refuse("body", "too-long", f"Maximaal {MAX_BODY} tekens.")
            item.body = sanitise(body)
            changed.append("body")
        if "occurred_on" in data:
            item.occurred_on = _date(data["occurred_on"])
            changed.append("occurred_on")
        if "competencies" in data or "competency_levels" in data:
            levels = _levels(
                {k: data[k] for k in ("competencies", "competency_levels") if k in data},
                None if "competencies" in data else item.competency_levels(),
            )
            for code, level in levels.items():
                setattr(item, code, level)
            changed += list(COMPETENCY_CODES)
        if "visibility" in data:
            item.visibility = _visibility(data["visibility"], portfolio)
            changed.append("visibility")
        if "prompt" in data:
            prompt = data["prompt"] or ""
            if not isinstance(prompt, str) or len(prompt) > MAX_PROMPT:
                _refuse("prompt", "too-long", f"Maximaal {MAX_PROMPT} tekens.")
            item.prompt = prompt.strip()
            changed.append("prompt")
        if "visit" in data:
            item.visit = _visit(data["visit"])
            changed.append("visit")
        if "learning_question_id" in data:
            _link_question(portfolio, item, data["learning_question_id"])
            changed.append("learning_question")
        if "is_draft" in data:
            if data["is_draft"] and not item.is_draft:
                _refuse("is_draft", "invalid", "Een geplaatst item wordt geen concept meer.")
            item.is_draft = bool(data["is_draft"])
            changed.append("is_draft")
        if "lq_status" in data and data["lq_status"] != item.lq_status:
            if item.type != ItemType.LEARNING_QUESTION:
                _refuse("lq_status", "invalid", "Alleen een leervraag heeft een status.")
            if data["lq_status"] == LearningQuestionStatus.CLOSED:
                raise ReflectionRequired(
                    "Sluit een leervraag af met een reflectie.",
                    errors=[{"field": "reflection_id", "code": "required", "message": "Nodig."}],
                )
            if data["lq_status"] not in LearningQuestionStatus.values:
                _refuse("lq_status", "invalid", "Onbekende status.")
            transition(item, data["lq_status"], LQ_TRANSITIONS, field="lq_status")
            changed.append("lq_status")
        now = clock.now()
        item.updated_at = now
        if item.portfolio.owner_id == getattr(actor, "pk", None):
            item.edited_by_owner_at = now
        item.save()
        if "media_ids" in data:
            _attach_media(portfolio, item, data["media_ids"])
        audit.record(
            "dossier.item.changed",
            actor=actor,
            obj=item,
            school_id=item.school_id,
            data={"portfolio": portfolio.pk, "fields": sorted(set(changed))},
        )
    return item


def delete_item(item: Item, *, actor) -> None:
    """Delete an item with its media (files removed after the commit). Answers to a deleted
    learning question stay, unlinked."""
    with transaction.atomic():
        locked_portfolio(item.portfolio_id)
        names = [
            name
            for row in Media.objects.filter(item=item).values_list("file", "thumbnail")
            for name in row
            if name
        ]
        Media.objects.filter(item=item).delete()
        audit.record(
            "dossier.item.deleted",
            actor=actor,
            obj=item,
            school_id=item.school_id,
            data={"portfolio": item.portfolio_id, "type": item.type, "media": len(names)},
        )
        item.delete()
        transaction.on_commit(lambda: [default_storage.delete(n) for n in names])


def close_learning_question(question: Item, reflection_id: Any, *, actor) -> Item:
    """Close a learning question with one of the owner's reflections (not a draft); without
    one → 422 `reflection-required`. The reflection is linked to the question."""
    if question.type != ItemType.LEARNING_QUESTION:
        raise NotFound("Not found")
    with transaction.atomic():
        portfolio = locked_portfolio(question.portfolio_id)
        question = Item.objects.select_for_update(of=("self",), no_key=True).get(pk=question.pk)
        reflection = None
        if reflection_id not in (None, ""):
            try:
                pk = int(reflection_id)
            except (TypeError, ValueError):
                pk = None
            reflection = (
                Item.objects.filter(
                    portfolio=portfolio, pk=pk, type=ItemType.REFLECTION, is_draft=False
                ).first()
                if pk
                else None
            )
        if reflection is None or (reflection.learning_question_id not in (None, question.pk)):
            raise ReflectionRequired(
                "Sluit een leervraag af met een reflectie (een eigen reflectie, geen concept).",
                errors=[{"field": "reflection_id", "code": "required", "message": "Nodig."}],
            )
        transition(question, LearningQuestionStatus.CLOSED, LQ_TRANSITIONS, field="lq_status")
        now = clock.now()
        question.updated_at = now
        question.save(update_fields=["lq_status", "updated_at"])
        if reflection.learning_question_id is None:
            reflection.learning_question = question
            reflection.updated_at = now
            reflection.save(update_fields=["learning_question", "updated_at"])
        audit.record(
            "dossier.learning_question.closed",
            actor=actor,
            obj=question,
            school_id=question.school_id,
            data={"portfolio": portfolio.pk, "reflection": reflection.pk},
        )
    return question


# --- reading ----------------------------------------------------------------------------------


def timeline(
    portfolio: Portfolio,
    *,
    type: str | None = None,
    competency: str | None = None,
    school_year: str | None = None,
    for_teachers: bool = False,
):
    """The timeline's queryset: newest `occurred_on` first. `for_teachers`: only items the
    owner made visible to teachers (teachers, class, school), no drafts."""
    qs = Item.objects.filter(portfolio=portfolio)
    if for_teachers:
        qs = qs.exclude(visibility=Visibility.PRIVATE).filter(is_draft=False)
    if type:
        if type not in ItemType.values:
            _refuse("type", "invalid", "Onbekende soort.")
        qs = qs.filter(type=type)
    if competency:
        if competency not in COMPETENCY_CODES:
            _refuse("competency", "invalid", "Onbekende competentie.")
        qs = qs.filter(**{f"{competency}__gt": 0})
    if school_year:
        start, end = school_year_range(school_year)
        qs = qs.filter(occurred_on__gte=start, occurred_on__lte=end)
    return qs.order_by("-occurred_on", "-id")


def school_years(portfolio: Portfolio) -> list[str]:
    first_last = tuple(
        Item.objects.filter(portfolio=portfolio)
        .aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
        .values()
    )  # one query (the index on portfolio, occurred_on)
    if first_last[0] is None:
        return []
    years = []
    start = int(school_year_of(first_last[0]).split("-")[0])
    end = int(school_year_of(first_last[1]).split("-")[0])
    for year in range(end, start - 1, -1):
        years.append(f"{year}-{year + 1}")
    return years


def open_questions(portfolio: Portfolio):
    return Item.objects.filter(
        portfolio=portfolio, type=ItemType.LEARNING_QUESTION, lq_status__in=OPEN_STATES
    ).order_by("-occurred_on", "-id")


def class_wall(user, school_id: int):
    """What a student sees of others (SPEC §11: a closed environment): classmates' placed
    items shown to the class, and items shown to the whole school by students of the same
    school whose consent is live. Newest first. None when the member has no class here."""
    from cultuurkaart.memberships.models import Membership
    from cultuurkaart.rosters.constants import RosterKind

    from ..models import Consent

    group = access.student_group(user, school_id)
    if not group or not access.is_enabled(school_id, group):
        return None
    students = Membership.objects.filter(
        school_id=school_id,
        user__isnull=False,
        person__kind=RosterKind.STUDENTS,
        user__roles__role="student",
        user__roles__school_id=school_id,
    )
    classmates = students.filter(person__group=group).values("user_id")
    schoolmates = students.values("user_id")
    consenting = Consent.objects.filter(revoked_at__isnull=True).values("portfolio_id")
    return (
        Item.objects.filter(is_draft=False)
        .filter(
            Q(
                portfolio__owner_id__in=classmates,
                visibility__in=[Visibility.CLASS, Visibility.SCHOOL],
            )
            | Q(
                portfolio__owner_id__in=schoolmates,
                visibility=Visibility.SCHOOL,
                portfolio_id__in=consenting,
            )
        )
        .exclude(portfolio__owner=user)
        .order_by("-occurred_on", "-id")
    )
