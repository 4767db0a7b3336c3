"""Read-side questions other apps ask about codes and memberships."""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.fernet import InvalidToken

from . import codes
from .constants import MembershipStatus
from .models import ActivationCode, Membership

CHUNK = 1000


def chunked(ids: Iterable[int], size: int = CHUNK) -> Iterable[list[int]]:
    batch: list[int] = []
    for value in ids:
        batch.append(int(value))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def current_code_rows(person_ids: Iterable[int]):
    """(person_id, encrypted code) of the current code of each of these people."""
    for ids in chunked(person_ids):
        yield from ActivationCode.objects.filter(
            person_id__in=ids, used_at__isnull=True, revoked_at__isnull=True
        ).values_list("person_id", "code_encrypted")


def current_codes(person_ids: Iterable[int]) -> dict[int, str]:
    """The current (unused, not revoked) code of each person, decrypted: {person_id: code}.

    People without a current code are absent. Used by the roster list and its Excel export
    (SPEC §3 anonymous rows); only ever show the result to the school's budget holder.
    """
    result: dict[int, str] = {}
    for person_id, token in current_code_rows(person_ids):
        if not token:
            continue
        try:
            result[person_id] = codes.decrypt(token)
        except InvalidToken:  # encrypted under a key that is no longer configured
            continue
    return result


def active_membership_of(user, school=None) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    qs = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
    if school is not None:
        qs = qs.filter(school=school)
    return qs.select_related("school", "programme").order_by("-valid_until", "-id").first()


def membership_for_pass(user) -> Membership | None:
    """The membership the pass shows: the active one, else the most recent (expired) one."""
    membership = active_membership_of(user)
    if membership is None and getattr(user, "is_authenticated", False):
        membership = (
            Membership.objects.filter(user=user)
            .select_related("school", "programme")
            .order_by("-activated_at")
            .first()
        )
    return membership


def has_active_membership(user, school, kind: str | None = None) -> bool:
    qs = Membership.objects.filter(user=user, school=school, status=MembershipStatus.ACTIVE)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.exists()


def active_member_count(school, kind: str | None = None) -> int:
    qs = Membership.objects.filter(school=school, status=MembershipStatus.ACTIVE)
    return qs.filter(kind=kind).count() if kind else qs.count()


def active_memberships_for_people(person_ids: Iterable[int]) -> dict[int, int]:
    """{person_id: membership_id} for roster entries whose person holds an active membership
    (individual budget may only go to active members, SPEC §9)."""
    result: dict[int, int] = {}
    for ids in chunked(person_ids):
        result.update(
            Membership.objects.filter(person_id__in=ids, status=MembershipStatus.ACTIVE)
            .order_by("pk")
            .values_list("person_id", "pk")
        )
    return result


def student_activations(school, *, until):
    """Student memberships activated with this school's codes at or before `until`, whatever
    their status now (the redistribution count of SPEC §14)."""
    from .constants import MemberKind

    return Membership.objects.filter(
        school=school, kind=MemberKind.STUDENT, activated_at__lte=until
    )
