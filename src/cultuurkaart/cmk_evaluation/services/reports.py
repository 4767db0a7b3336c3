"""The yearly funder report (SPEC §12): one action freezes the figures of a programme year
as JSON with their SHA-256; the workbook and the PDF are rendered from that snapshot only,
so a re-export gives the same figures after the records changed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction

from cultuurkaart.core import audit, clock

from .. import base
from ..constants import ResponseStatus
from ..models import FunderReport, Questionnaire
from . import budget


def canonical(figures: dict[str, Any]) -> bytes:
    return json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(figures: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(figures)).hexdigest()


def _jsonable(value: Any) -> Any:
    """Dates, Decimals and the like as strings (the snapshot is plain JSON)."""
    return json.loads(json.dumps(value, default=str))


def _targets(programme) -> list[dict[str, Any]]:
    """Targets against their realised values (cmk.services.targets, counted from the
    records); the records themselves stay out of the snapshot."""
    from cultuurkaart.cmk.services import targets

    return [
        {
            "indicator": row["indicator"],
            "name": row["name"],
            "year": row["year"],
            "target": row["target"],
            "realised": row["realised"],
        }
        for row in targets.compute(programme)
    ]


def _schools(programme) -> list[dict[str, Any]]:
    from cultuurkaart.cmk.models import Participation

    out = []
    rows = Participation.objects.filter(programme=programme).select_related("location")
    for p in rows.order_by("location__name", "pk"):
        step = base.current_step(p)
        out.append(
            {
                "participation": p.pk,
                "name": base.name_of(p),
                "code": p.location.code,
                "sector": base.sector_of(p),
                "municipality": base.municipality_of(p),
                "track": base.track_of(p),
                "cycle": base.cycle_of(p),
                "step": step[0],
                "step_name": step[1],
                "prospect": base.is_prospect(p),
                "ended_on": p.ended_on.isoformat() if p.ended_on else None,
            }
        )
    return out


def _questionnaires(programme, year: int) -> list[dict[str, Any]]:
    out = []
    for q in Questionnaire.objects.filter(programme=programme, year=year).order_by("version"):
        out.append(
            {
                "title": q.title,
                "version": q.version,
                "opens_on": q.opens_on.isoformat(),
                "closes_on": q.closes_on.isoformat(),
                "submitted": q.responses.filter(status=ResponseStatus.SUBMITTED).count(),
            }
        )
    return out


def collect(programme, year: int) -> dict[str, Any]:
    """The figures of one programme year, read from the records now."""
    money = budget.summary(programme, year)
    return _jsonable(
        {
            "programme": {"code": programme.code, "name": programme.name},
            "year": year,
            "budget": {k: v for k, v in money.items() if k != "inkind_hours"},
            "matching": money["matching"],
            "targets": _targets(programme),
            "schools": _schools(programme),
            "activities": base.activities_per_line(programme, year),
            "meetings": base.meetings_in(programme, year),
            "inkind_hours": money["inkind_hours"],
            "questionnaires": _questionnaires(programme, year),
        }
    )


@transaction.atomic
def create_report(programme, year: int, *, actor) -> FunderReport:
    budget._check_year(programme, year)
    figures = collect(programme, year)
    figures["frozen_at"] = clock.now().isoformat()
    report = FunderReport.objects.create(
        programme=programme,
        year=year,
        figures=figures,
        sha256=digest(figures),
        created_by=actor,
    )
    audit.record(
        "cmk_evaluation.funder_report.created",
        actor=actor,
        obj=report,
        data={"programme": programme.pk, "year": year, "sha256": report.sha256},
    )
    return report


def verify(report: FunderReport) -> bool:
    """The stored figures still match their checksum."""
    return digest(report.figures) == report.sha256
