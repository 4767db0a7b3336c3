"""Providers (acceptanten): application, review, data upkeep, IBAN hold, revocation. Every
write goes through here (SPEC §7; invariants in docs/providers.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core import audit, clock, mail, terms
from cultuurkaart.core.calendar import add_months_clamped, add_working_days
from cultuurkaart.core.errors import Conflict, DomainError, ValidationFailed
from cultuurkaart.core.models import TermsKind
from cultuurkaart.core.transitions import allowed, transition

# One cleaner of each kind: the school registration's e-mail and text cleaners.
from cultuurkaart.schools.services import clean_email, clean_text

from .constants import (
    COMPONENTS,
    IBAN_HOLD_WORKING_DAYS,
    SUITABLE_FOR,
    TRANSITIONS,
    ProviderKind,
    ProviderStatus,
)
from .models import Provider

S = ProviderStatus


class CriteriaNotMet(DomainError):
    type = "criteria-not-met"
    status = 422
    title = "The application does not meet the criteria for providers"


class ResponsePeriodOver(Conflict):
    type = "response-period-over"
    title = "The 14 days to respond to the revocation are over"


# --- helpers ----------------------------------------------------------------------------


def _transition(provider: Provider, status: str) -> None:
    """`core.transitions` with a refusal the portal can show in the person's language."""
    if not allowed(TRANSITIONS, provider.status, status):
        _refuse(provider)
    transition(provider, status, TRANSITIONS, noun=_("een aanbieder"))


def _refuse(provider: Provider) -> None:
    raise Conflict(
        _("Dit kan niet bij een aanbieder met de status '%(status)s'.")
        % {"status": provider.get_status_display()},
        type="invalid-transition",
    )


def _locked(provider: Provider) -> Provider:
    return Provider.objects.select_for_update(of=("self",), no_key=True).get(pk=provider.pk)


def clean_iban(value: Any, field: str, errors: list[dict]) -> tuple[str, str]:
    """(IBAN in compact form, BIC derived from it where the bank registry knows it)."""
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        errors.append({"field": field, "code": "required", "message": _("Vul een IBAN in.")})
        return "", ""
    try:
        iban = IBAN(value)
    except SchwiftyException:
        errors.append(
            {"field": field, "code": "invalid-iban", "message": _("Dit IBAN klopt niet.")}
        )
        return value[:34], ""
    try:
        bic = iban.bic
    except SchwiftyException:
        bic = None
    return iban.compact, str(bic.compact) if bic is not None else ""


def _clean_phone(value: Any, field: str, errors: list[dict]) -> str:
    value = value.strip() if isinstance(value, str) else ""
    digits = [ch for ch in value if ch.isdigit()]
    if value and (len(digits) < 6 or len(value) > 40 or not set(value) <= set("+0123456789 -()")):
        errors.append(
            {
                "field": field,
                "code": "invalid-phone",
                "message": _("Dit telefoonnummer klopt niet."),
            }
        )
    return value[:40]


def check_criteria(criteria: dict[str, Any]) -> list[dict]:
    """The five criteria of SPEC §7 as declared by the applicant; one error per criterion
    that does not hold."""
    failed = []

    def fail(key: str, message: str) -> None:
        failed.append({"field": f"criteria.{key}", "code": "criterion-not-met", "message": message})

    if criteria.get("cultural_educational") is not True:
        fail(
            "cultural_educational",
            _("Het aanbod moet cultuureducatief of sociaal-educatief zijn (criterium 1)."),
        )
    if criteria.get("professional") is not True:
        fail("professional", _("Het aanbod moet door professionals zijn ontwikkeld (criterium 2)."))
    suitable = criteria.get("suitable_for")
    if (
        not isinstance(suitable, list | tuple)
        or not suitable
        or not set(suitable) <= set(SUITABLE_FOR)
    ):
        fail("suitable_for", _("Het aanbod moet geschikt zijn voor VO en/of MBO (criterium 3)."))
    if criteria.get("employed_by_school") is not False:
        fail(
            "employed_by_school",
            _("De aanvrager mag niet in dienst zijn van een school (criterium 4)."),
        )
    components = criteria.get("components")
    if (
        not isinstance(components, list | tuple)
        or not components
        or not set(components) <= set(COMPONENTS)
    ):
        fail(
            "components",
            _(
                "Het aanbod moet minstens één van de vijf creatieve onderdelen hebben (criterium 5)."
            ),
        )
    return failed


