"""Every write to a roster (SPEC §3). See docs/rosters.md for the invariants.

Locking: a replace or a change by hand first locks the school row
(`FOR NO KEY UPDATE` of that row only), so two uploads for one school queue instead of
interleaving. Nothing else is locked (docs/locking.md).
"""

from __future__ import annotations

import importlib
import inspect
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.schools.models import School

from .constants import PersonStatus
from .models import Person, RosterUpload
from .validation import Row, check_person, normalise_mobile

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "mobile",
    "location",
    "year",
    "group",
    "teacher_type",
)
DELETE_CHUNK = 5000


def _lock_school(school: School) -> None:
    locked = School.objects.select_for_update(of=("self",), no_key=True)
    locked.filter(pk=school.pk).values_list("pk").first()


def _revoke_codes(person_ids: list[int], actor=None) -> None:
    """Void the unused activation codes of removed people (memberships app), when that
    app provides `revoke_codes_for_people(person_ids)`."""
    if not person_ids:
        return
    try:
        module = importlib.import_module("cultuurkaart.memberships.services")
    except ImportError:
        return
    revoke = getattr(module, "revoke_codes_for_people", None)
    if revoke is not None:
        if "actor" in inspect.signature(revoke).parameters:
            revoke(person_ids, actor=actor)
        else:
            revoke(person_ids)


def match_key(first: str, last: str, group: str, year: int | None) -> tuple:
    return (first.casefold(), last.casefold(), group.casefold(), year)


def match_rows(existing: list[tuple], rows: list[Row]) -> dict[int, int]:
    """Row index → person id, by the matching rule of SPEC §3.

    `existing` holds (id, email, first_name, last_name, group, year, ...). First by e-mail
    (case-insensitive); the rows left over match on (first name, last name, group, year),
    casefolded, only when exactly one unmatched person and exactly one unmatched row share
    that tuple. Everything else is new.
    """
    by_email: dict[str, int] = {}
    for person in existing:
        if person[1]:
            by_email.setdefault(person[1].lower(), person[0])
    matched: dict[int, int] = {}
    used: set[int] = set()
    leftover: list[int] = []
    for index, row in enumerate(rows):
        email = row[3]
        if email:
            pid = by_email.get(email.lower())
            if pid is not None and pid not in used:
                matched[index] = pid
                used.add(pid)
                continue
        leftover.append(index)
    people_by_key: dict[tuple, list[int]] = defaultdict(list)
    for person in existing:
        if person[0] not in used:
            people_by_key[match_key(person[2], person[3], person[4], person[5])].append(person[0])
    rows_by_key: dict[tuple, list[int]] = defaultdict(list)
    for index in leftover:
        row = rows[index]
        rows_by_key[match_key(row[1], row[2], row[7], row[6])].append(index)
    for key, indexes in rows_by_key.items():
        if len(indexes) == 1:
            pids = people_by_key.get(key)
            if pids is not None and len(pids) == 1:
                matched[indexes[0]] = pids[0]
    return matched


def _row_values(row: Row) -> tuple:
    # (first, last, email, mobile, location, year, group, teacher_type) in PERSON_FIELDS order
    return (row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8])


