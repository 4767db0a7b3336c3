"""Requests for offers, their message thread and proposals, and the web order they end in
(SPEC §10, API.md "Marketplace"; docs/marketplace.md "Requests"; decisions MR1–MR8).

Every status change goes through `core.transitions` with `REQUEST_TRANSITIONS` (409
`invalid-transition` otherwise) and is audited (`marketplace.request.<what>`). Locking
(docs/locking.md): a service that changes a request locks its `OfferRequest` row first
(`_locked`); creating the web order then runs `weborders.services.create_weborder` inside
the same transaction (it locks nothing).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core import audit, calendar, clock, mail
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.money import quantize
from cultuurkaart.core.transitions import transition

from ..constants import (
    OPEN_REQUEST_STATUSES,
    REQUEST_MAX_DATES,
    REQUEST_MESSAGE_MAX,
    REQUEST_TRANSITIONS,
    LevelKind,
    OfferStatus,
    ProposalStatus,
    RequestStatus,
    Side,
    Vocabulary,
)
from ..models import Offer, OfferRequest, Proposal, RequestMessage, Term

R = RequestStatus
P = ProposalStatus
NOUN = gettext_lazy("een aanvraag")
MAX_STUDENTS = 10_000
# Statuses in which the thread is still open for messages.
THREAD_OPEN = (*OPEN_REQUEST_STATUSES, R.ORDERED)


class DuplicateRequest(Conflict):
    type = "duplicate-request"
    title = "Duplicate request"


class ProposalSuperseded(Conflict):
    type = "proposal-superseded"
    title = "Proposal superseded"


class RequestNotAccepted(Conflict):
    type = "request-not-accepted"
    title = "Request not accepted"


class RequestClosed(Conflict):
    type = "request-closed"
    title = "Request closed"


def reminder_days() -> int:
    return int(getattr(settings, "CK_REQUEST_REMINDER_WORKING_DAYS", 5))


def expiry_days() -> int:
    return int(getattr(settings, "CK_REQUEST_EXPIRY_WORKING_DAYS", 10))


# --- helpers ------------------------------------------------------------------------------


def _locked(offer_request: OfferRequest) -> OfferRequest:
    return (
        OfferRequest.objects.select_for_update(of=("self",), no_key=True)
        .select_related("offer", "provider", "school", "weborder")
        .get(pk=offer_request.pk)
    )


def _field_error(field: str, message: str, code: str = "invalid") -> dict:
    return {"field": field, "code": code, "message": message}


def _text(value, field: str, errors: list, *, required: bool, limit: int) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        errors.append(_field_error(field, _("Ongeldige tekens.")))
        return ""
    if required and not text:
        errors.append(_field_error(field, _("Vul dit in."), "required"))
    elif len(text) > limit:
        errors.append(
            _field_error(field, _("Ten hoogste %(n)s tekens.") % {"n": limit}, "too-long")
        )
    return text


def _count(value, field: str, errors: list, *, minimum: int, required: bool) -> int | None:
    if value is None or value == "":
        if required:
            errors.append(_field_error(field, _("Vul een aantal in."), "required"))
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not minimum <= value <= MAX_STUDENTS
    ):
        errors.append(_field_error(field, _("Een aantal van %(n)s tot 10.000.") % {"n": minimum}))
        return None
    return value


def _people(template: str, context: dict, *, users, addresses=()) -> None:
    """Mail these users, each in their language, and `addresses` in Dutch."""
    by_language: dict[str, set[str]] = {}
    for user in users:
        if user.is_active and user.email:
            by_language.setdefault(user.language or "nl", set()).add(user.email.lower())
    known = {a for group in by_language.values() for a in group}
    for address in addresses:
        if address and address.lower() not in known:
            by_language.setdefault("nl", set()).add(address.lower())
    for language, group in sorted(by_language.items()):
        mail.send(template, sorted(group), context, language=language)


def _mail_school(template: str, offer_request: OfferRequest, **extra) -> None:
    """The school's side: the person who sent the request and the budget holders."""
    from cultuurkaart.accounts.models import User
    from cultuurkaart.schools.services import budget_holder_emails

    users = User.objects.filter(
        Q(pk=offer_request.created_by_id)
        | Q(roles__school=offer_request.school, roles__role=RoleName.BUDGET_HOLDER)
    ).distinct()
    context = {"offer_request": offer_request, "side": Side.SCHOOL, **extra}
    _people(template, context, users=users, addresses=budget_holder_emails(offer_request.school))


