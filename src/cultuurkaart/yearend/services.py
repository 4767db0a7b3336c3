"""Year-end settlement and OCW redistribution (SPEC §14, docs/yearend.md).

Both are set-based: one query reads every balance (or count) of the programme, one bulk
posting (`ledger.bulk.post_entries`) books an entry per school, and the result is stored
(`YearEnd` + `Statement`, `Redistribution` + `Share`) so a second run returns it and books
nothing. Locks: Programme (serialises runs) → the ledger Accounts (ascending)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import Conflict, NotFound, ValidationFailed
from cultuurkaart.core.money import ZERO, quantize
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.bulk import EntrySpec, ensure_accounts, lock_accounts, post_entries
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.ledger.models import Account
from cultuurkaart.schools.constants import SchoolKind
from cultuurkaart.schools.models import Programme, School

from .models import Redistribution, Share, Statement, YearEnd

# The accounts that expire at year end, per school (SPEC §14).
EXPIRING = [
    AccountKind.SCHOOL,
    AccountKind.OCW,
    AccountKind.THIRD_PARTY,
    AccountKind.INDIVIDUAL,
    AccountKind.INDIVIDUAL_ASSIGNED,
]


class TooEarly(Conflict):
    type = "too-early"
    title = "The spending window has not ended yet"


class VoOnly(Conflict):
    type = "vo-only"
    title = "Only VO programmes are redistributed"


class NationalTotalMissing(Conflict):
    type = "national-total-missing"
    title = "The programme has no national OCW total"


# --- helpers ----------------------------------------------------------------------------


def window_end(programme: Programme) -> dt.datetime:
    """00:00 Europe/Amsterdam after the last day of the spending window: from this moment
    the settlement may run (SPEC §14); everything up to 23:59:59 the day before counts."""
    return clock.start_of_day(programme.spend_until + dt.timedelta(days=1))


def resolve_programme(value, field: str = "programme") -> Programme:
    """A programme named in a job's parameters: its id (number or digits) or its code."""
    if value is None or value == "" or isinstance(value, bool | float | list | dict):
        raise ValidationFailed(
            _("Geef een programma."),
            errors=[{"field": field, "code": "required", "message": _("Geef een programma.")}],
        )
    text = str(value).strip()
    found = None
    if text.isdigit() and len(text) < 12:
        found = Programme.objects.filter(pk=int(text)).first()
    if found is None and len(text) <= 40:
        found = Programme.objects.filter(code=text).first()
    if found is None:
        raise NotFound(_("Dat programma bestaat niet."))
    return found


def _lock_programme(programme: Programme) -> Programme:
    return (
        Programme.objects.select_for_update(of=("self",), no_key=True).filter(pk=programme.pk).get()
    )


def _check_window_ended(programme: Programme) -> None:
    if clock.now() < window_end(programme):
        raise TooEarly(
            _(
                "De bestedingsperiode van %(name)s loopt tot en met %(day)s; afsluiten kan vanaf %(from)s."
            )
            % {
                "name": programme.name,
                "day": programme.spend_until.strftime("%d-%m-%Y"),
                "from": window_end(programme).strftime("%d-%m-%Y %H:%M"),
            }
        )


# --- close-year -------------------------------------------------------------------------


