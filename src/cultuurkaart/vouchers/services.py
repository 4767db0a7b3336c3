"""Every write to individual budget and vouchers (SPEC §9, docs/vouchers.md).

Money: an assignment moves one student's share (the programme's OCW rate) from the
school's INDIVIDUAL pool to INDIVIDUAL_ASSIGNED (one entry per assignment); taking it back
reverses that entry. Claiming a voucher moves no money; redeeming it moves its value from
INDIVIDUAL_ASSIGNED to PROVIDER_PAYABLE; the payout batch pays it like a web order.

Locks (docs/locking.md): assign locks the students' Memberships (ascending), then the pool
and assigned Accounts (ascending), before counting the live assignments, so two assigners at
one school queue and the count "at most as many as ordered without contribution" holds.
Claim and take-back lock the Assignment (so a claim and a take-back cannot both win);
redemption locks the Voucher and updates it conditionally (`status = claimed`).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.money import ZERO, quantize
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.ledger.models import Account
from cultuurkaart.memberships.constants import MemberKind, MembershipStatus
from cultuurkaart.memberships.models import Membership
from cultuurkaart.orders.constants import OrderStatus
from cultuurkaart.orders.models import BudgetOrder
from cultuurkaart.providers.constants import ProviderStatus
from cultuurkaart.providers.models import Provider
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools.models import Programme

from .exceptions import (
    AssignmentClaimed,
    BudgetNotSpendable,
    MembershipNotActive,
    NoAssignment,
    ProviderNotAcceptingVouchers,
    ProviderRevoked,
    VoucherExpired,
    VouchersUsedUp,
    VoucherUsed,
)
from .models import Assignment, Voucher, VoucherStatus

MAX_SELECTION = 10_000
# Voucher codes: 12 characters from an alphabet without look-alikes (0/O, 1/I/L), shown in
# groups of four. 31^12 ≈ 7.9e17 codes: guessing one is hopeless; a provider can only
# redeem its own vouchers anyway.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


# --- reading helpers ----------------------------------------------------------------------


def normalise_code(raw: str | None) -> str:
    """The stored form of a code typed or scanned: upper case, without spaces and dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:40]


