"""Providers (SPEC §7): application, review, data upkeep with the IBAN hold, revocation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail as outbox

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import User
from cultuurkaart.accounts.services import ReauthenticationFailed
from cultuurkaart.accounts.tests.factories import (
    UserFactory,
    current_code,
    totp_device,
    with_role,
)
from cultuurkaart.core import clock, jobs, terms
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.models import AuditEntry, TermsKind
from cultuurkaart.providers import services
from cultuurkaart.providers.constants import ProviderStatus as S
from cultuurkaart.providers.models import Provider

from .factories import ProviderFactory, application_data

AMS = clock.AMSTERDAM


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS)


# --- application --------------------------------------------------------------------------


def test_application_stores_everything_with_normalised_iban_bic_and_consent(db):
    provider = services.apply(application_data())
    provider.refresh_from_db()
    assert provider.status == S.PENDING
    assert provider.iban == "NL91ABNA0417164300"  # compact, upper case
    assert provider.bic == "ABNANL2A"  # derived from the bank code
    assert provider.contact_email == "anna@spiegel.example"
    # Without another coordinator the contact is the coordinator.
    assert provider.coordinator_email == "anna@spiegel.example"
    assert provider.criteria["suitable_for"] == ["mbo", "vo"]
    consent = terms.consents_for(provider).get()
    assert consent.terms == terms.current(TermsKind.PROVIDER_TERMS)
    assert AuditEntry.objects.filter(action="providers.provider.applied").count() == 1


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("cultural_educational", False),
        ("professional", False),
        ("suitable_for", []),
        ("suitable_for", ["po"]),
        ("employed_by_school", True),
        ("components", []),
        ("components", ["cooking"]),
    ],
)
def test_application_missing_a_criterion_is_refused_and_names_it(db, key, value):
    data = application_data()
    data["criteria"] = {**data["criteria"], key: value}
    with pytest.raises(services.CriteriaNotMet) as exc:
        services.apply(data)
    assert exc.value.status == 422 and exc.value.type == "criteria-not-met"
    assert [e["field"] for e in exc.value.errors] == [f"criteria.{key}"]
    assert not Provider.objects.exists()


def test_application_with_every_criterion_failing_names_all_five(db):
    data = application_data(criteria={})
    with pytest.raises(services.CriteriaNotMet) as exc:
        services.apply(data)
    assert len(exc.value.errors) == 5


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"iban": "NL91ABNA0417164301"}, "iban"),  # wrong check digits
        ({"iban": ""}, "iban"),
        ({"name": " "}, "name"),
        ({"kind": "school"}, "kind"),
        ({"contact": {"name": "A", "email": "not-an-address"}}, "contact.email"),
        ({"accept_terms": False}, "accept_terms"),
    ],
)
def test_application_with_invalid_data_is_refused(db, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        services.apply(application_data(**overrides))
    assert field in [e["field"] for e in exc.value.errors]
    assert not Provider.objects.exists()


def test_foreign_iban_without_known_bic_is_stored_without_bic(db):
    provider = services.apply(application_data(iban="DE89370400440532013000"))
    assert provider.iban == "DE89370400440532013000"
    assert provider.bic in ("", "COBADEFFXXX", "COBADEFF")  # derived where the registry knows it


# --- review ---------------------------------------------------------------------------


def test_approval_gives_the_contact_the_provider_role_and_a_password_link(
    db, admin, django_capture_on_commit_callbacks
):
    provider = services.apply(application_data())
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_provider(provider, actor=admin)
    provider.refresh_from_db()
    assert provider.status == S.ACCEPTED and provider.decided_at is not None
    user = User.objects.get(email="anna@spiegel.example")
    assert user.provider_ids() == {provider.pk}
    assert [m.to for m in outbox.outbox] == [["anna@spiegel.example"]]
    assert "/wachtwoord/" in outbox.outbox[0].body or "reset" in outbox.outbox[0].body
    assert AuditEntry.objects.filter(
        action="providers.provider.approved", object_id=str(provider.pk)
    ).exists()


def test_approving_twice_is_a_conflict(db, admin):
    provider = services.apply(application_data())
    services.approve_provider(provider, actor=admin)
    with pytest.raises(Conflict) as exc:
        services.approve_provider(provider, actor=admin)
    assert exc.value.type == "invalid-transition"


def test_rejection_needs_a_reason_and_is_mailed(db, admin, django_capture_on_commit_callbacks):
    provider = services.apply(application_data())
    with pytest.raises(ValidationFailed):
        services.reject_provider(provider, reason="  ", actor=admin)
    provider.refresh_from_db()
    assert provider.status == S.PENDING
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_provider(provider, reason="Geen cultureel aanbod.", actor=admin)
    provider.refresh_from_db()
    assert provider.status == S.REJECTED
    assert provider.rejection_reason == "Geen cultureel aanbod."
    assert "Geen cultureel aanbod." in outbox.outbox[0].body
    assert not User.objects.filter(email="anna@spiegel.example").exists()


def test_individual_budget_mark_is_audited_once(db, admin):
    provider = ProviderFactory()
    services.set_individual_budget(provider, True, actor=admin)
    services.set_individual_budget(provider, True, actor=admin)
    provider.refresh_from_db()
    assert provider.accepts_individual_budget
    assert AuditEntry.objects.filter(action="providers.provider.individual_budget_set").count() == 1


# --- the provider's data and the IBAN hold ----------------------------------------------


def _data(provider, **overrides) -> dict:
    data = {
        "name": provider.name,
        "kind": provider.kind,
        "sector": provider.sector,
        "activity_type": provider.activity_type,
        "address": provider.address,
        "contact": {
            "name": provider.contact_name,
            "email": provider.contact_email,
            "phone": provider.contact_phone,
        },
        "coordinator": {
            "name": provider.coordinator_name,
            "email": provider.coordinator_email,
            "phone": provider.coordinator_phone,
        },
        "iban": provider.iban,
    }
    data.update(overrides)
    return data


@pytest.fixture
def provider_user(db):
    provider = ProviderFactory()
    user = with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
    return provider, user, totp_device(user)


def test_data_change_without_iban_needs_no_code(provider_user):
    provider, user, _ = provider_user
    services.update_provider(provider, _data(provider, sector="Erfgoed"), actor=user)
    provider.refresh_from_db()
    assert provider.sector == "Erfgoed" and provider.iban_hold_until is None


@pytest.mark.parametrize("otp", [None, "", "000000"])
def test_iban_change_without_a_fresh_code_is_refused(provider_user, otp):
    provider, user, device = provider_user
    if otp == "000000" and current_code(device) == "000000":
        otp = "111111"
    with pytest.raises(ReauthenticationFailed):
        services.update_provider(
            provider, _data(provider, iban="NL44RABO0123456789"), actor=user, otp=otp
        )
    provider.refresh_from_db()
    assert provider.iban == "NL91ABNA0417164300"
    assert not AuditEntry.objects.filter(action="providers.provider.iban_changed").exists()


def test_iban_change_is_audited_mailed_to_old_and_new_contact_and_holds_payouts(
    provider_user, django_capture_on_commit_callbacks
):
    provider, user, device = provider_user
    old_email = provider.contact_email
    changed_at = at(2024, 3, 4, 10, 0)  # a Monday
    outbox.outbox.clear()
    with clock.frozen(changed_at), django_capture_on_commit_callbacks(execute=True):
        services.update_provider(
            provider,
            _data(
                provider,
                iban="NL44 RABO 0123 4567 89",
                contact={"name": "Nieuw", "email": "nieuw@aanbieder.example"},
            ),
            actor=user,
            otp=current_code(device),
        )
    provider.refresh_from_db()
    assert provider.iban == "NL44RABO0123456789" and provider.bic == "RABONL2U"
    assert provider.iban_changed_at == changed_at
    # Tuesday, Wednesday, Thursday held; payable from Friday 00:00.
    assert provider.iban_hold_until == at(2024, 3, 8, 0, 0)
    assert services.payout_hold(provider, at(2024, 3, 7, 23, 59))
    assert not services.payout_hold(provider, at(2024, 3, 8, 0, 0))
    assert sorted(m.to[0] for m in outbox.outbox) == sorted([old_email, "nieuw@aanbieder.example"])
    entry = AuditEntry.objects.get(action="providers.provider.iban_changed")
    assert entry.actor == user and entry.data["new"] == "…6789"
    assert "NL44" not in str(entry.data)  # masked: no full account numbers in the log


def test_iban_hold_skips_weekend_and_holidays(db):
    # Thursday 28 March 2024: Good Friday and Easter Monday are no working days, so the
    # three are 2, 3 and 4 April.
    assert services.iban_hold_until(at(2024, 3, 28, 9, 0)) == at(2024, 4, 5, 0, 0)


def test_a_used_code_cannot_change_the_iban_twice(provider_user):
    provider, user, device = provider_user
    code = current_code(device)
    services.update_provider(
        provider, _data(provider, iban="NL44RABO0123456789"), actor=user, otp=code
    )
    provider.refresh_from_db()
    with pytest.raises(ReauthenticationFailed):
        services.update_provider(
            provider, _data(provider, iban="NL91ABNA0417164300"), actor=user, otp=code
        )


def test_payout_hold_is_false_without_a_change(db):
    assert not services.payout_hold(ProviderFactory(), clock.now())


# --- revocation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("announced", "effective"),
    [
        (dt.date(2024, 3, 15), dt.date(2024, 4, 15)),
        (dt.date(2024, 1, 31), dt.date(2024, 2, 29)),  # clamped to the month's end
        (dt.date(2023, 1, 31), dt.date(2023, 2, 28)),
        (dt.date(2024, 12, 20), dt.date(2025, 1, 20)),
    ],
)
def test_revocation_takes_effect_one_calendar_month_later(db, admin, announced, effective):
    provider = ProviderFactory()
    with clock.frozen(clock.start_of_day(announced) + dt.timedelta(hours=10)):
        services.announce_revocation(provider, reason="Geen cultuureducatie meer.", actor=admin)
    provider.refresh_from_db()
    assert provider.status == S.REVOCATION_ANNOUNCED
    assert provider.revocation_effective_on == effective


def test_revocation_needs_a_reason_and_cannot_be_announced_twice(db, admin):
    provider = ProviderFactory()
    with pytest.raises(ValidationFailed):
        services.announce_revocation(provider, reason="", actor=admin)
    services.announce_revocation(provider, reason="Misbruik.", actor=admin)
    with pytest.raises(Conflict) as exc:
        services.announce_revocation(provider, reason="Misbruik.", actor=admin)
    assert exc.value.type == "invalid-transition"


def test_a_pending_provider_cannot_be_revoked(db, admin):
    with pytest.raises(Conflict):
        services.announce_revocation(ProviderFactory(status=S.PENDING), reason="x", actor=admin)


def test_announcement_is_mailed_with_date_and_response_period(
    db, admin, django_capture_on_commit_callbacks
):
    provider = ProviderFactory()
    with (
        clock.frozen(at(2024, 3, 15, 10, 0)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.announce_revocation(provider, reason="Misbruik van het budget.", actor=admin)
    body = outbox.outbox[-1].body
    assert "Misbruik van het budget." in body and "15 april 2024" in body
    assert "29 maart 2024" in body  # 14 days to respond
    assert set(outbox.outbox[-1].to) == {provider.contact_email, provider.coordinator_email}


def _announced(admin, when: dt.datetime | None = None) -> Provider:
    provider = ProviderFactory()
    with clock.frozen(when or at(2024, 3, 15, 10, 0)):
        services.announce_revocation(provider, reason="Misbruik.", actor=admin)
    provider.refresh_from_db()
    return provider


def test_response_within_14_days_puts_the_revocation_on_hold(provider_user, admin):
    provider, user, _ = provider_user
    with clock.frozen(at(2024, 3, 1, 9, 0)):
        services.announce_revocation(provider, reason="Misbruik.", actor=admin)
    with clock.frozen(at(2024, 3, 15, 23, 0)):  # the 14th day
        services.respond_to_revocation(provider, response="Dat klopt niet.", actor=user)
    provider.refresh_from_db()
    assert provider.status == S.REVOCATION_ON_HOLD
    assert provider.revocation_response == "Dat klopt niet."
    # On hold: the job does not make it effective, also after the date.
    with clock.frozen(at(2024, 5, 1, 1, 0)):
        assert jobs.run("revoke-providers") == {"revoked": []}
        assert services.may_create_weborders(provider, clock.now())


def test_response_after_14_days_is_refused(provider_user, admin):
    provider, user, _ = provider_user
    with clock.frozen(at(2024, 3, 1, 9, 0)):
        services.announce_revocation(provider, reason="Misbruik.", actor=admin)
    with clock.frozen(at(2024, 3, 16, 0, 1)), pytest.raises(services.ResponsePeriodOver) as exc:
        services.respond_to_revocation(provider, response="Te laat.", actor=user)
    assert exc.value.status == 409
    provider.refresh_from_db()
    assert provider.status == S.REVOCATION_ANNOUNCED


def test_response_twice_or_without_revocation_is_refused(provider_user, admin):
    provider, user, _ = provider_user
    with pytest.raises(Conflict):
        services.respond_to_revocation(provider, response="x", actor=user)
    services.announce_revocation(provider, reason="Misbruik.", actor=admin)
    services.respond_to_revocation(provider, response="x", actor=user)
    with pytest.raises(Conflict):
        services.respond_to_revocation(provider, response="y", actor=user)


def test_admin_resumes_after_the_response_never_retroactively(provider_user, admin):
    provider, user, _ = provider_user
    with clock.frozen(at(2024, 3, 1, 9, 0)):
        services.announce_revocation(provider, reason="Misbruik.", actor=admin)
        services.respond_to_revocation(provider, response="Nee.", actor=user)
    with clock.frozen(at(2024, 3, 20, 9, 0)):
        services.resume_revocation(provider, actor=admin)
    provider.refresh_from_db()
    assert provider.status == S.REVOCATION_ANNOUNCED
    assert provider.revocation_effective_on == dt.date(2024, 4, 1)  # the original date


def test_resume_after_the_date_passed_during_the_hold_takes_effect_the_next_day(
    provider_user, admin
):
    provider, user, _ = provider_user
    with clock.frozen(at(2024, 3, 1, 9, 0)):
        services.announce_revocation(provider, reason="Misbruik.", actor=admin)
        services.respond_to_revocation(provider, response="Nee.", actor=user)
    with clock.frozen(at(2024, 4, 25, 9, 0)):
        services.resume_revocation(provider, actor=admin)
        provider.refresh_from_db()
        assert provider.revocation_effective_on == dt.date(2024, 4, 26)
        assert services.may_create_weborders(provider, clock.now())
        assert jobs.run("revoke-providers") == {"revoked": []}


def test_resume_only_from_hold(db, admin):
    with pytest.raises(Conflict):
        services.resume_revocation(_announced(admin), actor=admin)


def test_withdrawal_makes_the_provider_accepted_again(db, admin):
    provider = _announced(admin)
    services.withdraw_revocation(provider, actor=admin)
    provider.refresh_from_db()
    assert provider.status == S.ACCEPTED and provider.revocation_effective_on is None
    with pytest.raises(Conflict):
        services.withdraw_revocation(provider, actor=admin)


def test_may_create_weborders_before_and_after_the_effective_date(db, admin):
    provider = _announced(admin)  # effective 15 April 2024
    assert services.may_create_weborders(provider, at(2024, 4, 14, 23, 59))
    assert not services.may_create_weborders(provider, at(2024, 4, 15, 0, 0))
    assert services.may_create_weborders(ProviderFactory(), clock.now())
    for status in (S.PENDING, S.REJECTED, S.REVOKED):
        assert not services.may_create_weborders(ProviderFactory(status=status), clock.now())


def test_job_makes_due_revocations_effective_once_and_calls_hooks(
    db, admin, django_capture_on_commit_callbacks
):
    provider = _announced(admin)
    later = _announced(admin, when=at(2024, 3, 20, 10, 0))  # effective 20 April
    seen = []
    services.register_revocation_hook(seen.append)
    try:
        with clock.frozen(at(2024, 4, 14, 23, 0)):
            assert jobs.run("revoke-providers") == {"revoked": []}
        with (
            clock.frozen(at(2024, 4, 15, 0, 20)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert jobs.run("revoke-providers") == {"revoked": [str(provider.pk)]}
            assert jobs.run("revoke-providers") == {"revoked": []}  # run twice: nothing more
    finally:
        services._revocation_hooks.remove(seen.append)
    provider.refresh_from_db()
    later.refresh_from_db()
    assert provider.status == S.REVOKED and provider.revoked_at is not None
    assert later.status == S.REVOCATION_ANNOUNCED
    assert [p.pk for p in seen] == [provider.pk]
    assert not services.may_create_weborders(provider, at(2024, 4, 15, 0, 20))
    assert "ingetrokken" in outbox.outbox[-1].subject
    assert AuditEntry.objects.filter(action="providers.revocation.effective").count() == 1


def test_revoked_is_final(db, admin):
    provider = ProviderFactory(status=S.REVOKED)
    for call in (
        lambda: services.withdraw_revocation(provider, actor=admin),
        lambda: services.announce_revocation(provider, reason="x", actor=admin),
    ):
        with pytest.raises(Conflict):
            call()


def test_revoked_provider_cannot_change_its_data(provider_user):
    provider, user, _ = provider_user
    Provider.objects.filter(pk=provider.pk).update(status=S.REVOKED)
    provider.refresh_from_db()
    with pytest.raises(Conflict):
        services.update_provider(provider, _data(provider, sector="x"), actor=user)


def test_nul_characters_are_a_field_error_not_a_database_error(db):
    with pytest.raises(ValidationFailed) as exc:
        services.apply(
            application_data(name="Theater\x00", contact={"name": "A\x00", "email": "a@b.nl"})
        )
    fields = {e["field"] for e in exc.value.errors}
    assert {"name", "contact.name"} <= fields
