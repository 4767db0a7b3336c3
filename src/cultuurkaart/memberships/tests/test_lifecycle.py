import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import Role, User
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock, jobs
from cultuurkaart.core.calendar import add_working_days
from cultuurkaart.memberships import services
from cultuurkaart.memberships.calendar import last_erasure_moment
from cultuurkaart.memberships.constants import DeletionStatus, EndReason, MembershipStatus
from cultuurkaart.memberships.models import ActivationCode, CodeRequest, Membership
from cultuurkaart.memberships.queries import current_codes
from cultuurkaart.rosters.constants import PersonStatus
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools.constants import SchoolKind
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import PersonFactory, activated, teacher

pytestmark = pytest.mark.django_db


def at(value: str):
    return clock.frozen(clock.parse(value))


# --- expiry ----------------------------------------------------------------------------------


def test_memberships_expire_after_their_end_date_and_status_becomes_inactive(school):
    person = PersonFactory(school=school)
    membership = activated(person)
    with at("2024-12-31T23:59:00+01:00"):
        assert jobs.run("expire-memberships") == {"expired": 0}
    with at("2025-01-01T00:05:00+01:00"):
        assert jobs.run("expire-memberships") == {"expired": 1}
        assert jobs.run("expire-memberships") == {"expired": 0}  # idempotent
    membership.refresh_from_db()
    person.refresh_from_db()
    assert membership.status == MembershipStatus.INACTIVE
    assert membership.end_reason == EndReason.EXPIRED
    assert person.status == PersonStatus.INACTIVE


def test_removing_a_person_from_the_roster_never_ends_the_membership(school):
    person = PersonFactory(school=school)
    membership = activated(person)
    services.revoke_codes_for_people([person.pk])
    person.delete()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.person_id is None


# --- early end -------------------------------------------------------------------------------


def test_admin_ends_one_membership_for_misuse(
    admin_api, school, django_capture_on_commit_callbacks
):
    membership = activated(PersonFactory(school=school))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"/admin/memberships/{membership.pk}/end", {"reason": "misuse"})
    assert response.status_code == 200
    assert response.json()["status"] == "inactive"
    assert response.json()["end_reason"] == "misuse"
    assert mail.outbox[0].to == [membership.user.email]
    assert "beëindigd" in mail.outbox[0].subject


def test_admin_ends_all_memberships_of_a_school(admin_api, school):
    a = activated(PersonFactory(school=school))
    b = activated(PersonFactory(school=school))
    elsewhere = activated(PersonFactory())
    response = admin_api.post(f"/admin/schools/{school.pk}/memberships/end")
    assert response.json() == {"ended": 2}
    statuses = dict(Membership.objects.values_list("pk", "status"))
    assert statuses == {a.pk: "inactive", b.pk: "inactive", elsewhere.pk: "active"}


def test_only_the_admin_may_end_memberships(bh_api, school):
    membership = activated(PersonFactory(school=school))
    assert bh_api.post(f"/admin/memberships/{membership.pk}/end", {}).status_code == 403
    assert bh_api.post(f"/admin/schools/{school.pk}/memberships/end").status_code == 403


# --- Docent+ ---------------------------------------------------------------------------------


def test_budget_holder_designates_and_withdraws_docent_plus(bh_api, school):
    membership = activated(teacher(school))
    response = bh_api.post(
        f"/schools/{school.pk}/docent-plus", {"membership_id": str(membership.pk)}
    )
    assert response.status_code == 201
    assert membership.user.has_school_role(school.pk, RoleName.DOCENT_PLUS)
    listing = bh_api.get(f"/schools/{school.pk}/docent-plus").json()
    assert listing["results"][0]["docent_plus"] is True
    assert bh_api.delete(f"/schools/{school.pk}/docent-plus/{membership.pk}").status_code == 204
    assert not Role.objects.filter(user=membership.user, role=RoleName.DOCENT_PLUS).exists()


