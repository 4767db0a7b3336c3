"""Consent to show work outside the class (SPEC §11: a parent's for pupils under 16).

The roster has no birth date; the member's own membership has one (given at activation,
never shown to the school). Under 16 on the day, or no known birth date: a parent or
guardian must give it (parents act through the student's own login, SPEC §1, and state
their name). Revoking takes effect at once: items shown to the whole school are reset to
the class and the showcase reads only live consents."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import DomainError, ValidationFailed

from ..constants import ConsentGiver, Visibility
from ..models import Consent, Item, Portfolio

ADULT_AGE = 16
STATEMENT = (
    "Ik geef toestemming dat werk uit dit dossier dat ik daarvoor kies, ook buiten de klas "
    "binnen de school getoond wordt. Ik kan deze toestemming altijd intrekken."
)


class ParentConsentRequired(DomainError):
    type = "parent-consent-required"
    status = 422
    title = "A parent or guardian gives consent for a pupil under 16"


def birth_date(user) -> dt.date | None:
    from cultuurkaart.memberships.models import Membership

    return (
        Membership.objects.filter(user=user, birth_date__isnull=False)
        .order_by("-activated_at")
        .values_list("birth_date", flat=True)
        .first()
    )


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def needs_parent(user) -> bool:
    """True when the member is under 16 today or the birth date is unknown."""
    born = birth_date(user)
    return born is None or age_on(born, clock.today()) < ADULT_AGE


def live_consent(portfolio: Portfolio) -> Consent | None:
    return Consent.objects.filter(portfolio=portfolio, revoked_at__isnull=True).first()


def has_consent(portfolio: Portfolio) -> bool:
    return Consent.objects.filter(portfolio=portfolio, revoked_at__isnull=True).exists()


def give_consent(portfolio: Portfolio, *, given_by: str, parent_name: str = "", actor) -> Consent:
    if given_by not in ConsentGiver.values:
        raise ValidationFailed(
            "Wie geeft toestemming?",
            errors=[{"field": "given_by", "code": "invalid", "message": "Kies."}],
        )
    parent_name = (parent_name or "").strip()
    if given_by == ConsentGiver.STUDENT and needs_parent(portfolio.owner):
        raise ParentConsentRequired(
            "Onder de 16 geeft een ouder of verzorger toestemming.",
            errors=[{"field": "given_by", "code": "parent-required", "message": "Ouder."}],
        )
    if given_by == ConsentGiver.PARENT and not parent_name:
        raise ValidationFailed(
            "Vul de naam van de ouder of verzorger in.",
            errors=[{"field": "parent_name", "code": "required", "message": "Naam."}],
        )
    if len(parent_name) > 200:
        raise ValidationFailed(
            "Maximaal 200 tekens.",
            errors=[{"field": "parent_name", "code": "too-long", "message": "Te lang."}],
        )
    with transaction.atomic():
        from .items import locked_portfolio

        portfolio = locked_portfolio(portfolio.pk)
        now = clock.now()
        Consent.objects.filter(portfolio=portfolio, revoked_at__isnull=True).update(revoked_at=now)
        consent = Consent.objects.create(
            portfolio=portfolio,
            given_by=given_by,
            parent_name=parent_name if given_by == ConsentGiver.PARENT else "",
            statement=STATEMENT,
            given_at=now,
            recorded_by=actor,
        )
        audit.record(
            "dossier.consent.given",
            actor=actor,
            obj=consent,
            data={"portfolio": portfolio.pk, "given_by": given_by},
        )
    return consent


def revoke_consent(portfolio: Portfolio, *, actor) -> int:
    """Revoke at once; items shown to the whole school go back to the class. Returns how
    many items were reset."""
    with transaction.atomic():
        from .items import locked_portfolio

        portfolio = locked_portfolio(portfolio.pk)
        now = clock.now()
        revoked = Consent.objects.filter(portfolio=portfolio, revoked_at__isnull=True).update(
            revoked_at=now
        )
        reset = Item.objects.filter(portfolio=portfolio, visibility=Visibility.SCHOOL).update(
            visibility=Visibility.CLASS, updated_at=now
        )
        if revoked or reset:
            audit.record(
                "dossier.consent.revoked",
                actor=actor,
                obj=portfolio,
                data={"portfolio": portfolio.pk, "items_reset": reset},
            )
    return reset