def _mail_provider(template: str, offer_request: OfferRequest, **extra) -> None:
    from cultuurkaart.accounts.models import User

    provider = offer_request.provider
    users = User.objects.filter(roles__provider=provider, roles__role=RoleName.PROVIDER).distinct()
    context = {"offer_request": offer_request, "side": Side.PROVIDER, **extra}
    _people(template, context, users=users, addresses=[provider.contact_email])


def _mail_other(side: str, template: str, offer_request: OfferRequest, **extra) -> None:
    if side == Side.SCHOOL:
        _mail_provider(template, offer_request, **extra)
    else:
        _mail_school(template, offer_request, **extra)


def _record(offer_request: OfferRequest, what: str, *, actor, **data) -> None:
    audit.record(
        f"marketplace.request.{what}",
        actor=actor,
        obj=offer_request,
        school_id=offer_request.school_id,
        data={"provider": offer_request.provider_id, "status": offer_request.status, **data},
    )


def _move(offer_request: OfferRequest, target: str, what: str, *, actor, **data) -> None:
    before = offer_request.status
    transition(offer_request, target, REQUEST_TRANSITIONS, noun=NOUN)
    offer_request.updated_at = clock.now()
    _record(offer_request, what, actor=actor, **({"from": before} | data))


# --- dates and the duplicate rule ----------------------------------------------------------


def _spans(preferred_dates, period_from, period_until) -> list[tuple[dt.date, dt.date]] | None:
    """The days a request asks for as (from, until) spans; None = any time."""
    spans = [(d, d) for d in preferred_dates]
    if period_from or period_until:
        spans.append((period_from or dt.date.min, period_until or dt.date.max))
    return spans or None


def _overlap(a, b) -> bool:
    if a is None or b is None:
        return True
    return any(x0 <= y1 and y0 <= x1 for x0, x1 in a for y0, y1 in b)


def duplicates_of(school, offer, spans) -> list[OfferRequest]:
    """Open requests of this school for this offer whose dates overlap (no dates: any)."""
    found = []
    for other in OfferRequest.objects.filter(
        school=school, offer=offer, status__in=OPEN_REQUEST_STATUSES
    ).order_by("pk"):
        dates = [dt.date.fromisoformat(d) for d in other.preferred_dates]
        if _overlap(spans, _spans(dates, other.period_from, other.period_until)):
            found.append(other)
    return found


# --- send -------------------------------------------------------------------------------


def clean_request(data: dict) -> dict:
    """Check a request's fields (API.md POST /offers/{id}/requests): 422 naming each field."""
    errors: list[dict] = []
    today = clock.today()
    dates = []
    raw_dates = data.get("preferred_dates") or []
    if len(raw_dates) > REQUEST_MAX_DATES:
        errors.append(_field_error("preferred_dates", _("Ten hoogste drie voorkeursdata.")))
    for value in raw_dates[:REQUEST_MAX_DATES]:
        if not isinstance(value, dt.date) or not clock.is_sane_date(value) or value < today:
            errors.append(_field_error("preferred_dates", _("Een datum vanaf vandaag.")))
            break
        if value not in dates:
            dates.append(value)
    period = data.get("period") or {}
    period_from, period_until = period.get("from"), period.get("until")
    for key, value in (("from", period_from), ("until", period_until)):
        if value is not None and (not isinstance(value, dt.date) or not clock.is_sane_date(value)):
            errors.append(_field_error(f"period.{key}", _("Een geldige datum.")))
    if (
        isinstance(period_from, dt.date)
        and isinstance(period_until, dt.date)
        and period_from > period_until
    ):
        errors.append(_field_error("period.until", _("Het einde ligt voor het begin.")))
    if isinstance(period_until, dt.date) and period_until < today:
        errors.append(_field_error("period.until", _("De periode is al voorbij.")))
    students = _count(data.get("students"), "students", errors, minimum=1, required=True)
    teachers = _count(data.get("teachers"), "teachers", errors, minimum=0, required=False)
    level = None
    if data.get("level"):
        level = Term.objects.filter(
            vocabulary=Vocabulary.LEVEL, code=str(data["level"]), active=True
        ).first()
        if level is None:
            errors.append(_field_error("level", _("Onbekend niveau."), "unknown-code"))
    access_needs = _text(
        data.get("access_needs"), "access_needs", errors, required=False, limit=2000
    )
    message = _text(
        data.get("message"), "message", errors, required=True, limit=REQUEST_MESSAGE_MAX
    )
    if errors:
        raise ValidationFailed(_("Controleer de aanvraag."), errors=errors)
    return {
        "preferred_dates": sorted(dates),
        "period_from": period_from,
        "period_until": period_until,
        "students": students,
        "teachers": teachers,
        "level": level,
        "access_needs": access_needs,
        "message": message,
    }