def test_only_teachers_with_an_active_membership_can_become_docent_plus(bh_api, school):
    student = activated(PersonFactory(school=school))
    response = bh_api.post(f"/schools/{school.pk}/docent-plus", {"membership_id": str(student.pk)})
    assert response.status_code == 422
    assert response.json()["type"] == "membership-not-active"
    ended = activated(teacher(school))
    services.end_membership(ended, actor=None)
    response = bh_api.post(f"/schools/{school.pk}/docent-plus", {"membership_id": str(ended.pk)})
    assert response.json()["type"] == "membership-not-active"


def test_docent_plus_of_another_school_is_404(bh_api):
    other = activated(teacher(SchoolFactory()))
    school_id = bh_api.user.school_ids().pop()
    response = bh_api.post(f"/schools/{school_id}/docent-plus", {"membership_id": str(other.pk)})
    assert response.status_code == 404


def test_docent_plus_cannot_designate_others_or_see_codes(api_as, school):
    member = activated(teacher(school))
    services.designate_docent_plus(school, member, actor=None)
    api = api_as(member.user)
    assert api.get(f"/schools/{school.pk}/docent-plus").status_code == 403
    assert api.get(f"/schools/{school.pk}/activation-codes").status_code == 403


@pytest.mark.parametrize("how", ["expiry", "misuse", "school"])
def test_docent_plus_lapses_when_the_membership_ends(school, how):
    member = activated(teacher(school))
    services.designate_docent_plus(school, member, actor=None)
    if how == "expiry":
        with at("2025-01-02T09:00:00+01:00"):
            services.expire_memberships()
    elif how == "misuse":
        services.end_membership(member, actor=None)
    else:
        services.end_school_memberships(school, actor=None)
    user = User.objects.get(pk=member.user_id)
    assert not user.has_school_role(school.pk, RoleName.DOCENT_PLUS)
    assert user.has_school_role(school.pk, RoleName.TEACHER)


