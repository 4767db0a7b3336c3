"""CmK evaluation in tests: participations made directly (any municipality and sector),
questionnaires and submitted responses."""

from __future__ import annotations

import datetime as dt
import itertools

from cultuurkaart.cmk.models import Municipality, Participation, Track
from cultuurkaart.cmk.tests.factories import amstelland, contact, location, staff  # noqa: F401
from cultuurkaart.core import clock

from ..constants import ResponseStatus
from ..models import Answer, Question, Questionnaire, Response

_n = itertools.count(1)

QUESTIONS = [
    {"code": "visie1", "pillar": "Visie", "text": "Er is een gedeelde visie.", "scale": 4},
    {"code": "visie2", "pillar": "Visie", "text": "De visie staat in het schoolplan.", "scale": 4},
    {"code": "samen1", "pillar": "Samenwerking", "text": "Wij werken samen.", "scale": 4},
    {
        "code": "regio1",
        "pillar": "Regio",
        "text": "Wij kennen het regionale aanbod.",
        "scale": 5,
        "regional": True,
    },
]


def second_programme(code="cmk-eval-tweede"):
    """Another programme (no tracks), for isolation tests."""
    from cultuurkaart.cmk.models import Programme

    programme, _ = Programme.objects.get_or_create(
        code=code,
        defaults={
            "name": "CmK Tweede regio",
            "starts_on": dt.date(2025, 1, 1),
            "ends_on": dt.date(2028, 12, 31),
        },
    )
    Municipality.objects.get_or_create(programme=programme, name="Haarlem")
    return programme


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.AMSTERDAM)


def participation(programme=None, *, kind="po", municipality="Amstelveen", track="track-1"):
    programme = programme or amstelland()
    mun = Municipality.objects.filter(programme=programme, name=municipality).first()
    if mun is None:
        mun = Municipality.objects.create(programme=programme, name=municipality)
    track_obj = (
        Track.objects.filter(programme=programme, code=track, is_current=True).first()
        if kind != "institution"
        else None
    )
    first_step = track_obj.steps.order_by("number").first() if track_obj else None
    return Participation.objects.create(
        programme=programme,
        location=location(kind, municipality=municipality, name=f"School {next(_n)}"),
        municipality=mun,
        track=track_obj,
        current_step=first_step,
        step_since=dt.date(2025, 2, 3),
        joined_on=dt.date(2025, 2, 3),
        prospect=track == "track-2",
    )


def questionnaire(programme=None, *, year=2025, questions=None, title=None) -> Questionnaire:
    programme = programme or amstelland()
    q = Questionnaire.objects.create(
        programme=programme,
        title=title or f"Zelfevaluatie {year}",
        year=year,
        opens_on=dt.date(year, 3, 1),
        closes_on=dt.date(year, 6, 30),
    )
    for i, data in enumerate(questions or QUESTIONS):
        Question.objects.create(questionnaire=q, position=i, **{"regional": False, **data})
    return q


def submitted(q: Questionnaire, part: Participation, answers: dict[str, int]) -> Response:
    """A submitted response written directly (bulk set-up for the analysis)."""
    from .. import base

    r = Response.objects.create(
        questionnaire=q,
        participation=part,
        status=ResponseStatus.SUBMITTED,
        answers=answers,
        respondent_roles=["icc"],
        municipality=base.municipality_of(part),
        sector=base.sector_of(part),
        submitted_at=clock.now(),
    )
    codes = {x.code: x.pk for x in q.questions.all()}
    Answer.objects.bulk_create(
        Answer(response=r, question_id=codes[c], value=v) for c, v in answers.items()
    )
    if q.frozen_at is None:
        q.frozen_at = clock.now()
        q.save(update_fields=["frozen_at"])
    from ..services import analysis

    analysis.add_totals(r)  # as the submission service does
    analysis.bump(q.programme_id)
    return r
