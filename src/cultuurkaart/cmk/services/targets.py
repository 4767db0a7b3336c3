"""Targets against realised values counted from the records (issue 13 point 5).

The realised value is never typed: each indicator has a counting rule that finds its records
(schools, meetings) with the date each first qualified. Counts are unique (seed 003: "unieke
aantallen"): a record counts once, in the milestone period of its first qualifying date.
A milestone year's period runs from the day after the previous milestone (the programme's
start for the first) to 31 December of that year; the total (`year` None) covers the whole
programme. Rules (docs/cmk.md):

- `existing-schools`: schools that joined in track 1 (not new schools), dated by joining;
- `new-tracks-po` / `new-tracks-vo`: new schools (started in track 2) of kind PO/SBO or VO
  that are past the prospect phase (step 2 done), dated by that moment;
- `connections`: schools involved in at least one activity of line C, dated by the first;
- `knowledge-meetings`: held regional knowledge-sharing meetings (the programme's own network
  meetings), dated by the meeting.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Min

from ..constants import PO_KINDS, CountingRule, MeetingLevel, MeetingStatus
from ..models import Activity, Indicator, Line, Meeting, Participation


def _school_records(qs, date_field: str) -> list[dict]:
    rows = qs.filter(track__isnull=False).values(
        "pk", "location__name", "location__code", "municipality__name", date_field
    )
    return [
        {
            "type": "participation",
            "id": str(r["pk"]),
            "label": r["location__name"],
            "code": r["location__code"],
            "municipality": r["municipality__name"],
            "on": r[date_field],
        }
        for r in rows
        if r[date_field] is not None
    ]


def records_for(indicator: Indicator, *, municipality=None) -> list[dict]:
    """Every record of the indicator's rule with the date it first qualified."""
    programme = indicator.programme
    parts = Participation.objects.filter(programme=programme)
    if municipality is not None:
        parts = parts.filter(municipality=municipality)
    rule = indicator.rule
    if rule == CountingRule.EXISTING_SCHOOLS:
        return _school_records(parts.filter(new_school=False), "joined_on")
    if rule == CountingRule.NEW_TRACKS_PO:
        return _school_records(
            parts.filter(new_school=True, location__kind__in=PO_KINDS), "committed_on"
        )
    if rule == CountingRule.NEW_TRACKS_VO:
        return _school_records(parts.filter(new_school=True, location__kind="vo"), "committed_on")
    if rule == CountingRule.CONNECTIONS:
        line_c = Line.objects.filter(programme=programme, code="C").values_list("pk", flat=True)
        through = Activity.participations.through.objects.filter(
            activity__programme_id=programme.pk, activity__line_id__in=list(line_c)
        )
        if municipality is not None:
            through = through.filter(participation__municipality=municipality)
        firsts = dict(
            through.values_list("participation_id")
            .annotate(first=Min("activity__held_on"))
            .values_list("participation_id", "first")
        )
        rows = parts.filter(pk__in=firsts).values(
            "pk", "location__name", "location__code", "municipality__name"
        )
        return [
            {
                "type": "participation",
                "id": str(r["pk"]),
                "label": r["location__name"],
                "code": r["location__code"],
                "municipality": r["municipality__name"],
                "on": firsts[r["pk"]],
            }
            for r in rows
        ]
    if rule == CountingRule.KNOWLEDGE_MEETINGS:
        rows = Meeting.objects.filter(
            programme=programme, status=MeetingStatus.HELD, level=MeetingLevel.REGIONAL
        ).values("pk", "topic", "held_on")
        return [
            {"type": "meeting", "id": str(r["pk"]), "label": r["topic"], "on": r["held_on"]}
            for r in rows
        ]
    raise ValueError(f"Unknown counting rule {rule!r}.")


def periods(programme, years: list[int]) -> dict[int | None, tuple[dt.date, dt.date]]:
    """Milestone year → (first day, last day); None → the whole programme."""
    out: dict[int | None, tuple[dt.date, dt.date]] = {}
    start = programme.starts_on
    for year in sorted(years):
        end = min(dt.date(year, 12, 31), programme.ends_on)
        out[year] = (start, end)
        start = end + dt.timedelta(days=1)
    out[None] = (programme.starts_on, programme.ends_on)
    return out


def compute(programme, *, municipality=None) -> list[dict]:
    """[{"indicator", "name", "year", "target", "realised", "records"}] for every target of
    the programme, in the indicator's order, milestone years first and the total last."""
    indicators = list(Indicator.objects.filter(programme=programme).prefetch_related("targets"))
    out = []
    for indicator in indicators:
        targets = sorted(indicator.targets.all(), key=lambda t: (t.year is None, t.year or 0))
        if not targets:
            continue
        spans = periods(programme, [t.year for t in targets if t.year is not None])
        records = records_for(indicator, municipality=municipality)
        for record in records:  # before the start: counted at the start
            record["on"] = max(record["on"], programme.starts_on)
        for target in targets:
            first, last = spans[target.year]
            inside = sorted(
                (r for r in records if first <= r["on"] <= last),
                key=lambda r: (r["on"], r["label"]),
            )
            out.append(
                {
                    "indicator": indicator.code,
                    "name": indicator.name,
                    "year": target.year,
                    "period": [first, last],
                    "target": target.value,
                    "realised": len(inside),
                    "records": [dict(r) for r in inside],
                }
            )
    return out
