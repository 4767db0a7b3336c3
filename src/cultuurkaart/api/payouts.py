"""Payouts (API.md "Providers, web orders, payouts"): the back office makes a batch of every
checked, unpaid web order and downloads its SEPA credit-transfer file. Thin: parse, check
the platform action, call the service."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from cultuurkaart.core import clock
from cultuurkaart.core.idempotency import idempotent
from cultuurkaart.core.money import to_api
from cultuurkaart.payouts import services
from cultuurkaart.payouts.models import Correction, PayoutBatch
from cultuurkaart.payouts.sepa import sepa_xml

from .base import errors, file_download, path_id
from .permissions import require
from .schemas import CorrectionOut, PayoutBatchOut

router = Router(tags=["payouts"])
XML = "application/xml"


class PayoutIn(Schema):
    until: AwareDatetime | None = None


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(clock.AMSTERDAM).isoformat() if moment else None


def serialize_batch(batch: PayoutBatch) -> dict:
    return {
        "id": str(batch.pk),
        "created_at": _iso(batch.created_at),
        "until": _iso(batch.until),
        "items": [
            {
                "provider": str(item["provider"]),
                "weborders": [str(pk) for pk in item["weborders"]],
                "vouchers": [str(pk) for pk in item["vouchers"]],
                "gross": to_api(item["gross"]),
                "fee": to_api(item["fee"]),
                "deducted": to_api(item["deducted"]),
                "net": to_api(item["net"]),
            }
            for item in services.batch_items(batch)
        ],
        "held": [
            {
                "provider": str(h["provider"]),
                "name": h["name"],
                "reason": h["reason"],
                "until": h["until"],
            }
            for h in batch.held
        ],
        "total_gross": to_api(batch.total_gross),
        "total_fee": to_api(batch.total_fee),
        "total_deducted": to_api(batch.total_deducted),
        "total_net": to_api(batch.total_net),
    }


@router.post(
    "/admin/payouts",
    response={201: PayoutBatchOut, **errors(401, 403, 409, 413, 422)},
)
def create(request, payload: PayoutIn | None = None):
    """A batch of every web order checked at or before `until` (default now) and not yet
    in a batch, per provider (fee 5% per item); providers whose IBAN is on hold are left out
    and listed in `held`. Nothing to pay → 409 `nothing-to-pay`. Honours `Idempotency-Key`
    (the same key answers the first batch again)."""
    require(request, "payouts.manage")
    until = payload.until if payload else None

    def compute():
        batch = services.create_payout_batch(until=until, actor=request.user)
        return 201, serialize_batch(batch)

    status, body = idempotent(
        request, "payout-create", {"until": until.isoformat() if until else None}, compute
    )
    return Status(status, body)


def _batch(request, payout_id: str) -> PayoutBatch:
    require(request, "payouts.manage")
    batch = PayoutBatch.objects.filter(pk=path_id(payout_id)).first()
    if batch is None:
        raise Http404
    return batch


@router.get("/admin/payouts/{payout_id}", response={200: PayoutBatchOut, **errors(401, 403, 404)})
def detail(request, payout_id: str):
    return serialize_batch(_batch(request, payout_id))


@router.get(
    "/admin/payouts/{payout_id}/sepa.xml",
    response={200: None, **errors(401, 403, 404)},
    openapi_extra=file_download(XML, "SEPA credit transfer (pain.001.001.03) for the batch."),
)
def sepa(request, payout_id: str):
    batch = _batch(request, payout_id)
    response = HttpResponse(sepa_xml(batch), content_type=XML)
    response["Content-Disposition"] = f'attachment; filename="uitbetaling-{batch.pk}-sepa.xml"'
    return response


class CorrectionIn(Schema):
    reason: str = Field(max_length=2000)


def serialize_correction(correction: Correction) -> dict:
    return {
        "id": str(correction.pk),
        "weborder": str(correction.weborder_id),
        "status": correction.weborder.status,
        "amount": to_api(correction.amount),
        "fee": to_api(correction.fee),
        "owed": to_api(correction.net),
        "settled": to_api(correction.settled),
    }


@router.post(
    "/admin/weborders/{weborder_id}/correction",
    response={201: CorrectionOut, **errors(401, 403, 404, 409, 413, 422)},
)
def correct(request, weborder_id: str, payload: CorrectionIn):
    """A paid web order found wrong afterwards (SPEC §8): a new ledger entry gives the school
    its money back; the provider's next payouts are reduced by what it received. Only a
    `paid_out` web order (else 409 `invalid-transition`), once."""
    from cultuurkaart.weborders.models import WebOrder

    require(request, "payouts.correct")
    weborder = WebOrder.objects.filter(pk=path_id(weborder_id)).first()
    if weborder is None:
        raise Http404
    correction = services.correct_paid_weborder(weborder, reason=payload.reason, actor=request.user)
    return Status(201, serialize_correction(correction))
