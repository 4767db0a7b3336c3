"""CmK programme monitoring pages (docs/cmk.md). Thin: scope through `cmk.services.access`
(404 outside the caller's programme, municipality or participation; 403 for a role that may
not), forms parsed here, rules in the cmk services. Staff-only minutes are put in a template
context only when `cmk.view_staff_minutes` allows it."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cultuurkaart.cmk.constants import (
    CmkRole,
    ContactRole,
    DeadlineKind,
    LineCode,
    MeetingLevel,
    MeetingStatus,
)
from cultuurkaart.cmk.models import Action, Activity, Conversation, Meeting, Participation
from cultuurkaart.cmk.services import access, activities, conversations, deadlines, programmes
from cultuurkaart.cmk.services import participations as parts
from cultuurkaart.cmk.services import targets as target_service
from cultuurkaart.cmk.services.dashboard import dashboard as dashboard_figures
from cultuurkaart.core import clock, permissions
from cultuurkaart.core.errors import DomainError, NotFound
from cultuurkaart.core.errors import PermissionDenied as DomainDenied
from cultuurkaart.core.ids import parse_id

from .access import backoffice_page


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _scoped(call):
    try:
        return call()
    except NotFound:
        raise Http404 from None
    except DomainDenied:
        raise PermissionDenied from None


def programme_page(action: str):
    """A page of one programme (`programme_id` in the url) for a programme action."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, programme_id: int, *args, **kwargs):
            permissions.record(request, action)
            programme = _scoped(
                lambda: access.require_programme(request.user, programme_id, action)
            )
            request.cmk_programme = programme
            return view(request, programme, *args, **kwargs)

        wrapper.permission_action = action
        return wrapper

    return decorator


def participation_page(action: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, participation_id: int, *args, **kwargs):
            permissions.record(request, action)
            participation = _scoped(
                lambda: access.require_participation(request.user, participation_id, action)
            )
            request.cmk_programme = participation.programme
            return view(request, participation, *args, **kwargs)

        wrapper.permission_action = action
        return wrapper

    return decorator


def _may(request, action, programme, participation=None) -> bool:
    return access.may(request.user, action, programme, participation)


def _must(request, action, programme, participation=None) -> None:
    """A write on a page that reads with a wider action (the form's POST)."""
    _scoped(lambda: access.check(request.user, action, programme, participation))


def _errors(exc: DomainError) -> str:
    details = "; ".join(e.get("message", "") for e in exc.errors if e.get("message"))
    return details or exc.message


def _field_errors(form: forms.BaseForm, exc: DomainError) -> None:
    """Put a service's 422 errors on the form's fields (`actions.0.text` → `actions`);
    what names no field of the form goes on top of the form."""
    for e in exc.errors or [{"message": exc.message}]:
        name = str(e.get("field") or "").split(".")[0].split("[")[0]
        message = e.get("message") or exc.message
        form.add_error(name if name in form.fields else None, message)


def _context(request, programme, **extra):
    role = access.role_of(request.user, programme)
    return {
        "programme": programme,
        "cmk_role": role,
        "is_staff": role == CmkRole.STAFF,
        "may_view_programme": _may(request, "cmk.view_programme", programme),
        **extra,
    }


# --- home ------------------------------------------------------------------------------------


@login_required
def home(request):
    """The signed-in person's programmes with their role in each (self-service)."""
    items = [
        {"programme": p, "role": access.role_of(request.user, p)}
        for p in access.programmes_for(request.user).order_by("starts_on", "code")
    ]
    for item in items:
        contact_ids = access.participation_ids(request.user, item["programme"])
        item["participations"] = Participation.objects.filter(pk__in=contact_ids).select_related(
            "location"
        )
    return render(request, "portals/cmk/home.html", {"items": items})


# --- dashboard, targets ----------------------------------------------------------------------


def _municipality(request, programme):
    if access.role_of(request.user, programme) == CmkRole.MUNICIPALITY:
        return programme.municipalities.filter(
            pk__in=access.municipality_ids(request.user, programme)
        ).first()
    return None


