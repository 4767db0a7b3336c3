"""Browser test of issue 13 (the CmK part): programme staff moves a school a step and records
an account conversation; the school's contact person sees the shared minutes, never the
staff-only part. (cmk_evaluation continues the chain: questionnaire, analysis, funder
report.) Screenshots at 1280 and 390 px go to $CK_SHOTS when set."""

from __future__ import annotations

import os

import pytest

from cultuurkaart.accounts.tests.factories import PASSWORD
from cultuurkaart.cmk.models import Conversation
from cultuurkaart.cmk.tests import factories as f

SHOTS = os.environ.get("CK_SHOTS")
CLOCK = "2025-05-12T10:00:00+02:00"


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
def test_staff_moves_a_step_and_records_a_conversation(page, browser):
    page.context.set_extra_http_headers({"X-Clock": CLOCK})
    programme = f.amstelland()
    part = f.participation(programme, kind="po", track="track-2")
    staff = f.staff(programme)
    contact = f.contact(part)

    _sign_in(page, staff)
    page.goto(page.base_url + "/cmk/")
    page.get_by_role("link", name="Naar het overzicht").click()
    _shot(page, "cmk-dashboard")
    page.get_by_role("link", name="Scholen en instellingen").first.click()
    page.get_by_role("link", name=part.location.name).click()
    assert "prospect" in page.get_by_test_id("cmk-track").inner_text()

    # a step forward: step 3, the school is no longer a prospect
    page.get_by_label("Naar stap").select_option("3")
    page.get_by_role("button", name="Stap opslaan").click()
    page.wait_for_load_state()
    current = page.get_by_test_id("current-step")
    assert "Opleiden van icc" in current.inner_text() and "12-5-2025" in current.inner_text()
    # back without a reason is refused
    page.get_by_label("Naar stap").select_option("1")
    page.get_by_role("button", name="Stap opslaan").click()
    assert "reden" in page.locator(".messages").inner_text().lower()
    assert "Opleiden van icc" in page.get_by_test_id("current-step").inner_text()

    # the account conversation with a shared and a staff-only part and an action
    form = page.get_by_test_id("conversation-form")
    form.get_by_label("Gehouden op").fill("2025-05-12")
    form.get_by_label("Verslag, gedeeld met de school").fill("Afspraak: icc-opleiding in juni.")
    form.get_by_label("Verslag, alleen voor het programmabureau").fill("Directie twijfelt.")
    form.locator("[name=action_text]").fill("Inschrijven icc-opleiding")
    page.get_by_role("button", name="Gesprek opslaan").click()
    page.wait_for_load_state()
    conversations = page.get_by_test_id("cmk-conversations").inner_text()
    assert "icc-opleiding in juni" in conversations and "Directie twijfelt" in conversations
    assert "Inschrijven icc-opleiding" in page.get_by_test_id("cmk-actions").inner_text()
    _shot(page, "cmk-participation-staff")
    assert Conversation.objects.filter(participation=part, held_on__isnull=False).count() == 1

    # the school's contact person: shared minutes and the action, not the staff-only part
    page.context.clear_cookies()
    _sign_in(page, contact)
    page.goto(page.base_url + f"/cmk/deelname/{part.pk}/")
    body = page.locator("main").inner_text()
    assert "icc-opleiding in juni" in body and "Inschrijven icc-opleiding" in body
    assert "Directie twijfelt" not in body
    assert page.get_by_test_id("step-form").count() == 0
    _shot(page, "cmk-participation-contact")