def send_request(offer: Offer, school, data: dict, *, actor) -> OfferRequest:
    """A school's request for a published offer. The caller has checked that `actor` may
    send requests for `school` (`marketplace.request`). An open request of the school for
    the offer with overlapping dates → 409 `duplicate-request` unless `confirm_duplicate`."""
    if offer.status != OfferStatus.PUBLISHED:
        raise Conflict(_("Dit aanbod is niet (meer) gepubliceerd."), type="offer-not-published")
    clean = clean_request(data)
    spans = _spans(clean["preferred_dates"], clean["period_from"], clean["period_until"])
    with transaction.atomic():
        duplicates = duplicates_of(school, offer, spans)
        if duplicates and not data.get("confirm_duplicate"):
            raise DuplicateRequest(
                _(
                    "Uw school heeft al een open aanvraag voor dit aanbod in dezelfde periode "
                    "(aanvraag %(id)s). Stuur opnieuw met bevestiging als u er nog een wilt."
                )
                % {"id": duplicates[0].pk}
            )
        now = clock.now()
        offer_request = OfferRequest.objects.create(
            offer=offer,
            provider_id=offer.provider_id,
            school=school,
            preferred_dates=[d.isoformat() for d in clean["preferred_dates"]],
            period_from=clean["period_from"],
            period_until=clean["period_until"],
            students=clean["students"],
            teachers=clean["teachers"],
            level=clean["level"],
            access_needs=clean["access_needs"],
            message=clean["message"],
            created_at=now,
            updated_at=now,
            created_by=actor,
        )
        _record(
            offer_request,
            "sent",
            actor=actor,
            offer=offer.pk,
            duplicate_of=[d.pk for d in duplicates],
        )
        _mail_provider("request_new", offer_request)
    return offer_request


# --- the thread ---------------------------------------------------------------------------


def _answered(offer_request: OfferRequest, now: dt.datetime) -> None:
    if offer_request.answered_at is None:
        offer_request.answered_at = now


def post_message(offer_request: OfferRequest, side: str, text: str, *, actor) -> RequestMessage:
    """A message of either party; the first provider message moves `sent` →
    `in_conversation`. Closed requests take no messages (409 `request-closed`)."""
    errors: list[dict] = []
    text = _text(text, "text", errors, required=True, limit=REQUEST_MESSAGE_MAX)
    if errors:
        raise ValidationFailed(_("Controleer het bericht."), errors=errors)
    with transaction.atomic():
        offer_request = _locked(offer_request)
        if offer_request.status not in THREAD_OPEN:
            raise RequestClosed(_("Deze aanvraag is gesloten."))
        now = clock.now()
        message = RequestMessage.objects.create(
            request=offer_request, side=side, author=actor, text=text, created_at=now
        )
        if side == Side.PROVIDER:
            _answered(offer_request, now)
            if offer_request.status == R.SENT:
                _move(offer_request, R.IN_CONVERSATION, "in_conversation", actor=actor)
        # writing answers the thread: everything up to this message is seen
        setattr(offer_request, _seen_field(side), message.pk)
        offer_request.updated_at = now
        offer_request.save()
        _mail_other(side, "request_message", offer_request, message=message)
    return message