def _clean_contact(data: dict | None, prefix: str, errors: list[dict], *, required=True) -> dict:
    data = data if isinstance(data, dict) else {}
    return {
        "name": clean_text(data.get("name"), f"{prefix}.name", errors, required=required),
        "email": clean_email(data.get("email"), f"{prefix}.email", errors)
        if required or data.get("email")
        else "",
        "phone": _clean_phone(data.get("phone"), f"{prefix}.phone", errors),
    }


def _nul_fields(data: Any, prefix: str = "") -> list[str]:
    """Fields holding a NUL character (PostgreSQL cannot store it in text)."""
    if isinstance(data, dict):
        return [f for k, v in data.items() for f in _nul_fields(v, f"{prefix}{k}.")]
    if isinstance(data, list | tuple):
        return [f for v in data for f in _nul_fields(v, prefix)]
    return [prefix.rstrip(".")] if isinstance(data, str) and "\x00" in data else []


def _clean_organisation(data: dict[str, Any], errors: list[dict]) -> dict[str, Any]:
    bad = _nul_fields(data)
    if bad:
        errors.extend(
            {"field": f, "code": "invalid-character", "message": _("Ongeldig teken.")} for f in bad
        )
        data = {k: v for k, v in data.items() if k not in {f.split(".")[0] for f in bad}}
    kind = data.get("kind")
    if kind not in ProviderKind.values:
        errors.append(
            {"field": "kind", "code": "invalid", "message": _("Kies organisatie of kunstenaar.")}
        )
    contact = _clean_contact(data.get("contact"), "contact", errors)
    coordinator_in = data.get("coordinator")
    if coordinator_in and any((coordinator_in or {}).values()):
        coordinator = _clean_contact(coordinator_in, "coordinator", errors)
    else:  # the contact is the coordinator unless another person is named
        coordinator = dict(contact)
    iban, bic = clean_iban(data.get("iban"), "iban", errors)
    return {
        "name": clean_text(data.get("name"), "name", errors),
        "kind": kind,
        "sector": clean_text(data.get("sector"), "sector", errors),
        "activity_type": clean_text(data.get("activity_type"), "activity_type", errors),
        "address": clean_text(data.get("address"), "address", errors, max_length=500),
        "contact_name": contact["name"],
        "contact_email": contact["email"],
        "contact_phone": contact["phone"],
        "coordinator_name": coordinator["name"],
        "coordinator_email": coordinator["email"],
        "coordinator_phone": coordinator["phone"],
        "iban": iban,
        "bic": bic,
    }


# --- application and review -------------------------------------------------------------


def apply(data: dict[str, Any], *, actor=None) -> Provider:
    """A public application (SPEC §7). Every criterion must hold; the provider terms are
    accepted with their current version. The application is the provider (status pending)."""
    errors: list[dict] = []
    fields = _clean_organisation(data, errors)
    if data.get("accept_terms") is not True:
        errors.append(
            {
                "field": "accept_terms",
                "code": "required",
                "message": _("Ga akkoord met de voorwaarden voor acceptanten."),
            }
        )
    if errors:
        raise ValidationFailed(_("Controleer de gegevens van de aanvraag."), errors=errors)
    criteria = data.get("criteria") if isinstance(data.get("criteria"), dict) else {}
    failed = check_criteria(criteria)
    if failed:
        raise CriteriaNotMet(
            _("Niet aan elk criterium is voldaan: %(criteria)s.")
            % {"criteria": ", ".join(e["field"] for e in failed)},
            errors=failed,
        )
    declared = {
        "cultural_educational": True,
        "professional": True,
        "suitable_for": sorted(set(criteria["suitable_for"])),
        "employed_by_school": False,
        "components": sorted(set(criteria["components"])),
    }
    with transaction.atomic():
        provider = Provider.objects.create(status=S.PENDING, criteria=declared, **fields)
        terms.record_consents(provider, [TermsKind.PROVIDER_TERMS], user=actor)
        audit.record("providers.provider.applied", actor=actor, obj=provider)
        mail.send("provider_applied", [provider.contact_email], {"provider": provider})
    return provider


