"""Beyond the anchors (issue 11 point 8; decisions MR10, MR11): a school's projected spend
from accepted proposals next to its budget, and a provider's responsiveness from the audit
trail. Reads only."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from cultuurkaart.core import calendar, clock

from ..constants import ProposalStatus, RequestStatus, Side
from ..models import OfferRequest, Proposal
from .requests import expiry_days

R = RequestStatus
ZERO = Decimal("0.00")
ANSWERS = ("marketplace.request.in_conversation", "marketplace.request.proposed")


@dataclass
class ProjectedSpend:
    accepted: Decimal  # accepted proposals without a web order yet
    ordered: Decimal  # web orders from requests still waiting for approval
    available: Decimal | None  # the collective budget now (None: no programme)
    programme: str | None

    @property
    def total(self) -> Decimal:
        return self.accepted + self.ordered

    @property
    def remaining(self) -> Decimal | None:
        return None if self.available is None else self.available - self.total

    def fits(self, amount: Decimal) -> bool:
        """Whether `amount` fits what remains after the projected spend ("fits my remaining
        budget"; for the offer search)."""
        return self.remaining is not None and amount <= self.remaining


def projected_spend(school) -> ProjectedSpend:
    """Money the school has agreed to but not yet spent: the accepted proposal of each
    `accepted` request, and the amount of each request's web order still `pending`."""
    from cultuurkaart.orders import queries as orders
    from cultuurkaart.weborders.constants import WebOrderStatus

    # the newest accepted version of each accepted request (an older accepted one stays)
    newest: dict[int, Decimal] = {}
    for request_id, amount in (
        Proposal.objects.filter(
            request__school=school, request__status=R.ACCEPTED, status=ProposalStatus.ACCEPTED
        )
        .order_by("request_id", "version")
        .values_list("request_id", "amount")
    ):
        newest[request_id] = amount
    accepted_total = sum(newest.values(), ZERO)
    ordered = (
        OfferRequest.objects.filter(
            school=school, status=R.ORDERED, weborder__status=WebOrderStatus.PENDING
        ).aggregate(s=Sum("weborder__amount"))["s"]
        or ZERO
    )
    programme = orders.current_programme(school)
    available = orders.budget_summary(school, programme).collective if programme else None
    return ProjectedSpend(
        accepted=accepted_total,
        ordered=ordered,
        available=available,
        programme=programme.code if programme else None,
    )


@dataclass
class Responsiveness:
    counted: int  # requests whose answer window is over or that were answered
    answered_in_time: int
    median_hours: float | None

    @property
    def share_in_time(self) -> float | None:
        return self.answered_in_time / self.counted if self.counted else None


def responsiveness(provider) -> Responsiveness:
    """From the audit trail of the provider's requests: the time from `sent` to the first
    provider answer (first message, proposal or decline by the provider), its median in hours,
    and the share answered within `CK_REQUEST_EXPIRY_WORKING_DAYS` working days. A request
    withdrawn by the school before any answer, or still inside its window, does not count."""
    from cultuurkaart.core.models import AuditEntry

    ids = {
        str(pk)
        for pk in OfferRequest.objects.filter(provider=provider).values_list("pk", flat=True)
    }
    if not ids:
        return Responsiveness(0, 0, None)
    events: dict[str, list] = {}
    for entry in AuditEntry.objects.filter(
        object_type="marketplace.offerrequest", object_id__in=ids
    ).order_by("at", "pk"):
        events.setdefault(entry.object_id, []).append(entry)
    today = clock.today()
    counted = in_time = 0
    hours: list[float] = []
    for entries in events.values():
        sent = next((e for e in entries if e.action == "marketplace.request.sent"), None)
        if sent is None:
            continue
        deadline = calendar.add_working_days(
            sent.at.astimezone(clock.AMSTERDAM).date(), expiry_days()
        )
        answer = next(
            (
                e
                for e in entries
                if e.action in ANSWERS
                or (
                    e.action == "marketplace.request.declined"
                    and e.data.get("side") == Side.PROVIDER
                )
            ),
            None,
        )
        if answer is None:
            school_closed = any(
                e.action in ("marketplace.request.withdrawn", "marketplace.request.declined")
                for e in entries
            )
            if school_closed or today < deadline:
                continue  # no answer was due, or the window is still open
            counted += 1
            continue
        counted += 1
        hours.append((answer.at - sent.at) / dt.timedelta(hours=1))
        if answer.at.astimezone(clock.AMSTERDAM).date() < deadline:
            in_time += 1
    return Responsiveness(
        counted=counted,
        answered_in_time=in_time,
        median_hours=round(statistics.median(hours), 1) if hours else None,
    )
