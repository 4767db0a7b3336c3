"""School registration and school data (API.md "Schools")."""

from __future__ import annotations

from ninja import Router, Schema, Status

from cultuurkaart.core.ids import parse_id
from cultuurkaart.schools import services as schools
from cultuurkaart.schools.models import School

from . import serializers
from .base import AUTH, OPTIONAL_AUTH, Page, errors, paged, path_id
from .permissions import may, require, school_for
from .schemas import (
    BudgetHolderChangeOut,
    SchoolApproved,
    SchoolOut,
    SchoolRegistered,
    SchoolRejected,
)

router = Router(tags=["schools"])


class Contact(Schema):
    name: str
    email: str


class RegistrationIn(Schema):
    location_code: str
    programme: str
    board: Contact
    budget_holder: Contact
    invoice_email: str
    accept_terms: bool
    location_codes: list[str] = []
    directie: Contact | None = None
    invoice_address: str = ""
    refund_iban: str = ""


@router.post(
    "/schools",
    auth=[*AUTH, lambda request: True],
    response={201: SchoolRegistered, **errors(403, 409, 413, 422)},
    openapi_extra=OPTIONAL_AUTH,
)
def register(request, payload: RegistrationIn):
    actor = request.user if getattr(request.user, "is_authenticated", False) else None
    school = schools.register_school(payload.dict(), actor=actor)
    return Status(201, {"id": str(school.pk), "status": school.status})


def _load(school_id: str) -> School:
    return School.objects.prefetch_related("locations", "programmes").get(pk=path_id(school_id))


@router.get(
    "/schools/{school_id}", response={200: SchoolOut, **errors(401, 403, 404)}, exclude_unset=True
)
def get_school(request, school_id: str):
    """The school. Contacts and invoice data only for its managers (board, budget holder,
    Docent+) and the platform admin; teachers and students see the public part."""
    school = school_for(request, school_id, action="schools.view")
    data = serializers.school(_load(str(school.pk)))
    if not may(request, "schools.view_contacts", school.pk):
        for key in (
            "contacts",
            "invoice_email",
            "invoice_address",
            "refund_iban",
            "rejection_reason",
        ):
            data.pop(key, None)
    return data


class SettingsIn(Schema):
    directie_name: str
    directie_email: str
    invoice_email: str
    invoice_address: str = ""
    refund_iban: str = ""


@router.patch(
    "/schools/{school_id}", response={200: SchoolOut, **errors(401, 403, 404, 409, 413, 422)}
)
def update_school(request, school_id: str, payload: SettingsIn):
    """Budget holder: contacts and invoice data."""
    school = school_for(request, school_id, action="schools.change_settings")
    schools.update_school_settings(school, payload.dict(), actor=request.user)
    return serializers.school(_load(str(school.pk)))


@router.get(
    "/admin/schools",
    response={200: Page[SchoolOut], **errors(401, 403, 422)},
    openapi_extra=paged(),
)
def list_schools(request, status: str | None = None):
    from .base import paginate

    require(request, "schools.review_registrations")
    qs = School.objects.prefetch_related("locations", "programmes").order_by("-registered_at")
    if status:
        qs = qs.filter(status=status)
    return paginate(request, qs, serializers.school)


@router.post(
    "/admin/schools/{school_id}/approve",
    response={200: SchoolApproved, **errors(401, 403, 404, 409, 422)},
)
def approve(request, school_id: str):
    require(request, "schools.review_registrations")
    school = school_for(request, school_id, action="schools.review_registrations")
    school = schools.approve_school(school, actor=request.user)
    return {"id": str(school.pk), "status": school.status, "school_number": school.school_number}


class RejectIn(Schema):
    reason: str


@router.post(
    "/admin/schools/{school_id}/reject",
    response={200: SchoolRejected, **errors(401, 403, 404, 409, 413, 422)},
)
def reject(request, school_id: str, payload: RejectIn):
    require(request, "schools.review_registrations")
    school = school_for(request, school_id, action="schools.review_registrations")
    school = schools.reject_school(school, reason=payload.reason, actor=request.user)
    return {"id": str(school.pk), "status": school.status, "reason": school.rejection_reason}


class BudgetHolderChangeIn(Schema):
    name: str
    email: str
    replaces: str | None = None
    confirm_mandate: bool


def _change_out(change) -> dict:
    return {
        "id": str(change.pk),
        "school": str(change.school_id),
        "name": change.name,
        "email": change.email,
        "replaces": str(change.replaces_id) if change.replaces_id else None,
        "status": change.status,
        "requested_at": change.requested_at.isoformat(),
    }


@router.post(
    "/schools/{school_id}/budget-holder-changes",
    response={201: BudgetHolderChangeOut, **errors(401, 403, 404, 409, 413, 422)},
)
def request_budget_holder_change(request, school_id: str, payload: BudgetHolderChangeIn):
    """Board: name a new (or extra) budget holder; CJP approves."""
    school = school_for(request, school_id, action="schools.change_budget_holder")
    data = payload.dict()
    if data["replaces"] is not None:
        pk = parse_id(data["replaces"])
        data["replaces"] = -1 if pk is None else pk
    return Status(
        201, _change_out(schools.request_budget_holder_change(school, data, actor=request.user))
    )


class DecisionIn(Schema):
    reason: str = ""


@router.post(
    "/admin/budget-holder-changes/{change_id}/approve",
    response={200: BudgetHolderChangeOut, **errors(401, 403, 404, 409, 422)},
)
def approve_budget_holder_change(request, change_id: str):
    from django.shortcuts import get_object_or_404

    from cultuurkaart.schools.models import BudgetHolderChange

    require(request, "schools.decide_budget_holder_changes")
    change = get_object_or_404(BudgetHolderChange, pk=path_id(change_id))
    return _change_out(
        schools.decide_budget_holder_change(change, approve=True, actor=request.user)
    )


@router.post(
    "/admin/budget-holder-changes/{change_id}/reject",
    response={200: BudgetHolderChangeOut, **errors(401, 403, 404, 409, 413, 422)},
)
def reject_budget_holder_change(request, change_id: str, payload: DecisionIn):
    from django.shortcuts import get_object_or_404

    from cultuurkaart.schools.models import BudgetHolderChange

    require(request, "schools.decide_budget_holder_changes")
    change = get_object_or_404(BudgetHolderChange, pk=path_id(change_id))
    return _change_out(
        schools.decide_budget_holder_change(
            change, approve=False, actor=request.user, reason=payload.reason
        )
    )