def close_year(programme: Programme, *, actor=None) -> tuple[YearEnd, bool]:
    """Settle the programme (SPEC §14): per school the balances of the school, OCW and
    third-party buckets and of the individual pool (unassigned and assigned but not
    redeemed) at the end of the spending window; one entry per school books
    school → refund-payable (to the school's refund IBAN), OCW + individual → the national
    OCW fund, third party → third-party-payable. Stored; a second run returns the stored
    year end and books nothing. Refused (409 `too-early`) before 00:00 after the window.
    Returns (year end, created)."""
    _check_window_ended(programme)
    with transaction.atomic():
        programme = _lock_programme(programme)
        existing = YearEnd.objects.filter(programme=programme).first()
        if existing is not None:
            return existing, False
        ids = Account.objects.filter(
            programme=programme, school__isnull=False, kind__in=EXPIRING
        ).values_list("pk", flat=True)
        locked = lock_accounts(list(ids))
        per_school: dict[int, dict[str, Account]] = defaultdict(dict)
        for acc in locked.values():
            per_school[acc.school_id][acc.kind] = acc
        refund_payable = ledger.account(AccountKind.REFUND_PAYABLE, programme=programme)
        ocw_fund = ledger.account(AccountKind.OCW_FUND, programme=programme)
        third_payable = ledger.account(AccountKind.THIRD_PARTY_PAYABLE, programme=programme)
        ibans = dict(
            School.objects.filter(pk__in=list(per_school)).values_list("pk", "refund_iban")
        )
        description = _("Jaarafsluiting %(name)s") % {"name": programme.name}
        statements: list[Statement] = []
        specs: list[EntrySpec] = []
        spec_of: dict[int, EntrySpec] = {}
        for school_id in sorted(per_school):
            accounts = per_school[school_id]
            left = {
                str(kind): (accounts[kind].display_balance if kind in accounts else ZERO)
                for kind in EXPIRING
            }
            statement = Statement(
                programme=programme,
                school_id=school_id,
                refund_school=left[AccountKind.SCHOOL],
                unspent_ocw=left[AccountKind.OCW],
                individual_unassigned=left[AccountKind.INDIVIDUAL],
                individual_assigned=left[AccountKind.INDIVIDUAL_ASSIGNED],
                unspent_third_party=left[AccountKind.THIRD_PARTY],
                refund_iban=ibans.get(school_id) or "",
            )
            statements.append(statement)
            lines = [(accounts[kind], left[kind]) for kind in EXPIRING if left[kind]]
            if not lines:
                continue
            lines += [
                (refund_payable, -statement.refund_school),
                (ocw_fund, -statement.to_ocw_fund),
                (third_payable, -statement.unspent_third_party),
            ]
            spec = EntrySpec(
                kind=EntryKind.EXPIRY,
                description=description,
                lines=lines,
                school_id=school_id,
                programme_id=programme.pk,
                reference=f"year-end:{programme.pk}",
            )
            specs.append(spec)
            spec_of[school_id] = spec
        entries = post_entries(specs, actor=actor)
        entry_of = {spec.school_id: entry for spec, entry in zip(specs, entries, strict=True)}
        year_end = YearEnd.objects.create(
            programme=programme,
            closed_at=clock.now(),
            closed_by=actor if getattr(actor, "is_authenticated", False) else None,
            schools=len(statements),
            refund_school=sum((s.refund_school for s in statements), ZERO),
            unspent_ocw=sum((s.unspent_ocw for s in statements), ZERO),
            individual_unassigned=sum((s.individual_unassigned for s in statements), ZERO),
            individual_assigned=sum((s.individual_assigned for s in statements), ZERO),
            unspent_third_party=sum((s.unspent_third_party for s in statements), ZERO),
        )
        for statement in statements:
            statement.year_end = year_end
            statement.entry = entry_of.get(statement.school_id)
        Statement.objects.bulk_create(statements, batch_size=1000)
        audit.record(
            "yearend.closed",
            actor=actor,
            obj=year_end,
            data={
                "programme": programme.code,
                "schools": year_end.schools,
                "refund_school": str(year_end.refund_school),
                "to_ocw_fund": str(year_end.to_ocw_fund),
                "unspent_third_party": str(year_end.unspent_third_party),
            },
        )
        _mail_statements(year_end)
    return year_end, True


def close_preview(programme: Programme) -> dict:
    """What a settlement would book now, per kind (for the back office's confirmation)."""
    rows = (
        Account.objects.filter(programme=programme, school__isnull=False, kind__in=EXPIRING)
        .values("kind")
        .annotate(total=Sum("balance"))
    )
    left = {str(kind): ZERO for kind in EXPIRING}
    for row in rows:
        left[row["kind"]] = -quantize(row["total"] or ZERO)  # all credit-normal
    schools = (
        Account.objects.filter(programme=programme, school__isnull=False, kind__in=EXPIRING)
        .values("school_id")
        .distinct()
        .count()
    )
    return {
        "schools": schools,
        "refund_school": left[AccountKind.SCHOOL],
        "unspent_ocw": left[AccountKind.OCW],
        "individual_unassigned": left[AccountKind.INDIVIDUAL],
        "individual_assigned": left[AccountKind.INDIVIDUAL_ASSIGNED],
        "unspent_third_party": left[AccountKind.THIRD_PARTY],
        "to_ocw_fund": left[AccountKind.OCW]
        + left[AccountKind.INDIVIDUAL]
        + left[AccountKind.INDIVIDUAL_ASSIGNED],
    }


