"""In a browser (issue 13 gaps): staff records a planned conversation and a planned meeting as
held, edits a track's steps (a new version) and the matching of a year. With CK_SHOTS set,
each page is saved at 1280 and 390 px."""

from __future__ import annotations

import datetime as dt

import pytest

from cultuurkaart.cmk.models import Conversation, Meeting, Track
from cultuurkaart.cmk.services import activities, conversations
from cultuurkaart.cmk.tests import factories as f
from cultuurkaart.cmk.tests.test_browser import CLOCK, _shot, _sign_in
from cultuurkaart.core import clock


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_records_held_items_and_edits_tracks_and_matching(page, browser):
    page.context.set_extra_http_headers({"X-Clock": CLOCK})
    page.set_default_timeout(60000)  # a shared, loaded machine
    programme = f.amstelland()
    part = f.participation(programme, kind="po", track="track-1")
    with clock.frozen(dt.datetime(2025, 4, 1, 10, tzinfo=clock.AMSTERDAM)):
        conv = conversations.record_conversation(part, planned_on=dt.date(2025, 5, 6), actor=None)
        meeting = activities.record_meeting(
            programme,
            level="regional",
            topic="Netwerk cultuurcoördinatoren",
            held_on="2025-05-08",
            actor=None,
        )
    staff = f.staff(programme)
    _sign_in(page, staff)

    # the planned conversation, from the school's page
    page.goto(f"{page.base_url}/cmk/deelname/{part.pk}/")
    page.get_by_test_id("conversation-held-link").click()
    form = page.get_by_test_id("conversation-held-form")
    form.get_by_label("Gehouden op").fill("2025-05-07")
    form.get_by_label("Verslag, gedeeld met de school").fill("Afspraak: Evi invullen voor juni.")
    form.get_by_label("Verslag, alleen voor het programmabureau").fill("Directie wisselt.")
    form.get_by_label("Acties").fill("Evi invullen; 2025-06-01")
    _shot(page, "cmk-conversation-held")
    page.get_by_role("button", name="Vastleggen als gehouden").click()
    page.wait_for_load_state()
    assert "Evi invullen" in page.get_by_test_id("cmk-actions").inner_text()
    assert Conversation.objects.get(pk=conv.pk).held_on == dt.date(2025, 5, 7)

    # the planned meeting
    page.goto(f"{page.base_url}/cmk/{programme.pk}/kennisdeling/")
    page.get_by_test_id("meeting-held-link").click()
    page.get_by_label("Aanwezig").fill("Gemeente Amstelveen; 2\nMuseum; 3")
    _shot(page, "cmk-meeting-held")
    page.get_by_role("button", name="Vastleggen als gehouden").click()
    page.wait_for_load_state()
    assert "Museum (3)" in page.get_by_test_id("cmk-meetings").inner_text()
    _shot(page, "cmk-meetings")
    assert Meeting.objects.get(pk=meeting.pk).status == "held"

    # the track (used: a new version)
    page.goto(f"{page.base_url}/cmk/{programme.pk}/sporen/")
    _shot(page, "cmk-tracks")
    page.get_by_role("link", name="Stappen wijzigen").first.click()
    assert page.get_by_test_id("new-version-notice").is_visible()
    page.locator("[name=steps-0-description]").fill("De nulmeting met Evi.")
    page.locator("[name=steps-5-order]").fill("6")
    page.locator("[name=steps-5-name]").fill("Borging")
    _shot(page, "cmk-track-edit")
    page.get_by_role("button", name="Stappen opslaan").click()
    page.wait_for_load_state()
    current = Track.objects.get(programme=programme, code="track-1", is_current=True)
    assert current.version == 2 and current.steps.count() == 6
    assert "versie 2" in page.content()

    # the matching of 2025
    page.goto(f"{page.base_url}/cmk/{programme.pk}/matching/")
    page.get_by_role("link", name="Matching 2025 wijzigen").click()
    page.locator("[name=amount_0]").fill("33705,00")
    page.locator("[name=realised_0]").fill("1,234")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() == 1
    _shot(page, "cmk-matching-edit-error")
    page.locator("[name=realised_0]").fill("30000")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert "33705.00" in page.get_by_test_id("matching-2025").inner_text()
    _shot(page, "cmk-matching")
