"""End to end with the memberships app: codes in the list and export, removal revokes
unused codes and never ends an active membership."""

from __future__ import annotations

import io

import openpyxl
import pytest

from cultuurkaart.core import clock
from cultuurkaart.memberships import services as memberships
from cultuurkaart.memberships.models import ActivationCode, Membership
from cultuurkaart.rosters import services
from cultuurkaart.rosters.constants import PersonStatus
from cultuurkaart.rosters.models import Person
from cultuurkaart.rosters.tests.factories import PersonFactory, student_row, xlsx
from cultuurkaart.rosters.tests.test_pages import verified_client
from cultuurkaart.rosters.validation import validate_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(clock.parse("2024-03-01T12:00:00+01:00")):
        yield


def test_codes_in_list_and_export_for_the_budget_holder(school, budget_holder):
    person = PersonFactory(school=school, email="", first_name="Leerling 1")
    code = memberships.issue_code(person)
    client = verified_client(budget_holder)
    html = client.get(f"/school/{school.pk}/studenten/").content.decode()
    assert code in html
    response = client.get(f"/school/{school.pk}/studenten/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("Activatiecode") + 1).value == code


def test_upload_removal_revokes_codes_and_keeps_memberships(school, budget_holder):
    from cultuurkaart.memberships.tests.factories import activated

    member = PersonFactory(school=school, email="lid@school.example")
    membership = activated(member)
    member.refresh_from_db()
    assert member.status == PersonStatus.ACTIVE
    invited = PersonFactory(school=school, email="uitgenodigd@school.example")
    memberships.issue_code(invited)
    open_code = ActivationCode.objects.get(person=invited, revoked_at__isnull=True)

    rows = validate_file(xlsx([student_row(1, email="nieuw@school.example")]), "students").rows
    summary = services.replace_roster(school, "students", rows, actor=budget_holder)

    assert summary["removed"] == 2
    assert [p["id"] for p in summary["removed_active"]] == [member.pk]
    assert not Person.objects.filter(pk__in=[member.pk, invited.pk]).exists()
    membership.refresh_from_db()
    assert membership.status == "active"  # removing a person never ends a membership
    assert Membership.objects.filter(pk=membership.pk).exists()
    open_code.refresh_from_db()
    assert open_code.revoked_at is not None  # unused codes of removed people are revoked


def test_invite_all_matching_from_the_list_form(school, budget_holder):
    """The list's selection form posts `kind`, `all_matching=1` and the filter fields to
    the invitation view, which selects with `filter_people`."""
    from django.urls import reverse

    in_filter = [PersonFactory(school=school, year=3) for _ in range(2)]
    outside = PersonFactory(school=school, year=1)
    client = verified_client(budget_holder)
    html = client.get(f"/school/{school.pk}/studenten/?year=3").content.decode()
    assert '<input type="hidden" name="year" value="3">' in html
    url = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    confirm_page = client.post(url, {"kind": "students", "all_matching": "1", "year": "3"})
    assert confirm_page.status_code == 200 and confirm_page.context["to_invite"] == 2
    assert set(Person.objects.values_list("status", flat=True)) == {PersonStatus.NEW}
    response = client.post(
        url, {"kind": "students", "all_matching": "1", "year": "3", "confirm": "1"}
    )
    assert response.status_code == 302
    statuses = dict(Person.objects.values_list("pk", "status"))
    assert {statuses[p.pk] for p in in_filter} == {PersonStatus.INVITED}
    assert statuses[outside.pk] == PersonStatus.NEW
