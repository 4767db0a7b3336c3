"""Year-end pages: the school's own statement; the back office's confirmation steps,
overview, report and Excel exports."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.models import Entry
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.weborders.tests.factories import fund
from cultuurkaart.weborders.tests.test_pages import client_for
from cultuurkaart.yearend.models import Redistribution, YearEnd

from .factories import LAST_SECOND, MIDNIGHT, Q1, memberships, next_programme, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    school = SchoolFactory(name='=HYPERLINK("http://evil")', refund_iban="NL91ABNA0417164300")
    fund(school, school_amount="123.45", ocw="10.00")
    other = SchoolFactory(name="Ander College")
    fund(other, school_amount="50.00")
    paid_order(school, with_contribution=10)
    memberships(school, 4)
    return {
        "school": school,
        "other": other,
        "bh": client_for(with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)),
        "admin": client_for(with_role(UserFactory(), RoleName.ADMIN)),
    }


def test_backoffice_confirms_then_closes_the_year_and_exports_it(world):
    client = world["admin"]
    with clock.frozen(LAST_SECOND):
        page = client.get("/backoffice/jaarafsluiting/vo-2024/").content.decode()
        assert "133,45" not in page  # the window still runs: no confirm button, no booking
        assert 'data-testid="yearend-confirm"' not in page
        refused = client.post("/backoffice/jaarafsluiting/vo-2024/", follow=True)
        assert "afsluiten kan vanaf" in refused.content.decode()
    assert not YearEnd.objects.exists()
    with clock.frozen(MIDNIGHT):
        confirm = client.get("/backoffice/jaarafsluiting/vo-2024/").content.decode()
        assert 'data-testid="yearend-confirm"' in confirm
        assert "173,45" in confirm  # refunds 123.45 + 50.00
        assert not YearEnd.objects.exists()  # the confirmation step books nothing
        done = client.post("/backoffice/jaarafsluiting/vo-2024/", follow=True).content.decode()
        assert "NL91ABNA0417164300" in done and "Ander College" in done
        entries = Entry.objects.count()
        client.post("/backoffice/jaarafsluiting/vo-2024/")  # a second confirmation
        assert Entry.objects.count() == entries
        overview = client.get("/backoffice/jaarafsluiting/").content.decode()
        assert "Afgesloten op" in overview
        export = client.get("/backoffice/jaarafsluiting/vo-2024/jaarafsluiting.xlsx")
    assert YearEnd.objects.get().refund_school == Decimal("173.45")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    line = next(r for r in rows if r[0] == '=HYPERLINK("http://evil")')
    assert line[2:4] == (123.45, 10.0)
    cell = next(c for c in sheet["A"] if c.value == line[0])
    assert cell.data_type == "s" and cell.quotePrefix  # text, not a formula
    assert rows[-1][0] == "Totaal" and rows[-1][2] == 173.45
    assert problems() == []


def test_the_school_sees_its_own_statement_and_not_another_schools(world):
    school, other = world["school"], world["other"]
    bh = world["bh"]
    budget = f"/school/{school.pk}/budget/?programme=vo-2024"
    with clock.frozen(LAST_SECOND):
        assert 'data-testid="yearend-summary"' not in bh.get(budget).content.decode()
        assert bh.get(f"/school/{school.pk}/jaarafrekening/vo-2024/").status_code == 404
    with clock.frozen(MIDNIGHT):
        world["admin"].post("/backoffice/jaarafsluiting/vo-2024/")
        page = bh.get(budget).content.decode()
        assert 'data-testid="yearend-summary"' in page and "123,45" in page
        statement = bh.get(f"/school/{school.pk}/jaarafrekening/vo-2024/").content.decode()
        assert "123,45" in statement and "10,00" in statement
        assert bh.get(f"/school/{other.pk}/jaarafrekening/vo-2024/").status_code == 404
        assert bh.get(f"/school/{other.pk}/budget/").status_code == 404


def test_backoffice_redistributes_after_confirmation_and_exports_the_report(world):
    client = world["admin"]
    nxt = next_programme()
    with clock.frozen(Q1):
        confirm = client.get("/backoffice/herverdeling/vo-2024/").content.decode()
        assert nxt.code in confirm and 'data-testid="redistribution-confirm"' in confirm
        assert not Redistribution.objects.exists()
        report = client.post(
            "/backoffice/herverdeling/vo-2024/", {"next_programme": nxt.code}, follow=True
        ).content.decode()
        export = client.get("/backoffice/herverdeling/vo-2024/herverdeling.xlsx")
    run = Redistribution.objects.get()
    # 5,000,000 − 10 × 5.50 = 4,999,945.00 over 4 students: 1,249,986.25 each.
    assert run.per_student == Decimal("1249986.25") and run.recipients == 4
    assert "1.249.986,25" in report
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    line = next(r for r in rows if r[0] == '=HYPERLINK("http://evil")')
    assert line[2:6] == (10, 4, 4, 4999945.0)
    assert problems() == []


def test_mbo_has_no_redistribution_page(world):
    with clock.frozen(Q1):
        assert world["admin"].get("/backoffice/herverdeling/mbo-pilot/").status_code == 404


def test_only_the_back_office_sees_the_year_end_pages(world):
    bh = world["bh"]
    with clock.frozen(MIDNIGHT):
        assert bh.get("/backoffice/jaarafsluiting/").status_code == 403
        assert bh.post("/backoffice/jaarafsluiting/vo-2024/").status_code == 403
    assert not YearEnd.objects.exists()
    assert programme().code == "vo-2024"