def _seen_field(side: str) -> str:
    return "school_seen" if side == Side.SCHOOL else "provider_seen"


def mark_read(offer_request: OfferRequest, side: str) -> None:
    """The party has seen the thread (its unread count drops to zero)."""
    last = offer_request.messages.aggregate(m=Max("pk"))["m"] or 0
    OfferRequest.objects.filter(pk=offer_request.pk).update(**{_seen_field(side): last})


def unread_count(*, school=None, provider=None) -> int:
    """Messages of the other party the school's (or the provider's) people have not seen."""
    if school is not None:
        qs, side = OfferRequest.objects.filter(school=school), Side.SCHOOL
    else:
        qs, side = OfferRequest.objects.filter(provider=provider), Side.PROVIDER
    return with_unread(qs, side).aggregate(n=Sum("unread"))["n"] or 0


def with_unread(queryset, side: str):
    """Annotate each request with `unread` (messages of the other party after the read mark)
    and `last_message_at`."""
    other = Side.PROVIDER if side == Side.SCHOOL else Side.SCHOOL
    unread = Q(messages__side=other, messages__pk__gt=F(_seen_field(side)))
    return queryset.annotate(
        unread=Count("messages", filter=unread), last_message_at=Max("messages__created_at")
    )


def for_school(school):
    return with_unread(
        OfferRequest.objects.filter(school=school).select_related("offer", "provider", "school"),
        Side.SCHOOL,
    ).order_by("-updated_at", "-pk")


def for_provider(provider):
    return with_unread(
        OfferRequest.objects.filter(provider=provider).select_related(
            "offer", "school", "provider"
        ),
        Side.PROVIDER,
    ).order_by("-updated_at", "-pk")


# --- proposals ----------------------------------------------------------------------------


def clean_proposal(data: dict) -> dict:
    errors: list[dict] = []
    starts_at = data.get("starts_at")
    if (
        not isinstance(starts_at, dt.datetime)
        or starts_at.tzinfo is None
        or not clock.is_sane_date(starts_at.date())
    ):
        errors.append(_field_error("starts_at", _("Datum en tijd met tijdzone.")))
    elif starts_at < clock.now():
        errors.append(_field_error("starts_at", _("Een moment in de toekomst.")))
    students = _count(data.get("students"), "students", errors, minimum=1, required=True)
    amount = data.get("amount")
    if not isinstance(amount, Decimal) or amount <= 0:
        errors.append(_field_error("amount", _("Een bedrag groter dan nul.")))
    description = _text(data.get("description"), "description", errors, required=True, limit=2000)
    if errors:
        raise ValidationFailed(_("Controleer het voorstel."), errors=errors)
    return {
        "starts_at": starts_at,
        "students": students,
        "amount": quantize(amount),
        "description": description,
    }


def latest_proposal(offer_request: OfferRequest) -> Proposal | None:
    return offer_request.proposals.order_by("-version").first()


def accepted_proposal(offer_request: OfferRequest) -> Proposal | None:
    return offer_request.proposals.filter(status=P.ACCEPTED).order_by("-version").first()


def _new_proposal(offer_request: OfferRequest, clean: dict, *, actor, what: str) -> Proposal:
    now = clock.now()
    _move(offer_request, R.PROPOSED, what, actor=actor)
    offer_request.proposals.filter(status=P.OPEN).update(status=P.SUPERSEDED)
    version = (offer_request.proposals.aggregate(v=Max("version"))["v"] or 0) + 1
    proposal = Proposal.objects.create(
        request=offer_request, version=version, created_at=now, created_by=actor, **clean
    )
    _answered(offer_request, now)
    offer_request.save()
    _mail_school("request_proposal", offer_request, proposal=proposal)
    return proposal


def make_proposal(offer_request: OfferRequest, data: dict, *, actor) -> Proposal:
    """The provider proposes (date/time, students, amount, description): the request
    becomes `proposed`, an earlier open proposal `superseded`. On an accepted request the
    agreement is reopened (the accepted proposal stays as it was; the school must accept the
    new one)."""
    clean = clean_proposal(data)
    with transaction.atomic():
        offer_request = _locked(offer_request)
        return _new_proposal(offer_request, clean, actor=actor, what="proposed")