def replace_roster(
    school: School,
    kind: str,
    rows: list[Row],
    *,
    actor,
    filename: str = "",
    progress: Callable[[str, int], None] | None = None,
) -> dict:
    """Replace the whole list of `kind` with the validated `rows` (SPEC §3): people not in
    the file are removed (their unused codes revoked; memberships are untouched), matched
    people keep their record and status and get the file's data, the rest are added.
    One transaction: on any failure the old list stays as it was."""

    def report(phase: str, percent: int) -> None:
        if progress:
            progress(phase, percent)

    now = clock.now()
    with transaction.atomic():
        _lock_school(school)
        report("compare", 5)
        existing = list(
            Person.objects.filter(school=school, kind=kind)
            .order_by()
            .values_list(
                "id",
                "email",
                "first_name",
                "last_name",
                "group",
                "year",
                "mobile",
                "location",
                "teacher_type",
                "status",
            )
        )
        matched = match_rows(existing, rows)
        current = {p[0]: p for p in existing}
        kept_ids = set(matched.values())
        removed = [p for p in existing if p[0] not in kept_ids]
        removed_ids = [p[0] for p in removed]
        removed_active = [
            {"id": p[0], "first_name": p[2], "last_name": p[3]}
            for p in removed
            if p[-1] == PersonStatus.ACTIVE
        ]
        changes: list[tuple[int, tuple]] = []
        for index, pid in matched.items():
            values = _row_values(rows[index])
            p = current[pid]
            old = (p[2], p[3], p[1], p[6], p[7], p[5], p[4], p[8])
            if old != values:
                changes.append((pid, values))
        new_rows = [rows[i] for i in range(len(rows)) if i not in matched]

        report("remove", 20)
        _revoke_codes(removed_ids, actor)
        for start in range(0, len(removed_ids), DELETE_CHUNK):
            Person.objects.filter(id__in=removed_ids[start : start + DELETE_CHUNK]).delete()
        report("update", 40)
        _apply_changes(changes, now)
        report("add", 60)
        _insert(school, kind, new_rows, now)
        report("finish", 95)
        upload = RosterUpload.objects.create(
            school=school,
            kind=kind,
            uploaded_at=now,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            filename=filename[:200],
            rows=len(rows),
            added=len(new_rows),
            kept=len(matched),
            removed=len(removed_ids),
        )
        audit.record(
            "rosters.roster.replaced",
            actor=actor,
            obj=upload,
            school_id=school.pk,
            data={
                "kind": kind,
                "rows": len(rows),
                "added": len(new_rows),
                "kept": len(matched),
                "updated": len(changes),
                "removed": len(removed_ids),
                "removed_active": len(removed_active),
            },
        )
    return {
        "added": len(new_rows),
        "kept": len(matched),
        "removed": len(removed_ids),
        "total": len(rows),
        "updated": len(changes),
        "upload_id": str(upload.pk),
        "removed_active": removed_active,
    }


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _apply_changes(changes: list[tuple[int, tuple]], now) -> None:
    if not changes:
        return
    if _is_postgres() and len(changes) > 200:
        _apply_changes_pg(changes, now)
        return
    objs = []
    for pid, values in changes:
        person = Person(pk=pid, updated_at=now)
        for name, value in zip(PERSON_FIELDS, values, strict=True):
            setattr(person, name, value)
        objs.append(person)
    Person.objects.bulk_update(objs, [*PERSON_FIELDS, "updated_at"], batch_size=500)


