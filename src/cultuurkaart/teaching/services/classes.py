"""Classes from the roster (SPEC §11): a class is the group (`rosters.Person.group`) of the
school's students, so it follows every roster upload. Its id is opaque and stable: a hash of
the school and the group name (the name itself stays out of URLs and logs)."""

from __future__ import annotations

import hashlib

from django.db.models import Count

from cultuurkaart.dossier.services import access
from cultuurkaart.memberships.models import Membership
from cultuurkaart.rosters.models import Person

STUDENTS = "students"


def class_id(school_id: int, group: str) -> str:
    digest = hashlib.sha256(f"ck-class:{school_id}:{group}".encode()).hexdigest()
    return digest[:16]


def _enabled_groups(school, groups: list[str]) -> list[str]:
    """The groups for which the dossier is on (the whole school, or the class)."""
    from cultuurkaart.dossier.models import Enablement

    rows = set(Enablement.objects.filter(school=school).values_list("group", flat=True))
    if "" in rows:
        return groups
    return [g for g in groups if g in rows]


def classes(school) -> list[dict]:
    """[{"id", "name", "students"}] of the school's classes with the dossier on, by name."""
    counts = (
        Person.objects.filter(school=school, kind=STUDENTS)
        .exclude(group="")
        .values("group")
        .annotate(n=Count("pk"))
        .order_by("group")
    )
    by_group = {row["group"]: row["n"] for row in counts}
    return [
        {"id": class_id(school.pk, g), "name": g, "students": by_group[g]}
        for g in _enabled_groups(school, list(by_group))
    ]


def group_of(school, cid: str) -> str | None:
    """The group name of a class id of this school (None: not a class of the school)."""
    for row in classes(school):
        if row["id"] == cid:
            return row["name"]
    return None


def students(school, *, groups=(), person_ids=(), class_group_ids=()):
    """The school's students in these classes, with these roster ids, or currently in these
    named groups (teaching.services.groups: a member counts while still in the group's
    class)."""
    from django.db.models import Q

    from .groups import current_members_q

    condition = Q(pk__in=[])
    if groups:
        condition |= Q(group__in=list(groups))
    if person_ids:
        condition |= Q(pk__in=list(person_ids))
    if class_group_ids:
        from ..models import ClassGroupMember

        condition |= Q(
            pk__in=ClassGroupMember.objects.filter(
                current_members_q(), class_group_id__in=list(class_group_ids)
            ).values("person_id")
        )
    if not groups and not person_ids and not class_group_ids:
        return Person.objects.none()
    return Person.objects.filter(condition, school=school, kind=STUDENTS)


def persons_of(user, school=None):
    """The roster entries (students) behind the user's memberships (at `school`)."""
    qs = Person.objects.filter(memberships__user=user, kind=STUDENTS)
    if school is not None:
        qs = qs.filter(school=school)
    return qs.distinct()


def users_of(person_ids) -> dict[int, int]:
    """person id → the member account (user id) behind it, for these roster entries."""
    rows = (
        Membership.objects.filter(person_id__in=list(person_ids), user__isnull=False)
        .order_by("person_id", "-activated_at")
        .values_list("person_id", "user_id")
    )
    found: dict[int, int] = {}
    for person_id, user_id in rows:
        found.setdefault(person_id, user_id)
    return found


def is_dossier_student(person) -> bool:
    """The dossier is on for this student's class."""
    return access.is_enabled(person.school_id, person.group or "")
