"""Where a signed-in person starts: each role has its own start page (issue 8 #25).

The login redirects to the home page; the home page sends a person with exactly one
start page straight there, and shows a short chooser to a person with several.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cultuurkaart.accounts.constants import CMK_ROLES, RoleName

# School roles with pages in the school portal; students and teachers are members and
# start at their pass.
SCHOOL_PORTAL_ROLES = (RoleName.BOARD, RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS)
MEMBER_ROLES = (RoleName.STUDENT, RoleName.TEACHER)


@dataclass(frozen=True)
class StartPage:
    url: str
    label: str
    detail: str = ""


def start_pages(user) -> list[StartPage]:
    """The start pages this person may open, in a fixed order (back office, schools,
    provider portal, pass)."""
    roles = user.roles_cached()
    pages: list[StartPage] = []
    if user.is_platform_admin:
        pages.append(StartPage(reverse("portals:backoffice"), str(_("Backoffice"))))
    schools = {r.school for r in roles if r.role in SCHOOL_PORTAL_ROLES and r.school_id}
    for school in sorted(schools, key=lambda s: (s.name, s.pk)):
        pages.append(
            StartPage(
                reverse("portals:school_dashboard", kwargs={"school_id": school.pk}),
                school.name,
                school.school_number or "",
            )
        )
    if user.provider_ids():
        pages.append(StartPage(reverse("portals:provider_home"), str(_("Aanbiederportaal"))))
    if any(r.role in CMK_ROLES for r in roles):
        pages.append(StartPage(reverse("portals:cmk_home"), str(_("CmK-monitoring"))))
    if any(r.role in MEMBER_ROLES for r in roles) or _has_membership(user):
        pages.append(StartPage(reverse("portals:my_pass"), str(_("Mijn Cultuurkaart"))))
    from cultuurkaart.dossier.services.access import current_school_id

    if current_school_id(user) is not None:
        pages.append(StartPage(reverse("portals:my_dossier"), str(_("Mijn dossier"))))
    return pages


def _has_membership(user) -> bool:
    from cultuurkaart.memberships.models import Membership

    return Membership.objects.filter(user=user).exists()
