"""CmK in tests: the seeded Amstelland programme, a second programme, registry locations,
participations and people with CmK roles."""

from __future__ import annotations

import datetime as dt
import itertools

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.cmk import seed
from cultuurkaart.cmk.models import Municipality, Participation, Programme
from cultuurkaart.schools.models import Location

_codes = itertools.count(1)


def amstelland() -> Programme:
    return Programme.objects.get(code=seed.CODE)


def second_programme(code="cmk-tweede-2025") -> Programme:
    """Another programme (its own municipality and tracks), for isolation tests."""
    from cultuurkaart.cmk.services import programmes

    existing = Programme.objects.filter(code=code).first()
    if existing:
        return existing
    return programmes.create_programme(
        {
            "code": code,
            "name": "CmK Tweede regio 2025–2028",
            "starts_on": "2025-01-01",
            "ends_on": "2028-12-31",
            "phases": [
                {"name": "Fase 1", "starts_on": "2025-01-01", "ends_on": "2026-12-31"},
                {"name": "Fase 2", "starts_on": "2027-01-01", "ends_on": "2028-12-31"},
            ],
            "municipalities": ["Haarlem"],
        },
        actor=None,
    )


def location(kind="po", *, code=None, name=None, municipality="Amstelveen") -> Location:
    n = next(_codes)
    code = code or f"{kind[:2].upper()}{n:04d}"
    return Location.objects.create(
        code=code,
        kind=kind,
        name=name or f"{kind.upper()} school {n}",
        municipality=municipality,
        province="Noord-Holland",
    )


def municipality(programme: Programme, name="Amstelveen") -> Municipality:
    return Municipality.objects.get(programme=programme, name=name)


def participation(
    programme: Programme | None = None,
    *,
    kind="po",
    track="track-1",
    municipality_name=None,
    on=dt.date(2025, 2, 3),
    actor=None,
) -> Participation:
    from cultuurkaart.cmk.services import participations
    from cultuurkaart.core import clock

    programme = programme or amstelland()
    loc = location(kind)
    mun = municipality_name or programme.municipalities.order_by("name").first().name
    with clock.frozen(dt.datetime.combine(on, dt.time(10), tzinfo=clock.AMSTERDAM)):
        return participations.add_participation(
            programme,
            location_code=loc.code,
            track=track if kind != "institution" else None,
            municipality=mun,
            actor=actor,
        )


def staff(programme: Programme | None = None):
    return with_role(UserFactory(), RoleName.CMK_STAFF, cmk_programme=programme or amstelland())


def steering(programme: Programme | None = None):
    return with_role(UserFactory(), RoleName.CMK_STEERING, cmk_programme=programme or amstelland())


def municipal(mun: Municipality):
    return with_role(UserFactory(), RoleName.CMK_MUNICIPALITY, cmk_municipality=mun)


def contact(part: Participation):
    return with_role(UserFactory(), RoleName.CMK_CONTACT, cmk_participation=part)