def _mail_statements(year_end: YearEnd) -> None:
    """Board and budget holder get the school's statement (SPEC §14), after commit."""
    statements = year_end.statements.select_related("school", "programme")
    for statement in statements.iterator(chunk_size=1000):
        school = statement.school
        mail.send(
            "yearend_statement",
            [school.board_email, school.budget_holder_email],
            {"statement": statement, "school": school, "programme": statement.programme},
        )


def statements_api(year_end: YearEnd) -> list[dict]:
    return [s.as_api() for s in year_end.statements.order_by("school_id")]


def due_programmes(at: dt.datetime | None = None) -> list[Programme]:
    """Programmes whose spending window has ended and that are not closed yet."""
    day = (at or clock.now()).astimezone(clock.AMSTERDAM).date()
    return list(
        Programme.objects.filter(spend_until__lt=day, year_end__isnull=True).order_by(
            "spend_until", "pk"
        )
    )


def statement_for(school, programme) -> Statement | None:
    return (
        Statement.objects.filter(school=school, programme=programme)
        .select_related("year_end", "programme")
        .first()
    )


# --- redistribute-ocw ------------------------------------------------------------------


def _paid_orders(programme: Programme):
    from cultuurkaart.orders.constants import OrderStatus
    from cultuurkaart.orders.models import BudgetOrder

    return BudgetOrder.objects.filter(
        programme=programme, status=OrderStatus.APPROVED, released_at__isnull=False
    )


