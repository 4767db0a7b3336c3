"""The word for a school's learners: "leerlingen" in VO, "studenten" in MBO.

The manuals use the word of their sector (001 is MBO: "studenten"; VO documents say
"leerlingen"), so every page, menu and message that names the learners of one school asks
this helper with the school's (or its programme's) kind: "vo" or "mbo". Without a kind
(pages that serve both sectors) the helper answers with both words.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

VO = "vo"
MBO = "mbo"


def _kind(value) -> str | None:
    """A kind string, or anything with a `kind` attribute (School, Programme)."""
    kind = getattr(value, "kind", value)
    return kind if kind in (VO, MBO) else None


def learners(kind_or_school=None, *, plural: bool = True) -> str:
    """'leerlingen' / 'studenten' (plural) or 'leerling' / 'student', in the active
    language, lower case (use `capfirst` at the start of a sentence)."""
    kind = _kind(kind_or_school)
    if kind == VO:
        return pgettext("vo", "leerlingen") if plural else pgettext("vo", "leerling")
    if kind == MBO:
        return pgettext("mbo", "studenten") if plural else pgettext("mbo", "student")
    return _("leerlingen en studenten") if plural else _("leerling of student")


def manage_learners_label(kind_or_school=None) -> str:
    """The menu entry and heading of the learner list (001 §2.1.3 "Beheer studenten")."""
    return _("Beheer %(learners)s") % {"learners": learners(kind_or_school)}