def test_docent_plus_page(client, budget_holder, school):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    member = activated(teacher(school), first_name="Femke")
    client.force_login(budget_holder)
    device = TOTPDevice.objects.create(user=budget_holder, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    url = reverse("portals:school_docent_plus", kwargs={"school_id": school.pk})
    page = client.get(url)
    assert page.status_code == 200 and "Femke" in page.content.decode()
    client.post(url, {"membership_id": member.pk, "action": "designate"})
    assert member.user.has_school_role(school.pk, RoleName.DOCENT_PLUS)
    member.user.__dict__.pop("_role_cache", None)
    client.post(url, {"membership_id": member.pk, "action": "withdraw"})
    member.user.__dict__.pop("_role_cache", None)
    assert not member.user.has_school_role(school.pk, RoleName.DOCENT_PLUS)


def test_docent_plus_page_is_for_the_budget_holder_only(client, school):
    member = activated(teacher(school))
    services.designate_docent_plus(school, member, actor=None)
    client.force_login(member.user)
    url = reverse("portals:school_docent_plus", kwargs={"school_id": school.pk})
    assert client.get(url).status_code == 403


# --- 31 August erasure -----------------------------------------------------------------------


def test_erasure_moment_is_the_last_31_august_235959_amsterdam():
    assert last_erasure_moment(clock.parse("2024-08-31T23:59:59+02:00")) == clock.parse(
        "2024-08-31T23:59:59+02:00"
    )
    assert last_erasure_moment(clock.parse("2024-08-31T23:59:58+02:00")) == clock.parse(
        "2023-08-31T23:59:59+02:00"
    )
    assert last_erasure_moment(clock.parse("2025-03-01T10:00:00+01:00")) == clock.parse(
        "2024-08-31T23:59:59+02:00"
    )


def test_erase_rosters_removes_roster_entries_and_unused_codes_but_keeps_memberships(school):
    with at("2023-09-15T10:00:00+02:00"):
        active = PersonFactory(school=school)
        invited = PersonFactory(school=school)
        other_school_person = PersonFactory()
        services.invite_people(school, actor=None, person_ids=[invited.pk])
        services.issue_code(other_school_person)
        CodeRequest.objects.create(
            school=school, kind="students", first_name="A", last_name="B", email="a@b.nl"
        )
    with at("2024-03-01T12:00:00+01:00"):
        membership = activated(active)
    with at("2024-08-31T23:59:58+02:00"):
        assert jobs.run("erase-rosters") == {"schools": 0, "people": 0}
    with at("2024-08-31T23:59:59+02:00"):
        assert jobs.run("erase-rosters") == {"schools": 2, "people": 3}
        assert jobs.run("erase-rosters") == {"schools": 0, "people": 0}  # idempotent
    assert not Person.objects.exists()
    assert not ActivationCode.objects.filter(used_at__isnull=True).exists()
    assert not CodeRequest.objects.exists()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.person_id is None
    assert membership.first_name  # the pass keeps the member's own details


def test_erasure_keeps_the_new_years_roster_uploaded_after_31_august(school):
    with at("2024-09-02T09:00:00+02:00"):
        new = PersonFactory(school=school)
        code = services.issue_code(new)
    with at("2024-09-03T09:00:00+02:00"):
        assert jobs.run("erase-rosters") == {"schools": 0, "people": 0}
    assert current_codes([new.pk]) == {new.pk: code}


def test_erase_rosters_through_the_api(admin_api, school):
    with at("2023-09-15T10:00:00+02:00"):
        PersonFactory(school=school)
    response = admin_api.post(
        "/admin/jobs/erase-rosters", {}, headers={"X-Clock": "2024-09-01T00:00:00+02:00"}
    )
    assert response.status_code == 200
    assert response.json() == {"schools": 1, "people": 1}


# --- deletion requests -----------------------------------------------------------------------


def test_deletion_is_due_within_15_working_days():
    # 2024-04-22 (Monday): Koningsdag is Saturday 27 April, Bevrijdingsdag 5 May a Sunday
    # (no 2024 holiday in between) … Ascension 9 May and Whit Monday 20 May are holidays.
    assert add_working_days(dt.date(2024, 4, 22), 15) == dt.date(2024, 5, 14)
    assert add_working_days(dt.date(2024, 5, 3), 15) == dt.date(2024, 5, 28)
    # over Christmas: 25, 26 December and 1 January are holidays
    assert add_working_days(dt.date(2024, 12, 20), 15) == dt.date(2025, 1, 15)


def test_member_requests_deletion_and_the_job_carries_it_out(
    api_as, school, django_capture_on_commit_callbacks
):
    person = PersonFactory(school=school)
    membership = activated(person)
    user = membership.user
    address = user.email
    api = api_as(user, clock="2024-05-03T10:00:00+02:00")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/me/deletion-request")
    assert response.status_code == 201
    assert response.json()["due_on"] == "2024-05-28"
    assert mail.outbox[-1].to == [address]
    mail.outbox.clear()
    with at("2024-05-06T00:10:00+02:00"), django_capture_on_commit_callbacks(execute=True):
        assert jobs.run("process-deletion-requests") == {"processed": 1}
        assert jobs.run("process-deletion-requests") == {"processed": 0}
    assert [m.to for m in mail.outbox] == [[address]]
    user.refresh_from_db()
    assert not user.is_active and address not in user.email and not user.has_usable_password()
    assert not Role.objects.filter(user=user).exists()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.INACTIVE
    assert membership.end_reason == EndReason.DELETED
    assert (
        membership.user_id,
        membership.person_id,
        membership.first_name,
        membership.birth_date,
    ) == (
        None,
        None,
        "",
        None,
    )
    person.refresh_from_db()
    assert person.status == PersonStatus.INACTIVE
    assert user.deletion_requests.get().status == DeletionStatus.DONE
    # the old token no longer authenticates
    assert api.get("/me/pass").status_code == 401


def test_a_second_deletion_request_returns_the_pending_one(school):
    membership = activated(PersonFactory(school=school))
    first = services.request_deletion(membership.user)
    assert services.request_deletion(membership.user).pk == first.pk


# --- MBO code requests -----------------------------------------------------------------------


@pytest.fixture
def mbo_school():
    return SchoolFactory(kind=SchoolKind.MBO)


def test_mbo_student_requests_a_code_and_the_school_confirms_it(
    api_as, mbo_school, django_capture_on_commit_callbacks
):
    person = PersonFactory(school=mbo_school, first_name="Noor", last_name="Bakker", email="")
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=mbo_school)
    public = api_as(None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = public.post(
            "/code-requests",
            {
                "school_number": mbo_school.school_number,
                "first_name": "Noor",
                "last_name": "Bakker",
                "email": "noor@mail.example",
            },
        )
    assert response.status_code == 201
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        ["noor@mail.example", bh.email, mbo_school.budget_holder_email]
    )
    worklist = reverse("portals:school_code_requests", kwargs={"school_id": mbo_school.pk})
    assert any(worklist in m.body for m in mail.outbox)
    assert not any("Noor" in m.body for m in mail.outbox if m.to != ["noor@mail.example"])
    request_id = response.json()["id"]
    bh_api = api_as(bh)
    listing = bh_api.get(f"/schools/{mbo_school.pk}/code-requests").json()
    assert listing["count"] == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = bh_api.post(
            f"/schools/{mbo_school.pk}/code-requests/{request_id}/confirm",
            {"person_id": str(person.pk)},
        )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    code = current_codes([person.pk])[person.pk]
    assert mail.outbox[0].to == ["noor@mail.example"]
    assert code[:4] in mail.outbox[0].body
    person.refresh_from_db()
    assert person.status == PersonStatus.INVITED
    again = bh_api.post(
        f"/schools/{mbo_school.pk}/code-requests/{request_id}/confirm",
        {"person_id": str(person.pk)},
    )
    assert again.status_code == 409 and again.json()["type"] == "already-decided"


