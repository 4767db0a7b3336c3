"""Browser test at 390 px (issue 12 point 8): the student exports the portfolio, downloads
the zip, and the offline index.html (file://, no server) opens and shows the items. axe finds
no WCAG 2.1 A/AA violations on the export page. Screenshots go to $CK_SHOTS when set."""

from __future__ import annotations

import datetime as dt
import os
import zipfile

import pytest

from cultuurkaart.dossier.tests.factories import dossier_school
from cultuurkaart.portals.tests.test_accessibility import sign_in, violations

from .factories import add_media, item, png, student

SHOTS = os.environ.get("CK_SHOTS")


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-390.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_student_exports_and_the_offline_index_shows_the_items(phone_page, tmp_path):
    page = phone_page
    school = dossier_school()
    user = student(school)
    item(user, title="Bezoek aan het Rijksmuseum", occurred_on=dt.date(2024, 2, 1), reflecteren=2)
    product = item(user, type="product", title="Mijn linoleumsnede", creeren=3)
    add_media(product, png(size=(40, 30)), alt="Afdruk in rood")
    sign_in(page, user)
    assert violations(page, "/mijn/dossier/export/") == []
    page.get_by_test_id("start-export").click()
    page.wait_for_load_state()
    link = page.get_by_test_id("download").first
    link.wait_for()
    _shot(page, "dossier-export")
    with page.expect_download() as info:
        link.click()
    target = tmp_path / "export.zip"
    info.value.save_as(target)
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(target) as zf:
        zf.extractall(folder)
    page.context.clear_cookies()  # offline: nothing of the platform is needed
    page.goto((folder / "index.html").as_uri())
    articles = page.locator("article")
    assert articles.count() == 2
    text = page.locator("main").inner_text()
    assert "Bezoek aan het Rijksmuseum" in text and "Mijn linoleumsnede" in text
    image = page.get_by_role("img", name="Afdruk in rood")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 40
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "dossier-export-offline")