@programme_page("cmk.view_aggregates")
def dashboard(request, programme):
    municipality = _municipality(request, programme)
    figures = dashboard_figures(programme, municipality=municipality)
    return render(
        request,
        "portals/cmk/dashboard.html",
        _context(request, programme, figures=figures, municipality=municipality),
    )


class TargetForm(forms.Form):
    indicator = forms.CharField(max_length=40)
    year = forms.IntegerField(required=False)
    target = forms.IntegerField(min_value=0, label=gettext_lazy("Doel"))


@programme_page("cmk.view_aggregates")
def targets(request, programme):
    if request.method == "POST":
        _must(request, "cmk.work", programme)
        form = TargetForm(request.POST)
        indicator = None
        if form.is_valid():
            indicator = programme.indicators.filter(code=form.cleaned_data["indicator"]).first()
        if indicator is None:
            messages.error(request, _("Controleer het doel."))
        else:
            try:
                programmes.set_target(
                    indicator,
                    form.cleaned_data["year"],
                    form.cleaned_data["target"],
                    actor=request.user,
                )
                messages.success(request, _("Het doel is opgeslagen."))
            except DomainError as exc:
                messages.error(request, _errors(exc))
        return redirect("portals:cmk_targets", programme_id=programme.pk)
    municipality = _municipality(request, programme)
    rows = target_service.compute(programme, municipality=municipality)
    chosen = None
    wanted = (request.GET.get("indicator"), request.GET.get("year"))
    for row in rows:
        row["year_key"] = "" if row["year"] is None else str(row["year"])
        if wanted == (row["indicator"], row["year_key"]):
            chosen = row
    return render(
        request,
        "portals/cmk/targets.html",
        _context(request, programme, rows=rows, chosen=chosen, municipality=municipality),
    )


# --- participations --------------------------------------------------------------------------


class ParticipationForm(forms.Form):
    location_code = forms.CharField(label=gettext_lazy("Locatiecode (register)"), max_length=20)
    track = forms.ChoiceField(
        label=gettext_lazy("Spoor"),
        required=False,
        choices=[
            ("track-1", gettext_lazy("Spoor 1: bestaande school")),
            ("track-2", gettext_lazy("Spoor 2: nieuwe school")),
            ("", gettext_lazy("Geen (culturele instelling)")),
        ],
    )


@programme_page("cmk.view_aggregates")
def participation_list(request, programme):
    form = ParticipationForm()
    if request.method == "POST":
        _must(request, "cmk.work", programme)
        form = ParticipationForm(request.POST)
        if form.is_valid():
            try:
                p = parts.add_participation(
                    programme,
                    location_code=form.cleaned_data["location_code"],
                    track=form.cleaned_data["track"] or None,
                    actor=request.user,
                )
            except DomainError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, _("De deelnemer is toegevoegd."))
                return redirect("portals:cmk_participation", participation_id=p.pk)
    qs = (
        access.visible_participations(request.user, programme)
        .select_related("location", "municipality", "track", "current_step", "advisor")
        .order_by("location__name")
    )
    return render(
        request,
        "portals/cmk/participations.html",
        _context(request, programme, participations=qs, form=form),
    )


class StepForm(forms.Form):
    number = forms.IntegerField(min_value=1, label=gettext_lazy("Stap"))
    reason = forms.CharField(
        required=False, label=gettext_lazy("Reden (verplicht bij een stap terug)"), max_length=2000
    )
    complete = forms.BooleanField(required=False)


class ConversationForm(forms.Form):
    planned_on = forms.DateField(
        widget=_date_widget(), required=False, label=gettext_lazy("Gepland op")
    )
    held_on = forms.DateField(
        widget=_date_widget(), required=False, label=gettext_lazy("Gehouden op")
    )
    shared_minutes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Verslag, gedeeld met de school"),
    )
    staff_minutes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Verslag, alleen voor het programmabureau"),
    )
    action_text = forms.CharField(required=False, label=gettext_lazy("Actie"), max_length=2000)
    action_due_on = forms.DateField(
        widget=_date_widget(), required=False, label=gettext_lazy("Actie uiterlijk")
    )


