"""Following growth (SPEC §11, issue 12 point 5): a student's growth page and the class
overview. Counts per competency are the number of items tagged with it (level ≥ 1); drafts
never count, and a teacher's view counts only what the student made visible to teachers
(visibility `teachers` or `class`), the same items the teacher may open.

The class overview runs a fixed number of queries whatever the class size (a unit test and
bench/teaching_overview.py hold it to that)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db.models import Count, Max, Q

from cultuurkaart.core import clock
from cultuurkaart.dossier.constants import ItemType, LearningQuestionStatus, Visibility
from cultuurkaart.dossier.models import Item

from ..constants import COMPETENCY_CODES
from ..models import Assignment, AssignmentTarget, Extension, ReflectionConversation, Submission
from . import classes
from .assignments import effective_dates

OPEN_LQ = (LearningQuestionStatus.OPEN, LearningQuestionStatus.IN_PROGRESS)
TEACHER_VISIBLE = (Visibility.TEACHERS, Visibility.CLASS)


def _items(owner_ids, *, for_teacher: bool):
    qs = Item.objects.filter(portfolio__owner_id__in=list(owner_ids), is_draft=False)
    if for_teacher:
        qs = qs.filter(visibility__in=TEACHER_VISIBLE)
    return qs


def _counts_q() -> dict:
    out = {code: Count("pk", filter=Q(**{f"{code}__gt": 0})) for code in COMPETENCY_CODES}
    out["open_questions"] = Count(
        "pk", filter=Q(type=ItemType.LEARNING_QUESTION, lq_status__in=OPEN_LQ)
    )
    out["items"] = Count("pk")
    out["last_activity"] = Max("updated_at")
    return out


def _month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def last_months(today: dt.date, months: int = 12) -> list[str]:
    keys = []
    year, month = today.year, today.month
    for _i in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(keys))


def student_growth(user_id: int | None, *, for_teacher: bool, school=None, person=None) -> dict:
    """{"totals": {code: n}, "months": [{"month", code: n...}] (the last 12 months),
    "open_questions": [items], "since": date|None, "since_counts": {code: n},
    "conversations": [...]} of one member (None: no account yet → empty)."""
    today = clock.today()
    months = last_months(today)
    per_month = {m: dict.fromkeys(COMPETENCY_CODES, 0) for m in months}
    totals = dict.fromkeys(COMPETENCY_CODES, 0)
    open_questions: list = []
    convs = []
    if school is not None and person is not None:
        convs = list(
            ReflectionConversation.objects.filter(school=school, person=person).order_by(
                "-held_on", "-pk"
            )
        )
    since = convs[0].held_on if convs else None
    since_counts = dict.fromkeys(COMPETENCY_CODES, 0)
    if user_id is not None:
        rows = _items([user_id], for_teacher=for_teacher).values_list(
            "occurred_on", *COMPETENCY_CODES
        )
        for occurred_on, *levels in rows:
            key = _month_key(occurred_on)
            for code, level in zip(COMPETENCY_CODES, levels, strict=True):
                if not level:
                    continue
                totals[code] += 1
                if key in per_month:
                    per_month[key][code] += 1
                if since is not None and occurred_on >= since:
                    since_counts[code] += 1
        open_questions = list(
            _items([user_id], for_teacher=for_teacher)
            .filter(type=ItemType.LEARNING_QUESTION, lq_status__in=OPEN_LQ)
            .order_by("-occurred_on", "-pk")
        )
    return {
        "totals": totals,
        "months": [{"month": m, **per_month[m]} for m in months],
        "open_questions": open_questions,
        "since": since,
        "since_counts": since_counts,
        "conversations": convs,
    }


# --- the class overview ---------------------------------------------------------------------


def class_overview(school, group: str, *, now: dt.datetime | None = None) -> list[dict]:
    """Per student of the class: counts per competency, open learning questions, last
    activity, assignments missing (due passed, nothing submitted) and late (submitted late).
    Seven queries, whatever the number of students, items or assignments."""
    now = now or clock.now()
    people = list(
        classes.students(school, groups=[group]).order_by("last_name", "first_name", "pk")
    )  # 1
    ids = [p.pk for p in people]
    users = classes.users_of(ids)  # 2
    stats = {
        row["portfolio__owner_id"]: row
        for row in _items(users.values(), for_teacher=True)
        .values("portfolio__owner_id")
        .annotate(**_counts_q())
        .order_by()
    }  # 3
    assignments = list(
        Assignment.objects.filter(school=school, opens_at__lte=now)
        .filter(
            Q(targets__group=group)
            | Q(targets__person_id__in=ids)
            | Q(targets__class_group__group=group)
        )
        .distinct()
    )  # 4
    a_ids = [a.pk for a in assignments]
    personal: dict[int, set[int]] = {}
    whole_class: set[int] = set()
    # a named group's members come in the same query (one row per member of this class)
    for a_id, g, p_id, cg_class, member in AssignmentTarget.objects.filter(
        assignment_id__in=a_ids
    ).values_list(
        "assignment_id",
        "group",
        "person_id",
        "class_group__group",
        "class_group__members__person_id",
    ):  # 5
        if g == group:
            whole_class.add(a_id)
        elif p_id is not None:
            personal.setdefault(a_id, set()).add(p_id)
        elif cg_class == group and member is not None:
            personal.setdefault(a_id, set()).add(member)  # `people` are in the class now
    submitted: dict[tuple[int, int], bool] = {}
    for a_id, student_id, late in Submission.objects.filter(
        assignment_id__in=a_ids, student_id__in=list(users.values())
    ).values_list("assignment_id", "student_id", "late"):  # 6
        key = (a_id, student_id)
        submitted[key] = submitted.get(key, True) and late  # late only if every attempt was
    extensions = {}
    for ext in Extension.objects.filter(assignment_id__in=a_ids, person_id__in=ids).order_by(
        "granted_at", "pk"
    ):  # 7
        extensions[(ext.assignment_id, ext.person_id)] = ext
    rows = []
    for p in people:
        user_id = users.get(p.pk)
        s = stats.get(user_id, {})
        missing = late = 0
        for a in assignments:
            if a.pk not in whole_class and p.pk not in personal.get(a.pk, ()):
                continue
            due, _cutoff = effective_dates(a, extensions.get((a.pk, p.pk)))
            key = (a.pk, user_id)
            if key in submitted:
                late += submitted[key]
            elif now > due:
                missing += 1
        rows.append(
            {
                "person": p,
                "has_account": user_id is not None,
                **{code: s.get(code, 0) for code in COMPETENCY_CODES},
                "open_questions": s.get("open_questions", 0),
                "items": s.get("items", 0),
                "last_activity": s.get("last_activity"),
                "missing": missing,
                "late": late,
            }
        )
    return rows


CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA) else text


def overview_csv(rows, labels: dict) -> str:
    """The class overview as CSV (UTF-8, `;` as Dutch spreadsheets expect); cells that a
    spreadsheet would read as a formula are prefixed with `'`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            labels[k]
            for k in (
                "last_name",
                "first_name",
                *COMPETENCY_CODES,
                "open_questions",
                "last_activity",
                "missing",
                "late",
            )
        ]
    )
    for r in rows:
        last = r["last_activity"]
        writer.writerow(
            [
                _cell(r["person"].last_name),
                _cell(r["person"].first_name),
                *[r[c] for c in COMPETENCY_CODES],
                r["open_questions"],
                last.astimezone(clock.AMSTERDAM).date().isoformat() if last else "",
                r["missing"],
                r["late"],
            ]
        )
    return out.getvalue()


def counts_since(user_id: int, since: dt.date, *, for_teacher: bool = False) -> dict[str, int]:
    """Items per competency from `since` (the last reflection conversation) on."""
    row = (
        _items([user_id], for_teacher=for_teacher)
        .filter(occurred_on__gte=since)
        .aggregate(**{c: Count("pk", filter=Q(**{f"{c}__gt": 0})) for c in COMPETENCY_CODES})
    )
    return {c: row[c] or 0 for c in COMPETENCY_CODES}
