import contextvars
import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core import clock
from cultuurkaart.core.models import Consent
from cultuurkaart.memberships import codes, services
from cultuurkaart.memberships.constants import MembershipStatus, ProgrammeMark
from cultuurkaart.memberships.models import ActivationCode, Membership
from cultuurkaart.rosters.constants import PersonStatus
from cultuurkaart.schools.constants import SchoolKind
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import VALID_PASSWORD, PersonFactory, activation_data, teacher

NOW = "2024-03-01T12:00:00+01:00"
pytestmark = pytest.mark.django_db


def post_activation(api_as, code, clock_at=NOW, ip="10.0.0.1", **overrides):
    client = api_as(None, clock=clock_at)
    return client.post(
        "/activations", {"code": code, **activation_data(**overrides)}, REMOTE_ADDR=ip
    )


def test_activation_creates_account_membership_role_consents_and_mail(
    api_as, django_capture_on_commit_callbacks
):
    person = PersonFactory(status=PersonStatus.INVITED)
    code = services.issue_code(person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_activation(api_as, code)
    assert response.status_code == 201, response.content
    body = response.json()["membership"]
    assert body["status"] == "active"
    assert body["valid_until"] == "2024-12-31"  # vo-2024 membership_until
    membership = Membership.objects.get(pk=int(body["id"]))
    assert membership.user.email == "sanne@example.org"
    assert membership.user.check_password(VALID_PASSWORD)
    assert membership.mark == ProgrammeMark.CULTUURKAART
    assert membership.birth_date == dt.date(2006, 5, 4)
    assert membership.user.has_school_role(person.school_id, RoleName.STUDENT)
    person.refresh_from_db()
    assert person.status == PersonStatus.ACTIVE
    # the school's roster keeps its own e-mail; the new address is not copied to it
    assert person.email != "sanne@example.org"
    assert Consent.objects.filter(user=membership.user).count() == 2
    assert [m.to for m in mail.outbox] == [["sanne@example.org"]]
    assert "tot en met 31 december 2024" in mail.outbox[0].body
    row = ActivationCode.objects.get(pk=membership.activation_code_id)
    assert row.used_at is not None and row.code_encrypted == ""


def test_teacher_code_gives_teacher_role_and_mbo_mark():
    school = SchoolFactory(kind=SchoolKind.MBO)
    person = teacher(school)
    code = services.issue_code(person)
    with clock.frozen(clock.parse(NOW)):
        membership = services.activate(code, activation_data(), client="x")
    assert membership.kind == "teacher"
    assert membership.mark == ProgrammeMark.MBO_CULTUURKAART
    assert membership.user.has_school_role(school.pk, RoleName.TEACHER)


def test_code_is_accepted_with_dashes_spaces_and_lower_case(api_as):
    code = services.issue_code(PersonFactory())
    response = post_activation(api_as, " " + codes.display(code).lower() + " ")
    assert response.status_code == 201


@pytest.mark.parametrize("code", ["", "ABC", "0000000000OO", "not a code at all", "A" * 200])
def test_malformed_code_is_invalid_code_404(api_as, code):
    response = post_activation(api_as, code)
    assert response.status_code == 404
    assert response.json()["type"] == "invalid-code"


def test_unknown_code_is_404(api_as):
    services.issue_code(PersonFactory())
    response = post_activation(api_as, codes.generate())
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "invalid-code"


def test_used_code_is_409_code_used(api_as):
    code = services.issue_code(PersonFactory())
    assert post_activation(api_as, code).status_code == 201
    response = post_activation(api_as, code, email="other@example.org")
    assert response.status_code == 409
    assert response.json()["type"] == "code-used"
    assert Membership.objects.count() == 1


def test_replaced_code_no_longer_works(api_as):
    person = PersonFactory()
    old = services.issue_code(person)
    new = services.issue_code(person)
    response = post_activation(api_as, old)
    assert response.status_code == 404
    assert response.json()["type"] == "invalid-code"
    assert post_activation(api_as, new).status_code == 201


def test_code_of_person_removed_from_roster_no_longer_works(api_as):
    person = PersonFactory()
    code = services.issue_code(person)
    services.revoke_codes_for_people([person.pk])
    assert post_activation(api_as, code).json()["type"] == "invalid-code"


@pytest.mark.parametrize(
    ("birth_date", "informed", "status"),
    [
        ("2008-03-02", False, 422),  # 15 on 2024-03-01 (birthday tomorrow)
        ("2008-03-02", True, 201),
        ("2008-03-01", False, 201),  # 16 today
        ("2012-01-01", False, 422),
    ],
)
def test_under_16_must_confirm_parents_informed(api_as, birth_date, informed, status):
    code = services.issue_code(PersonFactory())
    response = post_activation(api_as, code, birth_date=birth_date, parents_informed=informed)
    assert response.status_code == status, response.content
    if status == 422:
        assert response.json()["type"] == "parental-notice-required"
        assert Membership.objects.count() == 0
        assert ActivationCode.objects.get().used_at is None  # code still usable


def test_age_in_full_years_handles_leap_day():
    assert services.age_on(dt.date(2008, 2, 29), dt.date(2024, 2, 28)) == 15
    assert services.age_on(dt.date(2008, 2, 29), dt.date(2024, 2, 29)) == 16
    assert services.age_on(dt.date(2008, 2, 29), dt.date(2025, 2, 28)) == 16
    assert services.age_on(dt.date(2007, 2, 28), dt.date(2023, 2, 28)) == 16


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"last_name": "  "}, "last_name"),
        ({"birth_date": "2024-13-01"}, "birth_date"),
        ({"birth_date": "2030-01-01"}, "birth_date"),
        ({"email": "no-at-sign"}, "email"),
        ({"password": "short"}, "password"),
        ({"accept_terms": False}, "accept_terms"),
    ],
)
def test_field_errors_are_422_and_leave_the_code_unused(api_as, overrides, field):
    code = services.issue_code(PersonFactory())
    response = post_activation(api_as, code, **overrides)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert ActivationCode.objects.get().used_at is None


