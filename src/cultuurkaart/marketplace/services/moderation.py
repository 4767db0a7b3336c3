"""Moderation of offers (SPEC §10): approve, reject (reason, e-mailed), hide (reason),
unhide; every action audited; a revoked provider's offers are hidden with it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import User
from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.providers.models import Provider

from ..constants import REASON_MAX, OfferStatus
from ..models import Offer
from .offers import locked_offer, require_acceptant, transition_offer

S = OfferStatus


def _reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if "\x00" in text:
        raise ValidationFailed(
            _("Ongeldig teken."),
            errors=[{"field": "reason", "code": "invalid", "message": _("Ongeldig teken.")}],
        )
    if not text:
        raise ValidationFailed(
            _("Vul een reden in."),
            errors=[{"field": "reason", "code": "required", "message": _("Vul een reden in.")}],
        )
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            _("Maximaal %(n)s tekens.") % {"n": REASON_MAX},
            errors=[
                {
                    "field": "reason",
                    "code": "too-long",
                    "message": _("Maximaal %(n)s tekens.") % {"n": REASON_MAX},
                }
            ],
        )
    return text


def _moderate(
    offer: Offer, target: str, action: str, *, actor, reason: str = "", only_from: str = ""
) -> Offer:
    """One moderation step. `only_from` narrows the table where two actions reach the same
    status: approve publishes a pending offer, unhide a hidden one (each other's source is
    409 `invalid-transition`)."""
    with transaction.atomic():
        offer = locked_offer(offer)
        before = offer.status
        if only_from and before != only_from:
            labels = dict(S.choices)
            raise Conflict(
                _(
                    "Dit kan alleen bij een aanbod met de status '%(only)s'; dit aanbod is '%(now)s'."
                )
                % {"only": labels.get(only_from, only_from), "now": labels.get(before, before)},
                type="invalid-transition",
            )
        transition_offer(offer, target)
        now = clock.now()
        offer.moderated_at = now
        if target == S.PUBLISHED:
            offer.rejection_reason = offer.hidden_reason = ""
            offer.published_at = offer.published_at or now
        elif target == S.REJECTED:
            offer.rejection_reason = reason
        elif target == S.HIDDEN:
            offer.hidden_reason = reason
        offer.save()
        audit.record(
            f"marketplace.offer.{action}",
            actor=actor,
            obj=offer,
            data={"status_before": before, "status": offer.status},
        )
    return offer


def approve_offer(offer: Offer, *, actor) -> Offer:
    require_acceptant(offer.provider)
    return _moderate(offer, S.PUBLISHED, "approved", actor=actor, only_from=S.PENDING)


def reject_offer(offer: Offer, *, reason: str, actor) -> Offer:
    """Reject a pending offer; the reason is e-mailed to the provider and shown on its
    offers page."""
    reason = _reason(reason)
    with transaction.atomic():
        offer = _moderate(offer, S.REJECTED, "rejected", actor=actor, reason=reason)
        _mail_provider(offer, "offer_rejected", reason=reason)
    return offer


def hide_offer(offer: Offer, *, reason: str, actor) -> Offer:
    return _moderate(offer, S.HIDDEN, "hidden", actor=actor, reason=_reason(reason))


def unhide_offer(offer: Offer, *, actor) -> Offer:
    """Show a hidden offer again (published); refused for a provider that is no longer an
    acceptant (403 `provider-not-accepted`)."""
    require_acceptant(offer.provider)
    return _moderate(offer, S.PUBLISHED, "unhidden", actor=actor, only_from=S.HIDDEN)


def hide_offers_of(provider: Provider) -> int:
    """Revocation hook: called inside the transaction that makes the revocation effective;
    hides the provider's pending and published offers."""
    offers = list(
        Offer.objects.select_for_update(of=("self",), no_key=True)
        .filter(provider=provider, status__in=[S.PENDING, S.PUBLISHED])
        .order_by("pk")
    )
    now = clock.now()
    for offer in offers:
        before = offer.status
        transition_offer(offer, S.HIDDEN)
        offer.hidden_reason = "De acceptatie van de aanbieder is ingetrokken."
        offer.moderated_at = now
        offer.save(update_fields=["status", "hidden_reason", "moderated_at"])
        audit.record(
            "marketplace.offer.hidden",
            obj=offer,
            data={"status_before": before, "status": offer.status, "cause": "revocation"},
        )
    return len(offers)


def _mail_provider(offer: Offer, template: str, **extra) -> None:
    """To the provider's people, each in their own language, and to its contact."""
    provider = offer.provider
    context = {"offer": offer, "provider": provider, **extra}
    users = User.objects.filter(
        roles__role=RoleName.PROVIDER, roles__provider=provider, is_active=True
    ).distinct()
    by_language: dict[str, set[str]] = {}
    for user in users:
        by_language.setdefault(user.language or "nl", set()).add(user.email)
    known = {email for emails in by_language.values() for email in emails}
    for extra_address in (provider.contact_email, provider.coordinator_email):
        if extra_address and extra_address not in known:
            by_language.setdefault("nl", set()).add(extra_address)
    for language, addresses in sorted(by_language.items()):
        mail.send(template, sorted(addresses), context, language=language)