def approve_provider(provider: Provider, *, actor) -> Provider:
    """Accept an application: the contact gets the provider role and a set-password link."""
    with transaction.atomic():
        provider = _locked(provider)
        # Approval decides an application; an announced revocation goes back to accepted
        # only through `withdraw_revocation` (a revoked-then-approved provider has no
        # application to decide, and may have no contact to give the role to).
        if provider.status != S.PENDING:
            _refuse(provider)
        _transition(provider, S.ACCEPTED)
        provider.decided_at = clock.now()
        provider.save(update_fields=["status", "decided_at"])
        user, _created = accounts.get_or_create_user(
            provider.contact_email, name=provider.contact_name
        )
        accounts.grant_role(user, RoleName.PROVIDER, provider=provider, actor=actor)
        audit.record("providers.provider.approved", actor=actor, obj=provider)
        link = accounts.password_set_link(user) if not user.has_usable_password() else None
        mail.send(
            "provider_approved",
            [user.email],
            {"provider": provider, "user": user, "password_link": link},
            language=user.language,
        )
    return provider


def _required_reason(reason: Any, field: str = "reason") -> str:
    reason = reason.replace("\x00", "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationFailed(
            _("Geef een reden."),
            errors=[{"field": field, "code": "required", "message": _("Geef een reden.")}],
        )
    return reason[:2000]


def reject_provider(provider: Provider, *, reason: str, actor) -> Provider:
    reason = _required_reason(reason)
    with transaction.atomic():
        provider = _locked(provider)
        _transition(provider, S.REJECTED)
        provider.rejection_reason = reason
        provider.decided_at = clock.now()
        provider.save(update_fields=["status", "rejection_reason", "decided_at"])
        audit.record("providers.provider.rejected", actor=actor, obj=provider)
        mail.send(
            "provider_rejected",
            [provider.contact_email],
            {"provider": provider, "reason": reason},
        )
    return provider


def set_individual_budget(provider: Provider, accepts: bool, *, actor) -> Provider:
    """The admin marks whether the provider accepts individual budget (vouchers)."""
    with transaction.atomic():
        provider = _locked(provider)
        if provider.accepts_individual_budget != bool(accepts):
            provider.accepts_individual_budget = bool(accepts)
            provider.save(update_fields=["accepts_individual_budget"])
            audit.record(
                "providers.provider.individual_budget_set",
                actor=actor,
                obj=provider,
                data={"accepts": bool(accepts)},
            )
    return provider


# --- the provider keeps its data up to date ---------------------------------------------

UPDATE_FIELDS = [
    "name",
    "kind",
    "sector",
    "activity_type",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "coordinator_name",
    "coordinator_email",
    "coordinator_phone",
    "iban",
    "bic",
]


def _mask(iban: str) -> str:
    return f"…{iban[-4:]}" if iban else ""


def iban_hold_until(changed_at: dt.datetime) -> dt.datetime:
    """Payouts to a new IBAN wait IBAN_HOLD_WORKING_DAYS whole working days after the day
    of the change: they may go from 00:00 (Amsterdam) the day after the last one."""
    day = changed_at.astimezone(clock.AMSTERDAM).date()
    last = add_working_days(day, IBAN_HOLD_WORKING_DAYS)
    return clock.start_of_day(last + dt.timedelta(days=1))


