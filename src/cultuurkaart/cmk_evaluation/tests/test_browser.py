"""Browser test of issue 13 (the evaluation part, continuing cmk/tests/test_browser.py): a
school contact fills in the questionnaire on a phone (the draft autosaves), submits it →
staff opens the regional analysis → freezes the funder report and downloads the Excel
workbook, opened here with openpyxl. Screenshots at 1280 and 390 px go to $CK_SHOTS."""

from __future__ import annotations

import io
import os
from pathlib import Path

import openpyxl
import pytest

from cultuurkaart.accounts.tests.factories import PASSWORD

from ..constants import ResponseStatus
from ..models import FunderReport, Response
from .factories import amstelland, contact, participation, questionnaire, staff, submitted

SHOTS = os.environ.get("CK_SHOTS")
CLOCK = "2025-04-01T10:00:00+02:00"


def _sign_in(page, user):
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()


def _shot(page, name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_contact_submits_then_staff_analyses_and_reports(page):
    page.context.set_extra_http_headers({"X-Clock": CLOCK})
    programme = amstelland()
    q = questionnaire(programme)
    for _ in range(4):  # four other schools: with this one, five (shown)
        submitted(q, participation(), {"visie1": 2, "visie2": 2, "samen1": 2, "regio1": 2})
    part = participation()
    school_contact = contact(part)
    office = staff(programme)

    # 1. The school contact, on a phone: answers autosave as a draft, then submits.
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, school_contact)
    page.goto(page.base_url + f"/cmk/deelname/{part.pk}/vragenlijst/{q.pk}/")
    page.get_by_role("group", name="Er is een gedeelde visie.").get_by_label("4").check()
    page.locator("form[data-autosaved]").wait_for()
    draft = Response.objects.get(participation=part)
    assert draft.status == ResponseStatus.DRAFT and draft.answers == {"visie1": 4}
    page.get_by_role("group", name="De visie staat in het schoolplan.").get_by_label("3").check()
    page.get_by_role("group", name="Wij werken samen.").get_by_label("4").check()
    page.get_by_role("group", name="Wij kennen het regionale aanbod.").get_by_label("5").check()
    page.get_by_label("ICC'er").check()
    _shot(page, "cmk-questionnaire")
    page.get_by_role("button", name="Vragenlijst indienen").click()
    page.get_by_role("heading", name="Resultaten van uw school").wait_for()
    assert "ingediend" in page.locator(".messages").inner_text()
    assert Response.objects.get(participation=part).status == ResponseStatus.SUBMITTED
    _shot(page, "cmk-results")
    page.get_by_role("button", name="Uitloggen").click()

    # 2. Staff open the regional analysis: five schools, the figures are shown.
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, office)
    page.goto(page.base_url + f"/cmk/{programme.pk}/analyse/?questionnaire={q.pk}")
    assert "5 scholen hebben ingediend" in page.locator("main").inner_text()
    visie1 = page.locator("table.analysis tr", has_text="visie1").first
    assert "2,4" in visie1.inner_text()  # (4 × 2 + 4) / 5
    _shot(page, "cmk-analysis")

    # 3. The funder report: freeze 2025 and download the workbook.
    page.get_by_role("link", name="Verantwoording").click()
    page.get_by_label("Jaar").select_option("2025")
    page.get_by_role("button", name="Verantwoording vastleggen").click()
    page.get_by_role("heading", name="Verantwoording 2025").wait_for()
    report = FunderReport.objects.get()
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel-bestand downloaden").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert "Begroting" in book.sheetnames and "Scholen" in book.sheetnames
    assert book["Verantwoording"]["B5"].value == report.sha256
    planned = {r[0]: r[2] for r in book["Begroting"].iter_rows(min_row=2, values_only=True)}
    assert planned["Subsidie FCP"] == 134812 and planned["Totale lasten"] == 279624
    _shot(page, "cmk-report")