def _apply_changes_pg(changes: list[tuple[int, tuple]], now) -> None:
    q = connection.ops.quote_name
    table = q(Person._meta.db_table)
    cols = ", ".join(q(Person._meta.get_field(n).column) for n in PERSON_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE ck_roster_changes (id bigint, {', '.join(f'{q(n)} {t}' for n, t in _PG_TYPES)}) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY ck_roster_changes (id, {cols}) FROM STDIN") as copy:
            for pid, values in changes:
                copy.write_row((pid, *values))
        sets = ", ".join(f"{q(n)} = c.{q(n)}" for n in PERSON_FIELDS)
        cursor.execute(
            f"UPDATE {table} AS p SET {sets}, updated_at = %s FROM ck_roster_changes AS c WHERE p.id = c.id",  # noqa: S608 (names are quoted model columns)
            [now],
        )
        cursor.execute("DROP TABLE ck_roster_changes")


_PG_TYPES = [
    ("first_name", "text"),
    ("last_name", "text"),
    ("email", "text"),
    ("mobile", "text"),
    ("location", "text"),
    ("year", "smallint"),
    ("group", "text"),
    ("teacher_type", "text"),
]


def _insert(school: School, kind: str, rows: list[Row], now) -> None:
    if not rows:
        return
    if _is_postgres():
        q = connection.ops.quote_name
        names = ["school_id", "kind", *PERSON_FIELDS, "status", "created_at", "updated_at"]
        cols = ", ".join(q(Person._meta.get_field(n.removesuffix("_id")).column) for n in names)
        sql = f"COPY {q(Person._meta.db_table)} ({cols}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((school.pk, kind, *_row_values(row), PersonStatus.NEW, now, now))
        return
    # Other databases (SQLite, the embedded set-up): one executemany, no model objects.
    q = connection.ops.quote_name
    names = ["school_id", "kind", *PERSON_FIELDS, "status", "created_at", "updated_at"]
    cols = ", ".join(q(Person._meta.get_field(n.removesuffix("_id")).column) for n in names)
    marks = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {q(Person._meta.db_table)} ({cols}) VALUES ({marks})"  # noqa: S608
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(
                sql,
                [
                    (school.pk, kind, *_row_values(row), PersonStatus.NEW, stamp, stamp)
                    for row in rows[start : start + 5000]
                ],
            )


# --- single people, by hand ----------------------------------------------------------


def _clean_person_data(data: dict, kind: str) -> dict:
    from .validation import clean_text

    out = {}
    for name in PERSON_FIELDS:
        if name == "teacher_type":
            value = data.get("teacher_type", data.get("type"))
        else:
            value = data.get(name)
        if name == "year":
            if value in (None, ""):
                out[name] = None
            else:
                try:
                    out[name] = int(str(value).strip())
                except ValueError:
                    out[name] = -1
            continue
        out[name] = clean_text(value) if value is not None else ""
    if out["mobile"]:
        out["mobile"] = normalise_mobile(out["mobile"])
    if out["teacher_type"]:
        from .validation import parse_teacher_type

        out["teacher_type"] = (
            out["teacher_type"]
            if out["teacher_type"] in ("teacher", "support")
            else parse_teacher_type(out["teacher_type"]) or "invalid"
        )
    return out


def _validate_person(school, kind, data, *, exclude_id=None) -> None:
    errors = check_person(data, kind)
    if data["email"] and not any(e["field"] == "email" for e in errors):
        taken = Person.objects.filter(school=school, kind=kind, email__iexact=data["email"])
        if exclude_id:
            taken = taken.exclude(pk=exclude_id)
        if taken.exists():
            from .validation import Messages

            errors.append(
                {"field": "email", "code": "email-duplicate", "message": Messages().email_taken}
            )
    if errors:
        raise ValidationFailed("Some fields are missing or invalid.", errors=errors)


def add_person(school: School, kind: str, data: dict, *, actor) -> Person:
    """Add one person by hand (after an upload, SPEC §3)."""
    values = _clean_person_data(data, kind)
    with transaction.atomic():
        _lock_school(school)
        _validate_person(school, kind, values)
        person = Person.objects.create(school=school, kind=kind, **values)
        audit.record(
            "rosters.person.added",
            actor=actor,
            obj=person,
            school_id=school.pk,
            data={"kind": kind},
        )
    return person


def update_person(person: Person, data: dict, *, actor) -> Person:
    """Edit one person's roster data; the status is not changed here."""
    merged = {name: getattr(person, name) for name in PERSON_FIELDS}
    merged.update({k: v for k, v in data.items() if k in (*PERSON_FIELDS, "type")})
    values = _clean_person_data(merged, person.kind)
    with transaction.atomic():
        _lock_school(person.school)
        _validate_person(person.school, person.kind, values, exclude_id=person.pk)
        for name, value in values.items():
            setattr(person, name, value)
        person.updated_at = clock.now()
        person.save(update_fields=[*PERSON_FIELDS, "updated_at"])
        audit.record(
            "rosters.person.updated",
            actor=actor,
            obj=person,
            school_id=person.school_id,
            data={"kind": person.kind},
        )
    return person


def remove_people(school: School, kind: str, person_ids: list[int], *, actor) -> dict:
    """Remove several people by hand (the list's selection). Same rules as one."""
    with transaction.atomic():
        _lock_school(school)
        rows = list(
            Person.objects.filter(school=school, kind=kind, pk__in=person_ids).values_list(
                "pk", "status"
            )
        )
        ids = [pk for pk, _status in rows]
        active = sum(1 for _pk, status in rows if status == PersonStatus.ACTIVE)
        _revoke_codes(ids, actor)
        for start in range(0, len(ids), DELETE_CHUNK):
            Person.objects.filter(id__in=ids[start : start + DELETE_CHUNK]).delete()
        audit.record(
            "rosters.person.removed",
            actor=actor,
            school_id=school.pk,
            data={"kind": kind, "count": len(ids), "had_active_membership": active},
        )
    return {"removed": len(ids), "removed_active": active}


def remove_person(person: Person, *, actor) -> bool:
    """Remove one person by hand; their membership stays, unused codes are revoked.
    Returns whether they had an active membership (the page says so)."""
    with transaction.atomic():
        _lock_school(person.school)
        had_active = person.status == PersonStatus.ACTIVE
        pid = person.pk
        _revoke_codes([pid], actor)
        audit.record(
            "rosters.person.removed",
            actor=actor,
            obj=person,
            school_id=person.school_id,
            data={"kind": person.kind, "had_active_membership": had_active},
        )
        person.delete()
    return had_active
