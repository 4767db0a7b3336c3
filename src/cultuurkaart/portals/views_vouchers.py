"""Individual budget and vouchers (SPEC §9): the budget holder's page to give students budget
from the roster (search, class filter, checkboxes, a whole class at once) and take it back;
the student's own voucher page (phone first: the assignment, a searchable provider list, the
claimed vouchers with code and QR code); the provider's page to redeem a voucher by typing
its code or scanning its QR code. Thin: check the permission table, call the services."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError
from cultuurkaart.core.idempotency import run_once
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.money import format_eur, to_api
from cultuurkaart.memberships.constants import MemberKind, MembershipStatus
from cultuurkaart.memberships.models import Membership
from cultuurkaart.rosters.models import Person
from cultuurkaart.vouchers import services
from cultuurkaart.vouchers.models import Assignment, Voucher, VoucherStatus

from .access import provider_page, school_page

PAGE_SIZE = 100


def _qr_svg(text: str) -> str:
    """The voucher's code as a QR code (inline SVG, scalable; four-module quiet zone)."""
    return segno.make(text, error="m").svg_inline(
        scale=6, border=4, dark="#000", light="#fff", omitsize=True
    )


# --- the budget holder ------------------------------------------------------------------------


def _students(school, params):
    today = clock.today()
    active = Membership.objects.filter(
        person=OuterRef("pk"),
        status=MembershipStatus.ACTIVE,
        valid_until__gte=today,
        kind=MemberKind.STUDENT,
    )
    qs = Person.objects.filter(school=school, kind="students").annotate(active=Exists(active))
    q = (params.get("q") or "").strip()[:100]
    if q:
        qs = qs.filter(Q(first_name__icontains=q) | Q(last_name__icontains=q))
    group = (params.get("klas") or "").strip()[:200]
    if group:
        qs = qs.filter(group=group)
    return qs.order_by("group", "last_name", "first_name", "pk"), q, group


def _post_assign(request, school):
    if "withdraw" in request.POST:
        pk = parse_id(request.POST.get("withdraw"))
        assignment = Assignment.objects.filter(pk=pk, school=school).first() if pk else None
        if assignment is None:
            messages.error(request, _("Deze toekenning bestaat niet."))
            return
        services.withdraw(assignment, actor=request.user)
        messages.success(request, _("De toekenning is ingetrokken."))
        return
    group = (request.POST.get("whole_class") or "").strip()
    if group:
        students, _q, _g = _students(school, {"klas": group})
        live = Assignment.objects.filter(
            school=school, withdrawn_at__isnull=True, membership__person=OuterRef("pk")
        )
        ids = list(
            students.filter(active=True)
            .annotate(has=Exists(live))
            .filter(has=False)
            .values_list("pk", flat=True)
        )
        if not ids:
            messages.info(request, _("In deze klas is niemand om budget aan te geven."))
            return
    else:
        ids = request.POST.getlist("person_ids")

    def compute():
        result = services.assign(school, ids, actor=request.user)
        return 200, {"assigned": result["assigned"], "amount_each": to_api(result["amount_each"])}

    _status, body = run_once(
        user=request.user,
        scope=f"voucher-assign-page:{school.pk}",
        key=request.POST.get("form_token"),
        payload={"ids": sorted(map(str, ids))},
        compute=compute,
    )
    messages.success(
        request,
        ngettext(
            "%(n)s leerling heeft individueel budget gekregen (%(each)s per leerling).",
            "%(n)s leerlingen hebben individueel budget gekregen (%(each)s per leerling).",
            body["assigned"],
        )
        % {"n": body["assigned"], "each": format_eur(body["amount_each"])},
    )