def display_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def vouchers_per_student(programme: Programme) -> int:
    """VO: 5.50 / 5.50 = 1 voucher; MBO: 10.50 / 5.25 = 2 (SPEC §2: rates are data)."""
    rate, value = programme.rate_ocw, programme.rate_voucher
    if not value or value <= 0 or rate % value != 0:
        raise ValueError(f"{programme.code}: the OCW rate is not a whole number of vouchers")
    return int(rate // value)


def expires_at(programme: Programme) -> dt.datetime:
    """The last moment of the spending window: 23:59:59 Europe/Amsterdam on its last day."""
    return clock.end_of_day(programme.spend_until)


def is_expired(moment: dt.datetime, at: dt.datetime | None = None) -> bool:
    """Expired from the second after `moment` (a redemption at 23:59:59 still counts)."""
    return (at or clock.now()) >= moment + dt.timedelta(seconds=1)


def ordered_without_contribution(school, programme) -> tuple[int, int]:
    """(released, unpaid): students ordered without school contribution on approved orders
    whose invoice is paid (money released into the pool) and on approved orders still
    unpaid."""
    rows = BudgetOrder.objects.filter(
        school=school, programme=programme, status=OrderStatus.APPROVED, ocw_forfeited_at=None
    ).aggregate(
        released=Sum("without_contribution", filter=Q(released_at__isnull=False)),
        unpaid=Sum("without_contribution", filter=Q(released_at__isnull=True)),
    )
    return rows["released"] or 0, rows["unpaid"] or 0


def individual_programme(school) -> Programme | None:
    """The programme whose individual budget the budget holder assigns now: of the school's
    programmes with an approved order with students without contribution and a spending
    window not yet over, the earliest; one whose money is released comes first."""
    today = clock.today()
    orders = (
        BudgetOrder.objects.filter(
            school=school,
            status=OrderStatus.APPROVED,
            without_contribution__gt=0,
            programme__spend_until__gte=today,
        )
        .order_by("programme__spend_from", "programme_id")
        .values_list("programme_id", "released_at")
    )
    ids = [pk for pk, _released in orders]
    released = [pk for pk, at in orders if at is not None]
    chosen = released[0] if released else (ids[0] if ids else None)
    return Programme.objects.filter(pk=chosen).first() if chosen else None


def _active_membership_filter(today: dt.date) -> Q:
    return Q(status=MembershipStatus.ACTIVE, valid_until__gte=today, kind=MemberKind.STUDENT)


# --- assigning ------------------------------------------------------------------------------


def _clean_ids(person_ids) -> list[int]:
    ids = []
    for raw in person_ids or []:
        text = str(raw).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            raise ValidationFailed(
                _("Kies leerlingen uit de lijst."),
                errors=[{"field": "person_ids", "code": "invalid", "message": "An id (digits)."}],
            )
        ids.append(int(text))
    ids = sorted(set(ids))
    if not ids:
        raise ValidationFailed(
            _("Kies ten minste één leerling."),
            errors=[{"field": "person_ids", "code": "required", "message": "At least one."}],
        )
    if len(ids) > MAX_SELECTION:
        raise ValidationFailed(
            _("Te veel leerlingen in één keer."),
            errors=[{"field": "person_ids", "code": "too-many", "message": "At most 10000."}],
        )
    return ids


def assign(school, person_ids, *, actor) -> dict:
    """Assign individual budget to the students `person_ids` of the school's roster: all or
    nothing. Refused when a person has no active student membership (422
    `membership-not-active`, naming each), while the admin-cost invoice is unpaid (409
    `budget-not-spendable`), or for more students than were ordered without contribution or
    than the pool holds (409 `insufficient-budget`). Students who already have a live
    assignment are left as they are (not counted twice). Each new student is e-mailed.
    Returns `{"assigned", "amount_each", "programme"}`."""
    ids = _clean_ids(person_ids)
    programme = individual_programme(school)
    if programme is None:
        raise ledger.InsufficientBudget(
            _("Er zijn geen leerlingen zonder bijdrage school besteld voor een lopend programma.")
        )
    people = dict(
        Person.objects.filter(school=school, kind="students", pk__in=ids).values_list(
            "pk", "first_name"
        )
    )
    unknown = [pk for pk in ids if pk not in people]
    if unknown:
        raise ValidationFailed(
            _("Niet alle gekozen personen staan op de leerlingenlijst van deze school."),
            errors=[
                {
                    "field": "person_ids",
                    "code": "unknown-person",
                    "message": "Not a student on this school's roster.",
                    "person_id": str(pk),
                }
                for pk in unknown
            ],
        )
    today = clock.today()
    each = quantize(programme.rate_ocw)
    allowed = vouchers_per_student(programme)
    with transaction.atomic():
        memberships = list(
            Membership.objects.select_for_update(of=("self",), no_key=True)
            .filter(_active_membership_filter(today), school=school, person_id__in=ids)
            .order_by("pk")
        )
        by_person: dict[int, Membership] = {}
        for m in memberships:
            by_person.setdefault(m.person_id, m)
        missing = [pk for pk in ids if pk not in by_person]
        if missing:
            raise MembershipNotActive(
                _("Deze leerlingen hebben geen actief lidmaatschap: %(names)s.")
                % {"names": ", ".join(f"{people[pk]} (#{pk})" for pk in missing)},
                errors=[
                    {
                        "field": "person_ids",
                        "code": "membership-not-active",
                        "message": "No active student membership.",
                        "person_id": str(pk),
                    }
                    for pk in missing
                ],
            )
        released, unpaid = ordered_without_contribution(school, programme)
        if released == 0 and unpaid:
            raise BudgetNotSpendable(
                _("De factuur voor de administratiekosten is nog niet betaald.")
            )
        pool = ledger.account(AccountKind.INDIVIDUAL, school=school, programme=programme)
        held = ledger.account(AccountKind.INDIVIDUAL_ASSIGNED, school=school, programme=programme)
        locked = {
            a.pk: a
            for a in Account.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk__in=[pool.pk, held.pk])
            .order_by("pk")
        }
        live = Assignment.objects.filter(
            school=school, programme=programme, withdrawn_at__isnull=True
        )
        already = set(
            live.filter(membership__in=[m.pk for m in by_person.values()]).values_list(
                "membership_id", flat=True
            )
        )
        new = [m for pk, m in sorted(by_person.items()) if m.pk not in already]
        if live.count() + len(new) > released:
            if unpaid:
                raise BudgetNotSpendable(
                    _("De factuur voor de administratiekosten is nog niet betaald.")
                )
            raise ledger.InsufficientBudget(
                _(
                    "U kunt hoogstens %(n)s leerlingen individueel budget geven "
                    "(besteld zonder bijdrage school)."
                )
                % {"n": released}
            )
        if -locked[pool.pk].balance < each * len(new):
            raise ledger.InsufficientBudget(_("Het individueel budget is niet toereikend."))
        now = clock.now()
        made = []
        for m in new:
            entry = ledger.post_entry(
                kind=EntryKind.VOUCHER,
                description=_("Individueel budget toegekend"),
                lines=[(pool, each), (held, -each)],
                school=school,
                programme=programme,
                reference=f"assignment:membership:{m.pk}",
                actor=actor,
            )
            made.append(
                Assignment.objects.create(
                    school=school,
                    programme=programme,
                    membership=m,
                    amount=each,
                    vouchers_allowed=allowed,
                    assigned_at=now,
                    assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
                    entry=entry,
                )
            )
        audit.record(
            "vouchers.assigned",
            actor=actor,
            obj=programme,
            school_id=school.pk,
            data={"assigned": len(made), "skipped": len(already), "amount_each": str(each)},
        )
        users = get_user_model().objects.in_bulk([m.user_id for m in new if m.user_id])
        for m in new:
            user = users.get(m.user_id)
            if user is None or not user.email:
                continue
            mail.send(
                "individual_budget_assigned",
                [user.email],
                {
                    "first_name": m.first_name,
                    "school": school,
                    "programme": programme,
                    "amount": each,
                    "vouchers": allowed,
                    "voucher_value": programme.rate_voucher,
                },
                language=user.language,
            )
    return {"assigned": len(made), "amount_each": each, "programme": programme}


