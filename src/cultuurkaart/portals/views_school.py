from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cultuurkaart.core.errors import DomainError, ValidationFailed
from cultuurkaart.schools import services as schools
from cultuurkaart.weborders import queries as weborder_queries

from .access import may, school_page
from .forms import BudgetHolderChangeForm, SchoolSettingsForm, add_service_errors
from .guide import year_guide
from .views_search import suggestions_for


@school_page("schools.view")
def dashboard(request, school):
    """The school home page: the year in order, with what is done and what is next for
    this person's role (issue 8 #23)."""
    pending = None
    if may(request, "weborders.view", school.pk):
        qs = weborder_queries.pending_for_school(school)
        pending = {"count": qs.count(), "rows": list(qs[:5])}
    return render(
        request,
        "portals/school/dashboard.html",
        {
            "school": school,
            "guide": year_guide(school, request.user),
            "pending_weborders": pending,
            "can_decide": may(request, "weborders.decide", school.pk),
            "suggestions": suggestions_for(request, school),
        },
    )


@school_page("schools.change_settings")
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


@school_page("schools.view")
def support(request, school):
    return render(request, "portals/school/support.html", {"school": school})


@school_page("schools.change_budget_holder")
def budget_holder(request, school):
    """The board appoints or replaces the budget holder; CJP approves."""
    holders = list(schools.current_budget_holders(school))
    form = BudgetHolderChangeForm(request.POST or None, holders=holders)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "replaces": form.cleaned_data["replaces"] or None}
        try:
            schools.request_budget_holder_change(school, data, actor=request.user)
        except ValidationFailed as exc:
            add_service_errors(form, exc.errors)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Het verzoek is verstuurd. CJP beoordeelt het; u krijgt een e-mail.")
            )
            return redirect("portals:school_budget_holder", school_id=school.pk)
    return render(
        request,
        "portals/school/budget_holder.html",
        {
            "school": school,
            "form": form,
            "holders": holders,
            "changes": school.budget_holder_changes.select_related("replaces")[:10],
        },
    )
