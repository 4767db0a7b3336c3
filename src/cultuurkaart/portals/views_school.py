from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.schools import services as schools

from .access import school_page
from .forms import SchoolSettingsForm, add_service_errors


@school_page()
def dashboard(request, school):
    return render(request, "portals/school/dashboard.html", {"school": school})


@school_page(RoleName.BUDGET_HOLDER)
def settings_page(request, school):
    initial = {f: getattr(school, f) for f in schools.SETTINGS_FIELDS}
    form = SchoolSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            schools.update_school_settings(school, form.cleaned_data, actor=request.user)
        except ValidationFailed as exc:
            add_service_errors(form, exc.errors)
        else:
            messages.success(request, _("De instellingen zijn opgeslagen."))
            return redirect("portals:school_settings", school_id=school.pk)
    return render(request, "portals/school/settings.html", {"school": school, "form": form})


@school_page()
def support(request, school):
    return render(request, "portals/school/support.html", {"school": school})
