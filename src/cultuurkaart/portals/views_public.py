from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.schools import services as schools
from cultuurkaart.schools.models import Programme

from .forms import FIELD_MAP, RegistrationForm, add_service_errors


def home(request):
    user = request.user
    if user.is_authenticated:
        roles = user.roles_cached()
        schools_list = {r.school for r in roles if r.school_id}
        return render(
            request,
            "portals/home.html",
            {
                "my_schools": sorted(schools_list, key=lambda s: s.name),
                "is_admin": user.is_platform_admin,
            },
        )
    return render(request, "portals/home.html", {"programmes": Programme.objects.all()})


def register_school(request):
    """Public registration by the board (or a delegate): find the location, fill in, submit."""
    query = request.GET.get("zoek", "").strip()
    matches = list(schools.find_locations(query)) if query else []
    initial = {"location_code": request.GET.get("locatie", "")}
    form = RegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actor = request.user if request.user.is_authenticated else None
            school = schools.register_school(form.to_service(), actor=actor)
        except schools.UnknownLocation:
            form.add_error(
                "location_code",
                _(
                    "Deze locatie staat niet in het DUO-register. "
                    "Zoek hierboven op code of postcode."
                ),
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc.errors, FIELD_MAP)
        else:
            request.session["registered_school"] = school.pk
            return redirect("portals:register_done")
    return render(
        request, "portals/register.html", {"form": form, "query": query, "matches": matches}
    )


def register_done(request):
    return render(request, "portals/register_done.html")


def help_page(request):
    return render(request, "portals/help.html")


def _has_membership(user) -> bool:
    from cultuurkaart.memberships.models import Membership

    return Membership.objects.filter(user=user).exists()
