"""`{% year_statement school programme as statement %}`: the school's stored year-end
statement for the programme, or None (shown on the school's budget page)."""

from django import template

from cultuurkaart.yearend.services import statement_for

register = template.Library()


@register.simple_tag
def year_statement(school, programme):
    if school is None or programme is None:
        return None
    return statement_for(school, programme)
