"""School portal pages for the student and teacher lists (SPEC §3). Thin: forms, scoping,
services. The budget holder manages; Docent+ reads the student list (no codes, no upload)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cultuurkaart.core import wording
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.ids import parse_id
from cultuurkaart.rosters import constants as C
from cultuurkaart.rosters import permissions as roster_permissions
from cultuurkaart.rosters import queries, runner, services, workbooks
from cultuurkaart.rosters.constants import JobAction, PersonStatus, RosterKind, TeacherType
from cultuurkaart.rosters.models import Person, RosterJob, RosterUpload
from cultuurkaart.rosters.validation import header_label

from .access import may, school_page
from .forms import add_service_errors

PAGE_SIZES = (25, 50, 100, 200)
SLUGS = {RosterKind.STUDENTS: "studenten", RosterKind.TEACHERS: "docenten"}


# --- access ----------------------------------------------------------------------------


MANAGE = "rosters.manage"


def _view_action(kind: str, **_kwargs) -> str:
    return roster_permissions.view_action(kind)


def _may_see_codes(request, school) -> bool:
    return may(request, "memberships.view_codes", school.pk)


def _urls(school, kind: str) -> dict[str, str]:
    names = ("", "_export", "_template", "_upload", "_add", "_help", "_remove_selected")
    return {
        (name.lstrip("_") or "list"): reverse(
            f"portals:school_{kind}{name}", kwargs={"school_id": school.pk}
        )
        for name in names
    }


def _labels(kind: str, school_kind: str) -> dict[str, str]:
    """The spreadsheet's own (Dutch) column names: used where a message points into the file."""
    names = C.STUDENT_FIELDS if kind == RosterKind.STUDENTS else C.TEACHER_FIELDS
    return {name: header_label(kind, name, school_kind) for name in names}


UI_LABELS = {
    "first_name": gettext_lazy("Voornaam"),
    "last_name": gettext_lazy("Achternaam"),
    "email": gettext_lazy("E-mailadres"),
    "mobile": gettext_lazy("Mobiel nummer"),
    "location": gettext_lazy("Locatienaam"),
    "year": {"vo": gettext_lazy("Leerjaar"), "mbo": gettext_lazy("Studiejaar")},
    "group": {"vo": gettext_lazy("Klas"), "mbo": gettext_lazy("Opleiding")},
    "type": gettext_lazy("Type"),
}


def _ui_labels(kind: str, school_kind: str) -> dict[str, str]:
    """Column and filter labels of the web list, in the page's language."""
    names = C.STUDENT_FIELDS if kind == RosterKind.STUDENTS else C.TEACHER_FIELDS
    out = {}
    for name in names:
        label = UI_LABELS[name]
        out[name] = str(label[school_kind] if isinstance(label, dict) else label)
    return out


def _context(request, school, kind: str, **extra) -> dict:
    students = kind == RosterKind.STUDENTS
    return {
        "school": school,
        "kind": kind,
        "students": students,
        "title": wording.manage_learners_label(school) if students else _("Beheer docenten"),
        "people_word": wording.learners(school) if students else _("docenten en medewerkers"),
        "urls": _urls(school, kind),
        "labels": _ui_labels(kind, school.kind),
        "may_manage": may(request, MANAGE, school.pk),
        **extra,
    }


# --- list --------------------------------------------------------------------------------


def _invite_url(school) -> str | None:
    try:
        return reverse("portals:school_invite", kwargs={"school_id": school.pk})
    except NoReverseMatch:
        return None


def _filter_state(params) -> dict:
    state = {
        name: (params.get(name) or "").strip() for name in queries.FILTER_PARAMS if name != "status"
    }
    state["status"] = [s for s in params.getlist("status") if s in PersonStatus.values]
    return state


def _query(state: dict, **extra) -> str:
    pairs = [(k, v) for k, v in state.items() if k != "status" and v]
    pairs += [("status", s) for s in state["status"]]
    pairs += [(k, v) for k, v in extra.items() if v not in (None, "")]
    return urlencode(pairs)


