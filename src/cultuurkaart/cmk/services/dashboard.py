"""The programme dashboard: aggregates only (the steering group's and a municipality's view;
no minutes, no contacts). Four grouped queries whatever the number of schools, activities or
conversations (participations by track step and municipality with the prospects and those
without a conversation this half-year; open actions; activities by line; meetings by
level), and cached per programme, municipality and half-year under the programme's figures
token (services/figures.py), so a repeated read is one query for the token."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, Sum

from cultuurkaart.core import clock

from ..constants import LineCode, MeetingLevel
from ..models import Action, Activity, Conversation, Meeting, Participation
from . import figures
from .conversations import half_year

CACHE_SECONDS = 6 * 3600


def dashboard(programme, *, municipality=None) -> dict:
    start, end = half_year(clock.today())
    key = (
        f"cmk:dashboard:{programme.pk}:{figures.token(programme)}:"
        f"{municipality.pk if municipality is not None else 'all'}:{start.isoformat()}"
    )
    found = cache.get(key)
    if found is None:
        found = compute(programme, municipality=municipality, start=start, end=end)
        cache.set(key, found, CACHE_SECONDS)
    return found


def compute(programme, *, municipality=None, start=None, end=None) -> dict:
    """The figures from the records (no cache)."""
    if start is None:
        start, end = half_year(clock.today())
    parts = Participation.objects.filter(programme=programme, ended_on__isnull=True)
    if municipality is not None:
        parts = parts.filter(municipality=municipality)
    held = Conversation.objects.filter(
        participation=OuterRef("pk"), held_on__gte=start, held_on__lte=end
    )
    rows = list(
        parts.annotate(talked=Exists(held))
        .values(
            "track__code",
            "track__name",
            "current_step__number",
            "current_step__name",
            "municipality__name",
        )
        .annotate(
            n=Count("pk"),
            prospects=Count("pk", filter=Q(prospect=True)),
            silent=Count("pk", filter=Q(talked=False)),
        )
        .order_by()
    )
    total = sum(r["n"] for r in rows)
    steps: dict = {}
    by_mun: dict = {}
    institutions = 0
    for r in rows:
        name = r["municipality__name"] or "-"
        by_mun[name] = by_mun.get(name, 0) + r["n"]
        if r["track__code"] is None:
            institutions += r["n"]
            continue
        key = (r["track__code"], r["current_step__number"] or 0)
        if key not in steps:
            steps[key] = [
                f"{r['track__name']}: {r['current_step__number']}. {r['current_step__name']}",
                0,
            ]
        steps[key][1] += r["n"]
    by_step = [
        {"key": f"{code}:{number}", "label": label, "count": n}
        for (code, number), (label, n) in sorted(steps.items())
    ]
    if institutions:
        by_step.append(
            {"key": "institution", "label": "Culturele instellingen", "count": institutions}
        )
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
        "participations": total,
        "prospects": sum(r["prospects"] for r in rows),
        "by_track_step": by_step,
        "by_municipality": [
            {"key": name, "label": name, "count": n} for name, n in sorted(by_mun.items())
        ],
        "activities_by_line": activities_by_line,
        "participants_by_line": participants_by_line,
        "meetings_by_level": meetings,
        "without_conversation": sum(r["silent"] for r in rows),
        "open_actions": Action.objects.filter(
            participation__in=parts, closed_at__isnull=True
        ).count(),
    }
