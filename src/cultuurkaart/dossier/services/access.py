"""Who sees which dossier (SPEC §11). Used by every page, API route and the apps that build
on the dossier (teaching, dossier_transfer)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core import clock
from cultuurkaart.core.errors import NotFound

from ..models import Enablement, Portfolio, PortfolioView

TEACHER_ROLES = (RoleName.TEACHER, RoleName.DOCENT_PLUS)
MEMBER_ROLES = (RoleName.STUDENT, RoleName.TEACHER, RoleName.DOCENT_PLUS)


def is_enabled(school, group: str | None = None) -> bool:
    """Without `group`: the school has the dossier for the whole school or for at least one
    class. With `group`: for the whole school or for that class."""
    if school is None:
        return False
    school_id = getattr(school, "pk", school)
    qs = Enablement.objects.filter(school_id=school_id)
    if group is None:
        return qs.exists()
    return qs.filter(group__in=["", group]).exists()


def enabled_groups(school) -> set[str]:
    """The classes that have the dossier (`""`: the whole school), in one query; for lists
    that would otherwise ask `is_enabled(school, group)` once per row."""
    return set(Enablement.objects.filter(school=school).values_list("group", flat=True))


def require_enabled(school) -> None:
    """404 (the paths do not exist) for a school without the dossier."""
    if not is_enabled(school):
        raise NotFound("Not found")


def enablement_settings(school) -> Enablement | None:
    """The row holding the school's dossier settings: the whole-school row, else a class row."""
    school_id = getattr(school, "pk", school)
    rows = list(Enablement.objects.filter(school_id=school_id).order_by("group", "id")[:1])
    return rows[0] if rows else None


def student_group(user, school) -> str | None:
    """The class of a student at a school, from the roster entry behind the membership
    (None when the roster no longer has one)."""
    from cultuurkaart.memberships.models import Membership

    school_id = getattr(school, "pk", school)
    row = (
        Membership.objects.filter(user=user, school_id=school_id, person__isnull=False)
        .order_by("-activated_at")
        .values_list("person__group", flat=True)
        .first()
    )
    return row


def enabled_for_member(user, school) -> bool:
    """The dossier is on for this member at this school: teachers with the school's
    enablement, students with the whole school's or their class's."""
    if not user.is_authenticated:
        return False
    school_id = getattr(school, "pk", school)
    if user.has_school_role(school_id, *TEACHER_ROLES):
        return is_enabled(school_id)
    if user.has_school_role(school_id, RoleName.STUDENT):
        group = student_group(user, school_id)
        return is_enabled(school_id, group or "")
    return False


def member_school_ids(user) -> list[int]:
    """The member's schools where the dossier is on for them (students first)."""
    if not user.is_authenticated:
        return []
    ordered = sorted(user.school_ids(RoleName.STUDENT)) + sorted(
        user.school_ids(*TEACHER_ROLES) - user.school_ids(RoleName.STUDENT)
    )
    return [sid for sid in ordered if enabled_for_member(user, sid)]


def current_school_id(user) -> int | None:
    ids = member_school_ids(user)
    return ids[0] if ids else None


def require_member(user) -> int:
    """The school through which the member uses the dossier; 404 when none has it on."""
    school_id = current_school_id(user)
    if school_id is None:
        raise NotFound("Not found")
    return school_id


def portfolio_for(user) -> Portfolio:
    """The member's one portfolio (created on first use)."""
    portfolio = Portfolio.objects.filter(owner=user).first()
    if portfolio is not None:
        return portfolio
    try:
        with transaction.atomic():
            return Portfolio.objects.create(owner=user, created_at=clock.now())
    except IntegrityError:  # created concurrently
        return Portfolio.objects.get(owner=user)


def dossier_teachers(school):
    """Users with a teacher or Docent+ role at the school (the dossier teachers)."""
    school_id = getattr(school, "pk", school)
    return (
        get_user_model()
        .objects.filter(roles__school_id=school_id, roles__role__in=TEACHER_ROLES, is_active=True)
        .distinct()
    )


def is_student_of(owner, school) -> bool:
    school_id = getattr(school, "pk", school)
    return owner.roles.filter(school_id=school_id, role=RoleName.STUDENT).exists()


def can_view_portfolio(user, portfolio, school) -> bool:
    """The owner always; a dossier teacher of the school while the owner is a student there
    and the dossier is on for the owner's class. Nobody else (not the admin)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if portfolio.owner_id == user.pk:
        return True
    school_id = getattr(school, "pk", school)
    if school_id is None or not user.has_school_role(school_id, *TEACHER_ROLES):
        return False
    owner = portfolio.owner
    if not is_student_of(owner, school_id):
        return False
    return enabled_for_member(owner, school_id)


def log_view(viewer, portfolio, school, channel: str) -> PortfolioView | None:
    """Log a staff view (the owner's own views are not logged)."""
    if viewer is None or portfolio.owner_id == viewer.pk:
        return None
    return PortfolioView.objects.create(
        portfolio=portfolio,
        school_id=getattr(school, "pk", school),
        viewer=viewer,
        channel=channel,
        viewed_at=clock.now(),
    )


def are_classmates(user, owner, school) -> bool:
    """Both are students in the same class of the school, with the dossier on for it."""
    school_id = getattr(school, "pk", school)
    if not (user.has_school_role(school_id, RoleName.STUDENT) and is_student_of(owner, school_id)):
        return False
    group = student_group(user, school_id)
    return bool(group) and group == student_group(owner, school_id) and is_enabled(school_id, group)


def student_user(school, person_id):
    """The member account of a student on the school's roster (`person_id` is the roster
    entry's id, as in the roster API); 404 when the school has no such student with an
    account. The routes `/schools/{id}/students/{person_id}/...` use it."""
    from cultuurkaart.memberships.models import Membership
    from cultuurkaart.rosters.constants import RosterKind

    school_id = getattr(school, "pk", school)
    try:
        pid = int(person_id)
    except (TypeError, ValueError):
        raise NotFound("Not found") from None
    membership = (
        Membership.objects.filter(
            school_id=school_id,
            person_id=pid,
            person__kind=RosterKind.STUDENTS,
            user__isnull=False,
        )
        .select_related("user")
        .order_by("-activated_at")
        .first()
    )
    if membership is None or not is_student_of(membership.user, school_id):
        raise NotFound("Not found")
    return membership.user