def withdraw(assignment: Assignment, *, actor) -> Assignment:
    """Take an assignment back while none of its vouchers is claimed: the assignment entry
    is reversed (never edited) and the student can be given budget again later."""
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=assignment.pk)
            .first()
        )
        if locked is None or locked.withdrawn_at is not None:
            raise NoAssignment(_("Deze toekenning is al ingetrokken."))
        if locked.vouchers.exists():
            raise AssignmentClaimed(
                _("De leerling heeft al een tegoedbon aangevraagd; intrekken kan niet meer.")
            )
        ledger.reverse_entry(
            locked.entry, actor=actor, description=_("Toekenning individueel budget ingetrokken")
        )
        locked.withdrawn_at = clock.now()
        locked.withdrawn_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit.record(
            "vouchers.assignment.withdrawn", actor=actor, obj=locked, school_id=locked.school_id
        )
    return locked


# --- claiming -----------------------------------------------------------------------------


def providers_for_vouchers():
    """Providers a student may choose: accepted and accepting individual budget."""
    return Provider.objects.filter(
        status=ProviderStatus.ACCEPTED, accepts_individual_budget=True
    ).order_by("name", "pk")


def live_assignments(user):
    return (
        Assignment.objects.filter(membership__user=user, withdrawn_at__isnull=True)
        .select_related("programme", "school", "membership")
        .annotate(claimed=Count("vouchers"))
        .order_by("programme__spend_until", "pk")
    )


