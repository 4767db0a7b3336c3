"""Named groups of students within a class (SPEC §11 "assignments for classes, groups or
students"; issue 12 point 4; docs/teaching.md "Groups").

Rules:
- A group belongs to one class (roster group with the dossier on) of one school; its name is
  unique within the class (case-insensitive, spaces folded), 1–100 characters.
- Members are students of that class; a student can be in several groups. A student counts
  as a member only while the roster still has them in that class (`members_q`), so one who
  leaves the class leaves its groups at once; the stale member row is deleted at the next
  change to the group (or when the roster entry goes).
- An assignment for a group reaches its members when read (as for a class): a student added
  later gets it; one removed keeps their submissions (`assignments.progress` still lists a
  submitter, `assignments._for_person_q` still finds the assignment for them).
- Deleting a group that assignments name turns those targets into the members' own targets,
  so nobody loses an assignment they had.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from cultuurkaart.core import audit
from cultuurkaart.core.errors import NotFound, ValidationFailed
from cultuurkaart.dossier.services import access

from ..models import AssignmentTarget, ClassGroup, ClassGroupMember
from . import classes as class_service
from .text import plain

MAX_NAME = 100
MAX_GROUPS_PER_CLASS = 50


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "code": code, "message": message}])


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _name(name: str) -> str:
    name = " ".join(plain(name or "").split())
    if not name:
        raise _invalid("name", "required", _("Geef de groep een naam."))
    if len(name) > MAX_NAME:
        raise _invalid("name", "too-long", _("Een groepsnaam is hoogstens 100 tekens."))
    return name


def current_members_q(prefix: str = "") -> Q:
    """Member rows whose student is still in the group's class (a roster entry of the
    school's students with that group)."""
    return Q(
        **{
            f"{prefix}person__group": F(f"{prefix}class_group__group"),
            f"{prefix}person__kind": class_service.STUDENTS,
            f"{prefix}person__school_id": F(f"{prefix}class_group__school_id"),
        }
    )


def group_for(school, group_id) -> ClassGroup:
    """A group of one of the school's classes with the dossier on; 404 for anything else
    (another school's group, a class switched off, an unknown id)."""
    access.require_enabled(school)
    try:
        pk = int(group_id)
    except (TypeError, ValueError):
        raise NotFound("Not found") from None
    row = ClassGroup.objects.filter(pk=pk, school=school).first()
    if row is None or not access.is_enabled(school, row.group):
        raise NotFound("Not found")
    return row


def groups_of_class(school, group: str) -> list[ClassGroup]:
    """The class's groups by name, each with `member_count` (current members only)."""
    return list(
        ClassGroup.objects.filter(school=school, group=group)
        .annotate(
            member_count=Count(
                "members",
                filter=Q(
                    members__person__group=group, members__person__kind=class_service.STUDENTS
                ),
            )
        )
        .order_by("name", "pk")
    )


def groups_of_school(school) -> list[ClassGroup]:
    """Every group of the school's classes with the dossier on (for the assignment form)."""
    enabled = {c["name"] for c in class_service.classes(school)}
    rows = ClassGroup.objects.filter(school=school, group__in=list(enabled))
    return list(rows.order_by("group", "name", "pk"))


def members(class_group):
    """The group's current members (roster entries), by name."""
    ids = ClassGroupMember.objects.filter(current_members_q(), class_group=class_group).values(
        "person_id"
    )
    return class_service.students(class_group.school, groups=[class_group.group]).filter(pk__in=ids)


def member_ids(class_group) -> list[int]:
    return list(members(class_group).order_by("pk").values_list("pk", flat=True))


def _people(class_group, person_ids) -> list:
    ids = list(dict.fromkeys(person_ids or []))
    people = list(
        class_service.students(class_group.school, groups=[class_group.group]).filter(pk__in=ids)
    )
    if len(people) != len(ids):
        raise _invalid("person_ids", "unknown", _("Niet elke leerling zit in deze klas."))
    return people


def _check_name_free(school, group: str, name: str, *, exclude=None) -> None:
    taken = ClassGroup.objects.filter(school=school, group=group)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if any(_fold(n) == _fold(name) for n in taken.values_list("name", flat=True)):
        raise _invalid("name", "taken", _("Deze klas heeft al een groep met die naam."))