def test_an_existing_address_gets_the_same_answer_and_keeps_its_password(
    api_as, django_capture_on_commit_callbacks
):
    """Issue 8 point 5: activation does not reveal that an address has an account."""
    first = PersonFactory()
    membership = services.activate(
        services.issue_code(first), activation_data(email="x@example.org"), client="a"
    )
    new_address = post_activation(
        api_as, services.issue_code(PersonFactory()), email="fresh@example.org"
    )
    mail.outbox.clear()
    code = services.issue_code(PersonFactory())  # another school, same person
    with django_capture_on_commit_callbacks(execute=True):
        existing = post_activation(
            api_as, code, email="X@example.org", password="Andere-wachtwoord-9"
        )
    assert existing.status_code == new_address.status_code == 201
    assert existing.json().keys() == new_address.json().keys()
    assert existing.json()["membership"].keys() == new_address.json()["membership"].keys()
    linked = Membership.objects.get(pk=int(existing.json()["membership"]["id"]))
    assert linked.user == membership.user
    linked.user.refresh_from_db()
    assert linked.user.check_password(VALID_PASSWORD)  # never overwritten
    assert not linked.user.check_password("Andere-wachtwoord-9")
    assert "Er bestond al een account" in mail.outbox[0].body


def test_after_the_programme_ended_the_membership_carries_its_end_date(api_as):
    code = services.issue_code(PersonFactory())
    response = post_activation(api_as, code, clock_at="2025-02-01T10:00:00+01:00")
    assert response.status_code == 201
    assert response.json()["membership"]["valid_until"] == "2024-12-31"


def test_school_without_programme_is_409(api_as):
    person = PersonFactory()
    person.school.programmes.clear()
    response = post_activation(api_as, services.issue_code(person))
    assert response.status_code == 409
    assert response.json()["type"] == "no-programme"


