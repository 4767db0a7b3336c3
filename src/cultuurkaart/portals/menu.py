"""The school portal's menu, after the manual (001 §2.1): Producten, Bestellingen,
Beheer leerlingen/studenten and docenten, Docenten+, Instellingen, Support.

Each entry is (url name, label, roles that see it; empty = every school role). A label is
text or a function of the school (the learners' word differs: "leerlingen" in VO,
"studenten" in MBO, see core.wording). An entry whose url name is not defined yet
(capability not built) is left out, so the menu never shows placeholder pages. Apps define
the url names in their portals/urls_<app>.py.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core import wording

BH = RoleName.BUDGET_HOLDER
DP = RoleName.DOCENT_PLUS
BOARD = RoleName.BOARD

SCHOOL_MENU: list[tuple] = [
    # (url name, label, roles; an optional 4th element limits the entry to a school kind)
    ("portals:school_dashboard", _("Overzicht"), set()),
    ("portals:school_products", _("Producten"), {BH}),
    ("portals:school_orders", _("Bestellingen"), {BH, DP, BOARD}),
    ("portals:school_students", wording.manage_learners_label, {BH, DP}),
    ("portals:school_teachers", _("Beheer docenten"), {BH}),
    ("portals:school_docent_plus", _("Docenten+"), {BH}),
    ("portals:school_code_requests", _("Codeaanvragen"), {BH}, "mbo"),
    ("portals:school_settings", _("Instellingen"), {BH}),
    ("portals:school_budget_holder", _("Budgethouder"), {BOARD}),
    ("portals:school_support", _("Support"), set()),
]


def school_menu(user, school, current_url_name: str) -> list[dict]:
    items = []
    for url_name, label, roles, *kind in SCHOOL_MENU:
        if roles and not user.has_school_role(school.pk, *roles):
            continue
        if kind and school.kind != kind[0]:
            continue
        try:
            url = reverse(url_name, kwargs={"school_id": school.pk})
        except NoReverseMatch:
            continue
        name = url_name.split(":")[1]
        items.append(
            {
                "url": url,
                "label": label(school) if callable(label) else label,
                "current": current_url_name == name or current_url_name.startswith(name + "_"),
            }
        )
    return items
