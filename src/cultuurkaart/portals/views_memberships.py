"""Pages of the memberships domain: activation, pass and its verification, code requests,
deletion requests (public / member), and invitations, Docent+ and the code-request
worklist (school). Thin: parse, call a service, render."""

from __future__ import annotations

import secrets
from urllib.parse import quote

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import Role
from cultuurkaart.core import clock, terms, wording
from cultuurkaart.core.errors import DomainError, RateLimited, ValidationFailed
from cultuurkaart.core.idempotency import run_once
from cultuurkaart.core.models import TermsKind
from cultuurkaart.core.ratelimit import client_ip
from cultuurkaart.memberships import codes, queries, services
from cultuurkaart.memberships.constants import (
    CodeRequestStatus,
    MemberKind,
    MembershipStatus,
)
from cultuurkaart.memberships.exceptions import CodeUsed, InvalidCode, ParentalNoticeRequired
from cultuurkaart.memberships.forms import (
    ACTIVATION_FIELDS,
    ActivationForm,
    CodeRequestForm,
    DeletionForm,
)
from cultuurkaart.memberships.models import CodeRequest, InvitationBatch, Membership
from cultuurkaart.rosters.constants import PersonStatus, RosterKind
from cultuurkaart.rosters.models import Person

from .access import school_page
from .forms import add_service_errors

FILTER_FIELDS = ("first_name", "last_name", "email", "mobile", "year", "group", "q")


# --- activation (public, mobile-first) -----------------------------------------------------


