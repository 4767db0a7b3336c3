"""The school portal's menu, in the order of the manual (001 §2.1).

Each entry is (url name, label). A label is text or a function of the school (the
learners' word differs: "leerlingen" in VO, "studenten" in MBO, see core.wording). A person sees an entry when the permission table allows
them the action of the page it links to (the page's `school_page` action), so menu and
pages never disagree. An entry whose url name is not defined yet (capability not built) is
left out, so the menu never shows placeholder pages. Apps define the url names in their
portals/urls_<app>.py.
"""

from django.urls import NoReverseMatch, resolve, reverse
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import permissions, wording


def dossier_on(school) -> bool:
    """The dossier's entries show only where the admin enabled it (SPEC §11). Asked once per
    school object (four menu entries ask)."""
    from cultuurkaart.dossier.services.access import is_enabled

    cached = getattr(school, "_ck_dossier_on", None)
    if cached is None:
        cached = is_enabled(school)
        school._ck_dossier_on = cached
    return cached


SCHOOL_MENU: list[tuple] = [
    # (url name, label; an optional 3rd element limits the entry to a school kind, or is a
    # function of the school that says whether the entry shows)
    ("portals:school_dashboard", _("Overzicht")),
    ("portals:school_products", _("Producten")),
    ("portals:school_orders", _("Bestellingen")),
    ("portals:school_students", wording.manage_learners_label),
    ("portals:school_teachers", _("Beheer docenten")),
    ("portals:school_docent_plus", _("Docenten+")),
    ("portals:school_code_requests", _("Codeaanvragen"), "mbo"),
    ("portals:school_weborders", _("Webbestellingen")),
    ("portals:school_individual_budget", _("Individueel budget")),
    ("portals:school_requests", lambda school: requests_label(school)),
    ("portals:school_dossier_classes", _("Dossier: klassen en opdrachten"), dossier_on),
    ("portals:school_dossier_students", _("Dossier"), dossier_on),
    ("portals:school_dossier_views", _("Dossier-inzage"), dossier_on),
    ("portals:school_dossier_import", _("Dossier importeren"), dossier_on),
    ("portals:school_settings", _("Instellingen")),
    ("portals:school_budget_holder", _("Budgethouder")),
    ("portals:school_support", _("Support")),
]


def requests_label(school) -> str:
    """The marketplace requests entry, with the school's unread messages."""
    from cultuurkaart.marketplace.services.requests import unread_count

    unread = unread_count(school=school)
    label = _("Aanvragen")
    return f"{label} ({unread})" if unread else str(label)


def page_action(url: str) -> str | None:
    """The permission-table action a school page checks (None for a page without one)."""
    match = resolve(url)
    action = getattr(match.func, "permission_action", None)
    if callable(action):
        return action(**{k: v for k, v in match.kwargs.items() if k != "school_id"})
    return action


def school_menu(user, school, current_url_name: str) -> list[dict]:
    items = []
    for url_name, label, *kind in SCHOOL_MENU:
        if kind and (not kind[0](school) if callable(kind[0]) else school.kind != kind[0]):
            continue
        try:
            url = reverse(url_name, kwargs={"school_id": school.pk})
        except NoReverseMatch:
            continue
        action = page_action(url)
        if action is None or not permissions.allows(user, action, school_id=school.pk):
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