class ContactForm(forms.Form):
    role = forms.ChoiceField(choices=ContactRole.choices, label=gettext_lazy("Rol"))
    name = forms.CharField(max_length=200, label=gettext_lazy("Naam"))
    email = forms.EmailField(required=False, label=gettext_lazy("E-mailadres"))
    phone = forms.CharField(required=False, max_length=30, label=gettext_lazy("Telefoon"))
    valid_from = forms.DateField(widget=_date_widget(), required=False, label=gettext_lazy("Vanaf"))


@participation_page("cmk.view_participation")
def participation_detail(request, participation):
    programme = participation.programme
    shared = _may(request, "cmk.view_shared_minutes", programme, participation)
    staff = _may(request, "cmk.view_staff_minutes", programme, participation)
    work = _may(request, "cmk.work", programme, participation)
    convs = list(
        Conversation.objects.filter(participation=participation).prefetch_related("actions")
    )
    conversation_rows = [
        {
            "pk": c.pk,
            "held_on": c.held_on,
            "planned_on": c.planned_on,
            "shared_minutes": c.shared_minutes if shared else None,
            "staff_minutes": c.staff_minutes if staff else None,
            "actions": list(c.actions.all()) if shared else [],
        }
        for c in convs
    ]
    steps = list(participation.track.steps.all()) if participation.track else []
    return render(
        request,
        "portals/cmk/participation.html",
        _context(
            request,
            programme,
            p=participation,
            steps=steps,
            history=participation.step_changes.select_related("track", "by"),
            conversations=conversation_rows,
            contacts=participation.contacts.all() if shared else [],
            open_actions=conversations.open_actions(participation) if shared else [],
            show_shared=shared,
            work=work,
            advisors=_staff_of(programme) if work else [],
            step_form=StepForm(),
            conversation_form=ConversationForm(),
            contact_form=ContactForm(),
        ),
    )


def _back(participation):
    return redirect("portals:cmk_participation", participation_id=participation.pk)


@participation_page("cmk.work")
def participation_step(request, participation):
    if request.method == "POST":
        form = StepForm(request.POST)
        if form.is_valid():
            try:
                parts.move_step(
                    participation,
                    form.cleaned_data["number"],
                    reason=form.cleaned_data["reason"],
                    complete=form.cleaned_data["complete"],
                    actor=request.user,
                )
                messages.success(request, _("De stap is bijgewerkt."))
            except DomainError as exc:
                messages.error(request, _errors(exc))
        else:
            messages.error(request, _("Kies een stap."))
    return _back(participation)


@participation_page("cmk.work")
def participation_advisor(request, participation):
    if request.method == "POST":
        advisor = (
            _staff_of(participation.programme)
            .filter(pk=parse_id(request.POST.get("advisor") or ""))
            .first()
        )
        try:
            parts.set_advisor(participation, advisor, actor=request.user)
            messages.success(request, _("De adviseur is opgeslagen."))
        except DomainError as exc:
            messages.error(request, _errors(exc))
    return _back(participation)


def _staff_of(programme):
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User

    return User.objects.filter(
        is_active=True, roles__role=RoleName.CMK_STAFF, roles__cmk_programme=programme
    ).order_by("name", "email")


@participation_page("cmk.work")
def participation_end(request, participation):
    if request.method == "POST":
        try:
            parts.end_participation(
                participation, reason=request.POST.get("reason", ""), actor=request.user
            )
            messages.success(request, _("De deelname is beëindigd."))
        except DomainError as exc:
            messages.error(request, _errors(exc))
    return _back(participation)


@participation_page("cmk.work")
def participation_cycle(request, participation):
    if request.method == "POST":
        try:
            parts.open_cycle(participation, actor=request.user)
            messages.success(request, _("Een nieuwe cyclus is geopend."))
        except DomainError as exc:
            messages.error(request, _errors(exc))
    return _back(participation)


