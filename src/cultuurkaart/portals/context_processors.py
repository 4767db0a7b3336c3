def portal(request):
    """The school the current page belongs to (for the school number top-right) and the
    portals this person can open."""
    user = getattr(request, "user", None)
    context = {"current_school": getattr(request, "current_school", None)}
    if user is not None and user.is_authenticated:
        context["my_roles"] = user.roles_cached()
    return context
