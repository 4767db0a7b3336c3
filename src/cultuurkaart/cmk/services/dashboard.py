"""The programme dashboard: aggregates only (the steering group's and a municipality's view;
no minutes, no contacts). A few grouped queries, whatever the number of schools."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from cultuurkaart.core import clock

from ..constants import LineCode, MeetingLevel
from ..models import Action, Activity, Meeting, Participation
from .conversations import without_conversation


def dashboard(programme, *, municipality=None) -> dict:
    parts = Participation.objects.filter(programme=programme, ended_on__isnull=True)
    if municipality is not None:
        parts = parts.filter(municipality=municipality)
    totals = parts.order_by().aggregate(
        n=Count("pk"),
        prospects=Count("pk", filter=Q(prospect=True)),
        institutions=Count("pk", filter=Q(track__isnull=True)),
    )
    steps = (
        parts.filter(track__isnull=False)
        .values("track__code", "track__name", "current_step__number", "current_step__name")
        .annotate(n=Count("pk"))
        .order_by("track__code", "current_step__number")
    )
    by_step = [
        {
            "key": f"{row['track__code']}:{row['current_step__number']}",
            "label": f"{row['track__name']}: {row['current_step__number']}. "
            f"{row['current_step__name']}",
            "count": row["n"],
        }
        for row in steps
    ]
    institutions = totals["institutions"]
    if institutions:
        by_step.append(
            {"key": "institution", "label": "Culturele instellingen", "count": institutions}
        )
    by_mun = [
        {
            "key": row["municipality__name"] or "-",
            "label": row["municipality__name"] or "-",
            "count": row["n"],
        }
        for row in parts.values("municipality__name")
        .annotate(n=Count("pk"))
        .order_by("municipality__name")
    ]
    acts = Activity.objects.filter(programme=programme)
    if municipality is not None:
        acts = acts.filter(
            pk__in=Activity.participations.through.objects.filter(
                participation__municipality=municipality
            ).values("activity_id")
        )
    line_rows = {
        row["line__code"]: row
        for row in acts.order_by()
        .values("line__code")
        .annotate(n=Count("pk"), people=Sum("participants"))
    }
    activities_by_line, participants_by_line = [], []
    for code, label in LineCode.choices:
        row = line_rows.get(code) or {"n": 0, "people": 0}
        activities_by_line.append({"key": code, "label": str(label), "count": row["n"]})
        participants_by_line.append({"key": code, "label": str(label), "count": row["people"] or 0})
    meeting_rows = {
        row["level"]: row["n"]
        for row in Meeting.objects.filter(programme=programme, status="held")
        .order_by()
        .values("level")
        .annotate(n=Count("pk"))
    }
    meetings = [
        {"key": code, "label": str(label), "count": meeting_rows.get(code, 0)}
        for code, label in MeetingLevel.choices
    ]
    return {
        "programme": programme.code,
        "participations": totals["n"],
        "prospects": totals["prospects"],
        "by_track_step": by_step,
        "by_municipality": by_mun,
        "activities_by_line": activities_by_line,
        "participants_by_line": participants_by_line,
        "meetings_by_level": meetings,
        "without_conversation": without_conversation(
            programme, day=clock.today(), participations=parts
        ).count(),
        "open_actions": Action.objects.filter(
            participation__in=parts, closed_at__isnull=True
        ).count(),
    }
