"""Programmes as data: create a programme (back office), municipalities, targets, tracks."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

from django.db import transaction

from cultuurkaart.core import audit
from cultuurkaart.core.errors import Conflict, ValidationFailed

from .. import seed
from ..models import (
    Indicator,
    Line,
    Municipality,
    Phase,
    Programme,
    StepChange,
    Target,
    Track,
    TrackStep,
)

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")


def _date(value, field: str, errors: list) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        errors.append({"field": field, "code": "invalid", "message": "Ongeldige datum."})
        return None


def create_programme(data: dict[str, Any], *, actor) -> Programme:
    """A new regional programme with phases and municipalities; it gets the standard programme
    lines A/B/C, the two CmK tracks and the five indicators of seed 003 (targets are set by
    the office). Phases lie inside the programme and do not overlap (422)."""
    errors: list[dict] = []
    code = str(data.get("code") or "").strip()
    if not CODE_RE.match(code):
        errors.append(
            {"field": "code", "code": "invalid", "message": "Gebruik kleine letters, cijfers en -."}
        )
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 200:
        errors.append({"field": "name", "code": "required", "message": "Vul een naam in."})
    starts_on = _date(data.get("starts_on"), "starts_on", errors)
    ends_on = _date(data.get("ends_on"), "ends_on", errors)
    if starts_on and ends_on and ends_on < starts_on:
        errors.append(
            {
                "field": "ends_on",
                "code": "before-start",
                "message": "Het einde ligt voor het begin.",
            }
        )
    phases = []
    for i, phase in enumerate(data.get("phases") or []):
        p_name = str(phase.get("name") or "").strip()
        if not p_name:
            errors.append(
                {"field": f"phases.{i}.name", "code": "required", "message": "Vul een naam in."}
            )
        p_start = _date(phase.get("starts_on"), f"phases.{i}.starts_on", errors)
        p_end = _date(phase.get("ends_on"), f"phases.{i}.ends_on", errors)
        if p_start and p_end:
            if p_end < p_start:
                errors.append(
                    {
                        "field": f"phases.{i}.ends_on",
                        "code": "before-start",
                        "message": "Het einde ligt voor het begin.",
                    }
                )
            elif starts_on and ends_on and (p_start < starts_on or p_end > ends_on):
                errors.append(
                    {
                        "field": f"phases.{i}",
                        "code": "outside-programme",
                        "message": "De fase ligt buiten de looptijd van het programma.",
                    }
                )
            phases.append((i, p_name, p_start, p_end))
    ordered = sorted(phases, key=lambda p: p[2])
    for (_, _, _, a_end), (j, _, b_start, _) in itertools.pairwise(ordered):
        if b_start <= a_end:
            errors.append(
                {
                    "field": f"phases.{j}",
                    "code": "overlap",
                    "message": "Fasen mogen elkaar niet overlappen.",
                }
            )
    municipalities = [str(m).strip() for m in data.get("municipalities") or []]
    if any(not m or len(m) > 100 for m in municipalities):
        errors.append(
            {"field": "municipalities", "code": "invalid", "message": "Ongeldige gemeentenaam."}
        )
    if len(set(municipalities)) != len(municipalities):
        errors.append(
            {"field": "municipalities", "code": "duplicate", "message": "Dubbele gemeente."}
        )
    if errors:
        raise ValidationFailed("The programme is not valid.", errors=errors)
    with transaction.atomic():
        if Programme.objects.filter(code=code).exists():
            raise Conflict("A programme with this code exists.", type="programme-exists")
        programme = Programme.objects.create(
            code=code, name=name, starts_on=starts_on, ends_on=ends_on
        )
        for _, p_name, p_start, p_end in ordered:
            Phase.objects.create(programme=programme, name=p_name, starts_on=p_start, ends_on=p_end)
        for m in municipalities:
            Municipality.objects.create(programme=programme, name=m)
        for line_code, line_name, description in seed.LINES:
            Line.objects.create(
                programme=programme, code=line_code, name=line_name, description=description
            )
        for track in seed.TRACKS:
            _create_track(programme, track)
        for position, (ind_code, ind_name, rule, *_targets) in enumerate(seed.INDICATORS):
            Indicator.objects.create(
                programme=programme, code=ind_code, name=ind_name, rule=rule, position=position
            )
        audit.record(
            "cmk.programme.created",
            actor=actor,
            obj=programme,
            data={"phases": len(ordered), "municipalities": len(municipalities)},
        )
    return programme


def _create_track(programme, data, version=1) -> Track:
    track = Track.objects.create(
        programme=programme,
        code=data["code"],
        version=version,
        is_current=True,
        name=data["name"],
        cyclic=data["cyclic"],
        prospect_until_step=data["prospect_until_step"],
        completes_to=data["completes_to"],
    )
    TrackStep.objects.bulk_create(
        TrackStep(track=track, number=n, **_step_fields(s))
        for n, s in enumerate(data["steps"], start=1)
    )
    return track


def _step_fields(step) -> dict[str, str]:
    if isinstance(step, dict):
        return {"name": step["name"], "description": step.get("description") or ""}
    return {"name": step, "description": ""}


MAX_STEPS = 20
MAX_DESCRIPTION = 2000


def _clean_steps(steps) -> tuple[list[dict[str, str]], list[dict]]:
    """Steps as given, in their order: a name (required, ≤ 300) and an optional description
    (≤ 2,000); strings are names without a description."""
    errors: list[dict] = []
    clean = []
    if not isinstance(steps, list) or not steps:
        return [], [{"field": "steps", "code": "required", "message": "Geef de stappen op."}]
    if len(steps) > MAX_STEPS:
        errors.append({"field": "steps", "code": "too-many", "message": "Te veel stappen."})
    for i, step in enumerate(steps):
        raw = step if isinstance(step, dict) else {"name": step}
        name = str(raw.get("name") or "").strip()
        description = str(raw.get("description") or "").strip()
        if not name or len(name) > 300:
            errors.append(
                {
                    "field": f"steps.{i}.name",
                    "code": "invalid",
                    "message": "Elke stap heeft een naam.",
                }
            )
        if len(description) > MAX_DESCRIPTION:
            errors.append(
                {"field": f"steps.{i}.description", "code": "too-long", "message": "Te lang."}
            )
        clean.append({"name": name, "description": description})
    return clean, errors


def change_track_steps(track: Track, steps: list, *, actor) -> Track:
    """New steps for a track, in order: names (strings) or `{"name", "description"}`. A
    version that no participation used yet is changed in place; a used one stays as it is
    (participations keep it) and a new current version is made (tracks are versioned once
    used). The same steps again change nothing. Audited with before and after."""
    clean, errors = _clean_steps(steps)
    if not errors and track.prospect_until_step and len(clean) <= track.prospect_until_step:
        errors.append({"field": "steps", "code": "too-few", "message": "Te weinig stappen."})
    if errors:
        raise ValidationFailed("Every step needs a name.", errors=errors)
    with transaction.atomic():
        track = Track.objects.select_for_update(of=("self",), no_key=True).get(pk=track.pk)
        if not track.is_current:
            raise Conflict("Only the current version can change.", type="track-not-current")
        before = list(track.steps.order_by("number").values("name", "description"))
        if before == clean:
            return track
        used = track.participations.exists() or StepChange.objects.filter(track=track).exists()
        if used:
            Track.objects.filter(pk=track.pk).update(is_current=False)
            new = _create_track(
                track.programme,
                {
                    "code": track.code,
                    "name": track.name,
                    "cyclic": track.cyclic,
                    "prospect_until_step": track.prospect_until_step,
                    "completes_to": track.completes_to,
                    "steps": clean,
                },
                version=track.version + 1,
            )
        else:
            track.steps.all().delete()
            TrackStep.objects.bulk_create(
                TrackStep(track=track, number=n, **s) for n, s in enumerate(clean, start=1)
            )
            new = track
        audit.record(
            "cmk.track.changed",
            actor=actor,
            obj=new,
            data={
                "programme": track.programme_id,
                "track": track.code,
                "version_before": track.version,
                "version_after": new.version,
                "new_version": used,
                "before": before,
                "after": clean,
            },
        )
    return new


def track_versions(programme) -> list[Track]:
    """Every version of the programme's tracks with its steps, `used` (participations or
    history on it) and `n_participations`; per track the newest version first. Three
    queries."""
    from django.db.models import Count, Exists, OuterRef

    return list(
        Track.objects.filter(programme=programme)
        .annotate(
            n_participations=Count("participations", distinct=True),
            has_history=Exists(StepChange.objects.filter(track=OuterRef("pk"))),
        )
        .prefetch_related("steps")
        .order_by("code", "-version")
    )


def set_target(indicator: Indicator, year: int | None, value: int, *, actor) -> Target:
    """Set (or change) a target; audited with before and after. The realised value is never
    set: it is counted (services/targets.py)."""
    programme = indicator.programme
    if year is not None and year not in programme.years:
        raise ValidationFailed(
            "The year is outside the programme.",
            errors=[
                {"field": "year", "code": "outside-programme", "message": "Buiten het programma."}
            ],
        )
    if not isinstance(value, int) or value < 0:
        raise ValidationFailed(
            "A target is a count of 0 or more.",
            errors=[{"field": "value", "code": "invalid", "message": "Vul 0 of meer in."}],
        )
    with transaction.atomic():
        target = (
            Target.objects.select_for_update(of=("self",), no_key=True)
            .filter(indicator=indicator, year=year)
            .first()
        )
        before = target.value if target else None
        if target is None:
            target = Target.objects.create(indicator=indicator, year=year, value=value)
        elif target.value != value:
            target.value = value
            target.save(update_fields=["value"])
        audit.record(
            "cmk.target.set",
            actor=actor,
            obj=target,
            data={
                "programme": programme.pk,
                "indicator": indicator.code,
                "year": year,
                "before": before,
                "after": value,
            },
        )
    return target


def set_matching(municipality: Municipality, amount, *, actor) -> Municipality:
    """A municipality's yearly matching (euros with cents); audited with before and after."""
    from decimal import Decimal, InvalidOperation

    try:
        value = None if amount in (None, "") else Decimal(str(amount)).quantize(Decimal("0.01"))
    except InvalidOperation:
        value = Decimal(-1)
    if value is not None and value < 0:
        raise ValidationFailed(
            "The matching is an amount of 0 or more.",
            errors=[{"field": "matching", "code": "invalid", "message": "Ongeldig bedrag."}],
        )
    with transaction.atomic():
        mun = Municipality.objects.select_for_update(of=("self",), no_key=True).get(
            pk=municipality.pk
        )
        before = mun.matching
        mun.matching = value
        mun.save(update_fields=["matching"])
        audit.record(
            "cmk.matching.set",
            actor=actor,
            obj=mun,
            data={
                "programme": mun.programme_id,
                "before": None if before is None else str(before),
                "after": None if value is None else str(value),
            },
        )
    return mun
