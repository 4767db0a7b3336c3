from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cultuurkaart.core import terms
from cultuurkaart.core.errors import DomainError, ValidationFailed
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.schools import services as schools
from cultuurkaart.schools import years
from cultuurkaart.schools.constants import SchoolStatus
from cultuurkaart.schools.models import Location, Programme, RegistryImport, School

from .access import backoffice_page
from .forms import ProgrammeForm, RegistryImportForm, RejectForm, add_service_errors
from .forms_jobs import ConfirmForm


@backoffice_page("core.view_backoffice")
def dashboard(request):
    return render(
        request,
        "portals/backoffice/dashboard.html",
        {
            "pending": School.objects.awaiting_approval().count(),
            "active": School.objects.filter(status=SchoolStatus.ACTIVE).count(),
            "programmes": Programme.objects.count(),
            "locations": Location.objects.count(),
            "last_import": RegistryImport.objects.first(),
        },
    )


@backoffice_page("schools.review_registrations")
def registrations(request):
    status = request.GET.get("status", SchoolStatus.PENDING)
    qs = School.objects.prefetch_related("locations", "programmes").order_by("registered_at")
    if status in SchoolStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portals/backoffice/registrations.html",
        {
            "page": page,
            "status": status,
            "statuses": SchoolStatus.choices,
        },
    )


@backoffice_page("schools.review_registrations")
def registration_detail(request, pk: int):
    school = get_object_or_404(School.objects.prefetch_related("locations", "programmes"), pk=pk)
    return render(
        request,
        "portals/backoffice/registration_detail.html",
        {
            "school": school,
            "reject_form": RejectForm(),
            "consents": terms.consents_for(school),
        },
    )


@backoffice_page("schools.review_registrations")
@require_POST
def approve_registration(request, pk: int):
    school = get_object_or_404(School, pk=pk)
    try:
        school = schools.approve_school(school, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s is goedgekeurd met schoolnummer %(number)s.")
            % {"name": school.name, "number": school.school_number},
        )
    return redirect("portals:backoffice_registration", pk=pk)


@backoffice_page("schools.review_registrations")
@require_POST
def reject_registration(request, pk: int):
    school = get_object_or_404(School, pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            schools.reject_school(school, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("De aanmelding is afgewezen; de school krijgt een e-mail."))
            return redirect("portals:backoffice_registration", pk=pk)
    return render(
        request,
        "portals/backoffice/registration_detail.html",
        {
            "school": school,
            "reject_form": form,
            "consents": terms.consents_for(school),
        },
        status=422,
    )


@backoffice_page("schools.manage_programmes")
def programmes(request):
    return render(
        request, "portals/backoffice/programmes.html", {"programmes": Programme.objects.all()}
    )


@backoffice_page("schools.manage_programmes")
def programme_edit(request, code: str | None = None):
    programme = get_object_or_404(Programme, code=code) if code else None
    initial = ProgrammeForm.initial_for(programme) if programme else {}
    form = ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = schools.save_programme(
                form.to_service(), actor=request.user, programme=programme
            )
        except ValidationFailed as exc:
            add_service_errors(
                form, [{**e, "field": _rate_field(e.get("field", ""))} for e in exc.errors]
            )
        else:
            messages.success(request, _("Programma %(name)s is opgeslagen.") % {"name": saved.name})
            return redirect("portals:backoffice_programmes")
    return render(
        request, "portals/backoffice/programme_form.html", {"form": form, "programme": programme}
    )


@backoffice_page("schools.manage_programmes")
def programme_copy(request, code: str):
    """Copy a programme to the next year (schools.years): GET shows what the copy will be,
    POST with the box ticked makes it and opens it for editing."""
    programme = get_object_or_404(Programme, code=code)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            copy = years.copy_programme(programme, actor=request.user)
        except years.ProgrammeExists as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            messages.success(
                request,
                _("Programma %(name)s is gemaakt. Controleer de datums en tarieven.")
                % {"name": copy.name},
            )
            return redirect("portals:backoffice_programme_edit", code=copy.code)
    elif form.errors:
        status = 422
    preview = years.preview_copy(programme)
    dates = [
        (field, Programme._meta.get_field(field).verbose_name, getattr(programme, field), new)
        for field, new in preview["dates"].items()
    ]
    return render(
        request,
        "portals/backoffice/programme_copy.html",
        {"programme": programme, "preview": preview, "dates": dates, "form": form},
        status=status,
    )


def _rate_field(field: str) -> str:
    if field.startswith("rates."):
        key = field.split(".", 1)[1]
        return "teacher_free_count" if key == "teacher_free_count" else f"rate_{key}"
    return field


@backoffice_page("schools.manage_registry")
def registry(request):
    form = RegistryImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > schools.MAX_REGISTRY_BYTES:
            form.add_error("file", _("Het bestand is groter dan 20 MB."))
        else:
            try:
                record = schools.import_registry(
                    upload.read(),
                    kind=form.cleaned_data["kind"],
                    actor=request.user,
                    filename=upload.name,
                )
            except schools.RegistryFileError as exc:
                form.add_error("file", exc.message)
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("Import klaar: %(created)s nieuw, %(updated)s bijgewerkt.")
                    % {"created": record.created, "updated": record.updated},
                )
                return redirect("portals:backoffice_registry")
    query = request.GET.get("zoek", "")
    return render(
        request,
        "portals/backoffice/registry.html",
        {
            "form": form,
            "errors": errors,
            "imports": RegistryImport.objects.all()[:20],
            "query": query,
            "matches": schools.find_locations(query) if query else [],
        },
    )


