"""A new programme year (schools.years): copying a programme, the call to order, and the
memberships and rosters across the change of programme."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.core import clock, jobs
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.memberships.constants import MembershipStatus
from cultuurkaart.memberships.models import Membership
from cultuurkaart.memberships.tests.factories import PersonFactory, activated
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools import years
from cultuurkaart.schools.constants import SchoolKind, SchoolStatus
from cultuurkaart.schools.models import Programme, ProgrammeAnnouncement
from cultuurkaart.schools.tests.factories import SchoolFactory, programme

pytestmark = pytest.mark.django_db


def at(value: str):
    return clock.frozen(clock.parse(value))


def verified(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client(admin):
    return verified(admin)


# --- copying ----------------------------------------------------------------------------------


def test_a_copy_has_the_same_rates_and_every_date_one_year_later(admin):
    source = programme("vo-2024")
    copy = years.copy_programme(source, actor=admin)
    assert (copy.code, copy.name) == ("vo-2025", source.name.replace("2024", "2025"))
    assert copy.follows == source and copy.kind == source.kind
    for field in years.COPIED_FIELDS:
        assert getattr(copy, field) == getattr(source, field), field
    for field in years.DATE_FIELDS:
        old = getattr(source, field)
        new = getattr(copy, field)
        assert new == (old.replace(year=old.year + 1) if old else None), field
    assert copy.order_from == dt.date(2024, 9, 1) and copy.spend_until == dt.date(2025, 12, 31)
    entry = AuditEntry.objects.get(action="schools.programme.copied")
    assert entry.data == {"from": "vo-2024", "to": "vo-2025"}


def test_29_february_becomes_28_february(admin):
    source = programme("vo-2024")
    source.order_until = dt.date(2024, 2, 29)  # a leap day
    source.teacher_free_before = dt.date(2023, 2, 28)  # into a leap year: stays the 28th
    source.save()
    copy = years.copy_programme(source, actor=admin)
    assert copy.order_until == dt.date(2025, 2, 28)
    assert copy.teacher_free_before == dt.date(2024, 2, 28)


def test_copying_twice_to_the_same_year_is_refused(admin):
    source = programme("vo-2024")
    years.copy_programme(source, actor=admin)
    with pytest.raises(years.ProgrammeExists) as refused:
        years.copy_programme(source, actor=admin)
    assert refused.value.status == 409 and refused.value.type == "programme-exists"
    assert Programme.objects.filter(kind=SchoolKind.VO, spend_from__year=2025).count() == 1


def test_a_programme_made_by_hand_for_that_year_is_not_copied_over(admin):
    source = programme("vo-2024")
    Programme.objects.create(
        **{f: getattr(source, f) for f in years.COPIED_FIELDS},
        code="vo-volgend",
        name="Handmatig",
        **{f: years.preview_copy(source)["dates"][f] for f in years.DATE_FIELDS},
    )
    with pytest.raises(years.ProgrammeExists):
        years.copy_programme(source, actor=admin)


def test_a_code_without_a_year_gets_the_spending_year(admin):
    source = programme("mbo-pilot")
    preview = years.preview_copy(source)
    assert preview["code"].startswith("mbo-pilot") and preview["code"] != source.code


def test_the_copy_page_confirms_then_opens_the_copy_for_editing(admin_client):
    url = "/backoffice/programmas/vo-2024/kopieren/"
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "vo-2025" in html and "1-9-2024" in html  # the new ordering start, shown first
    assert not Programme.objects.filter(code="vo-2025").exists()

    unconfirmed = admin_client.post(url, {})
    assert unconfirmed.status_code == 422
    assert not Programme.objects.filter(code="vo-2025").exists()

    made = admin_client.post(url, {"confirm": "on"})
    assert made.status_code == 302 and made["Location"] == "/backoffice/programmas/vo-2025/"
    edit = admin_client.get(made["Location"])
    assert edit.status_code == 200 and "2024-09-01" in edit.content.decode()

    again = admin_client.post(url, {"confirm": "on"})
    assert again.status_code == 409
    assert "vo-2025" in again.content.decode()
    assert Programme.objects.filter(code__startswith="vo-2025").count() == 1


def test_the_copy_is_edited_and_validated_like_any_programme(admin):
    from cultuurkaart.portals.forms import ProgrammeForm
    from cultuurkaart.schools import services

    copy = years.copy_programme(programme("vo-2024"), actor=admin)
    data = ProgrammeForm(initial=ProgrammeForm.initial_for(copy))
    values = {**data.initial}
    form = ProgrammeForm({k: v for k, v in values.items() if v is not None})
    assert form.is_valid(), form.errors
    changed = {**form.to_service(), "rates": {**form.to_service()["rates"], "ocw": "6.00"}}
    services.save_programme(changed, actor=admin, programme=copy)
    copy.refresh_from_db()
    assert copy.rate_ocw == Decimal("6.00")
    broken = {**form.to_service(), "order_until": dt.date(2024, 8, 1)}  # before order_from
    with pytest.raises(services.ValidationFailed):
        services.save_programme(broken, actor=admin, programme=copy)


# --- the call to order ------------------------------------------------------------------------


@pytest.fixture
def next_year(admin):
    return years.copy_programme(programme("vo-2024"), actor=admin)


def _mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def test_last_years_schools_are_called_once_when_ordering_opens(next_year):
    school = SchoolFactory()  # registered for vo-2024
    with_role(UserFactory(email=school.board_email, language="en"), RoleName.BOARD, school=school)
    pending = SchoolFactory(status=SchoolStatus.PENDING)
    elsewhere = SchoolFactory(kind=SchoolKind.MBO)  # mbo-pilot only
    with at("2024-08-31T07:00:00+02:00"), jobs_mail():
        assert jobs.run("announce-ordering") == {"programmes": 0, "schools": 0}
    assert mail.outbox == []
    with at("2024-09-01T07:00:00+02:00"), jobs_mail():
        assert jobs.run("announce-ordering") == {"programmes": 1, "schools": 1}
    holder, board = _mails_to(school.budget_holder_email), _mails_to(school.board_email)
    assert len(holder) == len(board) == 1 and len(mail.outbox) == 2
    assert holder[0].subject == f"{next_year.name}: bestel nu het budget voor {school.name}"
    for path in ("instellingen", "studenten", "bestellingen"):
        assert f"/school/{school.pk}/{path}/" in holder[0].body
    assert "nieuwe lijst met leerlingen" in holder[0].body
    assert board[0].subject == f"{next_year.name}: order the budget for {school.name} now"
    assert "the new list of pupils" in board[0].body  # in the board member's language
    assert set(school.programmes.values_list("code", flat=True)) == {"vo-2024", "vo-2025"}
    assert pending.programmes.filter(code="vo-2025").count() == 0
    assert elsewhere.programmes.filter(code="vo-2025").count() == 0
    announcement = ProgrammeAnnouncement.objects.get()
    assert (announcement.programme, announcement.school) == (next_year, school)
    assert announcement.recipients == sorted([school.budget_holder_email, school.board_email])

    mail.outbox.clear()
    with at("2024-09-02T07:00:00+02:00"), jobs_mail():
        assert jobs.run("announce-ordering") == {"programmes": 0, "schools": 0}
    assert mail.outbox == []  # exactly once per programme


def jobs_mail():
    """Mail is sent on commit; run the callbacks as a real commit would."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_nothing_is_announced_for_a_programme_without_a_predecessor():
    SchoolFactory()
    with at("2023-09-05T07:00:00+02:00"), jobs_mail():  # vo-2024 opens; nothing before it
        assert jobs.run("announce-ordering") == {"programmes": 0, "schools": 0}
    assert mail.outbox == []


