from django import template

from cultuurkaart.core import wording
from cultuurkaart.core.money import format_eur

register = template.Library()


@register.filter
def eur(value):
    """Money in Dutch format: € 1.234,56."""
    return format_eur(value)


@register.filter
def learners(value):
    """{{ school|learners }} → "leerlingen" (VO) or "studenten" (MBO); see core.wording."""
    return wording.learners(value)


@register.filter
def learner(value):
    """{{ school|learner }} → "leerling" (VO) or "student" (MBO)."""
    return wording.learners(value, plural=False)
