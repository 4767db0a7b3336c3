"""Pages of the teaching part of the dossier (SPEC §11, issue 12 points 4-6).

Teachers (school pages): classes, the class overview with its chart, table and CSV, the
assignments (new, progress, extensions, release), a submission with the feedback form, a
student's growth page with reflection conversations and (for the dossier teachers) private
notes, the lesson-material library. Students (self-service, phone first): their
assignments, the work page (draft, submit, released feedback), their growth page.
Providers: their published lesson material. Thin: check the table, call the services.
Every page is 404 where the dossier is not enabled."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError, NotFound
from cultuurkaart.core.ids import parse_id
from cultuurkaart.dossier.constants import COMPETENCIES
from cultuurkaart.dossier.services import access
from cultuurkaart.teaching.constants import COMPETENCY_CODES, MaterialScope
from cultuurkaart.teaching.models import Assignment, LessonMaterial, Submission, SubmissionFile
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services import charts, classes, conversations, groups, growth, notes
from cultuurkaart.teaching.services import materials as library

from . import forms_teaching as forms
from .access import may, provider_page, school_page


def _enabled(school) -> None:
    if not access.is_enabled(school):
        raise Http404


def _field_errors(form, exc: DomainError, mapping: dict | None = None) -> None:
    placed = False
    for err in exc.errors:
        name = (mapping or {}).get(err.get("field"), err.get("field"))
        if name in form.fields:
            form.add_error(name, exc.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _labels() -> list[tuple[str, str]]:
    return [(code, str(COMPETENCIES[code])) for code in COMPETENCY_CODES]


# --- classes and the class overview ---------------------------------------------------------


@school_page("teaching.teach")
def classes_page(request, school):
    _enabled(school)
    return render(
        request,
        "teaching/classes.html",
        {"school": school, "classes": classes.classes(school), "may_materials": True},
    )


def _class(school, class_id):
    group = classes.group_of(school, class_id)
    if group is None:
        raise Http404
    return group


@school_page("teaching.teach")
def overview_page(request, school, class_id: str):
    _enabled(school)
    group = _class(school, class_id)
    rows = growth.class_overview(school, group)
    labels = _labels()
    chart = charts.bar_chart(
        [r["person"].first_name for r in rows],
        [(label, [r[code] for r in rows]) for code, label in labels],
        title=_("Items per competentie per leerling"),
        table_id="overview-table",
        width=max(360, 40 * len(rows) + 60),
    )
    return render(
        request,
        "teaching/overview.html",
        {
            "school": school,
            "group": group,
            "class_id": class_id,
            "rows": rows,
            "labels": labels,
            "chart": chart,
        },
    )


@school_page("teaching.teach")
def overview_csv(request, school, class_id: str):
    _enabled(school)
    group = _class(school, class_id)
    rows = growth.class_overview(school, group)
    labels = {
        "last_name": _("Achternaam"),
        "first_name": _("Voornaam"),
        **{code: str(label) for code, label in COMPETENCIES.items()},
        "open_questions": _("Open leervragen"),
        "last_activity": _("Laatste activiteit"),
        "missing": _("Ontbrekende opdrachten"),
        "late": _("Te laat ingeleverd"),
    }
    body = "\ufeff" + growth.overview_csv(rows, labels)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="klasoverzicht-{class_id}.csv"'
    return response


# --- assignments (teacher) ------------------------------------------------------------------


# --- named groups within a class ------------------------------------------------------------


def _student_choices(school, group: str) -> list[tuple[str, str]]:
    return [
        (str(p.pk), f"{p.last_name}, {p.first_name}")
        for p in classes.students(school, groups=[group]).order_by("last_name", "first_name", "pk")
    ]


@school_page("teaching.teach")
def groups_page(request, school, class_id: str):
    """The named groups of a class and a form to make one."""
    _enabled(school)
    group = _class(school, class_id)
    form = forms.GroupForm(request.POST or None, student_choices=_student_choices(school, group))
    if request.method == "POST" and form.is_valid():
        try:
            row = groups.create_group(
                school,
                class_id,
                form.cleaned_data["name"],
                [int(x) for x in form.cleaned_data["students"]],
                actor=request.user,
            )
        except DomainError as exc:
            _field_errors(form, exc, {"person_ids": "students"})
        else:
            messages.success(request, _("De groep %(name)s is gemaakt.") % {"name": row.name})
            return redirect(request.path)
    return render(
        request,
        "teaching/groups.html",
        {
            "school": school,
            "group": group,
            "class_id": class_id,
            "groups": groups.groups_of_class(school, group),
            "form": form,
        },
    )


@school_page("teaching.teach")
def group_page(request, school, group_id: int):
    """One group: rename, choose its students, delete."""
    _enabled(school)
    try:
        row = groups.group_for(school, group_id)
    except NotFound:
        raise Http404 from None
    class_id = classes.class_id(school.pk, row.group)
    choices = _student_choices(school, row.group)
    initial = {"name": row.name, "students": [str(pk) for pk in groups.member_ids(row)]}
    form = forms.GroupForm(
        request.POST if request.method == "POST" and "save" in request.POST else None,
        initial=initial,
        student_choices=choices,
    )
    if request.method == "POST" and "delete" in request.POST:
        kept = groups.delete_group(row, actor=request.user)
        text = _("De groep %(name)s is verwijderd.") % {"name": row.name}
        if kept:
            text += " " + _("Opdrachten voor deze groep blijven bij de leerlingen die erin zaten.")
        messages.success(request, text)
        return redirect("portals:school_dossier_groups", school_id=school.pk, class_id=class_id)
    if request.method == "POST" and form.is_valid():
        try:
            groups.update_group(
                row,
                name=form.cleaned_data["name"],
                person_ids=[int(x) for x in form.cleaned_data["students"]],
                actor=request.user,
            )
        except DomainError as exc:
            _field_errors(form, exc, {"person_ids": "students"})
        else:
            messages.success(request, _("De groep is bewaard."))
            return redirect(request.path)
    return render(
        request,
        "teaching/group.html",
        {
            "school": school,
            "row": row,
            "class_id": class_id,
            "form": form,
            "assignments": service.assignments_of(school).filter(targets__class_group=row),
        },
    )


def _assignment_form(request, school, data=None):
    class_choices = [(c["id"], f"{c['name']} ({c['students']})") for c in classes.classes(school)]
    group_choices = [(str(g.pk), f"{g.group} · {g.name}") for g in groups.groups_of_school(school)]
    class_names = [c["name"] for c in classes.classes(school)]
    student_choices = [
        (str(p.pk), f"{p.group} · {p.last_name}, {p.first_name}")
        for p in classes.students(school, groups=class_names).order_by("group", "last_name", "pk")
    ]
    material_choices = [(str(m.pk), m.title) for m in library.visible(school, request.user)[:100]]
    return forms.AssignmentForm(
        data,
        class_choices=class_choices,
        student_choices=student_choices,
        material_choices=material_choices,
        group_choices=group_choices,
    )


@school_page("teaching.teach")
def assignments_page(request, school):
    _enabled(school)
    rows = list(service.assignments_of(school).prefetch_related("targets")[:200])
    return render(request, "teaching/assignments.html", {"school": school, "assignments": rows})


@school_page("teaching.teach")
def assignment_new(request, school):
    _enabled(school)
    form = _assignment_form(request, school, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = service.AssignmentData(
            title=d["title"],
            instructions=d["instructions"],
            class_ids=d["classes"],
            person_ids=[int(x) for x in d["students"]],
            group_ids=[int(x) for x in d["groups"]],
            opens_at=d["opens_at"],
            due_at=d["due_at"],
            cutoff_at=d["cutoff_at"],
            text=d["accepts_text"],
            files=d["max_files"] or 0,
            word_limit=d["word_limit"],
            competencies=d["competencies"],
            rubric=form.rubric_data(),
            material_ids=[int(x) for x in d["materials"]],
        )
        try:
            assignment = service.create_assignment(school, data, actor=request.user)
        except DomainError as exc:
            _field_errors(
                form,
                exc,
                {
                    "class_ids": "classes",
                    "person_ids": "students",
                    "group_ids": "groups",
                    "submission": "max_files",
                },
            )
        else:
            messages.success(request, _("De opdracht staat klaar voor de leerlingen."))
            return redirect(
                "portals:school_dossier_assignment",
                school_id=school.pk,
                assignment_id=assignment.pk,
            )
    return render(request, "teaching/assignment_new.html", {"school": school, "form": form})


def _own_assignment(school, assignment_id) -> Assignment:
    assignment = Assignment.objects.filter(pk=assignment_id, school=school).first()
    if assignment is None:
        raise Http404
    return assignment


@school_page("teaching.teach")
def assignment_page(request, school, assignment_id: int):
    _enabled(school)
    assignment = _own_assignment(school, assignment_id)
    rows = service.progress(assignment)
    student_choices = [(str(r["person"].pk), str(r["person"])) for r in rows]
    ext_form = forms.ExtensionForm(student_choices=student_choices)
    if request.method == "POST":
        try:
            if "release" in request.POST:
                ids = [pk for pk in map(parse_id, request.POST.getlist("release_for")) if pk]
                count = service.release(assignment, ids or None, actor=request.user)
                messages.success(
                    request,
                    _("Feedback vrijgegeven aan %(count)s leerling(en).") % {"count": count},
                )
                return redirect(request.path)
            ext_form = forms.ExtensionForm(request.POST, student_choices=student_choices)
            if ext_form.is_valid():
                d = ext_form.cleaned_data
                service.grant_extension(
                    assignment,
                    [int(x) for x in d["students"]],
                    d["due_at"],
                    d["cutoff_at"],
                    d["reason"],
                    actor=request.user,
                )
                messages.success(request, _("Het uitstel is vastgelegd."))
                return redirect(request.path)
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "teaching/assignment.html",
        {
            "school": school,
            "assignment": assignment,
            "rows": rows,
            "ext_form": ext_form,
            "materials": service.materials_of(assignment),
            "to_release": any(r["feedback"] and r["feedback"].has_unreleased_changes for r in rows),
        },
    )


def _own_submission(school, submission_id) -> Submission:
    submission = (
        Submission.objects.select_related("assignment", "person")
        .filter(pk=submission_id, assignment__school=school)
        .first()
    )
    if submission is None:
        raise Http404
    return submission


@school_page("teaching.teach")
def submission_page(request, school, submission_id: int):
    _enabled(school)
    submission = _own_submission(school, submission_id)
    assignment = submission.assignment
    feedback = getattr(submission, "feedback", None)
    initial = {"comment": feedback.comment, "grade": feedback.grade} if feedback else None
    form = forms.FeedbackForm(request.POST or None, initial=initial)
    criteria = (assignment.rubric or {}).get("criteria", [])
    if request.method == "POST" and form.is_valid():
        rubric = {
            c["name"]: request.POST.get(f"rubric-{i}")
            for i, c in enumerate(criteria)
            if request.POST.get(f"rubric-{i}")
        }
        try:
            service.give_feedback(
                submission,
                comment=form.cleaned_data["comment"],
                grade=form.cleaned_data["grade"],
                rubric=rubric,
                actor=request.user,
            )
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(
                request,
                _("Feedback bewaard. De leerling ziet die pas als je haar vrijgeeft."),
            )
            return redirect(request.path)
    chosen = feedback.rubric if feedback else {}
    rubric_rows = [
        {"index": i, "name": c["name"], "levels": c["levels"], "chosen": chosen.get(c["name"])}
        for i, c in enumerate(criteria)
    ]
    return render(
        request,
        "teaching/submission.html",
        {
            "school": school,
            "submission": submission,
            "assignment": assignment,
            "feedback": feedback,
            "form": form,
            "rubric_rows": rubric_rows,
            "files": list(submission.files.all()),
            "intact": service.verify(submission),
        },
    )


def _file_response(row: SubmissionFile):
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["Content-Disposition"] = f'inline; filename="{row.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@school_page("teaching.teach")
def submission_file(request, school, submission_id: int, position: int):
    _enabled(school)
    submission = _own_submission(school, submission_id)
    row = submission.files.filter(position=position).first()
    if row is None:
        raise Http404
    return _file_response(row)


# --- a student: growth, conversations, notes ------------------------------------------------


def _student(school, student_id):
    try:
        return notes.student_at(school, student_id)
    except NotFound:
        raise Http404 from None


def _growth_context(growth_data) -> dict:
    labels = _labels()
    months = growth_data["months"]
    chart = charts.bar_chart(
        [m["month"][2:] for m in months],
        [(label, [m[code] for m in months]) for code, label in labels],
        title=_("Items per competentie per maand"),
        table_id="growth-table",
    )
    return {"growth": growth_data, "labels": labels, "chart": chart}


@school_page("teaching.teach")
def student_page(request, school, student_id: int):
    _enabled(school)
    person = _student(school, student_id)
    user_id = classes.users_of([person.pk]).get(person.pk)
    form = forms.ConversationForm(request.POST or None, initial={"held_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            conversations.record_conversation(
                school, person, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("Het reflectiegesprek is vastgelegd."))
            return redirect(request.path)
    data = growth.student_growth(user_id, for_teacher=True, school=school, person=person)
    if user_id is not None and request.method == "GET":
        # the growth page shows portfolio data (counts, open learning questions): a staff view
        from cultuurkaart.dossier.constants import ViewChannel
        from cultuurkaart.dossier.models import Portfolio

        portfolio = Portfolio.objects.filter(owner_id=user_id).first()
        if portfolio is not None:
            access.log_view(request.user, portfolio, school, ViewChannel.PAGE)
    return render(
        request,
        "teaching/student.html",
        {
            "school": school,
            "person": person,
            "has_account": user_id is not None,
            "form": form,
            "may_notes": may(request, "teaching.notes", school.pk),
            "class_id": classes.class_id(school.pk, person.group) if person.group else "",
            **_growth_context(data),
        },
    )


@school_page("teaching.notes")
def student_notes(request, school, student_id: int):
    _enabled(school)
    person = _student(school, student_id)
    form = forms.NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notes.add_note(school, person, form.cleaned_data["text"], actor=request.user)
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("De notitie is bewaard."))
            return redirect(request.path)
    return render(
        request,
        "teaching/notes.html",
        {
            "school": school,
            "person": person,
            "form": form,
            "notes": notes.notes_for(school, person),
        },
    )


# --- the lesson-material library ------------------------------------------------------------


@school_page("teaching.materials")
def materials_page(request, school):
    _enabled(school)
    form = forms.MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        try:
            if "reuse" in request.POST:
                pk = parse_id(request.POST.get("reuse"))
                material = LessonMaterial.objects.filter(pk=pk).first() if pk else None
                if material is None:
                    raise Http404
                library.reuse(material, school, actor=request.user)
                messages.success(request, _("Het lesmateriaal staat nu in je eigen bibliotheek."))
                return redirect(request.path)
            if "share" in request.POST:
                pk = parse_id(request.POST.get("share"))
                material = LessonMaterial.objects.filter(pk=pk).first() if pk else None
                if material is None:
                    raise Http404
                library.share(material, request.POST.get("scope", ""), actor=request.user)
                messages.success(request, _("Gedeeld."))
                return redirect(request.path)
            if form.is_valid():
                d = form.cleaned_data
                library.add_material(
                    school,
                    title=d["title"],
                    description=d["description"],
                    link=d["link"],
                    scope=d["scope"],
                    competencies=d["competencies"],
                    upload=d["file"],
                    actor=request.user,
                )
                messages.success(request, _("Het lesmateriaal is toegevoegd."))
                return redirect(request.path)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _field_errors(form, exc)
    rows = list(library.visible(school, request.user)[:300])
    for m in rows:
        m.source = library.source_line(m)
        m.mine = m.owner_id == request.user.pk and m.school_id == school.pk
    return render(
        request,
        "teaching/materials.html",
        {"school": school, "form": form, "materials": rows, "scopes": MaterialScope.choices},
    )


@school_page("teaching.materials")
def material_file(request, school, material_id: int):
    _enabled(school)
    material = library.visible(school, request.user).filter(pk=material_id).first()
    if material is None or not material.attachment:
        raise Http404
    response = FileResponse(material.attachment.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{material.attachment_name}"'
    return response


@provider_page("teaching.publish_material")
def provider_materials(request, provider):
    form = forms.ProviderMaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            library.publish_material(
                provider,
                title=d["title"],
                description=d["description"],
                link=d["link"],
                competencies=d["competencies"],
                upload=d["file"],
                actor=request.user,
            )
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("Het lesmateriaal is gepubliceerd voor alle scholen."))
            return redirect(request.path)
    return render(
        request,
        "teaching/provider_materials.html",
        {"provider": provider, "form": form, "materials": library.of_provider(provider)},
    )


# --- the student ----------------------------------------------------------------------------


@login_required
def my_assignments(request):
    rows = service.student_assignments(request.user)
    if not rows and not access.member_school_ids(request.user):
        raise Http404
    return render(request, "teaching/my_assignments.html", {"rows": rows, "now": clock.now()})


def _media_choices(user):
    from cultuurkaart.dossier.models import Media

    return list(Media.objects.filter(portfolio__owner=user).order_by("-created_at", "-pk")[:50])


@login_required
def my_assignment(request, assignment_id: int):
    try:
        assignment, person = service.assignment_for_student(assignment_id, request.user)
    except NotFound:
        raise Http404 from None
    work = assignment.works.filter(student=request.user).first()
    media = _media_choices(request.user)
    choices = [(str(m.pk), m.alt or f"{m.get_kind_display()} {m.pk}") for m in media]
    initial = {"text": work.text, "media": [str(i) for i in work.media_ids]} if work else None
    form = forms.WorkForm(
        request.POST or None, request.FILES or None, media_choices=choices, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            media_ids = [int(x) for x in form.cleaned_data["media"]]
            upload = form.cleaned_data.get("upload")
            if upload is not None:
                media_ids.append(_upload(request.user, upload, form.cleaned_data["alt"]).pk)
            service.save_work(
                assignment,
                request.user,
                text=form.cleaned_data["text"],
                media_ids=media_ids,
                actor=request.user,
            )
            if "submit" in request.POST:
                service.submit(assignment, person, request.user, actor=request.user)
                messages.success(request, _("Ingeleverd. Je kunt verder werken aan je versie."))
            else:
                messages.success(request, _("Je concept is bewaard."))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect(request.path)
    due, cutoff = service.dates_for(assignment, person)
    subs = list(
        assignment.submissions.filter(student=request.user)
        .select_related("feedback")
        .prefetch_related("files")
        .order_by("-attempt")
    )
    for s in subs:
        s.released = service.released_feedback_of(s)
    selected = set(work.media_ids) if work else set()
    return render(
        request,
        "teaching/my_assignment.html",
        {
            "assignment": assignment,
            "form": form,
            "due_at": due,
            "cutoff_at": cutoff,
            "closed": cutoff is not None and clock.now() > cutoff,
            "late_now": clock.now() > due,
            "submissions": subs,
            "media": [m for m in media if m.pk in selected],
            "media_urls": {m.pk: _media_url(m, request.user) for m in media if m.pk in selected},
            "materials": service.materials_of(assignment),
        },
    )


def _upload(user, upload, alt: str):
    """A new file into the student's own dossier (sniffed, EXIF stripped, quota: the
    dossier's media service), then attached to the work."""
    from cultuurkaart.dossier.services import media as dossier_media

    portfolio = access.portfolio_for(user)
    return dossier_media.upload_media(portfolio, upload, actor=user, alt=alt)