# --- memberships and rosters across the change of programme ----------------------------------


def test_a_new_programme_year_erases_and_expires_nothing_early(admin):
    school = SchoolFactory()
    with at("2023-09-04T10:00:00+02:00"):
        old_person = PersonFactory(school=school)
        membership = activated(old_person)
    assert membership.valid_until == dt.date(2024, 12, 31)
    with at("2024-06-15T10:00:00+02:00"):
        years.copy_programme(programme("vo-2024"), actor=admin)
        for name in ("announce-ordering", "expire-memberships", "erase-rosters"):
            jobs.run(name)
    assert Person.objects.filter(pk=old_person.pk).exists()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE

    # 1 September: the old roster is gone, the school stays registered, the membership runs
    with at("2024-09-01T00:00:05+02:00"):
        assert jobs.run("erase-rosters")["people"] == 1
        jobs.run("expire-memberships")
    with at("2024-09-01T07:00:00+02:00"), jobs_mail():
        jobs.run("announce-ordering")
    assert not Person.objects.filter(pk=old_person.pk).exists()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.person_id is None
    assert set(school.programmes.values_list("code", flat=True)) == {"vo-2024", "vo-2025"}

    # the new school year's roster: kept by a later run, its members belong to vo-2025
    with at("2024-09-10T10:00:00+02:00"):
        new_person = PersonFactory(school=school)
        new_membership = activated(new_person)
    assert new_membership.programme.code == "vo-2025"
    assert new_membership.valid_until == dt.date(2025, 12, 31)
    with at("2024-09-11T00:00:05+02:00"):
        assert jobs.run("erase-rosters")["people"] == 0
        assert jobs.run("expire-memberships") == {"expired": 0}
    assert Person.objects.filter(pk=new_person.pk).exists()

    # the old membership ends with its own programme, the new one runs on
    with at("2025-01-01T00:10:00+01:00"):
        assert jobs.run("expire-memberships") == {"expired": 1}
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.INACTIVE
    assert Membership.objects.get(pk=new_membership.pk).status == MembershipStatus.ACTIVE