@participation_page("cmk.work")
def participation_conversation(request, participation):
    if request.method == "POST":
        form = ConversationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            actions = []
            if data["action_text"]:
                actions.append({"text": data["action_text"], "due_on": data["action_due_on"]})
            try:
                conversations.record_conversation(
                    participation,
                    planned_on=data["planned_on"],
                    held_on=data["held_on"],
                    shared_minutes=data["shared_minutes"],
                    staff_minutes=data["staff_minutes"],
                    actions=actions,
                    actor=request.user,
                )
                messages.success(request, _("Het gesprek is vastgelegd."))
            except DomainError as exc:
                messages.error(request, _errors(exc))
        else:
            messages.error(request, _("Controleer de datums."))
    return _back(participation)


@participation_page("cmk.work")
def participation_contact(request, participation):
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                parts.set_contact(participation, **form.cleaned_data, actor=request.user)
                messages.success(request, _("De contactpersoon is opgeslagen."))
            except DomainError as exc:
                messages.error(request, _errors(exc))
        else:
            messages.error(request, _("Controleer de contactpersoon."))
    return _back(participation)


@login_required
def action_close(request, action_id: int):
    permissions.record(request, "cmk.work")
    action = Action.objects.select_related("participation").filter(pk=action_id).first()
    if action is None:
        raise Http404
    participation = _scoped(
        lambda: access.require_participation(request.user, action.participation_id, "cmk.work")
    )
    if request.method == "POST":
        try:
            parts.close_action(action, actor=request.user)
            messages.success(request, _("De actie is afgerond."))
        except DomainError as exc:
            messages.error(request, _errors(exc))
    return _back(participation)


# --- conversations overview ------------------------------------------------------------------


@programme_page("cmk.view_programme")
def conversation_overview(request, programme):
    today = clock.today()
    start, end = conversations.half_year(today)
    return render(
        request,
        "portals/cmk/conversations.html",
        _context(
            request,
            programme,
            missing=conversations.without_conversation(programme, day=today),
            half_start=start,
            half_end=end,
            planned=Conversation.objects.filter(
                participation__programme=programme, held_on__isnull=True, planned_on__gte=today
            )
            .select_related("participation__location")
            .order_by("planned_on"),
            open_actions=conversations.open_actions(programme=programme),
        ),
    )


# --- activities and meetings -----------------------------------------------------------------


class ActivityForm(forms.Form):
    line = forms.ChoiceField(choices=LineCode.choices, label=gettext_lazy("Programmalijn"))
    title = forms.CharField(max_length=300, label=gettext_lazy("Titel"))
    held_on = forms.DateField(widget=_date_widget(), label=gettext_lazy("Datum"))
    participants = forms.IntegerField(min_value=0, label=gettext_lazy("Deelnemers"))
    schools = forms.ModelMultipleChoiceField(
        queryset=Participation.objects.none(), required=False, label=gettext_lazy("Scholen")
    )

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = Participation.objects.filter(
            programme=programme
        ).select_related("location")
        self.fields["schools"].label_from_instance = lambda p: p.location.name


@programme_page("cmk.view_programme")
def activity_list(request, programme):
    form = ActivityForm(programme=programme)
    if request.method == "POST":
        _must(request, "cmk.work", programme)
        form = ActivityForm(request.POST, programme=programme)
        if form.is_valid():
            data = form.cleaned_data
            try:
                activities.record_activity(
                    programme,
                    line=data["line"],
                    title=data["title"],
                    held_on=data["held_on"],
                    participants=data["participants"],
                    school_ids=[p.pk for p in data["schools"]],
                    actor=request.user,
                )
                messages.success(request, _("De activiteit is vastgelegd."))
                return redirect("portals:cmk_activities", programme_id=programme.pk)
            except DomainError as exc:
                messages.error(request, _errors(exc))
    qs = Activity.objects.filter(programme=programme).select_related("line")
    line = request.GET.get("lijn")
    if line in LineCode.values:
        qs = qs.filter(line__code=line)
    return render(
        request,
        "portals/cmk/activities.html",
        _context(
            request,
            programme,
            activities=qs.order_by("-held_on", "-pk")[:200],
            form=form,
            line=line,
        ),
    )


