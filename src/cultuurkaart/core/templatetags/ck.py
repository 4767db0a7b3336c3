from django import template

from cultuurkaart.core.money import format_eur

register = template.Library()


@register.filter
def eur(value):
    """Money in Dutch format: € 1.234,56."""
    return format_eur(value)
