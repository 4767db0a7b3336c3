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


def _shot(page, name, widths=(390,)):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    size = page.viewport_size
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)


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
    assert violations(page, "/mijn-dossier/export/") == []
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_school_picks_participants_and_a_teacher_imports_at_390(phone_page):
    """The budget holder picks a class for a web order and approves it; the student's draft
    visit is there. The import page passes axe. Both at 390 px."""
    from cultuurkaart.dossier.models import Item

    from .factories import SPEND_AT, budget_holder, funded_dossier_school, pending_weborder
    from .factories import teacher as make_teacher

    page = phone_page
    page.context.set_extra_http_headers({"X-Clock": SPEND_AT.isoformat()})
    school = funded_dossier_school()
    pupil = student(school, group="3B")
    student(school, group="4A")
    weborder = pending_weborder(school)
    holder = budget_holder(school)
    sign_in(page, holder)
    path = f"/school/{school.pk}/webbestellingen/{weborder.pk}/deelnemers/"
    assert violations(page, path) == []
    page.get_by_label("3B", exact=True).check()
    page.get_by_role("button", name="Deelnemers opslaan").click()
    page.wait_for_load_state()
    assert page.get_by_label("3B", exact=True).is_checked()
    _shot(page, "dossier-participants", widths=(1280, 390))
    page.goto(page.base_url + f"/school/{school.pk}/webbestellingen/")
    page.get_by_role("button", name="Goedkeuren", exact=True).click()
    page.wait_for_load_state()
    (draft,) = Item.objects.filter(portfolio__owner=pupil)
    assert draft.is_draft and draft.type == "visit" and draft.prompt
    page.context.clear_cookies()
    sign_in(page, make_teacher(school))
    assert violations(page, f"/school/{school.pk}/dossier/import/") == []
    _shot(page, "dossier-import", widths=(1280, 390))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_carried_feedback_pages_are_accessible(phone_page):
    """Feedback from an earlier school (decision DT-4) on the student's item page, the
    student's list and the new school's teacher view: read-only, with school and date."""
    from cultuurkaart.dossier.services import access
    from cultuurkaart.dossier_transfer.models import CarriedFeedback

    from .factories import teacher

    page = phone_page
    page.set_default_timeout(60000)  # a shared, loaded machine
    school = dossier_school()
    user = student(school)
    product = item(user, type="product", title="Mijn decor", creeren=2, visibility="teachers")
    portfolio = access.portfolio_for(user)
    released = dt.datetime(2024, 2, 12, 15, 0, tzinfo=dt.UTC)
    for key, title, linked, comment in (
        ("ck:fb:1", "Decor", product, "Sterk hoe je het hout hebt bewerkt."),
        ("ck:fb:2", "Toneel", None, "Je tekst was goed opgebouwd."),
    ):
        CarriedFeedback.objects.create(
            portfolio=portfolio, key=key, item=linked, school_name="Het Eerste College",
            assignment_title=title, released_at=released, comment=comment, grade="8",
            rubric=[{"criterion": "Techniek", "level": "sterk"}], source="import",
        )  # fmt: skip
    sign_in(page, user)
    for path, name in (
        (f"/mijn-dossier/{product.pk}/", "carried-feedback-item"),
        ("/mijn-dossier/eerdere-feedback/", "carried-feedback-list"),
        ("/mijn-dossier/", "carried-feedback-timeline"),
    ):
        assert violations(page, path) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        if "feedback-timeline" not in name:
            assert "Het Eerste College" in page.content()
        _shot(page, name, widths=(390, 1280))
    t = teacher(school)
    person = user.memberships.get(school=school).person
    page.context.clear_cookies()
    sign_in(page, t)
    path = f"/school/{school.pk}/dossier/leerlingen/{person.pk}/"
    assert violations(page, path) == []
    shown = page.get_by_test_id("carried-feedback").inner_text()
    assert "Sterk hoe je" in shown and "Je tekst was" not in shown
    _shot(page, "carried-feedback-teacher", widths=(390, 1280))
