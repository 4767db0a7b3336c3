"""Every write to web orders (SPEC §8, docs/weborders.md).

Locking (docs/locking.md): a service locks the WebOrder row first (`_locked`), then the
ledger locks the school's bucket accounts (`debit_collective`, `reverse_entry`), always last.
Two approvals at the same moment queue on the buckets and never overspend.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.money import quantize
from cultuurkaart.core.transitions import allowed, transition
from cultuurkaart.ledger import queries as ledger_queries
from cultuurkaart.ledger import services as ledger
from cultuurkaart.providers.services import may_create_weborders
from cultuurkaart.schools.constants import SchoolStatus
from cultuurkaart.schools.models import Programme, School

from . import queries
from .constants import TRANSITIONS, WebOrderStatus
from .exceptions import AlreadyDecided, BudgetNotSpendable, ProviderNotAccepted, UnknownSchool
from .models import WebOrder

S = WebOrderStatus
MAX_STUDENTS = 100_000
NOUN = gettext_lazy("een webbestelling")  # in the message of 409 `invalid-transition`


# --- hooks ------------------------------------------------------------------------------

# Called inside the transaction when a web order ends without money (rejected, withdrawn,
# expired): the marketplace returns its request to `accepted` (registered in its apps.py,
# so weborders never imports the marketplace).
_ended_hooks: list = []


def register_ended_hook(hook) -> None:
    if hook not in _ended_hooks:
        _ended_hooks.append(hook)


def _ended(weborder: WebOrder, actor) -> None:
    for hook in _ended_hooks:
        hook(weborder, actor=actor)


# Called inside the transaction after a web order was approved, and after its money went
# back (reversed, or found invalid at the check): the dossier gives each participating
# student a draft visit item with a reflection prompt, and takes an untouched one away again
# (registered in dossier_transfer's apps.py).
_approved_hooks: list = []
_money_returned_hooks: list = []


def register_approved_hook(hook) -> None:
    if hook not in _approved_hooks:
        _approved_hooks.append(hook)


def register_money_returned_hook(hook) -> None:
    if hook not in _money_returned_hooks:
        _money_returned_hooks.append(hook)


def money_returned(weborder: WebOrder, *, actor=None) -> None:
    """Run the money-returned hooks (also for a correction after payout, in payouts)."""
    for hook in _money_returned_hooks:
        hook(weborder, actor=actor)


# --- helpers ----------------------------------------------------------------------------


def _move(weborder: WebOrder, target: str) -> None:
    """`core.transitions` with a refusal the portal can show in the person's language
    (409 `invalid-transition`)."""
    if not allowed(TRANSITIONS, weborder.status, target):
        raise Conflict(
            _("Dit kan niet bij een webbestelling met de status '%(status)s'.")
            % {"status": weborder.get_status_display()},
            type="invalid-transition",
        )
    transition(weborder, target, TRANSITIONS, noun=NOUN)


def _locked(weborder: WebOrder) -> WebOrder:
    return (
        WebOrder.objects.select_for_update(of=("self",), no_key=True)
        .select_related("school", "provider", "programme", "entry")
        .get(pk=weborder.pk)
    )


def provider_emails(provider) -> list[str]:
    from cultuurkaart.accounts.models import User

    return sorted(
        set(
            User.objects.filter(
                roles__provider=provider, roles__role=RoleName.PROVIDER, is_active=True
            ).values_list("email", flat=True)
        )
    )


def _school_emails(school) -> list[str]:
    from cultuurkaart.schools.services import budget_holder_emails

    return budget_holder_emails(school)


def _mail_school(template: str, weborder: WebOrder, **extra) -> None:
    mail.send(template, _school_emails(weborder.school), {"weborder": weborder, **extra})


def _mail_provider(template: str, weborder: WebOrder, **extra) -> None:
    mail.send(template, provider_emails(weborder.provider), {"weborder": weborder, **extra})


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(clock.AMSTERDAM).date()


def programme_for_creation(school: School, moment: dt.datetime) -> Programme | None:
    """The school kind's programme whose spending window holds `moment`, else the next one to
    open (a VO web order in December for the new year's budget); None when neither exists."""
    day = _day(moment)
    current = (
        Programme.objects.filter(kind=school.kind, spend_from__lte=day, spend_until__gte=day)
        .order_by("spend_until", "id")
        .first()
    )
    if current:
        return current
    return (
        Programme.objects.filter(kind=school.kind, spend_from__gt=day)
        .order_by("spend_from", "id")
        .first()
    )


def spending_source(school: School, moment: dt.datetime) -> tuple[Programme | None, list[str]]:
    """The programme whose spending window holds `moment` for this school and the buckets of
    it that may be spent then (`ledger.queries.spendable_buckets`: the school's own money from
    the window's start, a third party's from its payment, SPEC §5); the earliest-ending
    window first when several hold money (decision WO3). (None, []) when nothing is."""
    from cultuurkaart.ledger.models import Account

    day = _day(moment)
    candidates = Programme.objects.filter(
        kind=school.kind,
        spend_until__gte=day,
        pk__in=Account.objects.filter(school=school).values("programme"),
    ).order_by("spend_until", "id")
    for programme in candidates:
        buckets = ledger_queries.spendable_buckets(school, programme, moment)
        if buckets:
            return programme, buckets
    return None, []


# --- create and withdraw ----------------------------------------------------------------


def create_weborder(provider, data: dict, *, actor=None) -> WebOrder:
    """A provider's web order for a school by CJP-schoolnummer (SPEC §8). `data`: school_number,
    amount (Decimal, validated by core.fields), students, activity_at (aware), description,
    request_id (optional). Mails the school's budget holders."""
    now = clock.now()
    if not may_create_weborders(provider, now):
        raise ProviderNotAccepted(
            _("Alleen geaccepteerde aanbieders kunnen webbestellingen maken.")
        )
    number = str(data.get("school_number") or "").strip()
    school = School.objects.filter(school_number=number, status=SchoolStatus.ACTIVE).first()
    if school is None:
        raise UnknownSchool(
            _("Er is geen school met dit CJP-schoolnummer."),
            errors=[{"field": "school_number", "code": "unknown-school", "message": number}],
        )
    errors = []
    students = data.get("students")
    if (
        not isinstance(students, int)
        or isinstance(students, bool)
        or not (1 <= students <= MAX_STUDENTS)
    ):
        errors.append(
            {"field": "students", "code": "invalid", "message": _("Een aantal van 1 of meer.")}
        )
    description = str(data.get("description") or "").strip()
    if not description or len(description) > 2000:
        errors.append(
            {
                "field": "description",
                "code": "required",
                "message": _("Geef een omschrijving (ten hoogste 2000 tekens)."),
            }
        )
    activity_at = data.get("activity_at")
    if (
        not isinstance(activity_at, dt.datetime)
        or activity_at.tzinfo is None
        or not clock.is_sane_date(activity_at.date())
    ):
        errors.append(
            {"field": "activity_at", "code": "invalid", "message": _("Datum en tijd met tijdzone.")}
        )
    request_ref = str(data.get("request_id") or "").strip()[:100]
    if errors:
        raise ValidationFailed(_("Controleer de gegevens van de webbestelling."), errors=errors)
    amount = quantize(Decimal(data["amount"]))
    with transaction.atomic():
        weborder = WebOrder.objects.create(
            provider=provider,
            school=school,
            programme=programme_for_creation(school, now),
            amount=amount,
            students=students,
            activity_at=activity_at,
            activity_on=_day(activity_at),
            description=description,
            request_ref=request_ref,
            created_at=now,
            created_by=actor,
        )
        audit.record(
            "weborders.weborder.created",
            actor=actor,
            obj=weborder,
            school_id=school.pk,
            data={"provider": provider.pk, "amount": str(amount)},
        )
        weborder.likely_duplicate = queries.is_likely_duplicate(
            provider_id=provider.pk,
            school_id=school.pk,
            amount=amount,
            activity_on=weborder.activity_on,
            exclude=weborder.pk,
        )
        _mail_school("weborder_new", weborder, duplicate=weborder.likely_duplicate)
    return weborder


def withdraw_weborder(weborder: WebOrder, *, actor=None) -> WebOrder:
    """The provider withdraws a pending web order (it cannot edit one, SPEC §8)."""
    with transaction.atomic():
        weborder = _locked(weborder)
        _move(weborder, S.WITHDRAWN)
        weborder.closed_at = clock.now()
        weborder.save(update_fields=["status", "closed_at"])
        audit.record(
            "weborders.weborder.withdrawn", actor=actor, obj=weborder, school_id=weborder.school_id
        )
        _ended(weborder, actor)
    return weborder


# --- the school's decision --------------------------------------------------------------


def approve_weborder(weborder: WebOrder, *, actor=None) -> WebOrder:
    """Take the amount from the collective budget of the programme whose spending window
    holds now, in the spending order school → OCW → third party (SPEC §6), in one transaction
    with the web order and then the bucket rows locked. Short → 409 `insufficient-budget` and
    nothing is booked; nothing spendable → 409 `budget-not-spendable`."""
    with transaction.atomic():
        weborder = _locked(weborder)
        if weborder.status != S.PENDING:
            raise AlreadyDecided(_("Over deze webbestelling is al beslist."))
        now = clock.now()
        programme, buckets = spending_source(weborder.school, now)
        if programme is None or not buckets:
            raise BudgetNotSpendable(
                _(
                    "Het budget van de school is nu niet besteedbaar (nog niet vrijgegeven of verlopen)."
                )
            )
        debit = ledger.debit_collective(
            weborder.school,
            programme,
            weborder.amount,
            description=_("Webbestelling %(id)s: %(provider)s")
            % {"id": weborder.pk, "provider": weborder.provider.name},
            reference=f"weborder:{weborder.pk}",
            actor=actor,
            only=buckets,
        )
        _move(weborder, S.APPROVED)
        weborder.programme = programme
        weborder.entry = debit.entry
        weborder.split_school = debit.split["school"]
        weborder.split_ocw = debit.split["ocw"]
        weborder.split_third_party = debit.split["third_party"]
        weborder.decided_at, weborder.decided_by = now, actor
        weborder.save()
        audit.record(
            "weborders.weborder.approved",
            actor=actor,
            obj=weborder,
            school_id=weborder.school_id,
            data={k: str(v) for k, v in debit.split.items()},
        )
        for hook in _approved_hooks:
            hook(weborder, actor=actor)
        _mail_provider("weborder_approved", weborder)
    return weborder


def reject_weborder(weborder: WebOrder, reason: str, *, actor=None) -> WebOrder:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Geef een reden."),
            errors=[{"field": "reason", "code": "required", "message": _("Geef een reden.")}],
        )
    with transaction.atomic():
        weborder = _locked(weborder)
        if weborder.status != S.PENDING:
            raise AlreadyDecided(_("Over deze webbestelling is al beslist."))
        _move(weborder, S.REJECTED)
        weborder.rejection_reason = reason[:2000]
        weborder.decided_at, weborder.decided_by = clock.now(), actor
        weborder.save()
        audit.record(
            "weborders.weborder.rejected", actor=actor, obj=weborder, school_id=weborder.school_id
        )
        _ended(weborder, actor)
        _mail_provider("weborder_rejected", weborder)
    return weborder