def test_programme_choice_prefers_the_current_school_year():
    from cultuurkaart.schools.models import Programme

    school = SchoolFactory()
    vo2024 = Programme.objects.get(code="vo-2024")
    vo2025 = Programme.objects.create(
        code="vo-2025",
        kind="vo",
        name="VO 2025",
        rate_ocw="5.50",
        rate_school="11.00",
        rate_admin_fee="2.75",
        rate_teacher_fee="6.00",
        rate_voucher="5.50",
        order_from=dt.date(2024, 9, 1),
        order_until=dt.date(2025, 1, 31),
        roster_after=dt.date(2024, 8, 16),
        spend_from=dt.date(2025, 1, 1),
        spend_until=dt.date(2025, 12, 31),
        membership_until=dt.date(2025, 12, 31),
    )
    school.programmes.add(vo2025)
    assert services.choose_programme(school, dt.date(2024, 3, 1)) == vo2024
    assert services.choose_programme(school, dt.date(2024, 9, 15)) == vo2025
    assert services.choose_programme(school, dt.date(2025, 3, 1)) == vo2025


# --- brute force ---------------------------------------------------------------------------


def test_many_wrong_codes_from_one_client_get_429_with_retry_after(api_as):
    real = services.issue_code(PersonFactory())
    statuses = []
    for attempt in range(25):
        guess = "BAD" if attempt % 2 else codes.generate()  # malformed codes count too
        response = post_activation(api_as, guess, ip="192.0.2.7")
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response["Retry-After"]) > 0
            assert response.json()["type"] == "rate-limited"
    assert all(s == 404 for s in statuses[:10])  # never before 10 failures
    assert 429 in statuses[:21]  # at most 20 failures
    first_429 = statuses.index(429)
    assert all(s == 429 for s in statuses[first_429:])
    # even the right code is refused from this client now …
    assert post_activation(api_as, real, ip="192.0.2.7").status_code == 429
    # … but another client is not affected
    assert post_activation(api_as, real, ip="192.0.2.8").status_code == 201


def test_limit_window_ends_after_15_minutes(api_as, monkeypatch):
    import time as time_module

    start = time_module.time()
    for _ in range(20):
        post_activation(api_as, codes.generate(), ip="192.0.2.9")
    assert post_activation(api_as, codes.generate(), ip="192.0.2.9").status_code == 429
    monkeypatch.setattr(time_module, "time", lambda: start + 15 * 60 + 5)
    assert post_activation(api_as, codes.generate(), ip="192.0.2.9").status_code == 404


def test_attempts_on_one_code_are_limited_across_clients(api_as):
    code = services.issue_code(PersonFactory())
    assert post_activation(api_as, code, ip="198.51.100.1").status_code == 201
    statuses = [
        post_activation(api_as, code, ip=f"198.51.100.{n}").status_code for n in range(2, 16)
    ]
    assert statuses[:10] == [409] * 10
    assert statuses[-1] == 429


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_activation_gives_one_membership_and_one_201():
    """Two submissions of one code at the same moment (PostgreSQL: row locks; SQLite: the
    IMMEDIATE transaction mode serialises writers; an in-memory SQLite test database is
    one shared connection, so the threads cannot run there)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (separate connections per thread)")
    from django.db import connections

    from cultuurkaart.memberships.exceptions import CodeUsed

    code = services.issue_code(PersonFactory())
    barrier = threading.Barrier(4)
    results: list = []

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            services.activate(code, activation_data(email=f"racer{n}@example.org"), client=f"c{n}")
            results.append("created")
        except CodeUsed:
            results.append("used")
        except Exception as exc:  # surfaced by the assertion below
            results.append(repr(exc))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(attempt, n)) for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["created", "used", "used", "used"]
    assert Membership.objects.filter(status=MembershipStatus.ACTIVE).count() == 1


def test_database_refuses_a_second_membership_for_one_code():
    from django.db import IntegrityError

    membership = services.activate(
        services.issue_code(PersonFactory()), activation_data(), client="z"
    )
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            school=membership.school,
            programme=membership.programme,
            activation_code=membership.activation_code,
            kind="student",
            mark="cultuurkaart",
            valid_until=membership.valid_until,
            pass_key="other",
        )


def test_nulls_and_missing_fields_are_field_errors_not_server_errors(api_as):
    code = services.issue_code(PersonFactory())
    client = api_as(None, clock=NOW)
    response = client.post("/activations", {"code": code, "first_name": None, "accept_terms": None})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"first_name", "last_name", "birth_date", "email", "password", "accept_terms"} <= fields
    assert client.post("/activations", {}).json()["type"] == "invalid-code"