def update_provider(
    provider: Provider, data: dict[str, Any], *, actor, otp: str | None = None, ip: str = ""
) -> Provider:
    """The provider's own data (SPEC §7). An IBAN change is re-verified with a fresh
    two-factor code of the person making it, audited, e-mailed to the old and the new
    contact, and holds payouts to the new IBAN for 3 working days."""
    errors: list[dict] = []
    cleaned = _clean_organisation(data, errors)
    if errors:
        raise ValidationFailed(_("Controleer de gegevens."), errors=errors)
    with transaction.atomic():
        provider = _locked(provider)
        if provider.status in (S.PENDING, S.REJECTED, S.REVOKED):
            raise Conflict(
                _("Alleen een geaccepteerde aanbieder houdt hier zijn gegevens bij."),
                type="invalid-transition",
            )
        old_iban, old_email = provider.iban, provider.contact_email
        iban_changed = cleaned["iban"] != old_iban
        if iban_changed and (
            not otp or accounts.verify_second_factor(actor, otp, ip=ip or "unknown") is None
        ):
            raise accounts.ReauthenticationFailed(
                _("Voor een nieuw IBAN is een nieuwe code uit uw authenticator-app nodig."),
                errors=[
                    {
                        "field": "otp",
                        "code": "otp-required",
                        "message": _("Vul een nieuwe code uit uw authenticator-app in."),
                    }
                ],
            )
        changed = [f for f in UPDATE_FIELDS if getattr(provider, f) != cleaned[f]]
        if not changed:
            return provider
        for field in changed:
            setattr(provider, field, cleaned[field])
        if iban_changed:
            provider.iban_changed_at = clock.now()
            provider.iban_hold_until = iban_hold_until(provider.iban_changed_at)
            changed += ["iban_changed_at", "iban_hold_until"]
        provider.save(update_fields=changed)
        for hook in list(_update_hooks):
            hook(provider, set(changed))
        audit.record(
            "providers.provider.updated",
            actor=actor,
            obj=provider,
            data={"fields": sorted(f for f in changed if f not in ("bic",))},
        )
        if iban_changed:
            audit.record(
                "providers.provider.iban_changed",
                actor=actor,
                obj=provider,
                data={
                    "old": _mask(old_iban),
                    "new": _mask(provider.iban),
                    "hold_until": provider.iban_hold_until.isoformat(),
                },
            )
            for address in sorted({old_email, provider.contact_email}):
                mail.send(
                    "provider_iban_changed",
                    [address],
                    {
                        "provider": provider,
                        "old_iban": _mask(old_iban),
                        "new_iban": _mask(provider.iban),
                        "hold_until": provider.iban_hold_until,
                    },
                )
    return provider


_update_hooks: list[Callable[[Provider, set[str]], Any]] = []


def register_update_hook(fn: Callable[[Provider, set[str]], Any]) -> None:
    """Called with the provider and the names of the changed fields, in the transaction of
    `update_provider` (the marketplace re-indexes its offers when the name changes)."""
    if fn not in _update_hooks:
        _update_hooks.append(fn)


def payout_hold(provider: Provider, at: dt.datetime) -> bool:
    """Whether payouts to the provider's IBAN are held at `at` (a recent IBAN change)."""
    return provider.iban_hold_until is not None and at < provider.iban_hold_until


# --- revocation (SPEC §7) ---------------------------------------------------------------

_revocation_hooks: list[Callable[[Provider], Any]] = []


def register_revocation_hook(fn: Callable[[Provider], Any]) -> None:
    """Called with the provider, in the transaction that makes its revocation effective
    (web orders: expire the pending ones)."""
    if fn not in _revocation_hooks:
        _revocation_hooks.append(fn)


def announce_revocation(provider: Provider, *, reason: str, actor) -> Provider:
    reason = _required_reason(reason)
    with transaction.atomic():
        provider = _locked(provider)
        _transition(provider, S.REVOCATION_ANNOUNCED)
        provider.revocation_reason = reason
        provider.revocation_announced_at = clock.now()
        provider.revocation_effective_on = add_months_clamped(clock.today(), 1)
        provider.revocation_response = ""
        provider.revocation_responded_at = None
        provider.save()
        audit.record(
            "providers.revocation.announced",
            actor=actor,
            obj=provider,
            data={"effective_on": provider.revocation_effective_on.isoformat()},
        )
        _mail_provider(provider, "provider_revocation_announced", reason=reason)
    return provider