def claim(user, provider_id, *, actor=None) -> Voucher:
    """The student claims the next voucher of their assignment for a provider that accepts
    individual budget. No live assignment → 404 `no-assignment`; every voucher claimed → 409
    `vouchers-used-up`; the spending window not yet open → 409 `budget-not-spendable`, over →
    409 `voucher-expired`; membership no longer active → 422 `membership-not-active`; a
    provider that does not accept individual budget (or unknown) → 422."""
    provider = providers_for_vouchers().filter(pk=provider_id).first()
    if provider is None:
        raise ProviderNotAcceptingVouchers(
            _("Deze aanbieder neemt geen tegoedbonnen aan."),
            errors=[
                {
                    "field": "provider_id",
                    "code": "provider-not-accepting-vouchers",
                    "message": "Choose a provider that accepts individual budget.",
                }
            ],
        )
    now = clock.now()
    today = clock.today()
    assignments = list(live_assignments(user))
    if not assignments:
        raise NoAssignment(_("Je hebt geen individueel budget gekregen."))
    open_ = [a for a in assignments if not is_expired(expires_at(a.programme), now)]
    if not open_:
        raise VoucherExpired(_("De bestedingsperiode van je individueel budget is voorbij."))
    usable = [a for a in open_ if a.claimed < a.vouchers_allowed]
    if not usable:
        raise VouchersUsedUp(_("Je hebt al je tegoedbonnen aangevraagd."))
    chosen = usable[0]
    if today < chosen.programme.spend_from:
        raise BudgetNotSpendable(
            _("Je kunt je tegoedbon aanvragen vanaf %(day)s.")
            % {"day": chosen.programme.spend_from.strftime("%d-%m-%Y")}
        )
    membership = chosen.membership
    if membership.status != MembershipStatus.ACTIVE or membership.valid_until < today:
        raise MembershipNotActive(_("Je lidmaatschap is niet actief."))
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=chosen.pk, withdrawn_at__isnull=True)
            .first()
        )
        if locked is None:
            raise NoAssignment(_("Je hebt geen individueel budget gekregen."))
        if locked.vouchers.count() >= locked.vouchers_allowed:
            raise VouchersUsedUp(_("Je hebt al je tegoedbonnen aangevraagd."))
        voucher = None
        for _attempt in range(5):
            code = _new_code()
            if not Voucher.objects.filter(code=code).exists():
                voucher = Voucher.objects.create(
                    assignment=locked,
                    provider=provider,
                    code=code,
                    amount=quantize(chosen.programme.rate_voucher),
                    claimed_at=now,
                    expires_at=expires_at(chosen.programme),
                )
                break
        if voucher is None:  # pragma: no cover - 31^12 codes
            raise RuntimeError("no free voucher code")
        audit.record(
            "vouchers.claimed",
            actor=actor or user,
            obj=voucher,
            school_id=locked.school_id,
            data={"provider": provider.pk, "amount": str(voucher.amount)},
        )
    return voucher


# --- redeeming ----------------------------------------------------------------------------


def find_for_provider(code: str, provider_ids) -> Voucher | None:
    """The voucher with `code` of one of `provider_ids`; another provider's is None (404)."""
    code = normalise_code(code)
    if not code:
        return None
    return Voucher.objects.filter(code=code, provider_id__in=list(provider_ids)).first()


