"""The CmK evaluation entries of the programme menu (cmk_base.html and the evaluation pages):
each shown when its page's action is allowed; a school contact gets its own school's
questionnaire and results."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from cultuurkaart.cmk.services import access

register = template.Library()


@register.inclusion_tag("portals/cmk_evaluation/_links.html", takes_context=True)
def cmk_eval_links(context, programme):
    request = context.get("request")
    user = getattr(request, "user", None)
    links = []
    if programme is None or user is None or not user.is_authenticated:
        return {"links": links}

    def add(action, label, name, *args):
        if access.may(user, action, programme):
            links.append({"label": label, "url": reverse(f"portals:{name}", args=args)})

    pk = programme.pk
    add("cmk_evaluation.manage_questionnaires", _("Vragenlijsten"), "cmk_eval_questionnaires", pk)
    add("cmk_evaluation.view_analysis", _("Regionale analyse"), "cmk_eval_analysis", pk)
    if access.may(user, "cmk_evaluation.view_budget", programme):
        for year in programme.years:
            links.append(
                {
                    "label": _("Begroting %(year)s") % {"year": year},
                    "url": reverse("portals:cmk_eval_budget", args=[pk, year]),
                }
            )
    add("cmk_evaluation.view_budget", _("Gemeentelijke matching"), "cmk_eval_matching", pk)
    add("cmk_evaluation.view_reports", _("Verantwoording"), "cmk_eval_reports", pk)
    add("cmk_evaluation.view_money", _("Cultuurkaart-besteding"), "cmk_eval_money", pk)
    if not user.is_platform_admin:
        for part_id in sorted(access.participation_ids(user, programme)):
            links.append(
                {
                    "label": _("Vragenlijst en resultaten"),
                    "url": reverse("portals:cmk_eval_results", args=[part_id]),
                }
            )
    here = request.path
    for link in links:
        link["current"] = here.startswith(link["url"])
    return {"links": links}
