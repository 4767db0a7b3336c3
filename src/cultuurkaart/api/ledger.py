"""Budget and ledger (API.md "Budget and ledger"). Thin: parse, check scope, call services."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema, Status

from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.fields import ApiMoney
from cultuurkaart.core.money import to_api
from cultuurkaart.ledger import queries as ledger
from cultuurkaart.orders import queries, services

from .base import Page, errors, paged, paginate
from .orders import serialize_invoice
from .permissions import require, school_for
from .schemas import BudgetOut, ContributionOut, LedgerLineOut

router = Router(tags=["ledger"])


def _programme(school, code: str | None):
    programme = queries.current_programme(school, code)
    if programme is None:
        raise ValidationFailed(
            "Unknown programme.",
            errors=[
                {
                    "field": "programme",
                    "code": "unknown-programme",
                    "message": "Onbekend programma.",
                }
            ],
        )
    return programme


@router.get("/schools/{school_id}/budget", response={200: BudgetOut, **errors(401, 403, 404, 422)})
def budget(request, school_id: str, programme: str | None = None):
    school = school_for(request, school_id, action="ledger.view")
    summary = queries.budget_summary(school, _programme(school, programme))
    return {
        "programme": summary.programme.code,
        "collective": {
            "available": to_api(summary.collective),
            "buckets": {k: to_api(v) for k, v in summary.buckets.items()},
        },
        "individual": {
            "available": to_api(summary.individual_available),
            "assigned": to_api(summary.individual_assigned),
        },
        "spendable_from": summary.spendable_from.isoformat() if summary.spendable_from else None,
        "spendable_until": summary.spendable_until.isoformat(),
        "released": summary.released,
        "third_party": {
            "released": summary.third_party_released,
            "spendable_from": summary.third_party_spendable_from.isoformat()
            if summary.third_party_spendable_from
            else None,
        },
        "held_for_refund": to_api(summary.held_for_refund),
    }


def serialize_line(line) -> dict[str, Any]:
    return {
        "id": str(line.pk),
        "entry": str(line.entry_id),
        "at": line.entry.at.astimezone(clock.AMSTERDAM).isoformat(),
        "kind": line.entry.kind,
        "bucket": line.account.kind,
        "description": line.entry.description,
        "amount": to_api(-line.amount),
        "balance": to_api(line.running),
    }


@router.get(
    "/schools/{school_id}/transactions",
    response={200: Page[LedgerLineOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def transactions(request, school_id: str, programme: str | None = None):
    """Every credit (+) and debit (−) of the collective budget with the running balance."""
    school = school_for(request, school_id, action="ledger.view")
    lines = ledger.collective_lines(school, _programme(school, programme))
    return paginate(request, lines, serialize_line)


class ContributionIn(Schema):
    programme: Any = None
    funder: Any = None
    amount: ApiMoney | None = None
    funder_email: str = ""
    funder_address: str = ""


@router.post(
    "/admin/schools/{school_id}/third-party-contributions",
    response={201: ContributionOut, **errors(401, 403, 404, 409, 413, 422)},
)
def third_party(request, school_id: str, payload: ContributionIn):
    require(request, "ledger.add_third_party_contribution")
    school = school_for(request, school_id, action="ledger.add_third_party_contribution")
    contribution = services.create_third_party_contribution(
        school, payload.dict(), actor=request.user
    )
    return Status(
        201,
        {
            "id": str(contribution.pk),
            "funder": contribution.funder,
            "amount": to_api(contribution.amount),
            "invoice": serialize_invoice(contribution.invoice),
        },
    )