@backoffice_page("core.view_audit_log")
def audit_log(request):
    qs = AuditEntry.objects.select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "portals/backoffice/audit.html", {"page": page, "action": action})


@backoffice_page("accounts.manage_users")
def users(request):
    from cultuurkaart.accounts.models import User

    query = request.GET.get("zoek", "").strip()
    found = []
    if len(query) >= 3:
        found = list(
            User.objects.filter(email__icontains=query).prefetch_related(
                "roles__school", "roles__provider"
            )[:50]
        )
    return render(request, "portals/backoffice/users.html", {"query": query, "found": found})


@backoffice_page("accounts.manage_users")
@require_POST
def user_action(request, pk: int):
    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.models import User

    user = get_object_or_404(User, pk=pk)
    action = request.POST.get("action")
    if action == "reset_two_factor":
        accounts.reset_two_factor(user, actor=request.user)
        messages.success(
            request,
            _(
                "Tweestapsverificatie van %(email)s is gereset. Bij de volgende keer "
                "inloggen stelt deze persoon een nieuwe app in."
            )
            % {"email": user.email},
        )
    elif action in ("block", "unblock"):
        if user == request.user:
            messages.error(request, _("U kunt uw eigen account niet blokkeren."))
        else:
            accounts.set_active(user, action == "unblock", actor=request.user)
            messages.success(request, _("De wijziging is opgeslagen."))
    return redirect(f"{reverse('portals:backoffice_users')}?zoek={user.email}")


@backoffice_page("schools.decide_budget_holder_changes")
def budget_holder_changes(request):
    from cultuurkaart.schools.models import BudgetHolderChange

    changes = BudgetHolderChange.objects.select_related("school", "replaces", "requested_by")[:100]
    return render(request, "portals/backoffice/budget_holder_changes.html", {"changes": changes})


@backoffice_page("schools.decide_budget_holder_changes")
@require_POST
def decide_budget_holder_change(request, pk: int):
    from cultuurkaart.schools.models import BudgetHolderChange

    change = get_object_or_404(BudgetHolderChange, pk=pk)
    try:
        schools.decide_budget_holder_change(
            change,
            approve=request.POST.get("decision") == "approve",
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Het besluit is opgeslagen en gemaild."))
    return redirect("portals:backoffice_bh_changes")
