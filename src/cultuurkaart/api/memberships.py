"""API endpoints of the memberships domain (API.md "Invitations, activation, memberships").
Thin: parse, check scope, call services."""

from __future__ import annotations

from django.http import Http404
from ninja import Router, Schema, Status

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import Role
from cultuurkaart.core.idempotency import idempotent
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.ratelimit import client_ip
from cultuurkaart.memberships import queries, services
from cultuurkaart.memberships.constants import (
    CodeRequestStatus,
    EndReason,
    MemberKind,
    MembershipStatus,
)
from cultuurkaart.memberships.exceptions import NoMembership
from cultuurkaart.memberships.models import CodeRequest, InvitationBatch, Membership
from cultuurkaart.rosters.constants import PersonStatus, RosterKind
from cultuurkaart.rosters.models import Person

from .base import Page, errors, paged, paginate, path_id
from .permissions import require, school_for
from .schemas import (
    ActivationCodeOut,
    ActivationOut,
    CodeRequestCreated,
    CodeRequestOut,
    DeletionRequestOut,
    InvitationBatchOut,
    MembershipAdminOut,
    MembershipsEnded,
    PassOut,
    TeacherOut,
)

router = Router(tags=["memberships"])

DP = RoleName.DOCENT_PLUS


def _public(request) -> bool:
    """No authentication required (activation, code requests)."""
    return True


# --- invitations -----------------------------------------------------------------------------


class InvitationsIn(Schema):
    person_ids: list[str] | None = None
    status: list[str] | None = None
    kind: str | None = None


def _batch(batch: InvitationBatch) -> dict:
    return {
        "id": str(batch.pk),
        "status": batch.status,
        "sent": batch.invited,
        "skipped": batch.skipped,
        "emails": batch.to_mail,
        "mailed": batch.mailed,
        "failed": batch.failed,
        "progress": batch.progress_percent,
        "created_at": batch.created_at.isoformat(),
    }


@router.post(
    "/schools/{school_id}/invitations",
    response={200: InvitationBatchOut, **errors(401, 403, 404, 409, 413, 422)},
)
def invite(request, school_id: str, payload: InvitationsIn):
    """Budget holder or Docent+: a fresh single-use code for each selected person without an
    active membership, e-mailed when they have an address. `sent` counts fresh codes,
    `skipped` the active members left out. `Idempotency-Key` (core.idempotency): a retry
    returns the first response; the same key with another body is 409
    `idempotency-conflict`."""
    from cultuurkaart.core.errors import ValidationFailed

    school = school_for(request, school_id, action="memberships.invite")
    if payload.kind is not None and payload.kind not in RosterKind.values:
        raise ValidationFailed(
            errors=[{"field": "kind", "code": "invalid", "message": "students or teachers"}]
        )
    statuses = payload.status or []
    bad = [s for s in statuses if s not in PersonStatus.values]
    if bad:
        raise ValidationFailed(
            errors=[
                {"field": "status", "code": "invalid", "message": "new, invited, active, inactive"}
            ]
        )
    if payload.person_ids is None and not statuses:
        raise ValidationFailed(
            "Send person_ids or status.",
            errors=[{"field": "person_ids", "code": "required", "message": "person_ids or status"}],
        )
    person_ids = None
    if payload.person_ids is not None:
        person_ids = [parse_id(pk) for pk in payload.person_ids]
        if None in person_ids:
            raise ValidationFailed(
                errors=[{"field": "person_ids", "code": "invalid", "message": "Unknown id."}]
            )

    def compute():
        batch = services.invite_people(
            school,
            actor=request.user,
            kind=payload.kind,
            person_ids=person_ids,
            statuses=statuses if person_ids is None else None,
        )
        batch.refresh_from_db()
        return 200, _batch(batch)

    body = {"kind": payload.kind, "person_ids": person_ids, "status": statuses}
    _, answer = idempotent(request, f"school-invitations:{school.pk}", body, compute)
    return answer


@router.get(
    "/schools/{school_id}/invitations/{batch_id}",
    response={200: InvitationBatchOut, **errors(401, 403, 404)},
)
def invitation_progress(request, school_id: str, batch_id: str):
    school = school_for(request, school_id, action="memberships.invite")
    batch = InvitationBatch.objects.filter(pk=_int(batch_id), school=school).first()
    if batch is None:
        raise Http404
    return _batch(batch)


