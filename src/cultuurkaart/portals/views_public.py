from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.schools import services as schools
from cultuurkaart.schools.models import Programme

from .forms import FIELD_MAP, RegistrationForm, add_service_errors
from .landing import start_pages


def home(request):
    """Public home; a signed-in person goes to their start page (or chooses one)."""
    user = request.user
    if user.is_authenticated:
        pages = start_pages(user)
        if len(pages) == 1:
            return redirect(pages[0].url)
        return render(request, "portals/home.html", {"start_pages": pages})
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