def respond_to_revocation(provider: Provider, *, response: str, actor) -> Provider:
    """The provider responds within 14 days: the revocation is on hold until the admin
    decides."""
    response = _required_reason(response, "response")
    with transaction.atomic():
        provider = _locked(provider)
        if provider.status == S.REVOCATION_ANNOUNCED and (
            clock.today() > provider.revocation_response_until
        ):
            raise ResponsePeriodOver(
                _("De termijn om te reageren is verstreken op %(date)s.")
                % {"date": provider.revocation_response_until.strftime("%d-%m-%Y")}
            )
        _transition(provider, S.REVOCATION_ON_HOLD)
        provider.revocation_response = response[:4000]
        provider.revocation_responded_at = clock.now()
        provider.save()
        audit.record("providers.revocation.responded", actor=actor, obj=provider)
    return provider


def resume_revocation(provider: Provider, *, actor) -> Provider:
    """The admin decides against the response: the revocation goes on. When its date passed
    during the hold, it takes effect the next day (never retroactively)."""
    with transaction.atomic():
        provider = _locked(provider)
        if provider.status != S.REVOCATION_ON_HOLD:
            raise Conflict(
                _("Alleen een aangehouden intrekking kan worden hervat."),
                type="invalid-transition",
            )
        _transition(provider, S.REVOCATION_ANNOUNCED)
        tomorrow = clock.today() + dt.timedelta(days=1)
        provider.revocation_effective_on = max(provider.revocation_effective_on, tomorrow)
        provider.save()
        audit.record(
            "providers.revocation.resumed",
            actor=actor,
            obj=provider,
            data={"effective_on": provider.revocation_effective_on.isoformat()},
        )
        _mail_provider(provider, "provider_revocation_resumed")
    return provider


def withdraw_revocation(provider: Provider, *, actor) -> Provider:
    """The admin withdraws an announced revocation (or one on hold): accepted again."""
    with transaction.atomic():
        provider = _locked(provider)
        _transition(provider, S.ACCEPTED)
        provider.revocation_effective_on = None
        provider.save()
        audit.record("providers.revocation.withdrawn", actor=actor, obj=provider)
        _mail_provider(provider, "provider_revocation_withdrawn")
    return provider


def revoke_due(*, actor=None) -> list[Provider]:
    """Make every announced revocation whose date has come effective (job
    `revoke-providers`); calls the registered hooks. Idempotent: a revoked provider is not
    selected again."""
    today = clock.today()
    due = Provider.objects.filter(
        status=S.REVOCATION_ANNOUNCED, revocation_effective_on__lte=today
    ).values_list("pk", flat=True)
    revoked = []
    for pk in list(due):
        with transaction.atomic():
            provider = Provider.objects.select_for_update(of=("self",), no_key=True).get(pk=pk)
            if (
                provider.status != S.REVOCATION_ANNOUNCED
                or provider.revocation_effective_on > today
            ):
                continue  # decided meanwhile
            _transition(provider, S.REVOKED)
            provider.revoked_at = clock.now()
            provider.save(update_fields=["status", "revoked_at"])
            audit.record("providers.revocation.effective", actor=actor, obj=provider)
            for hook in list(_revocation_hooks):
                hook(provider)
            _mail_provider(provider, "provider_revoked")
            revoked.append(provider)
    return revoked


def may_create_weborders(provider: Provider, moment: dt.datetime) -> bool:
    """An accepted provider, or one whose revocation is announced or on hold but not yet
    effective at `moment` (SPEC §7: until then it remains an acceptant)."""
    if provider.status == S.ACCEPTED:
        return True
    if provider.status == S.REVOCATION_ON_HOLD:
        return True  # on hold: the revocation does not take effect until the admin decides
    if provider.status == S.REVOCATION_ANNOUNCED:
        day = moment.astimezone(clock.AMSTERDAM).date()
        return provider.revocation_effective_on is None or day < provider.revocation_effective_on
    return False


def _mail_provider(provider: Provider, template: str, **extra) -> None:
    mail.send(
        template,
        [provider.contact_email, provider.coordinator_email],
        {"provider": provider, **extra},
    )