class MeetingForm(forms.Form):
    level = forms.ChoiceField(choices=MeetingLevel.choices, label=gettext_lazy("Niveau"))
    topic = forms.CharField(max_length=300, label=gettext_lazy("Onderwerp"))
    held_on = forms.DateField(widget=_date_widget(), label=gettext_lazy("Datum"))
    status = forms.ChoiceField(choices=MeetingStatus.choices, label=gettext_lazy("Status"))
    attendance = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Aanwezig (per regel: organisatie; aantal personen)"),
    )

    def clean_attendance(self):
        return _parse_attendance(self.cleaned_data.get("attendance"))


@programme_page("cmk.view_programme")
def meeting_list(request, programme):
    form = MeetingForm()
    if request.method == "POST":
        _must(request, "cmk.work", programme)
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                activities.record_meeting(programme, **form.cleaned_data, actor=request.user)
                messages.success(request, _("De bijeenkomst is vastgelegd."))
                return redirect("portals:cmk_meetings", programme_id=programme.pk)
            except DomainError as exc:
                messages.error(request, _errors(exc))
    meetings = Meeting.objects.filter(programme=programme).prefetch_related("attendance")
    return render(
        request,
        "portals/cmk/meetings.html",
        _context(request, programme, meetings=meetings, form=form),
    )


# --- a planned conversation or meeting was held ------------------------------------------------


class ConversationHeldForm(forms.Form):
    held_on = forms.DateField(widget=_date_widget(), label=gettext_lazy("Gehouden op"))
    shared_minutes = forms.CharField(
        required=False,
        max_length=conversations.MAX_MINUTES,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=gettext_lazy("Verslag, gedeeld met de school"),
        help_text=gettext_lazy("De contactpersonen van de school krijgen dit deel per e-mail."),
    )
    staff_minutes = forms.CharField(
        required=False,
        max_length=conversations.MAX_MINUTES,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Verslag, alleen voor het programmabureau"),
        help_text=gettext_lazy("Nooit zichtbaar voor de school, de stuurgroep of de gemeente."),
    )
    actions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Acties (per regel: omschrijving; uiterlijk JJJJ-MM-DD)"),
    )

    def clean_actions(self):
        rows = []
        for line in (self.cleaned_data.get("actions") or "").splitlines():
            if not line.strip():
                continue
            text, sep, due = line.rpartition(";")
            if not sep:
                text, due = line, ""
            due = due.strip()
            if due:
                try:
                    dt.date.fromisoformat(due)
                except ValueError:
                    raise forms.ValidationError(
                        _("Schrijf de datum als JJJJ-MM-DD: %(line)s") % {"line": line.strip()}
                    ) from None
            rows.append({"text": text.strip(), "due_on": due or None})
        return rows


def _conversation_scope(request, conversation_id: int, action: str) -> Conversation:
    permissions.record(request, action)
    conversation = (
        Conversation.objects.select_related("participation__location", "participation__programme")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise Http404
    _scoped(
        lambda: access.require_participation(request.user, conversation.participation_id, action)
    )
    request.cmk_programme = conversation.participation.programme
    return conversation


@login_required
def conversation_held(request, conversation_id: int):
    """Staff: a planned account conversation was held (date, minutes in a shared and a
    staff-only part, actions). Once: a held conversation answers 409 with a message."""
    conversation = _conversation_scope(request, conversation_id, "cmk.work")
    participation = conversation.participation
    if conversation.held_on is not None:
        messages.info(request, _("Dit gesprek is al vastgelegd."))
        return _back(participation)
    form = ConversationHeldForm(
        initial={"held_on": min(conversation.planned_on or clock.today(), clock.today())}
    )
    status = 200
    if request.method == "POST":
        form = ConversationHeldForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                conversations.complete_conversation(
                    conversation,
                    held_on=data["held_on"],
                    shared_minutes=data["shared_minutes"],
                    staff_minutes=data["staff_minutes"],
                    actions=data["actions"],
                    actor=request.user,
                )
            except DomainError as exc:
                if exc.status == 409:
                    messages.error(request, _("Dit gesprek is al vastgelegd."))
                    return _back(participation)
                _field_errors(form, exc)
            else:
                messages.success(request, _("Het gesprek is vastgelegd."))
                return _back(participation)
        status = 422
    return render(
        request,
        "portals/cmk/conversation_held.html",
        _context(request, participation.programme, c=conversation, p=participation, form=form),
        status=status,
    )


class MeetingHeldForm(forms.Form):
    held_on = forms.DateField(widget=_date_widget(), label=gettext_lazy("Gehouden op"))
    attendance = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=gettext_lazy("Aanwezig (per regel: organisatie; aantal personen)"),
    )

    def clean_attendance(self):
        return _parse_attendance(self.cleaned_data.get("attendance"))


