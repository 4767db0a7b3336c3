"""Admin endpoints: programmes, registry, users (API.md "Admin")."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.constants import PROVIDER_ROLES, SCHOOL_ROLES, RoleName
from cultuurkaart.accounts.models import User
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.fields import ApiDate, ApiNationalTotal, ApiRate
from cultuurkaart.core.ids import parse_id
from cultuurkaart.providers.models import Provider
from cultuurkaart.schools import services as schools
from cultuurkaart.schools.models import Programme, School

from . import serializers
from .base import Page, errors, paged, path_id
from .permissions import require
from .schemas import LocationOut, ProgrammeOut, RegistryImportOut, TokenOut, UserOut

router = Router(tags=["admin"])


class Rates(Schema):
    ocw: ApiRate
    school: ApiRate
    admin_fee: ApiRate
    teacher_fee: ApiRate
    teacher_free_count: int = Field(0, ge=0, le=1_000_000)
    voucher: ApiRate
    dossier: ApiRate | None = None


class ProgrammeIn(Schema):
    code: str
    kind: str
    name: str
    rates: Rates
    teacher_free_before: ApiDate | None = None
    order_from: ApiDate
    order_until: ApiDate
    roster_after: ApiDate
    spend_from: ApiDate
    spend_until: ApiDate
    membership_until: ApiDate | None = None
    register_from: ApiDate | None = None
    register_until: ApiDate | None = None
    ocw_total: ApiNationalTotal | None = None
    max_orders: int | None = Field(
        None,
        ge=0,
        le=1000,
        description=(
            "The most supplementary orders per school (null: no limit). A school always "
            "has at most one live initial order per programme."
        ),
    )


@router.post("/admin/programmes", response={201: ProgrammeOut, **errors(401, 403, 409, 413, 422)})
def create_programme(request, payload: ProgrammeIn):
    require(request, "schools.manage_programmes")
    data = payload.dict()
    programme = schools.save_programme(data, actor=request.user)
    return Status(201, serializers.programme(programme))


@router.put(
    "/admin/programmes/{code}", response={200: ProgrammeOut, **errors(401, 403, 404, 409, 413, 422)}
)
def update_programme(request, code: str, payload: ProgrammeIn):
    require(request, "schools.manage_programmes")
    programme = get_object_or_404(Programme, code=code)
    return serializers.programme(
        schools.save_programme(payload.dict(), actor=request.user, programme=programme)
    )


@router.get(
    "/programmes",
    auth=None,
    response={200: Page[ProgrammeOut], **errors(422)},
    openapi_extra=paged(),
)
def list_programmes(request):
    """Programmes are public information (rates and dates)."""
    from .base import paginate

    return paginate(request, Programme.objects.order_by("code"), serializers.programme)


class LocationIn(Schema):
    code: str
    kind: str
    name: str
    postcode: str = ""
    municipality: str = ""
    province: str = ""
    students: int | None = None


@router.post(
    "/admin/registry/locations",
    response={200: LocationOut, 201: LocationOut, **errors(401, 403, 413, 422)},
)
def upsert_location(request, payload: LocationIn):
    require(request, "schools.manage_registry")
    location, created = schools.upsert_location(payload.dict(), actor=request.user)
    return Status(201 if created else 200, serializers.location(location))


@router.post(
    "/admin/registry/import", response={200: RegistryImportOut, **errors(401, 403, 413, 422)}
)
def import_registry(request, file: File[UploadedFile], kind: Form[str | None] = None):
    """DUO open-data CSV (`file`); `kind` is vo or mbo (guessed from the columns if absent)."""
    require(request, "schools.manage_registry")
    if file.size > schools.MAX_REGISTRY_BYTES:
        raise schools.RegistryFileError("The file is larger than 20 MB.")
    content = file.read()
    if kind is None:
        head = content[:2000].decode("utf-8", "ignore").lower()
        kind = "mbo" if "student" in head or "onderwijslocatie" in head else "vo"
    record = schools.import_registry(
        content, kind=kind, actor=request.user, filename=file.name or ""
    )
    return {
        "id": str(record.pk),
        "created": record.created,
        "updated": record.updated,
        "rows": record.rows,
    }


class RoleIn(Schema):
    role: str
    school: str | None = None
    provider: str | None = None
    # CmK roles (issue 13): cmk_staff / cmk_steering a programme (id or code),
    # cmk_municipality a municipality (id), cmk_contact a participation (id).
    cmk_programme: str | None = None
    cmk_municipality: str | None = None
    cmk_participation: str | None = None


class UserIn(Schema):
    email: str
    name: str = ""
    roles: list[RoleIn] = []


@router.post("/admin/users", response={201: UserOut, **errors(401, 403, 413, 422)})
def create_user(request, payload: UserIn):
    require(request, "accounts.manage_users")
    errors: list[dict] = []
    email = schools.clean_email(payload.email, "email", errors)
    grants = []
    for i, role in enumerate(payload.roles):
        if role.role not in RoleName.values:
            errors.append(
                {"field": f"roles.{i}.role", "code": "invalid", "message": "Unknown role."}
            )
            continue
        school = provider = None
        if role.school is not None:
            school = School.objects.filter(pk=parse_id(role.school)).first()
            if school is None:
                errors.append(
                    {"field": f"roles.{i}.school", "code": "unknown", "message": "Unknown school."}
                )
        if role.provider is not None:
            provider = Provider.objects.filter(pk=parse_id(role.provider)).first()
            if provider is None:
                errors.append(
                    {
                        "field": f"roles.{i}.provider",
                        "code": "unknown",
                        "message": "Unknown provider.",
                    }
                )
        if role.role in SCHOOL_ROLES and role.school is None:
            errors.append(
                {
                    "field": f"roles.{i}.school",
                    "code": "school-required",
                    "message": "This role needs a school.",
                }
            )
        if role.role in PROVIDER_ROLES and role.provider is None:
            errors.append(
                {
                    "field": f"roles.{i}.provider",
                    "code": "provider-required",
                    "message": "This role needs a provider.",
                }
            )
        cmk_scope = _cmk_scope(role, i, errors)
        grants.append((role.role, school, provider, cmk_scope))
    if errors:
        raise ValidationFailed("The user is not valid.", errors=errors)
    with transaction.atomic():
        user, _ = accounts.get_or_create_user(email, name=payload.name)
        for role, school, provider, cmk_scope in grants:
            accounts.grant_role(
                user, role, school=school, provider=provider, actor=request.user, **cmk_scope
            )
    return Status(201, serializers.user_out(user))


def _cmk_scope(role: RoleIn, i: int, errors: list[dict]) -> dict:
    """The programme, municipality or participation a CmK role is scoped to (422 when it is
    missing or unknown)."""
    from cultuurkaart.cmk.models import Municipality, Participation
    from cultuurkaart.cmk.models import Programme as CmkProgramme

    needs = {
        RoleName.CMK_STAFF: ("cmk_programme", CmkProgramme),
        RoleName.CMK_STEERING: ("cmk_programme", CmkProgramme),
        RoleName.CMK_MUNICIPALITY: ("cmk_municipality", Municipality),
        RoleName.CMK_CONTACT: ("cmk_participation", Participation),
    }.get(role.role)
    if needs is None:
        return {}
    field, model = needs
    value = getattr(role, field)
    obj = None
    if value is not None:
        pk = parse_id(value)
        if pk is not None:
            obj = model.objects.filter(pk=pk).first()
        elif model is CmkProgramme:
            obj = model.objects.filter(code=value).first()
    if obj is None:
        errors.append(
            {
                "field": f"roles.{i}.{field}",
                "code": "required" if value is None else "unknown",
                "message": "This role needs a known " + field.removeprefix("cmk_") + ".",
            }
        )
        return {}
    return {field: obj}


@router.post("/admin/users/{user_id}/tokens", response={201: TokenOut, **errors(401, 403, 404)})
def create_user_token(request, user_id: str):
    require(request, "accounts.manage_users")
    user = get_object_or_404(User, pk=path_id(user_id))
    _, raw = accounts.create_api_token(user, name="Issued by admin", actor=request.user)
    return Status(201, {"token": raw})