def _media_url(media, user) -> str:
    from cultuurkaart.dossier.services import media as dossier_media

    return dossier_media.signed_url(media, user)


@login_required
def my_submission_file(request, assignment_id: int, file_id: int):
    row = SubmissionFile.objects.filter(
        pk=file_id,
        submission__assignment_id=assignment_id,
        submission__student=request.user,
    ).first()
    if row is None:
        raise Http404
    return _file_response(row)


@login_required
def my_material_file(request, assignment_id: int, material_id: int):
    """The PDF of lesson material attached to one of the student's own assignments."""
    try:
        assignment, _person = service.assignment_for_student(assignment_id, request.user)
    except NotFound:
        raise Http404 from None
    material = assignment.materials.filter(pk=material_id).first()
    if material is None or not material.attachment:
        raise Http404
    response = FileResponse(material.attachment.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{material.attachment_name}"'
    return response


@login_required
def my_growth(request):
    if not access.member_school_ids(request.user):
        raise Http404
    data = growth.student_growth(request.user.pk, for_teacher=False)
    shared = list(conversations.shared_with(request.user)[:20])
    if shared:
        since = shared[0].held_on
        data["since"] = since
        data["since_counts"] = growth.counts_since(request.user.pk, since)
    return render(
        request, "teaching/my_growth.html", {"conversations": shared, **_growth_context(data)}
    )
