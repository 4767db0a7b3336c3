import pytest
from django.core import mail

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import Role, User
from cultuurkaart.core import clock
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.schools import services
from cultuurkaart.schools.constants import SchoolStatus
from cultuurkaart.schools.tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def registration(**overrides):
    data = {
        "location_code": "00AA01",
        "programme": "vo-2024",
        "board": {"name": "Bestuur", "email": "bestuur@school.example"},
        "budget_holder": {"name": "Bea Budget", "email": "bea@school.example"},
        "invoice_email": "facturen@school.example",
        "accept_terms": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def location():
    return LocationFactory(code="00AA01", students=800)


def test_registration_creates_pending_school_with_consents_and_mail(location):
    school = services.register_school(
        registration(location_codes=[LocationFactory(code="00AA02").code])
    )
    assert school.status == SchoolStatus.PENDING
    assert school.school_number is None
    assert school.duo_count == 1300
    assert school.directie_email == "bestuur@school.example"  # defaults to the board contact
    from cultuurkaart.core.terms import consents_for

    assert {c.terms.kind for c in consents_for(school)} == {
        "terms",
        "privacy",
        "correctness",
        "mandate",
    }
    assert AuditEntry.objects.filter(action="schools.school.registered").count() == 1


def test_registration_mail_is_sent_on_commit(location, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.register_school(registration())
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"bestuur@school.example", "bea@school.example"}


def test_unknown_location_is_refused(location):
    with pytest.raises(services.UnknownLocation) as exc:
        services.register_school(registration(location_code="99ZZ99"))
    assert exc.value.type == "unknown-location"


def test_incomplete_registration_lists_every_missing_field(location):
    data = registration(accept_terms=False, invoice_email="not-an-email")
    data["board"] = {"name": "", "email": ""}
    with pytest.raises(ValidationFailed) as exc:
        services.register_school(data)
    fields = {e["field"] for e in exc.value.errors}
    assert {"accept_terms", "invoice_email", "board.name", "board.email"} <= fields


def test_location_cannot_be_registered_twice(location):
    services.register_school(registration())
    with pytest.raises(ValidationFailed) as exc:
        services.register_school(registration())
    assert exc.value.errors[0]["code"] == "location-taken"


def test_a_rejected_location_can_register_again(location, admin):
    school = services.register_school(registration())
    services.reject_school(school, reason="Onjuiste gegevens", actor=admin)
    assert services.register_school(registration()).status == SchoolStatus.PENDING


def test_programme_must_match_the_school_kind(location):
    with pytest.raises(ValidationFailed) as exc:
        services.register_school(registration(programme="mbo-pilot"))
    assert "wrong-kind" in {e["code"] for e in exc.value.errors}


def test_registration_period_of_a_programme_is_enforced():
    LocationFactory(code="108A001", kind="mbo")
    data = registration(location_code="108A001", programme="mbo-pilot")
    with (
        clock.frozen(clock.parse("2024-01-01T09:00:00+01:00")),
        pytest.raises(ValidationFailed) as exc,
    ):
        services.register_school(data)
    assert "registration-closed" in {e["code"] for e in exc.value.errors}
    with clock.frozen(clock.parse("2023-12-31T23:00:00+01:00")):
        assert services.register_school(data).status == SchoolStatus.PENDING


def test_invalid_iban_is_refused(location):
    with pytest.raises(ValidationFailed) as exc:
        services.register_school(registration(refund_iban="NL00BANK0123456789"))
    assert exc.value.errors[0]["field"] == "refund_iban"


def test_approval_issues_unique_checked_school_numbers_and_roles(
    admin, django_capture_on_commit_callbacks
):
    LocationFactory(code="00AA01")
    LocationFactory(code="00BB01")
    first = services.register_school(registration())
    second = services.register_school(registration(location_code="00BB01"))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.approve_school(first, actor=admin)
    second = services.approve_school(second, actor=admin)
    assert first.status == SchoolStatus.ACTIVE
    assert first.school_number != second.school_number
    assert services.is_valid_school_number(first.school_number)
    assert services.is_valid_school_number(second.school_number)
    holder = User.objects.get(email="bea@school.example")
    assert Role.objects.filter(user=holder, role=RoleName.BUDGET_HOLDER, school=first).exists()
    assert Role.objects.filter(
        user__email="bestuur@school.example", role=RoleName.BOARD, school=first
    ).exists()
    invite = next(m for m in mail.outbox if "bea@school.example" in m.to)
    assert first.school_number in invite.subject
    assert "/accounts/wachtwoord/nieuw/" in invite.body


def test_school_number_check_digit_catches_typos():
    assert services.is_valid_school_number("1000017")
    assert not services.is_valid_school_number("1000071")  # swapped digits
    assert not services.is_valid_school_number("1000016")  # one digit wrong
    assert not services.is_valid_school_number("100001")


def test_decided_registrations_cannot_be_decided_again(location, admin):
    school = services.register_school(registration())
    services.approve_school(school, actor=admin)
    with pytest.raises(Conflict):
        services.approve_school(school, actor=admin)
    with pytest.raises(Conflict):
        services.reject_school(school, reason="te laat", actor=admin)


def test_rejection_needs_a_reason_and_is_mailed(
    location, admin, django_capture_on_commit_callbacks
):
    school = services.register_school(registration())
    with pytest.raises(ValidationFailed):
        services.reject_school(school, reason="  ", actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_school(school, reason="Geen mandaat", actor=admin)
    school.refresh_from_db()
    assert school.status == SchoolStatus.REJECTED
    assert "Geen mandaat" in mail.outbox[-1].body


def test_settings_update_is_validated_and_audited(school, budget_holder):
    services.update_school_settings(
        school,
        {
            "directie_name": "Nieuwe directie",
            "directie_email": "Dir@School.example",
            "invoice_email": "f@school.example",
            "invoice_address": "Straat 1",
            "refund_iban": "NL91 ABNA 0417 1643 00",
        },
        actor=budget_holder,
    )
    school.refresh_from_db()
    assert school.directie_email == "dir@school.example"
    assert school.refund_iban == "NL91ABNA0417164300"
    entry = AuditEntry.objects.get(action="schools.settings.updated")
    assert "refund_iban" in entry.data["fields"]
    assert "Nieuwe directie" not in str(entry.data)  # no personal data in the audit log
    with pytest.raises(ValidationFailed):
        services.update_school_settings(
            school,
            {"directie_name": "", "directie_email": "x", "invoice_email": ""},
            actor=budget_holder,
        )
