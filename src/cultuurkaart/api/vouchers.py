"""Individual budget and vouchers (API.md "Individual budget and vouchers"). Thin: parse,
check scope, call services. Assigning is a school action of the budget holder; claiming is
the student's own (self-service, `/me/...`); redeeming is a provider action for the caller's
own provider (another provider's code is 404)."""

from __future__ import annotations

from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import Field

from cultuurkaart.core import clock
from cultuurkaart.core.idempotency import idempotent
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.money import to_api
from cultuurkaart.vouchers import services
from cultuurkaart.vouchers.exceptions import ProviderNotAcceptingVouchers

from .base import errors
from .permissions import check_provider, own_provider_id, school_for
from .schemas import AssignmentsOut, VoucherClaimed, VoucherRedeemed

router = Router(tags=["vouchers"])


class AssignmentsIn(Schema):
    person_ids: list[str] = Field(max_length=services.MAX_SELECTION)


@router.post(
    "/schools/{school_id}/individual-budget/assignments",
    response={200: AssignmentsOut, **errors(401, 403, 404, 409, 413, 422)},
)
def assign(request, school_id: str, payload: AssignmentsIn):
    """The budget holder assigns individual budget to students of the roster: all or nothing.
    No active membership → 422 `membership-not-active` (each named in `errors[].person_id`);
    admin-cost invoice unpaid → 409 `budget-not-spendable`; more students than ordered without
    contribution, or the pool short → 409 `insufficient-budget`. Students who already have
    budget are not counted again."""
    school = school_for(request, school_id, action="vouchers.assign")
    result = services.assign(school, payload.person_ids, actor=request.user)
    return {"assigned": result["assigned"], "amount_each": to_api(result["amount_each"])}


class ClaimIn(Schema):
    provider_id: str = Field(max_length=20)


def _voucher_body(voucher) -> dict:
    return {
        "code": services.display_code(voucher.code),
        "amount": to_api(voucher.amount),
        "expires_on": voucher.expires_at.astimezone(clock.AMSTERDAM).date().isoformat(),
    }


@router.post("/me/vouchers", response={201: VoucherClaimed, **errors(401, 404, 409, 413, 422)})
def claim(request, payload: ClaimIn):
    """The signed-in student claims a voucher of their individual budget for a provider that
    accepts it; honours `Idempotency-Key`. No assignment → 404 `no-assignment`; all vouchers
    claimed → 409 `vouchers-used-up`; outside the spending window → 409
    `budget-not-spendable` / `voucher-expired`; a provider that does not accept individual
    budget → 422 `provider-not-accepting-vouchers`."""
    provider_id = parse_id(payload.provider_id)
    if provider_id is None:
        raise ProviderNotAcceptingVouchers(
            errors=[{"field": "provider_id", "code": "invalid", "message": "An id (digits)."}]
        )
    data = {"provider_id": provider_id}

    def compute():
        voucher = services.claim(request.user, provider_id, actor=request.user)
        return 201, _voucher_body(voucher)

    status, body = idempotent(request, "voucher-claim", data, compute)
    return Status(status, body)


class RedeemIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    provider_id: str | None = Field(
        default=None, max_length=20, description="Only for a person who acts for several providers."
    )


@router.post(
    "/vouchers/redeem", response={200: VoucherRedeemed, **errors(401, 403, 404, 409, 413, 422)}
)
def redeem(request, payload: RedeemIn):
    """The provider redeems a voucher by its code (typed or scanned), once, for its full value;
    honours `Idempotency-Key`. Used → 409 `voucher-used`; expired → 409 `voucher-expired`;
    another provider's code (or an unknown one) → 404."""
    wanted = parse_id(payload.provider_id) if payload.provider_id else None
    if payload.provider_id and wanted is None:
        raise Http404
    provider_id = own_provider_id(request, "vouchers.redeem", wanted)
    code = services.normalise_code(payload.code)
    data = {"code": code, "provider_id": provider_id}

    def compute():
        voucher = services.find_for_provider(code, [provider_id])
        if voucher is None:
            raise Http404
        check_provider(request, voucher.provider_id, "vouchers.redeem")
        voucher = services.redeem(voucher, actor=request.user)
        return 200, {"amount": to_api(voucher.amount)}

    status, body = idempotent(request, f"voucher-redeem:{provider_id}", data, compute)
    return Status(status, body)