@school_page("vouchers.assign")
def school_individual_budget(request, school):
    if request.method == "POST":
        try:
            _post_assign(request, school)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    students, q, group = _students(school, request.GET)
    page = Paginator(students, PAGE_SIZE).get_page(request.GET.get("page"))
    live = {
        a.membership.person_id: a
        for a in Assignment.objects.filter(
            school=school,
            withdrawn_at__isnull=True,
            membership__person__in=[p.pk for p in page.object_list],
        )
        .select_related("membership")
        .prefetch_related("vouchers")
    }
    for person in page.object_list:
        person.assignment = live.get(person.pk)
    programme = services.individual_programme(school)
    groups = (
        Person.objects.filter(school=school, kind="students")
        .exclude(group="")
        .values_list("group", flat=True)
        .distinct()
        .order_by("group")
    )
    return render(
        request,
        "portals/vouchers/school_assign.html",
        {
            "school": school,
            "page": page,
            "q": q,
            "group": group,
            "groups": list(groups),
            "programme": programme,
            "pool": services.pool_summary(school, programme) if programme else None,
            "form_token": _token(),
        },
    )


def _token() -> str:
    import secrets

    return secrets.token_urlsafe(16)


# --- the student -------------------------------------------------------------------------------


@login_required
def my_vouchers(request):
    if request.method == "POST":
        provider_id = parse_id(request.POST.get("provider_id"))

        def compute():
            voucher = services.claim(request.user, provider_id or 0, actor=request.user)
            return 201, {"code": voucher.code}

        try:
            run_once(
                user=request.user,
                scope="voucher-claim-page",
                key=request.POST.get("form_token"),
                payload={"provider_id": provider_id},
                compute=compute,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Je tegoedbon staat hieronder. Laat de code scannen."))
        return redirect("portals:my_vouchers")
    assignments = list(services.live_assignments(request.user))
    vouchers = list(
        Voucher.objects.filter(assignment__membership__user=request.user)
        .select_related("provider")
        .order_by("-claimed_at", "-pk")
    )
    now = clock.now()
    for v in vouchers:
        v.display = services.display_code(v.code)
        v.expired = v.status == VoucherStatus.CLAIMED and services.is_expired(v.expires_at, now)
        v.qr = mark_safe(_qr_svg(v.code))  # noqa: S308 - SVG generated by segno from our code
    can_claim = any(a.claimed < a.vouchers_allowed for a in assignments)
    q = (request.GET.get("q") or "").strip()[:100]
    providers = services.providers_for_vouchers()
    if q:
        providers = providers.filter(Q(name__icontains=q) | Q(address__icontains=q))
    return render(
        request,
        "portals/vouchers/my_vouchers.html",
        {
            "assignments": assignments,
            "vouchers": vouchers,
            "can_claim": can_claim,
            "providers": list(providers[:50]) if can_claim else [],
            "q": q,
            "form_token": _token(),
        },
    )


# --- the provider ------------------------------------------------------------------------------


@provider_page("vouchers.redeem")
def provider_vouchers(request, provider):
    if request.method == "POST":
        code = services.normalise_code(request.POST.get("code"))
        voucher = services.find_for_provider(code, [provider.pk])
        if voucher is None:
            messages.error(request, _("Deze code is niet bekend bij uw organisatie."))
            return redirect("portals:provider_vouchers", provider_id=provider.pk)

        def compute():
            done = services.redeem(voucher, actor=request.user)
            return 200, {"amount": to_api(done.amount)}

        try:
            _status, body = run_once(
                user=request.user,
                scope=f"voucher-redeem-page:{provider.pk}",
                key=request.POST.get("form_token"),
                payload={"code": code},
                compute=compute,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Tegoedbon %(code)s is verzilverd: %(amount)s.")
                % {"code": services.display_code(code), "amount": format_eur(body["amount"])},
            )
        return redirect("portals:provider_vouchers", provider_id=provider.pk)
    redeemed = (
        Voucher.objects.filter(provider=provider, status=VoucherStatus.REDEEMED)
        .select_related("payout_line")
        .order_by("-redeemed_at", "-pk")
    )
    page = Paginator(redeemed, 50).get_page(request.GET.get("page"))
    for v in page.object_list:
        v.display = services.display_code(v.code)
    return render(
        request,
        "portals/vouchers/provider_redeem.html",
        {"provider": provider, "page": page, "form_token": _token()},
    )
