"""WCAG 2.1 A/AA (axe-core) on the evaluation pages: the school contact's questionnaire and
results on a phone, the programme office's pages on a desktop."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from cultuurkaart.portals.tests.test_accessibility import WCAG, sign_in

from ..services import budget, reports
from .factories import amstelland, contact, participation, questionnaire, staff, submitted

CLOCK = "2025-04-01T10:00:00+02:00"


def _violations(page, path):
    response = page.goto(page.base_url + path)
    assert response.status == 200, (path, response.status)
    result = Axe().run(page, options=WCAG)
    return [
        f"{path}: {v['id']} ({v['impact']}): {v['help']}" for v in result.response["violations"]
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_evaluation_pages_have_no_wcag_violations(page):
    page.context.set_extra_http_headers({"X-Clock": CLOCK})
    programme = amstelland()
    q = questionnaire(programme)
    for _ in range(5):
        submitted(q, participation(), {"visie1": 2, "visie2": 3, "samen1": 4, "regio1": 1})
    part = participation(kind="vo")
    budget.set_budget(
        programme,
        2025,
        {"lines": [{"category": "coordination", "planned": "40000", "realised": "45000"}]},
        actor=None,
    )
    report = reports.create_report(programme, 2025, actor=None)
    found = []
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, contact(part))
    found += _violations(page, f"/cmk/deelname/{part.pk}/vragenlijst/{q.pk}/")
    page.get_by_role("button", name="Vragenlijst indienen").click()  # with errors
    found += [
        f"questionnaire errors: {v['id']}"
        for v in Axe().run(page, options=WCAG).response["violations"]
    ]
    found += _violations(page, f"/cmk/deelname/{part.pk}/resultaten/")
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, staff(programme))
    p = programme.pk
    for path in (
        f"/cmk/{p}/vragenlijsten/",
        f"/cmk/{p}/vragenlijsten/{q.pk}/",
        f"/cmk/{p}/analyse/?questionnaire={q.pk}",
        f"/cmk/{p}/begroting/2025/",
        f"/cmk/{p}/begroting/2025/wijzigen/",
        f"/cmk/{p}/verantwoording/",
        f"/cmk/verantwoording/{report.pk}/",
        f"/cmk/{p}/cultuurkaart/",
    ):
        found += _violations(page, path)
    assert found == []
