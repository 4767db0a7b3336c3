"""School registration and school data (API.md "Schools")."""

from __future__ import annotations

from ninja import Router, Schema, Status

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.schools import services as schools
from cultuurkaart.schools.models import School

from . import serializers
from .base import AUTH
from .permissions import require_admin, school_for

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


class OptionalAuth:
    """Registration is public but also accepted with a token or session."""


@router.post("/schools", auth=[*AUTH, lambda request: True], response={201: dict})
def register(request, payload: RegistrationIn):
    actor = request.user if getattr(request.user, "is_authenticated", False) else None
    school = schools.register_school(payload.dict(), actor=actor)
    return Status(201, {"id": str(school.pk), "status": school.status})


def _load(school_id: str) -> School:
    return School.objects.prefetch_related("locations", "programmes").get(pk=int(school_id))


@router.get("/schools/{school_id}", response=dict)
def get_school(request, school_id: str):
    school = school_for(request, school_id)
    return serializers.school(_load(str(school.pk)))


class SettingsIn(Schema):
    directie_name: str
    directie_email: str
    invoice_email: str
    invoice_address: str = ""
    refund_iban: str = ""


@router.patch("/schools/{school_id}", response=dict)
def update_school(request, school_id: str, payload: SettingsIn):
    """Budget holder: contacts and invoice data."""
    school = school_for(request, school_id, RoleName.BUDGET_HOLDER)
    schools.update_school_settings(school, payload.dict(), actor=request.user)
    return serializers.school(_load(str(school.pk)))


@router.get("/admin/schools", response=dict)
def list_schools(request, status: str | None = None):
    from .base import paginate

    require_admin(request)
    qs = School.objects.prefetch_related("locations", "programmes").order_by("-registered_at")
    if status:
        qs = qs.filter(status=status)
    return paginate(request, qs, serializers.school)


@router.post("/admin/schools/{school_id}/approve", response=dict)
def approve(request, school_id: str):
    require_admin(request)
    school = school_for(request, school_id)
    school = schools.approve_school(school, actor=request.user)
    return {"id": str(school.pk), "status": school.status, "school_number": school.school_number}


class RejectIn(Schema):
    reason: str


@router.post("/admin/schools/{school_id}/reject", response=dict)
def reject(request, school_id: str, payload: RejectIn):
    require_admin(request)
    school = school_for(request, school_id)
    school = schools.reject_school(school, reason=payload.reason, actor=request.user)
    return {"id": str(school.pk), "status": school.status, "reason": school.rejection_reason}