def decide_many(weborders, *, approve: bool, reason: str = "", actor=None) -> dict:
    """Approve or reject several web orders, each in its own transaction (one short budget
    does not undo the others). → {"done": [ids], "failed": [(id, message)]}."""
    from cultuurkaart.core.errors import DomainError

    done, failed = [], []
    for weborder in weborders:
        try:
            if approve:
                approve_weborder(weborder, actor=actor)
            else:
                reject_weborder(weborder, reason, actor=actor)
            done.append(weborder.pk)
        except DomainError as exc:
            failed.append((weborder.pk, exc.message))
    return {"done": done, "failed": failed}


# --- the back office --------------------------------------------------------------------


def _return_money(weborder: WebOrder, *, actor, description: str) -> None:
    """Post the exact opposite of the approval: the buckets get back what they gave."""
    weborder.reversal = ledger.reverse_entry(weborder.entry, actor=actor, description=description)


def check_weborder(weborder: WebOrder, *, valid: bool, reason: str = "", actor=None) -> WebOrder:
    """The admin's check (SPEC §8): valid → `checked`; invalid (no cultural performance,
    paid by someone not authorised, fraud or improper use; a reason is required) → `invalid`,
    the money back to the buckets it came from, school and provider e-mailed."""
    reason = (reason or "").strip()
    if not valid and not reason:
        raise ValidationFailed(
            _("Geef de reden waarom de webbestelling ongeldig is."),
            errors=[{"field": "reason", "code": "required", "message": _("Geef een reden.")}],
        )
    with transaction.atomic():
        weborder = _locked(weborder)
        target = S.CHECKED if valid else S.INVALID
        _move(weborder, target)
        if not valid:
            _return_money(
                weborder,
                actor=actor,
                description=_("Webbestelling %(id)s ongeldig: geld terug") % {"id": weborder.pk},
            )
        weborder.checked_at, weborder.checked_by = clock.now(), actor
        weborder.check_reason = reason[:2000]
        weborder.save()
        audit.record(
            f"weborders.weborder.{'checked' if valid else 'invalidated'}",
            actor=actor,
            obj=weborder,
            school_id=weborder.school_id,
        )
        if not valid:
            for hook in _money_returned_hooks:
                hook(weborder, actor=actor)
            _mail_school("weborder_invalid", weborder)
            _mail_provider("weborder_invalid", weborder)
    return weborder