def test_code_requests_are_only_for_mbo_schools_and_known_numbers(api_as, school):
    public = api_as(None)
    body = {"first_name": "A", "last_name": "B", "email": "a@b.example"}
    vo = public.post("/code-requests", {**body, "school_number": school.school_number})
    assert vo.status_code == 422 and vo.json()["type"] == "not-mbo"
    unknown = public.post("/code-requests", {**body, "school_number": "9999999"})
    assert unknown.status_code == 422 and unknown.json()["type"] == "unknown-school"


def test_code_requests_are_rate_limited_per_client(api_as, mbo_school):
    public = api_as(None)
    body = {
        "school_number": mbo_school.school_number,
        "first_name": "A",
        "last_name": "B",
        "email": "a@b.example",
    }
    statuses = [public.post("/code-requests", body).status_code for _ in range(12)]
    assert statuses[:10] == [201] * 10
    assert statuses[10] == 429


def test_school_rejects_a_code_request(api_as, mbo_school):
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=mbo_school)
    req = CodeRequest.objects.create(
        school=mbo_school, kind="students", first_name="A", last_name="B", email="a@b.example"
    )
    response = api_as(bh).post(f"/schools/{mbo_school.pk}/code-requests/{req.pk}/reject")
    assert response.json()["status"] == "rejected"


def test_confirming_with_a_person_of_another_school_is_refused(api_as, mbo_school):
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=mbo_school)
    req = CodeRequest.objects.create(
        school=mbo_school, kind="students", first_name="A", last_name="B", email="a@b.example"
    )
    foreign = PersonFactory(school=SchoolFactory(kind=SchoolKind.MBO))
    response = api_as(bh).post(
        f"/schools/{mbo_school.pk}/code-requests/{req.pk}/confirm", {"person_id": str(foreign.pk)}
    )
    assert response.status_code == 422


def test_admin_lists_memberships_without_personal_data(admin_api, school):
    membership = activated(PersonFactory(school=school))
    body = admin_api.get("/admin/memberships", {"school": str(school.pk)}).json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id"] == str(membership.pk) and row["status"] == "active"
    assert "first_name" not in row and "birth_date" not in row


def test_queries_for_other_apps(school):
    from cultuurkaart.memberships import queries

    member = PersonFactory(school=school)
    other = PersonFactory(school=school)
    membership = activated(member)
    assert queries.active_memberships_for_people([member.pk, other.pk]) == {
        member.pk: membership.pk
    }
    assert list(queries.student_activations(school, until=clock.now())) == [membership]
    assert not queries.student_activations(
        school, until=clock.parse("2024-01-01T00:00:00+01:00")
    ).exists()