@school_page(_view_action)
def people_list(request, school, kind: str):
    state = _filter_state(request.GET)
    qs = queries.filter_people(school, kind, request.GET)
    qs, sort = queries.sorted_people(qs, request.GET.get("sort"))
    try:
        size = int(request.GET.get("page_size", 50))
    except ValueError:
        size = 50
    size = size if size in PAGE_SIZES else 50
    paginator = Paginator(
        qs.only(
            "id",
            "first_name",
            "last_name",
            "email",
            "mobile",
            "location",
            "year",
            "group",
            "teacher_type",
            "status",
        ),
        size,
    )
    page = paginator.get_page(request.GET.get("page"))
    people = list(page.object_list)
    show_codes = _may_see_codes(request, school)
    codes_available = False
    if show_codes:
        codes = queries.current_codes([p.pk for p in people])
        codes_available = codes is not None
        for person in people:
            person.code = (codes or {}).get(person.pk, "")
    filter_query = _query(state)
    columns = []
    for name in queries.SORTABLE:
        if kind == RosterKind.TEACHERS and name in ("mobile", "location", "year", "group"):
            continue
        label = _("Status") if name == "status" else _ui_labels(kind, school.kind)[name]
        current = sort.lstrip("-") == name
        descending = current and sort.startswith("-")
        columns.append(
            {
                "name": name,
                "label": label,
                "sort_url": "?"
                + _query(
                    state,
                    sort=("" if descending else "-") + name if current else name,
                    page_size=size if size != 50 else None,
                ),
                "aria_sort": ("descending" if descending else "ascending") if current else None,
            }
        )
    status_counts = dict(
        Person.objects.filter(school=school, kind=kind)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    last_upload = (
        RosterUpload.objects.filter(school=school, kind=kind).only("uploaded_at", "rows").first()
    )
    context = _context(
        request,
        school,
        kind,
        page=page,
        people=people,
        state=state,
        statuses=PersonStatus.choices,
        status_counts=[
            (value, label, status_counts.get(value, 0)) for value, label in PersonStatus.choices
        ],
        total=sum(status_counts.values()),
        columns=columns,
        sort=sort,
        page_size=size,
        page_sizes=PAGE_SIZES,
        filter_query=filter_query,
        page_query=_query(
            state,
            sort=sort if sort != "last_name" else None,
            page_size=size if size != 50 else None,
        ),
        show_codes=show_codes,
        codes_available=codes_available,
        invite_url=_invite_url(school),
        last_upload=last_upload,
        filtered=any(v for k, v in state.items()),
        teacher_types=dict(TeacherType.choices),
    )
    return render(request, "portals/school/rosters/list.html", context)


@school_page(_view_action)
def export(request, school, kind: str):
    from cultuurkaart.api.rosters import export_response

    return export_response(school, kind, request.GET, with_codes=_may_see_codes(request, school))


@school_page(MANAGE)
def template_download(request, school, kind: str):
    response = HttpResponse(
        workbooks.build_template(kind, school.kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{workbooks.template_filename(kind)}"'
    return response


@school_page(_view_action)
def help_page(request, school, kind: str):
    return render(request, "portals/school/rosters/help.html", _context(request, school, kind))


# --- upload, validation, progress ------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Ingevuld sjabloon (.xlsx of .xls)"),
        help_text=gettext_lazy("Hoogstens 20 MB. Gebruik het sjabloon van deze pagina."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls"}),
    )
    confirm_complete = forms.BooleanField(required=False)

    def __init__(self, *args, people_word: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm_complete"].label = _(
            "Ik bevestig dat dit bestand alle %(people)s bevat die recht hebben op een Cultuurkaart. Wie niet in het bestand staat, wordt van de lijst gehaald."
        ) % {"people": people_word}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _job_urls(school, kind: str, job: RosterJob) -> dict[str, str]:
    kwargs = {"school_id": school.pk, "job_id": job.pk}
    return {
        "result_url": reverse(f"portals:school_{kind}_job", kwargs=kwargs),
        "status_url": reverse(f"portals:school_{kind}_job_status", kwargs=kwargs),
    }


@school_page(MANAGE)
def upload(request, school, kind: str):
    ctx = _context(request, school, kind)
    form = UploadForm(request.POST or None, request.FILES or None, people_word=ctx["people_word"])
    if request.method == "POST":
        action = JobAction.IMPORT if request.POST.get("action") == "import" else JobAction.VALIDATE
        if form.is_valid():
            if action == JobAction.IMPORT and not form.cleaned_data["confirm_complete"]:
                form.add_error(
                    "confirm_complete",
                    _(
                        "Vink aan dat het bestand de volledige lijst bevat; pas dan kunt u uploaden."
                    ),
                )
            else:
                file = form.cleaned_data["file"]
                if file.size > C.MAX_FILE_BYTES:
                    form.add_error("file", _("Het bestand is groter dan 20 MB."))
                else:
                    job = runner.create_job(
                        school,
                        kind,
                        action,
                        file.read(),
                        filename=file.name,
                        actor=request.user,
                        confirmed=action == JobAction.IMPORT,
                    )
                    runner.start_job(job)
                    urls = _job_urls(school, kind, job)
                    if _wants_json(request):
                        return JsonResponse({"job": job.pk, **urls})
                    return redirect(urls["result_url"])
        if _wants_json(request):
            return JsonResponse(
                {"errors": {k: [str(e) for e in v] for k, v in form.errors.items()}}, status=400
            )
    ctx.update(form=form, last_upload=RosterUpload.objects.filter(school=school, kind=kind).first())
    return render(request, "portals/school/rosters/upload.html", ctx)


def _job(school, kind: str, job_id: int) -> RosterJob:
    return get_object_or_404(RosterJob.objects.defer("data"), pk=job_id, school=school, kind=kind)


@school_page(MANAGE)
def job_status(request, school, kind: str, job_id: int):
    job = _job(school, kind, job_id)
    return JsonResponse(
        {
            "status": job.status,
            "progress": job.progress,
            "phase": job.phase,
            "finished": job.finished,
            **_job_urls(school, kind, job),
        }
    )


PHASES = {
    "validate": gettext_lazy("Bestand controleren"),
    "compare": gettext_lazy("Vergelijken met de huidige lijst"),
    "remove": gettext_lazy("Verwijderen wie niet meer op de lijst staat"),
    "update": gettext_lazy("Gegevens bijwerken"),
    "add": gettext_lazy("Nieuwe personen toevoegen"),
    "finish": gettext_lazy("Afronden"),
}


@school_page(MANAGE)
def job_page(request, school, kind: str, job_id: int):
    job = _job(school, kind, job_id)
    result = job.result or {}
    labels = _labels(kind, school.kind)
    errors = [
        {**e, "label": labels.get(e["column"], e["column"])} for e in result.get("errors", [])
    ]
    ctx = _context(
        request,
        school,
        kind,
        job=job,
        result=result,
        errors=errors,
        more_errors=max(0, result.get("error_count", 0) - len(errors)),
        phase_label=PHASES.get(job.phase, PHASES["validate"]),
        confirm_form=UploadForm(people_word=_context(request, school, kind)["people_word"]),
        file_available=job.finished
        and RosterJob.objects.filter(pk=job.pk, data__isnull=False).exists(),
        import_url=reverse(
            f"portals:school_{kind}_job_import", kwargs={"school_id": school.pk, "job_id": job.pk}
        ),
        **_job_urls(school, kind, job),
    )
    return render(request, "portals/school/rosters/job.html", ctx)


@school_page(MANAGE)
@require_POST
def job_import(request, school, kind: str, job_id: int):
    """Upload the file that was just validated (green), after the confirmation."""
    source = get_object_or_404(RosterJob, pk=job_id, school=school, kind=kind)
    if request.POST.get("confirm_complete") not in ("on", "true", "1"):
        messages.error(
            request,
            _("Vink aan dat het bestand de volledige lijst bevat; pas dan kunt u uploaden."),
        )
        return redirect(f"portals:school_{kind}_job", school_id=school.pk, job_id=source.pk)
    if not source.data:
        messages.error(
            request,
            _("Het gecontroleerde bestand is niet meer beschikbaar. Kies het bestand opnieuw."),
        )
        return redirect(f"portals:school_{kind}_upload", school_id=school.pk)
    job = runner.create_job(
        school,
        kind,
        JobAction.IMPORT,
        bytes(source.data),
        filename=source.filename,
        actor=request.user,
        confirmed=True,
    )
    RosterJob.objects.filter(pk=source.pk).update(data=None)
    runner.start_job(job)
    urls = _job_urls(school, kind, job)
    if _wants_json(request):
        return JsonResponse({"job": job.pk, **urls})
    return redirect(urls["result_url"])


# --- single people ---------------------------------------------------------------------------


class PersonForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("Voornaam"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Achternaam"), max_length=150)
    email = forms.CharField(
        label=gettext_lazy("E-mailadres (optioneel)"), max_length=254, required=False
    )
    mobile = forms.CharField(
        label=gettext_lazy("Mobiel nummer (optioneel)"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Internationaal, bijvoorbeeld +31612345678."),
    )
    location = forms.CharField(label=gettext_lazy("Locatienaam"), max_length=200)
    year = forms.TypedChoiceField(
        label=gettext_lazy("Leerjaar"),
        coerce=int,
        choices=[("", "—")] + [(str(i), str(i)) for i in range(1, 7)],
    )
    group = forms.CharField(label=gettext_lazy("Klas"), max_length=200)
    teacher_type = forms.ChoiceField(label=gettext_lazy("Type"), choices=TeacherType.choices)

    def __init__(self, *args, kind: str, school_kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == RosterKind.STUDENTS:
            del self.fields["teacher_type"]
            self.fields["year"].label = header_label(kind, "year", school_kind)
            self.fields["group"].label = header_label(kind, "group", school_kind)
        else:
            for name in ("mobile", "location", "year", "group"):
                del self.fields[name]


def _save_person(request, school, kind: str, person: Person | None):
    ctx = _context(request, school, kind, person=person)
    initial = None
    if person is not None:
        initial = {name: getattr(person, name) for name in services.PERSON_FIELDS}
    form = PersonForm(request.POST or None, initial=initial, kind=kind, school_kind=school.kind)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if person is None:
                services.add_person(school, kind, data, actor=request.user)
                messages.success(request, _("De persoon is toegevoegd."))
            else:
                services.update_person(person, data, actor=request.user)
                messages.success(request, _("De gegevens zijn opgeslagen."))
        except ValidationFailed as exc:
            add_service_errors(form, exc.errors, {"type": "teacher_type"})
        else:
            return redirect(f"portals:school_{kind}", school_id=school.pk)
    ctx["form"] = form
    return render(request, "portals/school/rosters/person_form.html", ctx)


@school_page(MANAGE)
def person_add(request, school, kind: str):
    return _save_person(request, school, kind, None)


@school_page(MANAGE)
def person_edit(request, school, kind: str, person_id: int):
    person = get_object_or_404(Person, pk=person_id, school=school, kind=kind)
    return _save_person(request, school, kind, person)


@school_page(MANAGE)
def person_remove(request, school, kind: str, person_id: int):
    person = get_object_or_404(Person, pk=person_id, school=school, kind=kind)
    if request.method == "POST":
        had_active = services.remove_person(person, actor=request.user)
        if had_active:
            messages.warning(
                request,
                _(
                    "De persoon is van de lijst gehaald. Het lidmaatschap blijft geldig tot de einddatum."
                ),
            )
        else:
            messages.success(request, _("De persoon is van de lijst gehaald."))
        return redirect(f"portals:school_{kind}", school_id=school.pk)
    return render(
        request,
        "portals/school/rosters/person_remove.html",
        _context(request, school, kind, person=person),
    )


@school_page(MANAGE)
@require_POST
def remove_selected(request, school, kind: str):
    """Remove the selected people (or all matching the filter) after a confirmation step."""
    if request.POST.get("all_matching") == "1":
        qs = queries.filter_people(school, kind, request.POST)
    else:
        ids = [pk for i in request.POST.getlist("person_ids") if (pk := parse_id(i)) is not None]
        qs = Person.objects.filter(school=school, kind=kind, pk__in=ids)
    count = qs.count()
    if count == 0:
        messages.error(request, _("Selecteer eerst één of meer personen."))
        return redirect(f"portals:school_{kind}", school_id=school.pk)
    if request.POST.get("confirmed") == "1":
        result = services.remove_people(
            school, kind, list(qs.values_list("pk", flat=True)), actor=request.user
        )
        messages.success(
            request,
            _(
                "%(n)s personen zijn van de lijst gehaald; %(a)s van hen hebben een actief lidmaatschap, dat blijft geldig."
            )
            % {"n": result["removed"], "a": result["removed_active"]},
        )
        return redirect(f"portals:school_{kind}", school_id=school.pk)
    hidden = [
        (k, v) for k in request.POST for v in request.POST.getlist(k) if k != "csrfmiddlewaretoken"
    ]
    ctx = _context(request, school, kind, count=count, hidden=hidden)
    return render(request, "portals/school/rosters/remove_selected.html", ctx)