def counts(programme: Programme) -> dict[int, dict[str, int]]:
    """Per school with an approved and paid order: `ordered_with` (the cap), `activated`
    (students who activated a membership of the programme with the school's codes before
    the end of the spending window, whatever their status now, without a live
    individual-budget assignment in the programme) and `count` = min of the two."""
    from cultuurkaart.memberships.constants import MemberKind
    from cultuurkaart.memberships.models import Membership
    from cultuurkaart.vouchers.models import Assignment

    caps = dict(
        _paid_orders(programme)
        .values("school_id")
        .annotate(n=Sum("with_contribution"))
        .values_list("school_id", "n")
    )
    assigned = Assignment.objects.filter(
        programme=programme, membership=OuterRef("pk"), withdrawn_at__isnull=True
    )
    activated = dict(
        Membership.objects.filter(
            programme=programme,
            kind=MemberKind.STUDENT,
            activated_at__lt=window_end(programme),
        )
        .filter(~Exists(assigned))
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    return {
        school_id: {
            "ordered_with": cap or 0,
            "activated": activated.get(school_id, 0),
            "count": min(cap or 0, activated.get(school_id, 0)),
        }
        for school_id, cap in caps.items()
    }


def _check_next(programme: Programme, next_programme: Programme) -> None:
    if next_programme.kind != SchoolKind.VO or next_programme.spend_from <= programme.spend_until:
        message = _("Kies een later VO-programma om het geld in te boeken.")
        raise ValidationFailed(
            message, errors=[{"field": "next_programme", "code": "invalid", "message": message}]
        )


def redistribute_ocw(
    programme: Programme, next_programme: Programme, *, actor=None
) -> tuple[Redistribution, bool]:
    """VO redistribution (SPEC §14): initial = Σ over approved and paid orders of
    (with + without) × the programme's OCW rate; pool = max(0, national total − initial);
    per student = pool / Σ counts rounded down to the cent; each school with count > 0
    gets per student × count in its OCW bucket of `next_programme` (OCW fund → OCW);
    leftover cents stay national; nothing when Σ counts = 0. Stored; a second run returns
    the stored result and books nothing. Returns (redistribution, created)."""
    if programme.kind != SchoolKind.VO:
        raise VoOnly(_("Alleen VO-programma's worden herverdeeld (SPEC §14)."))
    _check_next(programme, next_programme)
    if programme.ocw_total is None:
        raise NationalTotalMissing(_("Het programma heeft geen landelijk OCW-budget."))
    _check_window_ended(programme)
    with transaction.atomic():
        programme = _lock_programme(programme)
        existing = Redistribution.objects.filter(programme=programme).first()
        if existing is not None:
            return existing, False
        figures = _figures(programme)
        initial, pool, per_student = figures["initial"], figures["pool"], figures["per_student"]
        per_school, counted = figures["per_school"], figures["counted"]
        recipients = counted if per_student > 0 else 0
        redistribution = Redistribution.objects.create(
            programme=programme,
            next_programme=next_programme,
            run_at=clock.now(),
            run_by=actor if getattr(actor, "is_authenticated", False) else None,
            national_total=programme.ocw_total,
            initial=initial,
            pool=pool,
            recipients=recipients,
            per_student=per_student,
            total=per_student * recipients,
        )
        shares = [
            Share(
                redistribution=redistribution,
                school_id=school_id,
                ordered_with=c["ordered_with"],
                activated=c["activated"],
                count=c["count"],
                amount=per_student * c["count"],
            )
            for school_id, c in sorted(per_school.items())
        ]
        paying = [s for s in shares if s.amount > 0]
        if paying:
            buckets = ensure_accounts(
                AccountKind.OCW, next_programme.pk, [s.school_id for s in paying]
            )
            fund = ledger.account(AccountKind.OCW_FUND, programme=next_programme)
            description = _("Herverdeling OCW-geld %(name)s") % {"name": programme.name}
            specs = [
                EntrySpec(
                    kind=EntryKind.REDISTRIBUTION,
                    description=description,
                    lines=[(fund, share.amount), (buckets[share.school_id], -share.amount)],
                    school_id=share.school_id,
                    programme_id=next_programme.pk,
                    reference=f"redistribution:{programme.pk}",
                )
                for share in paying
            ]
            for share, entry in zip(paying, post_entries(specs, actor=actor), strict=True):
                share.entry = entry
        Share.objects.bulk_create(shares, batch_size=1000)
        audit.record(
            "yearend.redistributed",
            actor=actor,
            obj=redistribution,
            data={
                "programme": programme.code,
                "next_programme": next_programme.code,
                "pool": str(pool),
                "per_student": str(per_student),
                "recipients": recipients,
                "total": str(redistribution.total),
            },
        )
    return redistribution, True


def _figures(programme: Programme) -> dict:
    """initial, pool, the per-school counts, Σ counts and per student (SPEC §14), as of now."""
    students = (
        _paid_orders(programme).aggregate(
            n=Sum(F("with_contribution") + F("without_contribution"))
        )["n"]
        or 0
    )
    initial = quantize(students * programme.rate_ocw)
    pool = max(ZERO, quantize((programme.ocw_total or ZERO) - initial))
    per_school = counts(programme)
    counted = sum(c["count"] for c in per_school.values())
    per_student = ZERO
    if counted and pool > 0:
        cents = int(pool * 100) // counted  # rounded down to the cent, in integers
        per_student = (Decimal(cents) / 100).quantize(Decimal("0.01"))
    return {
        "initial": initial,
        "pool": pool,
        "per_school": per_school,
        "counted": counted,
        "per_student": per_student,
        "total": per_student * counted,
    }


def redistribution_preview(programme: Programme) -> dict:
    """What a redistribution would compute now (for the back office's confirmation)."""
    return _figures(programme)


def open_programmes_for(programme: Programme):
    """Later VO programmes the redistribution can be booked into."""
    return (
        Programme.objects.filter(kind=SchoolKind.VO, spend_from__gt=programme.spend_until)
        .filter(~Q(pk=programme.pk))
        .order_by("spend_from", "pk")
    )