def _parse_attendance(text) -> list[dict]:
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _sep, number = line.rpartition(";")
        try:
            rows.append({"organisation": name.strip(), "people": int(number.strip())})
        except ValueError:
            raise forms.ValidationError(_("Schrijf per regel: organisatie; aantal.")) from None
    return rows


@programme_page("cmk.work")
def meeting_held(request, programme, meeting_id: int):
    """Staff: a planned knowledge-sharing meeting was held (date, attendance per
    organisation). Once: a held meeting is not changed here."""
    meeting = Meeting.objects.filter(programme=programme, pk=meeting_id).first()
    if meeting is None:
        raise Http404
    back = redirect("portals:cmk_meetings", programme_id=programme.pk)
    if meeting.status == MeetingStatus.HELD:
        messages.info(request, _("Deze bijeenkomst is al vastgelegd."))
        return back
    form = MeetingHeldForm(initial={"held_on": meeting.held_on})
    status = 200
    if request.method == "POST":
        form = MeetingHeldForm(request.POST)
        if form.is_valid():
            try:
                activities.mark_meeting_held(
                    meeting,
                    held_on=form.cleaned_data["held_on"],
                    attendance=form.cleaned_data["attendance"],
                    actor=request.user,
                )
            except DomainError as exc:
                if exc.status == 409:
                    messages.error(request, _("Deze bijeenkomst is al vastgelegd."))
                    return back
                _field_errors(form, exc)
            else:
                messages.success(request, _("De bijeenkomst is vastgelegd als gehouden."))
                return back
        status = 422
    return render(
        request,
        "portals/cmk/meeting_held.html",
        _context(request, programme, meeting=meeting, form=form),
        status=status,
    )


# --- tracks --------------------------------------------------------------------------------------


@programme_page("cmk.view_programme")
def track_list(request, programme):
    versions = programmes.track_versions(programme)
    return render(
        request,
        "portals/cmk/tracks.html",
        _context(request, programme, versions=versions),
    )


class TrackStepForm(forms.Form):
    order = forms.IntegerField(
        min_value=1, max_value=99, required=False, label=gettext_lazy("Volgorde")
    )
    name = forms.CharField(max_length=300, required=False, label=gettext_lazy("Naam"))
    description = forms.CharField(
        max_length=programmes.MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Omschrijving"),
    )


TrackStepFormSet = forms.formset_factory(
    TrackStepForm, extra=2, max_num=programmes.MAX_STEPS, absolute_max=programmes.MAX_STEPS + 5
)


def _steps_from(formset) -> list[dict]:
    """The filled rows, ordered by their order number (then their place); a row without a
    name and description is left out (that removes a step)."""
    rows = []
    for i, form in enumerate(formset.forms):
        data = form.cleaned_data if form.is_valid() else {}
        name, description = data.get("name") or "", data.get("description") or ""
        if not name.strip() and not description.strip():
            continue
        rows.append((data.get("order") or 100 + i, i, {"name": name, "description": description}))
    return [step for *_key, step in sorted(rows, key=lambda r: (r[0], r[1]))]