def accept_proposal(offer_request: OfferRequest, proposal_id: int, *, actor) -> OfferRequest:
    """The school accepts the latest open proposal; an older one → 409 `proposal-superseded`."""
    with transaction.atomic():
        offer_request = _locked(offer_request)
        proposal = offer_request.proposals.filter(pk=proposal_id).first()
        if proposal is None:
            raise ValidationFailed(
                _("Onbekend voorstel."),
                errors=[_field_error("proposal_id", _("Onbekend voorstel."), "unknown")],
            )
        latest = latest_proposal(offer_request)
        if proposal.pk != latest.pk or proposal.status == P.SUPERSEDED:
            raise ProposalSuperseded(
                _("Er is een nieuwer voorstel; alleen het laatste kan worden geaccepteerd.")
            )
        _move(offer_request, R.ACCEPTED, "accepted", actor=actor, proposal=proposal.pk)
        now = clock.now()
        Proposal.objects.filter(pk=proposal.pk).update(
            status=P.ACCEPTED, accepted_at=now, accepted_by=actor
        )
        offer_request.weborder_ended_reason = ""
        offer_request.save()
        _mail_provider("request_status", offer_request, proposal=proposal)
    return offer_request


# --- decline, withdraw, cancel --------------------------------------------------------------


def _reason(reason: str) -> str:
    errors: list[dict] = []
    text = _text(reason, "reason", errors, required=True, limit=REQUEST_MESSAGE_MAX)
    if errors:
        raise ValidationFailed(_("Geef een reden."), errors=errors)
    return text


def _close(offer_request, target: str, side: str, reason: str, *, actor) -> OfferRequest:
    with transaction.atomic():
        offer_request = _locked(offer_request)
        _move(offer_request, target, str(target), actor=actor, side=side)
        offer_request.closed_reason = reason
        offer_request.closed_by_side = side
        offer_request.proposals.filter(status=P.OPEN).update(status=P.SUPERSEDED)
        if side == Side.PROVIDER:
            _answered(offer_request, clock.now())
        offer_request.save()
        _mail_other(side, "request_status", offer_request)
    return offer_request


def decline_request(offer_request, side: str, reason: str, *, actor) -> OfferRequest:
    """Either party declines (a reason is required) before an agreement."""
    return _close(offer_request, R.DECLINED, side, _reason(reason), actor=actor)


def withdraw_request(offer_request, *, actor, reason: str = "") -> OfferRequest:
    """The school withdraws its request before an agreement."""
    return _close(offer_request, R.WITHDRAWN, Side.SCHOOL, str(reason or "").strip(), actor=actor)


def cancel_request(offer_request, side: str, reason: str, *, actor) -> OfferRequest:
    """Either party calls an agreement off (accepted, no web order yet)."""
    return _close(offer_request, R.CANCELLED, side, _reason(reason), actor=actor)


# --- the web order ------------------------------------------------------------------------


def create_weborder_for(
    offer_request: OfferRequest, *, actor, amount: Decimal | None = None
) -> tuple[object | None, bool]:
    """The provider's one action from an accepted request: a web order with the agreed
    terms (amount, students, activity time, description; `request_id` = the request), the
    request becomes `ordered`. → (web order, created). A repeat returns the live web order
    (created False). `amount` may lower the agreed amount; a higher amount is a new
    proposal instead: the request goes back to `proposed` → (None, False)."""
    from cultuurkaart.weborders import services as weborders
    from cultuurkaart.weborders.constants import LIVE

    with transaction.atomic():
        offer_request = _locked(offer_request)
        current = offer_request.weborder
        if current is not None and current.status in LIVE:
            return current, False
        if offer_request.status != R.ACCEPTED:
            raise RequestNotAccepted(_("Alleen van een geaccepteerde aanvraag."))
        agreed = accepted_proposal(offer_request)
        if amount is not None and quantize(amount) > agreed.amount:
            clean = {
                "starts_at": agreed.starts_at,
                "students": agreed.students,
                "amount": quantize(amount),
                "description": agreed.description,
            }
            _new_proposal(offer_request, clean, actor=actor, what="amount_raised")
            return None, False
        weborder = weborders.create_weborder(
            offer_request.provider,
            {
                "school_number": offer_request.school.school_number,
                "amount": quantize(amount) if amount is not None else agreed.amount,
                "students": agreed.students,
                "activity_at": agreed.starts_at,
                "description": agreed.description,
                "request_id": str(offer_request.pk),
            },
            actor=actor,
        )
        offer_request.weborder = weborder
        offer_request.weborder_ended_reason = ""
        _move(offer_request, R.ORDERED, "ordered", actor=actor, weborder=weborder.pk)
        offer_request.save()
    return weborder, True


