"""Model → API dictionaries (money as strings with two decimals, dates ISO)."""

from __future__ import annotations

from cultuurkaart.core.money import to_api
from cultuurkaart.schools.models import Location, Programme, School


def _money(value):
    return None if value is None else to_api(value)


def _date(value):
    return value.isoformat() if value else None


def programme(p: Programme) -> dict:
    return {
        "id": str(p.pk),
        "code": p.code,
        "kind": p.kind,
        "name": p.name,
        "rates": {
            "ocw": _money(p.rate_ocw),
            "school": _money(p.rate_school),
            "admin_fee": _money(p.rate_admin_fee),
            "teacher_fee": _money(p.rate_teacher_fee),
            "teacher_free_count": p.teacher_free_count,
            "voucher": _money(p.rate_voucher),
            "dossier": _money(p.rate_dossier),
        },
        "teacher_free_before": _date(p.teacher_free_before),
        "order_from": _date(p.order_from),
        "order_until": _date(p.order_until),
        "roster_after": _date(p.roster_after),
        "spend_from": _date(p.spend_from),
        "spend_until": _date(p.spend_until),
        "membership_until": _date(p.membership_valid_until),
        "register_from": _date(p.register_from),
        "register_until": _date(p.register_until),
        "ocw_total": _money(p.ocw_total),
        "max_orders": p.max_orders,
    }


def location(loc: Location) -> dict:
    return {
        "id": str(loc.pk),
        "code": loc.code,
        "kind": loc.kind,
        "name": loc.name,
        "postcode": loc.postcode,
        "municipality": loc.municipality,
        "province": loc.province,
        "students": loc.students,
    }


def school(s: School) -> dict:
    locations = [location(loc) for loc in s.locations.all()]
    return {
        "id": str(s.pk),
        "name": s.name,
        "kind": s.kind,
        "status": s.status,
        "school_number": s.school_number,
        "location": locations[0] if locations else None,
        "locations": locations,
        "duo_count": s.duo_count,
        "programmes": [p.code for p in s.programmes.all()],
        "contacts": {
            "board": {"name": s.board_name, "email": s.board_email},
            "directie": {"name": s.directie_name, "email": s.directie_email},
            "budget_holder": {"name": s.budget_holder_name, "email": s.budget_holder_email},
        },
        "invoice_email": s.invoice_email,
        "invoice_address": s.invoice_address,
        "refund_iban": s.refund_iban,
        "registered_at": s.registered_at.isoformat(),
        "rejection_reason": s.rejection_reason or None,
    }


def user_out(user) -> dict:
    """A person's account and roles (`GET /me`, `PATCH /me`, `POST /admin/users`)."""
    return {
        "id": str(user.pk),
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "roles": [
            {
                "role": r.role,
                "school": str(r.school_id) if r.school_id else None,
                "provider": str(r.provider_id) if r.provider_id else None,
                "cmk_programme": str(r.cmk_programme_id) if r.cmk_programme_id else None,
                "cmk_municipality": str(r.cmk_municipality_id) if r.cmk_municipality_id else None,
                "cmk_participation": (
                    str(r.cmk_participation_id) if r.cmk_participation_id else None
                ),
            }
            for r in user.roles.all()
        ],
    }