@programme_page("cmk.work")
def track_edit(request, programme, track_code: str):
    """Staff: the steps of a track (names, descriptions, order). A used version is kept for
    the schools on it and the change makes a new version."""
    from cultuurkaart.cmk.models import Track

    track = Track.objects.filter(programme=programme, code=track_code, is_current=True).first()
    if track is None:
        raise Http404
    steps = list(track.steps.order_by("number"))
    used = track.participations.exists()
    formset = TrackStepFormSet(
        initial=[{"order": s.number, "name": s.name, "description": s.description} for s in steps],
        prefix="steps",
    )
    status = 200
    if request.method == "POST":
        formset = TrackStepFormSet(request.POST, prefix="steps")
        if formset.is_valid():
            try:
                new = programmes.change_track_steps(track, _steps_from(formset), actor=request.user)
            except DomainError as exc:
                formset._non_form_errors = formset.error_class(
                    [e.get("message") or exc.message for e in exc.errors] or [exc.message]
                )
            else:
                if new.pk != track.pk:
                    messages.success(
                        request,
                        _(
                            "Versie %(version)s van het spoor is gemaakt; lopende scholen houden "
                            "hun versie."
                        )
                        % {"version": new.version},
                    )
                else:
                    messages.success(request, _("De stappen zijn opgeslagen."))
                return redirect("portals:cmk_tracks", programme_id=programme.pk)
        status = 422
    return render(
        request,
        "portals/cmk/track_edit.html",
        _context(request, programme, track=track, formset=formset, used=used),
        status=status,
    )


# --- calendar --------------------------------------------------------------------------------


class DeadlineForm(forms.Form):
    kind = forms.ChoiceField(choices=DeadlineKind.choices, label=gettext_lazy("Soort"))
    title = forms.CharField(max_length=300, label=gettext_lazy("Titel"))
    due_on = forms.DateField(widget=_date_widget(), label=gettext_lazy("Datum"))
    remind_days = forms.IntegerField(
        min_value=0, max_value=365, initial=14, label=gettext_lazy("Herinnering dagen vooraf")
    )


@programme_page("cmk.view_programme")
def calendar(request, programme):
    form = DeadlineForm()
    if request.method == "POST":
        _must(request, "cmk.work", programme)
        form = DeadlineForm(request.POST)
        if form.is_valid():
            try:
                deadlines.add_deadline(programme, **form.cleaned_data, actor=request.user)
                messages.success(request, _("De datum staat in de kalender."))
                return redirect("portals:cmk_calendar", programme_id=programme.pk)
            except DomainError as exc:
                messages.error(request, _errors(exc))
    today = clock.today()
    start = max(programme.starts_on, today - dt.timedelta(days=31))
    items = deadlines.calendar(programme, start, programme.ends_on)
    return render(
        request,
        "portals/cmk/calendar.html",
        _context(request, programme, items=items, form=form, today=today),
    )


# --- back office -----------------------------------------------------------------------------


class ProgrammeForm(forms.Form):
    code = forms.SlugField(max_length=40, label=gettext_lazy("Code"))
    name = forms.CharField(max_length=200, label=gettext_lazy("Naam"))
    starts_on = forms.DateField(widget=_date_widget(), label=gettext_lazy("Begint op"))
    ends_on = forms.DateField(widget=_date_widget(), label=gettext_lazy("Eindigt op"))
    phases = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Fasen (per regel: naam; begin; einde)"),
    )
    municipalities = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Gemeenten (één per regel)"),
    )


@backoffice_page("cmk.manage_programmes")
def backoffice_programme_new(request):
    form = ProgrammeForm()
    if request.method == "POST":
        form = ProgrammeForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            phases = []
            for line in data["phases"].splitlines():
                bits = [b.strip() for b in line.split(";")]
                if len(bits) == 3:
                    phases.append({"name": bits[0], "starts_on": bits[1], "ends_on": bits[2]})
                elif line.strip():
                    phases.append({"name": line.strip(), "starts_on": "", "ends_on": ""})
            data["phases"] = phases
            data["municipalities"] = [
                m.strip() for m in data["municipalities"].splitlines() if m.strip()
            ]
            try:
                programme = programmes.create_programme(data, actor=request.user)
            except DomainError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, _("Het CmK-programma is aangemaakt."))
                return redirect("portals:cmk_dashboard", programme_id=programme.pk)
    return render(
        request,
        "portals/cmk/backoffice_new.html",
        {"form": form, "programmes": access.programmes_for(request.user)},
    )
