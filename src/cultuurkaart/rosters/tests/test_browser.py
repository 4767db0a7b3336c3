"""End to end in the browser: template → fill → validate (red) → fix → validate (green)
→ upload with confirmation → the list."""

from __future__ import annotations

import io
import os

import openpyxl
import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import (
    PASSWORD,
    UserFactory,
    current_code,
    totp_device,
    with_role,
)
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools.tests.factories import SchoolFactory

SCREENS = os.environ.get("CK_SCREENS_DIR")  # set to save screenshots (not part of the repo)


def shot(page, name):
    if SCREENS:
        os.makedirs(SCREENS, exist_ok=True)
        page.screenshot(path=os.path.join(SCREENS, name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_template_validate_fix_upload_list(page, tmp_path):
    school = SchoolFactory(name="Het Amstel College")
    bh = with_role(UserFactory(email="bea@amstel.example"), RoleName.BUDGET_HOLDER, school=school)
    device = totp_device(bh)

    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(bh.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw authenticator-app").fill(current_code(device))
    page.get_by_role("button", name="Bevestigen").click()

    page.goto(f"{page.base_url}/school/{school.pk}/")
    page.get_by_role("link", name="Beheer leerlingen").click()
    page.get_by_role("link", name="Validatietool").first.click()
    shot(page, "roster_upload.png")

    with page.expect_download() as info:
        page.get_by_role("link", name="Template downloaden (template_leerlingen.xlsx)").click()
    template = info.value
    assert template.suggested_filename == "template_leerlingen.xlsx"
    downloaded = tmp_path / template.suggested_filename
    template.save_as(downloaded)
    book = openpyxl.load_workbook(downloaded)
    sheet = book.worksheets[0]
    rows = [
        ["Sanne", "de Vries", "sanne@amstel.example", "0612345678", "Hoofdgebouw", 1, "1A"],
        ["Daan", "Jansen", "", "+31 6 2345 6789", "Hoofdgebouw", 7, "1A"],
        ["Leerling 3", "achternaam3", "", "", "Hoofdgebouw", 2, "2B"],
    ]
    for r, row in enumerate(rows, start=5):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value or None)
    bad = tmp_path / "leerlingen.xlsx"
    book.save(bad)

    page.get_by_label("Ingevuld sjabloon (.xlsx of .xls)").set_input_files(str(bad))
    page.get_by_role("button", name="Valideer bestand").click()
    red = page.get_by_test_id("result-error")
    red.wait_for()
    assert "2 fouten gevonden" in red.inner_text()
    errors = page.locator("table.ck-errors tbody tr")
    assert errors.count() == 2
    assert errors.nth(0).inner_text().split("\t")[:2] == ["5", "Mobiel nummer"]
    assert "+316" in errors.nth(0).inner_text()
    assert errors.nth(1).inner_text().split("\t")[:2] == ["6", "Leerjaar"]
    shot(page, "roster_validate_red.png")

    sheet.cell(row=5, column=4, value="+31612345678")
    sheet.cell(row=6, column=6, value=1)
    buffer = io.BytesIO()
    book.save(buffer)
    good = tmp_path / "leerlingen-verbeterd.xlsx"
    good.write_bytes(buffer.getvalue())

    page.get_by_role("link", name="Verbeterd bestand kiezen").click()
    page.get_by_label("Ingevuld sjabloon (.xlsx of .xls)").set_input_files(str(good))
    page.get_by_role("button", name="Valideer bestand").click()
    green = page.get_by_test_id("result-ok")
    green.wait_for()
    assert "3 personen gecontroleerd" in green.inner_text()
    assert Person.objects.count() == 0
    shot(page, "roster_validate_green.png")

    page.get_by_label("Ik bevestig dat dit bestand alle leerlingen bevat").check()
    page.get_by_role("button", name="Upload bestand en vervang de lijst").click()
    done = page.get_by_test_id("result-ok")
    done.wait_for()
    assert "De lijst is vervangen" in done.inner_text() and "Toegevoegd: 3" in done.inner_text()
    shot(page, "roster_upload_done.png")

    page.get_by_role("link", name="Naar de lijst").click()
    table = page.locator("table.ck-people")
    assert "Sanne" in table.inner_text() and "Leerling 3" in table.inner_text()
    assert (
        page.get_by_test_id("roster-summary")
        .inner_text()
        .startswith("Er staan 3 leerlingen op de lijst.")
    )
    shot(page, "roster_list.png")
    assert Person.objects.filter(school=school).count() == 3