def create_group(school, class_id: str, name: str, person_ids=(), *, actor) -> ClassGroup:
    """A new group in the class `class_id` (the opaque id of `classes.classes`)."""
    access.require_enabled(school)
    group = class_service.group_of(school, class_id)
    if group is None:
        raise NotFound("Not found")
    name = _name(name)
    with transaction.atomic():
        # one writer per class at a time: the name check and the limit hold
        list(
            ClassGroup.objects.select_for_update(of=("self",), no_key=True)
            .filter(school=school, group=group)
            .values_list("pk", flat=True)
        )
        _check_name_free(school, group, name)
        if ClassGroup.objects.filter(school=school, group=group).count() >= MAX_GROUPS_PER_CLASS:
            raise _invalid("name", "too-many", _("Een klas heeft hoogstens 50 groepen."))
        row = ClassGroup(school=school, group=group, name=name, created_by=actor)
        people = _people(row, person_ids)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # the same name at the same moment
            raise _invalid(
                "name", "taken", _("Deze klas heeft al een groep met die naam.")
            ) from None
        ClassGroupMember.objects.bulk_create(
            [ClassGroupMember(class_group=row, person=p) for p in people]
        )
        audit.record(
            "teaching.group.created",
            actor=actor,
            obj=row,
            school_id=school.pk,
            data={"members": len(people)},
        )
    return row


def update_group(class_group, *, name: str | None = None, person_ids=None, actor) -> ClassGroup:
    """Rename the group and/or set its members (the whole list). Stale members (students
    no longer in the class) are dropped."""
    with transaction.atomic():
        # FOR UPDATE (not NO KEY): a rename changes the unique (school, class, name)
        row = ClassGroup.objects.select_for_update(of=("self",)).get(pk=class_group.pk)
        data = {}
        if name is not None:
            name = _name(name)
            if name != row.name:
                _check_name_free(row.school, row.group, name, exclude=row)
                data["renamed"] = True
                row.name = name
                try:
                    with transaction.atomic():
                        row.save(update_fields=["name"])
                except IntegrityError:
                    raise _invalid(
                        "name", "taken", _("Deze klas heeft al een groep met die naam.")
                    ) from None
        stale = ClassGroupMember.objects.filter(class_group=row).exclude(current_members_q())
        data["dropped"] = stale.delete()[0]
        if person_ids is not None:
            people = _people(row, person_ids)
            wanted = {p.pk for p in people}
            have = set(
                ClassGroupMember.objects.filter(class_group=row).values_list("person_id", flat=True)
            )
            ClassGroupMember.objects.filter(class_group=row, person_id__in=have - wanted).delete()
            ClassGroupMember.objects.bulk_create(
                [ClassGroupMember(class_group=row, person_id=pk) for pk in sorted(wanted - have)]
            )
            data["added"] = len(wanted - have)
            data["removed"] = len(have - wanted)
        audit.record(
            "teaching.group.changed", actor=actor, obj=row, school_id=row.school_id, data=data
        )
    return row


def delete_group(class_group, *, actor) -> int:
    """Delete the group. Assignments that name it keep reaching its current members: each
    such target becomes one target per member. → the number of assignments kept that way."""
    with transaction.atomic():
        # FOR UPDATE (not NO KEY): the row is deleted
        row = ClassGroup.objects.select_for_update(of=("self",)).get(pk=class_group.pk)
        people = member_ids(row)
        targets = list(AssignmentTarget.objects.filter(class_group=row))
        assignment_ids = sorted({t.assignment_id for t in targets})
        new = []
        for a_id in assignment_ids:
            have = set(
                AssignmentTarget.objects.filter(
                    assignment_id=a_id, person_id__isnull=False
                ).values_list("person_id", flat=True)
            )
            new += [
                AssignmentTarget(assignment_id=a_id, person_id=pk)
                for pk in people
                if pk not in have
            ]
        AssignmentTarget.objects.bulk_create(new)
        audit.record(
            "teaching.group.deleted",
            actor=actor,
            obj=row,
            school_id=row.school_id,
            data={"members": len(people), "assignments": len(assignment_ids)},
        )
        row.delete()
    return len(assignment_ids)