def weborder_ended(weborder, *, actor=None) -> None:
    """Hook of weborders (registered in apps.py): a request's web order was rejected,
    withdrawn or expired. The request is `accepted` again, the reason visible to both."""
    offer_request = OfferRequest.objects.filter(weborder=weborder).first()
    if offer_request is None:
        return
    offer_request = _locked(offer_request)
    if offer_request.status != R.ORDERED:
        return
    reason = weborder.rejection_reason or weborder.get_status_display()
    offer_request.weborder_ended_reason = reason
    _move(offer_request, R.ACCEPTED, "weborder_ended", actor=actor, weborder=weborder.pk)
    offer_request.save()
    _mail_school("request_status", offer_request)


# --- reminder and expiry (job `expire-requests`) ---------------------------------------------


def expire_requests() -> dict:
    """Requests still `sent` without a provider answer: a reminder to the provider after
    `CK_REQUEST_REMINDER_WORKING_DAYS` working days, expiry (mail to the school) after
    `CK_REQUEST_EXPIRY_WORKING_DAYS`, counted from the Amsterdam day it was sent. Idempotent:
    a reminder once, and an expired request is no longer `sent`."""
    today = clock.today()
    reminded = expired = 0
    candidates = OfferRequest.objects.filter(status=R.SENT, answered_at__isnull=True).order_by("pk")
    for pk, created_at, reminded_at in candidates.values_list("pk", "created_at", "reminded_at"):
        day = created_at.astimezone(clock.AMSTERDAM).date()
        if today >= calendar.add_working_days(day, expiry_days()):
            with transaction.atomic():
                offer_request = _locked(OfferRequest(pk=pk))
                if offer_request.status != R.SENT or offer_request.answered_at is not None:
                    continue
                _move(offer_request, R.EXPIRED, "expired", actor=None)
                offer_request.save()
                _mail_school("request_status", offer_request)
                _mail_provider("request_status", offer_request)
                expired += 1
        elif reminded_at is None and today >= calendar.add_working_days(day, reminder_days()):
            with transaction.atomic():
                offer_request = _locked(OfferRequest(pk=pk))
                if offer_request.reminded_at is not None or offer_request.status != R.SENT:
                    continue
                offer_request.reminded_at = clock.now()
                offer_request.save(update_fields=["reminded_at"])
                _record(offer_request, "reminded", actor=None)
                _mail_provider("request_reminder", offer_request, expiry_days=expiry_days())
                reminded += 1
    return {"reminded": reminded, "expired": expired}


# --- for the school's chain page and the API -----------------------------------------------


def history(offer_request: OfferRequest) -> list[dict]:
    """The audited steps of the request (oldest first)."""
    from cultuurkaart.core.models import AuditEntry

    return [
        {"at": e.at, "action": e.action.removeprefix("marketplace.request."), "data": e.data}
        for e in AuditEntry.objects.filter(
            object_type="marketplace.offerrequest", object_id=str(offer_request.pk)
        ).order_by("at", "pk")
    ]


def levels_for_school(school) -> list[Term]:
    """The active levels of the school's kind (VO years and types, MBO levels)."""
    kind = LevelKind.MBO if getattr(school, "kind", "") == "mbo" else LevelKind.VO
    return list(Term.objects.active().of(Vocabulary.LEVEL).filter(kind=kind))