@router.get(
    "/schools/{school_id}/activation-codes",
    response={200: Page[ActivationCodeOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def activation_codes(request, school_id: str, kind: str | None = None):
    """Budget holder only: the current unused code of each person (anonymous process)."""
    school = school_for(request, school_id, action="memberships.view_codes")
    people = Person.objects.filter(school=school)
    if kind:
        people = people.filter(kind=kind)
    from cultuurkaart.memberships.models import ActivationCode

    qs = (
        ActivationCode.objects.filter(
            person__in=people, used_at__isnull=True, revoked_at__isnull=True
        )
        .exclude(code_encrypted="")
        .order_by("person_id")
    )
    from cultuurkaart.memberships import codes

    return paginate(
        request,
        qs,
        lambda c: {"person_id": str(c.person_id), "code": codes.decrypt(c.code_encrypted)},
    )


# --- activation ------------------------------------------------------------------------------


class ActivationIn(Schema):
    code: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birth_date: str | None = None
    email: str | None = None
    password: str | None = None
    accept_terms: bool | None = None
    parents_informed: bool | None = None


@router.post(
    "/activations", auth=None, response={201: ActivationOut, **errors(404, 409, 413, 422, 429)}
)
def activate(request, payload: ActivationIn):
    """No authentication. 404 invalid-code, 409 code-used, 422 parental-notice-required or
    field errors, 429 after too many failed attempts from one client."""
    membership = services.activate(payload.code, payload.dict(), client=client_ip(request))
    return Status(
        201,
        {
            "membership": {
                "id": str(membership.pk),
                "status": membership.status,
                "valid_until": membership.valid_until.isoformat(),
                "school": str(membership.school_id),
                "programme": membership.programme.code,
            }
        },
    )


@router.get("/me/pass", response={200: PassOut, **errors(401, 404)})
def my_pass(request):
    membership = queries.membership_for_pass(request.user)
    if membership is None:
        raise NoMembership("You have no membership.")
    from cultuurkaart.core import clock

    return {
        "first_name": membership.first_name,
        "last_name": membership.last_name,
        "birth_date": membership.birth_date.isoformat() if membership.birth_date else None,
        "school": membership.school.name,
        "programme_mark": membership.mark,
        "valid_until": membership.valid_until.isoformat(),
        "status": membership.status,
        "valid": membership.is_valid_on(clock.today()),
        "verification_url": services.pass_verification_url(membership),
    }


@router.post(
    "/me/deletion-request", response={201: DeletionRequestOut, **errors(401, 403, 404, 409, 422)}
)
def request_deletion(request):
    """A member asks for their data to be deleted (carried out within 15 working days)."""
    req = services.request_deletion(request.user)
    return Status(201, {"id": str(req.pk), "status": req.status, "due_on": req.due_on.isoformat()})


# --- Docent+ ---------------------------------------------------------------------------------


class DesignateIn(Schema):
    membership_id: str


def _teacher(m: Membership, designated: set[int]) -> dict:
    return {
        "membership_id": str(m.pk),
        "user_id": str(m.user_id) if m.user_id else None,
        "first_name": m.first_name,
        "last_name": m.last_name,
        "docent_plus": m.user_id in designated,
    }


@router.get(
    "/schools/{school_id}/docent-plus",
    response={200: Page[TeacherOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def docent_plus_list(request, school_id: str):
    """Budget holder: teachers with an active membership and whether they are Docent+."""
    school = school_for(request, school_id, action="memberships.designate_docent_plus")
    designated = set(Role.objects.filter(school=school, role=DP).values_list("user_id", flat=True))
    qs = Membership.objects.filter(
        school=school, kind=MemberKind.TEACHER, status=MembershipStatus.ACTIVE
    ).order_by("last_name", "first_name", "pk")
    return paginate(request, qs, lambda m: _teacher(m, designated))


def _membership_at(school, membership_id: str) -> Membership:
    membership = Membership.objects.filter(pk=_int(membership_id), school=school).first()
    if membership is None:
        raise Http404
    return membership


@router.post(
    "/schools/{school_id}/docent-plus",
    response={201: TeacherOut, **errors(401, 403, 404, 409, 413, 422)},
)
def docent_plus_designate(request, school_id: str, payload: DesignateIn):
    """Budget holder designates a teacher with an active membership (422
    membership-not-active otherwise)."""
    school = school_for(request, school_id, action="memberships.designate_docent_plus")
    membership = _membership_at(school, payload.membership_id)
    services.designate_docent_plus(school, membership, actor=request.user)
    return Status(201, _teacher(membership, {membership.user_id}))


@router.delete(
    "/schools/{school_id}/docent-plus/{membership_id}",
    response={204: None, **errors(401, 403, 404, 409, 422)},
)
def docent_plus_withdraw(request, school_id: str, membership_id: str):
    school = school_for(request, school_id, action="memberships.designate_docent_plus")
    membership = _membership_at(school, membership_id)
    if membership.user is not None:
        services.withdraw_docent_plus(school, membership.user, actor=request.user)
    return Status(204, None)


# --- MBO code requests -----------------------------------------------------------------------


class CodeRequestIn(Schema):
    school_number: str
    first_name: str
    last_name: str
    email: str
    kind: str = RosterKind.STUDENTS


@router.post(
    "/code-requests", auth=None, response={201: CodeRequestCreated, **errors(409, 413, 422, 429)}
)
def create_code_request(request, payload: CodeRequestIn):
    """No authentication (rate-limited per client): an MBO student or teacher asks their
    school for a code."""
    req = services.request_code(payload.dict(), client=client_ip(request))
    return Status(201, {"id": str(req.pk), "status": req.status})


def _code_request(r: CodeRequest) -> dict:
    return {
        "id": str(r.pk),
        "kind": r.kind,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "email": r.email,
        "status": r.status,
        "created_at": r.created_at.isoformat(),
        "person_id": str(r.person_id) if r.person_id else None,
    }


@router.get(
    "/schools/{school_id}/code-requests",
    response={200: Page[CodeRequestOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def code_requests(request, school_id: str, status: str = CodeRequestStatus.PENDING):
    school = school_for(request, school_id, action="memberships.handle_code_requests")
    return paginate(
        request, CodeRequest.objects.filter(school=school, status=status), _code_request
    )


class ConfirmIn(Schema):
    person_id: str


def _request_at(school, request_id: str) -> CodeRequest:
    req = CodeRequest.objects.filter(pk=_int(request_id), school=school).first()
    if req is None:
        raise Http404
    return req


@router.post(
    "/schools/{school_id}/code-requests/{request_id}/confirm",
    response={200: CodeRequestOut, **errors(401, 403, 404, 409, 413, 422)},
)
def confirm_code_request(request, school_id: str, request_id: str, payload: ConfirmIn):
    school = school_for(request, school_id, action="memberships.handle_code_requests")
    req = _request_at(school, request_id)
    person = Person.objects.filter(pk=parse_id(payload.person_id), school=school).first()
    if person is None:
        from cultuurkaart.memberships.exceptions import UnknownPerson

        raise UnknownPerson(
            errors=[{"field": "person_id", "code": "unknown-person", "message": "Not on roster."}]
        )
    return _code_request(services.confirm_code_request(req, person, actor=request.user))


@router.post(
    "/schools/{school_id}/code-requests/{request_id}/reject",
    response={200: CodeRequestOut, **errors(401, 403, 404, 409, 422)},
)
def reject_code_request(request, school_id: str, request_id: str):
    school = school_for(request, school_id, action="memberships.handle_code_requests")
    return _code_request(
        services.reject_code_request(_request_at(school, request_id), actor=request.user)
    )


# --- admin: early end ------------------------------------------------------------------------


class EndIn(Schema):
    reason: str = EndReason.MISUSE


def _membership_admin(m: Membership) -> dict:
    return {
        "id": str(m.pk),
        "school": str(m.school_id),
        "programme": m.programme.code,
        "kind": m.kind,
        "status": m.status,
        "valid_until": m.valid_until.isoformat(),
        "end_reason": m.end_reason,
        "ended_at": m.ended_at.isoformat() if m.ended_at else None,
    }


@router.get(
    "/admin/memberships",
    response={200: Page[MembershipAdminOut], **errors(401, 403, 422)},
    openapi_extra=paged(),
)
def admin_memberships(request, school: str | None = None, status: str | None = None):
    """Admin: memberships (member accounts are a direct relationship with CJP, SPEC §1);
    no roster data."""
    require(request, "memberships.administer")
    qs = Membership.objects.select_related("programme").order_by("-activated_at", "-pk")
    if school:
        qs = qs.filter(school_id=parse_id(school))  # not an id: no school, an empty list
    if status:
        qs = qs.filter(status=status)
    return paginate(request, qs, _membership_admin)


@router.post(
    "/admin/memberships/{membership_id}/end",
    response={200: MembershipAdminOut, **errors(401, 403, 404, 409, 413, 422)},
)
def admin_end_membership(request, membership_id: str, payload: EndIn):
    """Admin: end one membership early (misuse). Pass invalid, member e-mailed."""
    require(request, "memberships.administer")
    membership = Membership.objects.filter(pk=_int(membership_id)).first()
    if membership is None:
        raise Http404
    reason = payload.reason if payload.reason in EndReason.values else EndReason.MISUSE
    membership = services.end_membership(membership, reason=reason, actor=request.user)
    return _membership_admin(membership)


@router.post(
    "/admin/schools/{school_id}/memberships/end",
    response={200: MembershipsEnded, **errors(401, 403, 404, 409, 422)},
)
def admin_end_school_memberships(request, school_id: str):
    """Admin: end every active membership of a school (withdrawal or cancelled
    registration)."""
    require(request, "memberships.administer")
    school = school_for(request, school_id, action="memberships.administer")
    return {"ended": services.end_school_memberships(school, actor=request.user)}


def _int(value: str) -> int:
    return path_id(value)