def reverse_weborder(weborder: WebOrder, *, reason: str = "", actor=None) -> WebOrder:
    """The admin reverses an approved or checked web order before payout: the money returns
    to the buckets it came from (a paid-out one → 409 `invalid-transition`)."""
    with transaction.atomic():
        weborder = _locked(weborder)
        _move(weborder, S.REVERSED)
        _return_money(
            weborder,
            actor=actor,
            description=_("Webbestelling %(id)s teruggedraaid") % {"id": weborder.pk},
        )
        weborder.closed_at = clock.now()
        weborder.reversal_reason = (reason or "").strip()[:2000]
        weborder.save()
        audit.record(
            "weborders.weborder.reversed", actor=actor, obj=weborder, school_id=weborder.school_id
        )
        for hook in _money_returned_hooks:
            hook(weborder, actor=actor)
        _mail_school("weborder_reversed", weborder)
        _mail_provider("weborder_reversed", weborder)
    return weborder


# --- expiry -----------------------------------------------------------------------------


def _expire(ids, *, actor=None, why: str) -> int:
    count = 0
    for pk in ids:
        with transaction.atomic():
            weborder = _locked(WebOrder(pk=pk))
            if weborder.status != S.PENDING:
                continue  # decided meanwhile
            _move(weborder, S.EXPIRED)
            weborder.closed_at = clock.now()
            weborder.save(update_fields=["status", "closed_at"])
            audit.record(
                "weborders.weborder.expired",
                actor=actor,
                obj=weborder,
                school_id=weborder.school_id,
                data={"why": why},
            )
            _ended(weborder, actor)
            _mail_school("weborder_expired", weborder, why=why)
            _mail_provider("weborder_expired", weborder, why=why)
            count += 1
    return count


def expire_weborders() -> int:
    """Pending web orders of a programme whose spending window has ended expire (SPEC §8),
    e-mail to both sides. Idempotent: a second run finds none."""
    today = clock.today()
    ids = list(
        WebOrder.objects.filter(status=S.PENDING, programme__spend_until__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return _expire(ids, why="window")


def expire_pending_weborders_of(provider, *, actor=None) -> int:
    """A revocation took effect (SPEC §7): the provider's pending web orders expire.
    Approved and checked ones stay and are paid out."""
    ids = list(
        WebOrder.objects.filter(provider=provider, status=S.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return _expire(ids, actor=actor, why="revoked")


def school_id_for_number(number: str) -> int | None:
    """The active school with this CJP-schoolnummer (for the provider's check step)."""
    return (
        School.objects.filter(school_number=str(number).strip(), status=SchoolStatus.ACTIVE)
        .values_list("pk", flat=True)
        .first()
    )


def school_name_for_number(number: str) -> str:
    return (
        School.objects.filter(school_number=str(number).strip(), status=SchoolStatus.ACTIVE)
        .values_list("name", flat=True)
        .first()
        or ""
    )
