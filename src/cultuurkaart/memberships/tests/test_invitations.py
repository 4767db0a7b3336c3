import re

import pytest
from django.core import mail
from django.urls import reverse

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.memberships import codes, services
from cultuurkaart.memberships.constants import BatchStatus, MailStatus
from cultuurkaart.memberships.models import ActivationCode, Invitation, InvitationBatch
from cultuurkaart.memberships.queries import current_codes
from cultuurkaart.rosters.constants import PersonStatus, RosterKind
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import PersonFactory, activated, teacher

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(school):
    return [
        PersonFactory(school=school, first_name="Anna", group="2A"),
        PersonFactory(school=school, first_name="Bram", group="2A", email=""),
        PersonFactory(school=school, first_name="Cas", group="3C"),
    ]


def invite(api, school, body, **kw):
    return api.post(f"/schools/{school.pk}/invitations", body, **kw)


def test_invitation_issues_codes_mails_people_with_address_and_sets_status(
    bh_api, school, people, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(bh_api, school, {"person_ids": [str(p.pk) for p in people]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sent"] == 3 and body["skipped"] == 0
    issued = current_codes([p.pk for p in people])
    assert set(issued) == {p.pk for p in people}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people[0].email, people[2].email])
    anna_mail = next(m for m in mail.outbox if m.to == [people[0].email])
    assert codes.display(issued[people[0].pk]) in anna_mail.body
    link = f"{reverse('portals:activate')}#code={issued[people[0].pk]}"
    assert link in anna_mail.body
    # the code never travels in a URL path (access logs): only in the fragment
    assert re.search(r"/activeren/[A-Z0-9]{10,}", anna_mail.body) is None
    assert "Anna" in anna_mail.body
    for person in people:
        person.refresh_from_db()
        assert person.status == PersonStatus.INVITED
    batch = InvitationBatch.objects.get()
    assert (batch.status, batch.mailed, batch.to_mail) == (BatchStatus.DONE, 2, 2)
    assert Invitation.objects.get(person=people[1]).mail_status == MailStatus.NO_EMAIL


def test_reinviting_gives_a_fresh_code_and_voids_the_old_one(bh_api, school, people):
    first = invite(bh_api, school, {"person_ids": [str(people[0].pk)]})
    old = current_codes([people[0].pk])[people[0].pk]
    second = invite(bh_api, school, {"person_ids": [str(people[0].pk)]})
    assert first.status_code == second.status_code == 200
    new = current_codes([people[0].pk])[people[0].pk]
    assert new != old
    assert ActivationCode.objects.get(code_hash=codes.digest(old)).revoked_at is not None


def test_active_members_are_skipped_and_counted(bh_api, school, people):
    activated(people[0])
    response = invite(bh_api, school, {"person_ids": [str(p.pk) for p in people]})
    assert response.json()["sent"] == 2
    assert response.json()["skipped"] == 1
    people[0].refresh_from_db()
    assert people[0].status == PersonStatus.ACTIVE
    assert people[0].pk not in current_codes([people[0].pk])


def test_invite_by_status_selects_everyone_with_that_status(bh_api, school, people):
    services.invite_people(school, actor=None, person_ids=[people[0].pk])
    response = invite(bh_api, school, {"status": ["new"]})
    assert response.json()["sent"] == 2
    response = invite(bh_api, school, {"status": ["invited"], "kind": "students"})
    assert response.json()["sent"] == 3


def test_inactive_people_can_be_invited_again(school):
    person = PersonFactory(school=school, status=PersonStatus.INACTIVE)
    batch = services.invite_people(school, actor=None, statuses=["inactive"])
    assert batch.invited == 1
    person.refresh_from_db()
    assert person.status == PersonStatus.INVITED


def test_unknown_or_foreign_person_ids_are_refused_and_nothing_is_issued(bh_api, school):
    other = PersonFactory(school=SchoolFactory())
    response = invite(bh_api, school, {"person_ids": [str(other.pk)]})
    assert response.status_code == 422
    assert response.json()["type"] == "unknown-person"
    assert not ActivationCode.objects.exists()


def test_body_without_selection_is_422(bh_api, school):
    assert invite(bh_api, school, {}).status_code == 422
    assert invite(bh_api, school, {"status": ["bogus"]}).status_code == 422


def test_idempotency_key_makes_a_retry_return_the_first_batch(
    bh_api, school, people, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    ids = {"person_ids": [str(people[0].pk)]}
    with django_capture_on_commit_callbacks(execute=True):
        first = invite(bh_api, school, ids, headers={"Idempotency-Key": "click-1"})
        again = invite(bh_api, school, ids, headers={"Idempotency-Key": "click-1"})
    assert first.json()["id"] == again.json()["id"]
    assert len(mail.outbox) == 1
    assert ActivationCode.objects.count() == 1


def test_idempotency_key_with_another_body_is_409_and_invites_nobody(
    bh_api, school, people, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = invite(
            bh_api, school, {"person_ids": [str(people[0].pk)]}, headers={"Idempotency-Key": "c"}
        )
        other = invite(
            bh_api, school, {"person_ids": [str(people[2].pk)]}, headers={"Idempotency-Key": "c"}
        )
    assert first.status_code == 200
    assert other.status_code == 409
    assert other.json()["type"] == "idempotency-conflict"
    assert other["Content-Type"].startswith("application/problem+json")
    assert InvitationBatch.objects.count() == 1
    assert set(current_codes([p.pk for p in people])) == {people[0].pk}
    assert len(mail.outbox) == 1


def test_sending_a_batch_twice_never_mails_anyone_twice(school, people):
    batch = services.invite_people(school, actor=None, person_ids=[p.pk for p in people])
    mail.outbox.clear()
    services.send_invitation_mails(batch.pk)
    services.send_invitation_mails(batch.pk)  # a redelivered task
    assert len(mail.outbox) == 2
    batch.refresh_from_db()
    assert batch.mailed == 2


def test_a_code_replaced_before_its_mail_went_out_is_not_mailed(school, people):
    batch = services.invite_people(school, actor=None, person_ids=[people[0].pk])
    services.issue_code(people[0])  # replaced before the worker ran
    mail.outbox.clear()
    services.send_invitation_mails(batch.pk)
    assert mail.outbox == []
    assert Invitation.objects.get(batch=batch).mail_status == MailStatus.REPLACED


def test_smtp_failure_marks_rows_failed_and_does_not_resend(school, people, monkeypatch):
    from cultuurkaart.core import mail as core_mail

    batch = services.invite_people(school, actor=None, person_ids=[people[0].pk])

    def broken(messages):
        raise OSError("connection refused")

    monkeypatch.setattr(core_mail, "send_many", broken)
    services.send_invitation_mails(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.failed, batch.mailed) == (BatchStatus.DONE, 1, 0)
    monkeypatch.undo()
    mail.outbox.clear()
    services.send_invitation_mails(batch.pk)
    assert mail.outbox == []


def test_docent_plus_may_invite_but_not_see_codes(api_as, school, people):
    member = activated(teacher(school))
    with_role(member.user, RoleName.DOCENT_PLUS, school=school)
    api = api_as(member.user)
    assert invite(api, school, {"person_ids": [str(people[0].pk)]}).status_code == 200
    response = api.get(f"/schools/{school.pk}/activation-codes")
    assert response.status_code == 403


def test_teacher_or_student_may_not_invite(api_as, school, people):
    member = activated(teacher(school))
    assert invite(api_as(member.user), school, {"status": ["new"]}).status_code == 403


def test_other_school_gets_404(api_as, school, people):
    other_bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=SchoolFactory())
    api = api_as(other_bh)
    assert invite(api, school, {"status": ["new"]}).status_code == 404
    assert api.get(f"/schools/{school.pk}/activation-codes").status_code == 404


def test_no_token_is_401(api_as, school):
    assert invite(api_as(None), school, {"status": ["new"]}).status_code == 401


def test_activation_codes_list_for_budget_holder(bh_api, school, people):
    services.invite_people(school, actor=None, person_ids=[people[0].pk, people[1].pk])
    activated(people[0])
    response = bh_api.get(f"/schools/{school.pk}/activation-codes")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1  # the used code is gone from the list
    (row,) = body["results"]
    assert row["person_id"] == str(people[1].pk)
    assert row["code"] == current_codes([people[1].pk])[people[1].pk]
    assert len(row["code"]) >= 10 and set(row["code"]) <= set(codes.ALPHABET)


def test_progress_endpoint(bh_api, school, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = invite(bh_api, school, {"person_ids": [str(people[0].pk)]})
    batch_id = response.json()["id"]
    queued = bh_api.get(f"/schools/{school.pk}/invitations/{batch_id}").json()
    assert (queued["status"], queued["progress"], queued["emails"]) == ("queued", 0, 1)
    for callback in callbacks:
        callback()
    progress = bh_api.get(f"/schools/{school.pk}/invitations/{batch_id}").json()
    assert progress["status"] == "done" and progress["progress"] == 100


# --- the page the roster list posts to -------------------------------------------------------


@pytest.fixture
def bh_client(client, budget_holder):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(budget_holder)
    device = TOTPDevice.objects.create(user=budget_holder, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_invite_page_confirms_count_then_creates_one_batch_per_click(
    bh_client, school, people, django_capture_on_commit_callbacks
):
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    page = bh_client.get(url, {"kind": "students", "all_matching": "1", "group": "2A"})
    assert page.status_code == 200
    assert page.context["to_invite"] == 2
    token = page.context["client_token"]
    form = {
        "kind": "students",
        "all_matching": "1",
        "group": "2A",
        "client_token": token,
        "confirm": "1",
    }
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = bh_client.post(url, form)
        second = bh_client.post(url, form)  # double click
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert InvitationBatch.objects.count() == 1
    assert len(mail.outbox) == 1  # Bram has no e-mail address
    progress = bh_client.get(first["Location"])
    assert progress.status_code == 200
    assert progress.context["batch"].invited == 2


def test_invite_page_without_token_treats_an_immediate_repeat_as_the_same_click(
    bh_client, school, people
):
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    form = {
        "kind": "students",
        "person_ids": [str(people[0].pk), str(people[2].pk)],
        "confirm": "1",
    }
    bh_client.post(url, form)
    bh_client.post(url, form)
    assert InvitationBatch.objects.count() == 1


def test_invite_page_token_reused_for_another_selection_makes_no_second_batch(
    bh_client, school, people
):
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    token = bh_client.get(url, {"kind": "students", "person_ids": [str(people[0].pk)]}).context[
        "client_token"
    ]
    first = bh_client.post(
        url,
        {
            "kind": "students",
            "person_ids": [str(people[0].pk)],
            "client_token": token,
            "confirm": "1",
        },
    )
    assert first.status_code == 302
    tampered = bh_client.post(
        url,
        {
            "kind": "students",
            "person_ids": [str(people[2].pk)],
            "client_token": token,
            "confirm": "1",
        },
        follow=True,
    )
    assert InvitationBatch.objects.count() == 1
    assert set(current_codes([p.pk for p in people])) == {people[0].pk}
    assert "al gebruikt voor een ander verzoek" in tampered.content.decode()


def test_invite_page_filters_by_status(bh_client, school, people):
    services.invite_people(school, actor=None, person_ids=[people[0].pk])
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    page = bh_client.get(url, {"kind": "students", "all_matching": "1", "status": ["new"]})
    assert page.context["total"] == 2


def test_invite_page_is_404_for_another_school(client, school, people):
    other = with_role(UserFactory(), RoleName.TEACHER, school=SchoolFactory())
    client.force_login(other)
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    assert client.get(url, {"kind": "students"}).status_code == 404


def test_invite_page_is_403_for_a_teacher(client, school):
    member = activated(teacher(school))
    client.force_login(member.user)
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    assert client.get(url, {"kind": RosterKind.STUDENTS}).status_code == 403


def test_activation_codes_can_be_filtered_by_kind(bh_api, school, people):
    staff = teacher(school)
    services.invite_people(school, actor=None, person_ids=[people[0].pk, staff.pk])
    students = bh_api.get(f"/schools/{school.pk}/activation-codes", {"kind": "students"}).json()
    teachers = bh_api.get(f"/schools/{school.pk}/activation-codes", {"kind": "teachers"}).json()
    assert [r["person_id"] for r in students["results"]] == [str(people[0].pk)]
    assert [r["person_id"] for r in teachers["results"]] == [str(staff.pk)]


@pytest.mark.django_db(transaction=True)
def test_embedded_set_up_mails_large_batches_from_a_background_thread(settings):
    """Without a broker, a batch above the threshold is mailed by a thread (the page polls
    its progress). Needs separate connections per thread: PostgreSQL only."""
    import threading

    from django.db import connection

    from cultuurkaart.memberships import tasks

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (separate connections per thread)")
    settings.CK_TASK_THREADS = True
    settings.CELERY_BROKER_URL = ""
    school = SchoolFactory()
    people = PersonFactory.create_batch(3, school=school)
    started: list[threading.Thread] = []
    original = threading.Thread.start

    def record(thread):
        started.append(thread)
        original(thread)

    mail.outbox.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tasks, "THREAD_THRESHOLD", 1)
        mp.setattr(threading.Thread, "start", record)
        batch = services.invite_people(school, actor=None, person_ids=[p.pk for p in people])
    assert len(started) == 1
    started[0].join(timeout=30)
    batch.refresh_from_db()
    assert (batch.status, batch.mailed) == (BatchStatus.DONE, 3)
    assert len(mail.outbox) == 3


def test_invite_page_with_nothing_selected_invites_nobody(bh_client, school, people):
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    response = bh_client.post(url, {"kind": "students", "group": "2A", "status": ["new"]})
    assert response.status_code == 302
    assert not InvitationBatch.objects.exists()
    assert not ActivationCode.objects.exists()


def test_invite_page_ticked_people_win_over_the_lists_filter_fields(bh_client, school, people):
    """The roster list posts its filter state as hidden fields next to the ticked boxes."""
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    bh_client.post(
        url,
        {
            "kind": "students",
            "group": "2A",
            "status": ["new"],
            "person_ids": [str(people[2].pk)],
            "confirm": "1",
        },
    )
    assert set(current_codes([p.pk for p in people])) == {people[2].pk}


def test_the_lists_invite_button_asks_for_confirmation_with_the_count_before_sending(
    bh_client, school, people
):
    """001 §3.3 step 2 "verstuur uitnodiging": the list's form (a POST, no JavaScript)
    shows the confirmation page with how many people get an invitation; nothing goes out
    until that page is confirmed."""
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    mail.outbox.clear()
    page = bh_client.post(url, {"kind": "students", "all_matching": "1", "group": "2A"})
    assert page.status_code == 200
    assert not InvitationBatch.objects.exists() and not ActivationCode.objects.exists()
    assert mail.outbox == []
    html = page.content.decode()
    assert page.context["to_invite"] == 2 and page.context["to_mail"] == 1
    assert 'name="confirm" value="1"' in html
    assert "Ja, verstuur 2 uitnodigingen" in html
    assert "2 leerlingen een uitnodiging" in html  # a VO school says "leerlingen"
    confirm = {
        "kind": "students",
        "all_matching": "1",
        "group": "2A",
        "client_token": page.context["client_token"],
        "confirm": "1",
    }
    response = bh_client.post(url, confirm)
    assert response.status_code == 302
    assert InvitationBatch.objects.get().invited == 2


def test_a_batch_that_died_while_sending_is_resumed_and_never_mails_anyone_twice(
    school, people, django_capture_on_commit_callbacks
):
    """kill -9 during the sending (issue 14 point 4, decision NS-4): the rows the dead process
    had claimed may or may not have been mailed, so they become failed and are never mailed
    again; the rest is sent by `resume-invitation-batches` once the batch has not moved for
    10 minutes; a second sweep does nothing."""
    import datetime as dt

    from cultuurkaart.core import clock, jobs

    extra = PersonFactory(school=school, first_name="Daan", group="2A")
    start = clock.now()
    with clock.frozen(start):
        batch = services.invite_people(
            school, actor=None, person_ids=[p.pk for p in [*people, extra]]
        )
    assert batch.to_mail == 3
    claimed = Invitation.objects.filter(batch=batch, person=people[0]).get()
    Invitation.objects.filter(pk=claimed.pk).update(mail_status=MailStatus.SENDING)
    InvitationBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    mail.outbox.clear()
    with clock.frozen(start + dt.timedelta(minutes=9)):
        assert jobs.run("resume-invitation-batches") == {"resumed": 0, "unknown": 0}
    with clock.frozen(start + dt.timedelta(minutes=11)):
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.run("resume-invitation-batches") == {"resumed": 1, "unknown": 1}
        assert jobs.run("resume-invitation-batches") == {"resumed": 0, "unknown": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people[2].email, extra.email])
    claimed.refresh_from_db()
    batch.refresh_from_db()
    assert claimed.mail_status == MailStatus.FAILED
    assert (batch.status, batch.mailed, batch.failed) == (BatchStatus.DONE, 2, 1)
    with clock.frozen(start + dt.timedelta(minutes=30)):
        assert jobs.run("resume-invitation-batches") == {"resumed": 0, "unknown": 0}
