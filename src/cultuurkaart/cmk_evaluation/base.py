"""What this app reads of the base app `cmk` (participations, locations, tracks, activities,
meetings), in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Sum

from .constants import Sector

SECTORS = {s.value for s in Sector}


def sector_of(participation) -> str:
    kind = getattr(participation.location, "kind", "") or ""
    return kind if kind in SECTORS else Sector.OTHER


def municipality_of(participation) -> str:
    municipality = participation.municipality if participation.municipality_id else None
    if municipality is not None:
        return municipality.name
    return participation.location.municipality or ""


def name_of(participation) -> str:
    return participation.location.name


def track_of(participation) -> str:
    return participation.track.code if participation.track_id else ""


def cycle_of(participation) -> int | None:
    return participation.cycle if participation.track_id else None


def current_step(participation) -> tuple[int | None, str]:
    step = participation.current_step if participation.current_step_id else None
    return (step.number, step.name) if step else (None, "")


def is_prospect(participation) -> bool:
    return bool(participation.prospect)


def contact_emails(participation) -> list[str]:
    """The school's contact persons on the platform (role cmk_contact of the participation)."""
    from cultuurkaart.accounts.models import Role

    return sorted(
        set(
            Role.objects.filter(
                role="cmk_contact", cmk_participation=participation, user__is_active=True
            ).values_list("user__email", flat=True)
        )
    )


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def activities_per_line(programme, year: int) -> list[dict[str, Any]]:
    from cultuurkaart.cmk.models import Activity, Line

    first, last = _year(year)
    counts = {
        row["line_id"]: row
        for row in Activity.objects.filter(programme=programme, held_on__range=(first, last))
        .values("line_id")
        .annotate(n=Count("id"), people=Sum("participants"))
    }
    return [
        {
            "line": f"{line.code}: {line.name}",
            "activities": counts.get(line.pk, {}).get("n", 0),
            "participants": counts.get(line.pk, {}).get("people") or 0,
        }
        for line in Line.objects.filter(programme=programme).order_by("code")
    ]


def meetings_in(programme, year: int) -> list[dict[str, Any]]:
    from cultuurkaart.cmk.models import Meeting

    first, last = _year(year)
    rows = (
        Meeting.objects.filter(programme=programme, held_on__range=(first, last))
        .annotate(people=Sum("attendance__people"), organisations=Count("attendance"))
        .order_by("held_on", "pk")
    )
    return [
        {
            "held_on": m.held_on.isoformat(),
            "level": m.level,
            "topic": m.topic,
            "status": m.status,
            "people": m.people or 0,
            "organisations": m.organisations,
        }
        for m in rows
    ]
