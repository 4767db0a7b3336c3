from django import template

from cultuurkaart.portals.menu import school_menu

register = template.Library()


@register.simple_tag(takes_context=True)
def school_nav(context):
    request = context["request"]
    school = getattr(request, "current_school", None)
    if school is None:
        return []
    return school_menu(
        request.user, school, request.resolver_match.url_name if request.resolver_match else ""
    )