def _rate_limited(request, exc: RateLimited):
    minutes = max(1, round(exc.retry_after / 60))
    response = render(
        request, "portals/memberships/rate_limited.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def activate(request):
    """The activation form. The invitation link puts the code in the URL fragment
    (`/activeren/#code=...`), which browsers never send: a vendored script fills the field,
    and without JavaScript the person types the code from the e-mail."""
    form = ActivationForm(request.POST or None)
    code_used = False
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.activate(
                form.cleaned_data["code"], form.to_service(), client=client_ip(request)
            )
        except RateLimited as exc:
            return _rate_limited(request, exc)
        except (InvalidCode, CodeUsed) as exc:
            code_used = isinstance(exc, CodeUsed)
            form.add_error("code", exc.message)
        except ParentalNoticeRequired as exc:
            form.add_error("parents_informed", exc.message)
        except ValidationFailed as exc:
            add_service_errors(form, exc.errors, ACTIVATION_FIELDS)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            # Signed in only with the account's own password: an address that already had an
            # account gets the membership, not a session (decision L7).
            if membership.user.check_password(form.cleaned_data["password"]):
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Gelukt! Je Cultuurkaart is actief."))
            return redirect("portals:my_pass")
    return render(
        request,
        "portals/memberships/activate.html",
        {
            "form": form,
            "code_used": code_used,
            "terms": _current_terms(TermsKind.TERMS),
            "privacy": _current_terms(TermsKind.PRIVACY),
        },
    )


def activate_legacy_link(request, code: str):
    """Links from invitations sent before the code moved to the fragment: the code is not
    looked at here; the browser is sent on to the fragment form (decision W5)."""
    normalised = codes.normalise(code)
    target = reverse("portals:activate") + (f"#code={quote(normalised)}" if normalised else "")
    response = redirect(target)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _current_terms(kind: str):
    try:
        return terms.current(kind)
    except DomainError:
        return None


# --- the pass --------------------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    """The pass QR code as inline SVG. `omitsize` gives it a viewBox instead of a fixed
    width/height, so CSS can scale it without cropping; the quiet zone is the standard four
    modules, which scanners need."""
    return segno.make(url, error="m").svg_inline(
        scale=6, border=4, dark="#000", light="#fff", omitsize=True
    )


@login_required
def my_pass(request):
    membership = queries.membership_for_pass(request.user)
    if membership is None:
        return render(request, "portals/memberships/no_pass.html", status=404)
    url = services.pass_verification_url(membership)
    return render(
        request,
        "portals/memberships/pass.html",
        {
            "membership": membership,
            "valid": membership.is_valid_on(clock.today()),
            "qr": mark_safe(_qr_svg(url)),  # noqa: S308 - SVG generated by segno from our URL
            "verify_url": url,
        },
    )


def verify_pass(request, token: str):
    """What a provider sees after scanning the QR code: valid/expired and the name only."""
    membership = services.membership_for_pass_token(token)
    if membership is None or membership.user_id is None:
        return render(request, "portals/memberships/verify.html", {"unknown": True}, status=404)
    return render(
        request,
        "portals/memberships/verify.html",
        {
            "name": f"{membership.first_name} {membership.last_name}",
            "valid": membership.is_valid_on(clock.today()),
            "checked_at": clock.local_now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_my_data(request):
    form = DeletionForm(request.POST or None)
    pending = request.user.deletion_requests.filter(status="pending").first()
    if request.method == "POST" and form.is_valid():
        pending = services.request_deletion(request.user)
        messages.success(request, _("Je verzoek is ontvangen."))
        return redirect("portals:delete_my_data")
    return render(request, "portals/memberships/delete.html", {"form": form, "pending": pending})


# --- MBO: request a code yourself -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_code(request):
    form = CodeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_code(form.cleaned_data, client=client_ip(request))
        except RateLimited as exc:
            return _rate_limited(request, exc)
        except DomainError as exc:
            if exc.errors:
                add_service_errors(form, exc.errors)
            else:
                form.add_error(None, exc.message)
        else:
            return render(request, "portals/memberships/code_request_done.html")
    return render(request, "portals/memberships/code_request.html", {"form": form})


# --- school: invitations ---------------------------------------------------------------------


class NothingSelected(Exception):
    pass


def _selection(data) -> dict:
    """The selection a roster list form posts: ticked `person_ids`, or `all_matching=1`
    with the list's filters. Neither → NothingSelected (never "everyone" by accident)."""
    kind = data.get("kind") or ""
    if kind not in RosterKind.values:
        raise Http404
    selection: dict = {"kind": kind}
    ids = [v for v in data.getlist("person_ids") if v.strip()]
    if data.get("all_matching") == "1":
        filters = {f: data.get(f, "") for f in FILTER_FIELDS if data.get(f, "")}
        statuses = [s for s in data.getlist("status") if s in PersonStatus.values]
        if statuses:
            filters["status"] = statuses
        selection["filters"] = filters
        selection["statuses"] = statuses
    elif ids:
        try:
            selection["person_ids"] = [int(v) for v in ids]
        except ValueError as exc:
            raise Http404 from exc
    else:
        raise NothingSelected
    return selection


@school_page("memberships.invite")
@require_http_methods(["GET", "POST"])
def invite(request, school):
    """Invite a selection from the roster list (contract with the rosters pages): `kind`,
    repeated `person_ids`, or `all_matching=1` with the list's filters.

    Two steps, without JavaScript: the list posts the selection here and gets the
    confirmation page with the counts; only the confirmation form (`confirm=1`) sends."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        selection = _selection(data)
    except NothingSelected:
        messages.error(request, _("Selecteer eerst wie u wilt uitnodigen."))
        return redirect(_list_url(school, data.get("kind") or RosterKind.STUDENTS))
    if request.method == "POST" and request.POST.get("confirm") == "1":
        token = request.POST.get("client_token", "")

        def compute():
            batch = services.invite_people(
                school,
                actor=request.user,
                kind=selection["kind"],
                person_ids=selection.get("person_ids"),
                statuses=selection.get("statuses"),
                filters=selection.get("filters"),
                double_submit_seconds=0 if token else 60,
            )
            return 200, {"batch": batch.pk}

        try:
            # The form token is this click's idempotency key (core.idempotency): a double
            # click or a resubmitted page maps to the first batch.
            _status, answer = run_once(
                user=request.user,
                scope=f"school-invitations-page:{school.pk}",
                key=token,
                payload=selection,
                compute=compute,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(_list_url(school, selection["kind"]))
        return redirect(
            "portals:school_invitation_batch", school_id=school.pk, batch_id=answer["batch"]
        )
    qs, ids = services.select_people(
        school,
        kind=selection["kind"],
        person_ids=selection.get("person_ids"),
        statuses=selection.get("statuses"),
        filters=selection.get("filters"),
    )
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    total = qs.count()
    active = qs.filter(status=PersonStatus.ACTIVE).count()
    without_email = qs.exclude(status=PersonStatus.ACTIVE).filter(email="").count()
    students = selection["kind"] == RosterKind.STUDENTS
    return render(
        request,
        "portals/school/invitations/confirm.html",
        {
            "school": school,
            "selection": selection,
            "filter_items": [
                (k, v)
                for k, v in (selection.get("filters") or {}).items()
                for v in (v if isinstance(v, list) else [v])
            ],
            "total": total,
            "to_invite": total - active,
            "to_mail": total - active - without_email,
            "active": active,
            "without_email": without_email,
            "people_word": wording.learners(school) if students else _("docenten en medewerkers"),
            "client_token": secrets.token_urlsafe(16),
            "back_url": _list_url(school, selection["kind"]),
        },
    )


def _list_url(school, kind: str) -> str:
    from django.urls import NoReverseMatch, reverse

    name = "portals:school_students" if kind == RosterKind.STUDENTS else "portals:school_teachers"
    try:
        return reverse(name, kwargs={"school_id": school.pk})
    except NoReverseMatch:
        return reverse("portals:school_dashboard", kwargs={"school_id": school.pk})


@school_page("memberships.invite")
def invitation_batch(request, school, batch_id: int):
    batch = get_object_or_404(InvitationBatch, pk=batch_id, school=school)
    if request.GET.get("format") == "json":
        return JsonResponse(_batch_json(batch))
    return render(
        request,
        "portals/school/invitations/batch.html",
        {"school": school, "batch": batch, "back_url": _list_url(school, batch.kind or "students")},
    )


def _batch_json(batch: InvitationBatch) -> dict:
    return {
        "id": str(batch.pk),
        "status": batch.status,
        "invited": batch.invited,
        "skipped": batch.skipped,
        "to_mail": batch.to_mail,
        "mailed": batch.mailed,
        "failed": batch.failed,
        "progress": batch.progress_percent,
    }


# --- school: Docent+ -------------------------------------------------------------------------


@school_page("memberships.designate_docent_plus")
@require_http_methods(["GET", "POST"])
def docent_plus(request, school):
    if request.method == "POST":
        membership = get_object_or_404(
            Membership,
            pk=request.POST.get("membership_id") or 0,
            school=school,
            kind=MemberKind.TEACHER,
        )
        try:
            if request.POST.get("action") == "withdraw":
                services.withdraw_docent_plus(school, membership.user, actor=request.user)
                messages.success(
                    request,
                    _("%(name)s is geen Docent+ meer.") % {"name": _member_name(membership)},
                )
            else:
                services.designate_docent_plus(school, membership, actor=request.user)
                messages.success(
                    request, _("%(name)s is nu Docent+.") % {"name": _member_name(membership)}
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("portals:school_docent_plus", school_id=school.pk)
    teachers = list(
        Membership.objects.filter(
            school=school, kind=MemberKind.TEACHER, status=MembershipStatus.ACTIVE
        ).order_by("last_name", "first_name", "pk")
    )
    designated = set(
        Role.objects.filter(school=school, role=RoleName.DOCENT_PLUS).values_list(
            "user_id", flat=True
        )
    )
    rows = [{"membership": m, "is_docent_plus": m.user_id in designated} for m in teachers]
    return render(request, "portals/school/docent_plus/list.html", {"school": school, "rows": rows})


def _member_name(membership: Membership) -> str:
    return f"{membership.first_name} {membership.last_name}".strip()


# --- school: code requests (MBO) ------------------------------------------------------------


@school_page("memberships.handle_code_requests")
@require_http_methods(["GET", "POST"])
def code_requests(request, school):
    if request.method == "POST":
        code_request = get_object_or_404(
            CodeRequest, pk=request.POST.get("request_id") or 0, school=school
        )
        try:
            if request.POST.get("action") == "reject":
                services.reject_code_request(code_request, actor=request.user)
                messages.success(
                    request, _("De aanvraag is afgewezen; de aanvrager krijgt een e-mail.")
                )
            else:
                person = get_object_or_404(
                    Person, pk=request.POST.get("person_id") or 0, school=school
                )
                services.confirm_code_request(code_request, person, actor=request.user)
                messages.success(request, _("Bevestigd: de code is per e-mail verstuurd."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("portals:school_code_requests", school_id=school.pk)
    pending = list(CodeRequest.objects.filter(school=school, status=CodeRequestStatus.PENDING))
    matches = services.matching_people_for(pending)
    rows = [{"request": r, "matches": matches[r.pk]} for r in pending]
    return render(
        request, "portals/school/invitations/code_requests.html", {"school": school, "rows": rows}
    )