def redeem(voucher: Voucher, *, actor) -> Voucher:
    """Redeem a voucher once, for its full value: 409 `voucher-used` the second time (also
    at the same moment: the row lock and the conditional update let exactly one win), 409
    `voucher-expired` from the second after the end of the spending window, 422
    `membership-not-active` once the student's membership has ended (misuse, deletion). Books
    INDIVIDUAL_ASSIGNED → PROVIDER_PAYABLE."""
    with transaction.atomic():
        # The voucher row only is locked (of self); its provider and assignment come along.
        locked = (
            Voucher.objects.select_for_update(of=("self",), no_key=True)
            .select_related("provider", "assignment", "assignment__membership")
            .get(pk=voucher.pk)
        )
        if locked.status == VoucherStatus.REDEEMED:
            raise VoucherUsed(_("Deze tegoedbon is al verzilverd."))
        if locked.provider.status == ProviderStatus.REVOKED:
            raise ProviderRevoked(_("Uw organisatie is geen acceptant meer."))
        now = clock.now()
        if is_expired(locked.expires_at, now):
            raise VoucherExpired(_("Deze tegoedbon is verlopen."))
        if locked.assignment.membership.status != MembershipStatus.ACTIVE:
            raise MembershipNotActive(
                _("Het lidmaatschap van deze leerling is beëindigd; de tegoedbon is niet geldig.")
            )
        school_id = locked.assignment.school_id
        programme_id = locked.assignment.programme_id
        entry = ledger.post_entry(
            kind=EntryKind.VOUCHER,
            description=_("Tegoedbon %(code)s verzilverd") % {"code": display_code(locked.code)},
            lines=[
                (
                    ledger.account(
                        AccountKind.INDIVIDUAL_ASSIGNED, school=school_id, programme=programme_id
                    ),
                    locked.amount,
                ),
                (
                    ledger.account(AccountKind.PROVIDER_PAYABLE, programme=programme_id),
                    -locked.amount,
                ),
            ],
            school=school_id,
            programme=programme_id,
            reference=f"voucher:{locked.pk}",
            actor=actor,
        )
        by = actor if getattr(actor, "is_authenticated", False) else None
        updated = Voucher.objects.filter(pk=locked.pk, status=VoucherStatus.CLAIMED).update(
            status=VoucherStatus.REDEEMED, redeemed_at=now, redeemed_by=by, redemption_entry=entry
        )
        if updated != 1:  # cannot happen under the row lock; refuse rather than pay twice
            raise VoucherUsed(_("Deze tegoedbon is al verzilverd."))
        locked.status, locked.redeemed_at, locked.redeemed_by = VoucherStatus.REDEEMED, now, by
        locked.redemption_entry = entry
        audit.record(
            "vouchers.redeemed",
            actor=actor,
            obj=locked,
            school_id=school_id,
            data={"provider": locked.provider_id, "amount": str(locked.amount)},
        )
    return locked


# --- the pool on the budget page ------------------------------------------------------------


def pool_summary(school, programme) -> dict:
    """The individual pool: ordered (released), assigned, claimed, redeemed, unassigned."""
    released, unpaid = ordered_without_contribution(school, programme)
    rate = quantize(programme.rate_ocw)
    live = Assignment.objects.filter(school=school, programme=programme, withdrawn_at=None)
    assigned = live.aggregate(n=Count("pk"), s=Sum("amount"))
    vouchers = Voucher.objects.filter(assignment__school=school, assignment__programme=programme)
    claimed = vouchers.filter(status=VoucherStatus.CLAIMED).aggregate(
        n=Count("pk"), s=Sum("amount")
    )
    redeemed = vouchers.filter(status=VoucherStatus.REDEEMED).aggregate(
        n=Count("pk"), s=Sum("amount")
    )
    pool = Account.objects.filter(
        school=school, programme=programme, kind=AccountKind.INDIVIDUAL
    ).first()
    return {
        "ordered": released,
        "ordered_amount": quantize(rate * released),
        "unpaid": unpaid,
        "assigned": assigned["n"] or 0,
        "assigned_amount": assigned["s"] or ZERO,
        "claimed": claimed["n"] or 0,
        "claimed_amount": claimed["s"] or ZERO,
        "redeemed": redeemed["n"] or 0,
        "redeemed_amount": redeemed["s"] or ZERO,
        "unassigned_amount": pool.display_balance if pool else ZERO,
        "can_assign_more": max(0, released - (assigned["n"] or 0)),
    }
