"""Dossier transfer pages (SPEC §11, issue 12 points 7 and 8). Thin: read, check the
permission table, call services.

- The student's export page (`/mijn-dossier/export/`, self-service, 404 where the dossier is
  not on): a button, a progress bar (static/ck/js/dossier-export.js polls the status; without
  script the page refreshes itself), the download while the link lives.
- A teacher of the receiving school imports a student's export (`dossier_transfer.import`).
- The budget holder or Docent+ picks the participating classes or students of a web order
  (`dossier_transfer.select_participants`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError, NotFound
from cultuurkaart.dossier.services import access
from cultuurkaart.dossier_transfer.constants import EXPORT_DAYS, ExportStatus
from cultuurkaart.dossier_transfer.models import PortfolioExport
from cultuurkaart.dossier_transfer.services import exports, imports, participants, transfers
from cultuurkaart.memberships.constants import MemberKind
from cultuurkaart.memberships.models import Membership
from cultuurkaart.rosters.constants import RosterKind
from cultuurkaart.rosters.models import Person
from cultuurkaart.weborders import queries as weborder_queries

from .access import school_page

# --- the student's export ----------------------------------------------------------------


def _member(request):
    """The owner while the dossier is on for them, or a leaver in the export period."""
    try:
        exports.owned_portfolio(request.user)
    except NotFound:
        raise Http404 from None


def _status(export: PortfolioExport) -> dict:
    live = export.status == ExportStatus.DONE and (
        export.expires_at is None or clock.now() < export.expires_at
    )
    return {
        "status": export.status if live or export.status != ExportStatus.DONE else "expired",
        "progress": export.progress,
        "finished": export.finished,
        "download_url": reverse("portals:my_dossier_export_download", kwargs={"pk": export.pk})
        if live
        else None,
    }


@login_required
def my_export(request):
    _member(request)
    if request.method == "POST" and request.POST.get("action") == "transfer":
        transfer, code = transfers.create_code(request.user, actor=request.user)
        messages.success(
            request,
            _(
                "Je overdrachtscode is %(code)s. Geef hem aan je nieuwe school; hij werkt één "
                "keer, tot %(until)s. Deze code wordt niet nog eens getoond."
            )
            % {
                "code": code,
                "until": formats.date_format(
                    transfer.expires_at.astimezone(clock.AMSTERDAM), "j F Y"
                ),
            },
        )
        return redirect("portals:my_dossier_export")
    if request.method == "POST":
        try:
            export = exports.request_export(request.user, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Je export wordt gemaakt. Je krijgt een e-mail als hij klaar is.")
            )
            return redirect(reverse("portals:my_dossier_export") + f"?export={export.pk}")
        return redirect("portals:my_dossier_export")
    rows = list(PortfolioExport.objects.filter(user=request.user).order_by("-created_at")[:10])
    for row in rows:
        row.state = _status(row)
    running = next((r for r in rows if not r.finished), None)
    return render(
        request,
        "portals/dossier_transfer/my_export.html",
        {"exports": rows, "running": running, "days": EXPORT_DAYS},
    )


@login_required
def my_export_status(request, pk: int):
    _member(request)
    export = PortfolioExport.objects.filter(pk=pk, user=request.user).first()
    if export is None:
        raise Http404
    return JsonResponse(_status(export))


@login_required
def my_export_download(request, pk: int):
    _member(request)
    try:
        export, handle = exports.open_download(request.user, pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portals:my_dossier_export")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=exports.download_name(export),
        content_type="application/zip",
    )


# --- the receiving school's import -------------------------------------------------------------


class ImportForm(forms.Form):
    person_id = forms.TypedChoiceField(label=_lazy("Leerling"), coerce=int)
    file = forms.FileField(
        label=_lazy("Export van het dossier (zip)"),
        help_text=_lazy("Het zip-bestand dat de leerling bij de vorige school heeft gedownload."),
    )

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person_id"].choices = [("", "—"), *students]


def _students_with_account(school) -> list[tuple[int, str]]:
    people = (
        Person.objects.filter(
            school=school,
            kind=RosterKind.STUDENTS,
            memberships__status="active",
            memberships__kind=MemberKind.STUDENT,
            memberships__user__isnull=False,
        )
        .distinct()
        .order_by("group", "last_name", "first_name", "pk")
    )
    return [
        (p.pk, f"{p.last_name}, {p.first_name}" + (f" ({p.group})" if p.group else ""))
        for p in people
    ]


class TransferForm(forms.Form):
    person_id = forms.TypedChoiceField(label=_lazy("Leerling"), coerce=int)
    code = forms.CharField(
        label=_lazy("Overdrachtscode"),
        max_length=40,
        help_text=_lazy("De code die de leerling op de pagina 'Mijn dossier exporteren' maakte."),
    )

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person_id"].choices = [("", "—"), *students]


@school_page("dossier_transfer.import")
def school_import(request, school):
    if not access.is_enabled(school):
        raise Http404
    students = _students_with_account(school)
    posted = request.method == "POST"
    by_code = posted and request.POST.get("form") == "transfer"
    form = ImportForm(
        request.POST if posted and not by_code else None,
        request.FILES if posted and not by_code else None,
        students=students,
        prefix="zip",
    )
    code_form = TransferForm(request.POST if by_code else None, students=students, prefix="code")
    if by_code and code_form.is_valid():
        try:
            result = transfers.accept(
                school,
                code_form.cleaned_data["person_id"],
                code_form.cleaned_data["code"],
                actor=request.user,
            )
        except NotFound:
            code_form.add_error("person_id", _("Kies een leerling van de leerlingenlijst."))
        except DomainError as exc:
            code_form.add_error("code", exc.message)
        else:
            if result["same_account"]:
                messages.success(
                    request, _("Het dossier is overgenomen; de leerling houdt het hier.")
                )
            else:
                messages.success(
                    request,
                    _("%(imported)s onderdelen geïmporteerd, %(skipped)s waren er al.") % result,
                )
            return redirect("portals:school_dossier_import", school_id=school.pk)
    elif posted and not by_code and form.is_valid():
        try:
            result = imports.import_portfolio(
                school,
                form.cleaned_data["person_id"],
                form.cleaned_data["file"],
                actor=request.user,
            )
        except NotFound:
            form.add_error("person_id", _("Kies een leerling van de leerlingenlijst."))
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(
                request,
                _("%(imported)s onderdelen geïmporteerd, %(skipped)s waren er al.") % result,
            )
            return redirect("portals:school_dossier_import", school_id=school.pk)
    return render(
        request,
        "portals/dossier_transfer/school_import.html",
        {"school": school, "form": form, "code_form": code_form},
    )


# --- participants of a paid activity -----------------------------------------------------------


@school_page("dossier_transfer.select_participants")
def school_participants(request, school, pk: int):
    weborder = weborder_queries.for_school(school).filter(pk=pk).select_related("provider").first()
    if weborder is None or not access.is_enabled(school):
        raise Http404
    groups = participants.student_groups(school)
    students = list(
        Person.objects.filter(school=school, kind=RosterKind.STUDENTS).order_by(
            "group", "last_name", "first_name", "pk"
        )
    )
    if request.method == "POST":
        picked_people = []
        for value in request.POST.getlist("person_ids"):
            if value.isdigit():
                picked_people.append(int(value))
        try:
            summary = participants.select_participants(
                weborder,
                groups=request.POST.getlist("class_names"),
                person_ids=picked_people,
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Deelnemers opgeslagen. %(drafts)s leerling(en) kregen een reflectievraag in hun dossier."
                )
                % summary,
            )
            return redirect("portals:school_weborders_participants", school_id=school.pk, pk=pk)
    summary = participants.summary(weborder)
    chosen_groups = set(summary["class_names"])
    chosen_people = set(summary["person_ids"])
    members = set(
        Membership.objects.active()
        .filter(school=school, kind=MemberKind.STUDENT, user__isnull=False)
        .values_list("person_id", flat=True)
    )
    return render(
        request,
        "portals/dossier_transfer/school_participants.html",
        {
            "school": school,
            "weborder": weborder,
            "summary": summary,
            "groups": [(g, g in chosen_groups) for g in groups],
            "students": [(p, p.pk in chosen_people, p.pk in members) for p in students],
            "locked": weborder.status not in participants.OPEN,
            "approved": weborder.status in participants.MONEY_TAKEN,
        },
    )
