"""Phone-sized end-to-end test (390 px): a teacher creates an assignment for a class → the
student writes a text, uploads an image (into their dossier) and submits → the teacher gives
feedback and releases it → the student sees it. axe finds no serious violations on the
student's pages. Screenshots go to $CK_SCREENSHOTS when set."""

from __future__ import annotations

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from cultuurkaart.core import clock
from cultuurkaart.portals.tests.test_accessibility import WCAG, sign_in
from cultuurkaart.teaching.models import Submission

from .factories import NOW, dossier_school, png_bytes, student, teacher


def _shot(page, name: str) -> None:
    folder = os.environ.get("CK_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def _phone(browser, base):
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_extra_http_headers({"X-Clock": NOW.isoformat()})
    page = context.new_page()
    page.base_url = base
    page.set_default_timeout(15000)
    return page


def _serious(page) -> list[str]:
    result = Axe().run(page, options=WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_assignment_submit_feedback_release_on_a_phone(phone_page, browser, settings, tmp_path):
    # Files on disk, as in the embedded default (the test settings' InMemoryStorage shared
    # between the test thread and the live server's threads lost the PostgreSQL connection of
    # the request that copied a file).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    base = phone_page.base_url
    phone_page.context.set_extra_http_headers({"X-Clock": NOW.isoformat()})
    with clock.frozen(NOW):
        school = dossier_school()
        t = teacher(school)
        ann = student(school, group="3B")
        student(school, group="3B")

    # 1. The teacher sets an assignment for class 3B (on a phone).
    tp = phone_page
    sign_in(tp, t)
    tp.goto(f"{base}/school/{school.pk}/dossier/opdrachten/nieuw/")
    tp.get_by_label("Titel").fill("Museumbezoek")
    tp.get_by_label("Instructie").fill("Beschrijf het werk dat je het mooist vond.")
    tp.get_by_label("3B (2)").check()
    tp.get_by_label("Inleveren vóór").fill("2024-03-11T17:00")
    tp.get_by_label("Reflecteren").check()
    tp.get_by_label("Rubric (optioneel)").fill("Beschrijving | begin | op weg | sterk")
    assert _serious(tp) == []
    _shot(tp, "teaching-1-new-assignment-390.png")
    _fits(tp)
    tp.get_by_test_id("create").click()
    tp.get_by_test_id("progress").wait_for()
    assert "Museumbezoek" in tp.content()
    assert _serious(tp) == []

    # 2. The student opens it, writes, adds the image from the dossier and submits.
    sp = _phone(browser, base)
    sign_in(sp, ann)
    sp.goto(f"{base}/mijn-opdrachten/")
    assert _serious(sp) == []
    _fits(sp)
    sp.get_by_role("link", name="Museumbezoek").click()
    sp.get_by_label("Jouw tekst").fill("Ik vond de zonnebloemen het mooist.")
    sp.get_by_label("Nieuw bestand toevoegen (foto, video, audio of pdf)").set_input_files(
        files=[{"name": "schilderij.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    sp.get_by_label("Wat is er te zien? (voor wie het niet kan zien)").fill(
        "Foto van mijn schilderij"
    )
    sp.get_by_test_id("save-draft").click()
    sp.get_by_test_id("work-form").wait_for()
    # the image is in the dossier now, shown through a signed URL, and chosen for the work
    assert sp.locator(".work-media img[alt='Foto van mijn schilderij']").count() == 1
    assert sp.get_by_label("Foto van mijn schilderij").is_checked()
    assert _serious(sp) == []
    _fits(sp)
    _shot(sp, "teaching-2-student-work-390.png")
    sp.get_by_test_id("submit").click()
    sp.get_by_test_id("submissions").wait_for()
    sub = Submission.objects.get()
    assert sub.text == "Ik vond de zonnebloemen het mooist." and sub.files.count() == 1

    # 3. The teacher reads it, gives feedback with a rubric level and releases it.
    tp.goto(f"{base}/school/{school.pk}/dossier/opdrachten/{sub.assignment_id}/")
    tp.get_by_test_id("submission-link").click()
    assert tp.locator("img.submitted-image").count() == 1
    assert _serious(tp) == []
    tp.get_by_label("Feedback").fill("Mooi hoe je de kleuren beschrijft.")
    tp.get_by_label("sterk").check()
    tp.get_by_test_id("save-feedback").click()
    tp.get_by_role("link", name="Terug naar de opdracht").click()
    _fits(tp)
    tp.get_by_test_id("release").click()
    tp.get_by_text("vrijgegeven", exact=True).wait_for()

    # 4. The student sees the released feedback.
    sp.goto(f"{base}/mijn-opdrachten/")
    assert "beoordeeld" in sp.content()
    sp.get_by_role("link", name="Museumbezoek").click()
    feedback = sp.get_by_test_id("released-feedback")
    feedback.wait_for()
    assert "Mooi hoe je de kleuren beschrijft." in feedback.inner_text()
    assert "sterk" in feedback.inner_text()
    assert _serious(sp) == []
    _fits(sp)
    _shot(sp, "teaching-3-student-feedback-390.png")
    sp.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_class_overview_and_growth_charts_are_accessible(page):
    from cultuurkaart.dossier.services import access
    from cultuurkaart.dossier.tests.factories import ItemFactory
    from cultuurkaart.teaching.services import classes

    from .factories import person_of

    page.context.set_extra_http_headers({"X-Clock": NOW.isoformat()})
    school = dossier_school()
    t = teacher(school)
    for _i in range(3):
        pupil = student(school, group="3B")
        ItemFactory(portfolio=access.portfolio_for(pupil), reflecteren=2, visibility="teachers")
    sign_in(page, t)
    page.goto(
        f"{page.base_url}/school/{school.pk}/dossier/klassen/{classes.class_id(school.pk, '3B')}/"
    )
    assert page.locator("svg.chart rect").count() >= 3
    assert page.locator("#overview-table tbody tr").count() == 3
    assert _serious(page) == []
    _shot(page, "teaching-4-class-overview-desktop.png")
    page.goto(f"{page.base_url}/school/{school.pk}/dossier/groei/{person_of(pupil).pk}/")
    assert page.locator("#growth-table tbody tr").count() == 12
    assert _serious(page) == []
    _shot(page, "teaching-5-growth-desktop.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_named_groups_on_a_phone_and_on_a_desktop(phone_page, browser):
    """A teacher makes "Groep A – dans" in 3B at 390 px, then gives it an assignment; the
    pages fit the phone and axe finds nothing serious (desktop screenshots too)."""
    from cultuurkaart.teaching.models import Assignment, ClassGroup
    from cultuurkaart.teaching.services import classes

    from .factories import person_of

    base = phone_page.base_url
    phone_page.context.set_extra_http_headers({"X-Clock": NOW.isoformat()})
    with clock.frozen(NOW):
        school = dossier_school()
        t = teacher(school)
        ann = student(school, group="3B")
        student(school, group="3B")
    cid = classes.class_id(school.pk, "3B")
    tp = phone_page
    tp.set_default_timeout(60000)  # a shared, loaded machine
    sign_in(tp, t)
    tp.goto(f"{base}/school/{school.pk}/dossier/klassen/")
    tp.get_by_role("link", name="Groepen in 3B").click()
    tp.get_by_label("Naam van de groep").fill("Groep A – dans")
    name = f"{person_of(ann).last_name}, {person_of(ann).first_name}"
    tp.get_by_label(name).check()
    assert _serious(tp) == []
    _fits(tp)
    _shot(tp, "groups-1-new-390.png")
    tp.get_by_test_id("create-group").click()
    tp.get_by_test_id("groups").wait_for()
    group = ClassGroup.objects.get()
    assert "Groep A – dans" in tp.get_by_test_id("groups").inner_text()
    _fits(tp)
    _shot(tp, "groups-2-list-390.png")
    tp.get_by_role("link", name="Groep A – dans").click()
    tp.get_by_test_id("group-edit").wait_for()
    assert _serious(tp) == []
    _fits(tp)
    _shot(tp, "groups-3-edit-390.png")
    tp.goto(f"{base}/school/{school.pk}/dossier/opdrachten/nieuw/")
    tp.get_by_label("Titel").fill("Dansen")
    tp.get_by_label("3B · Groep A – dans").check()
    tp.get_by_label("Inleveren vóór").fill("2024-03-11T17:00")
    assert _serious(tp) == []
    _fits(tp)
    _shot(tp, "groups-4-assignment-390.png")
    tp.get_by_test_id("create").click()
    tp.get_by_test_id("progress").wait_for()
    assert Assignment.objects.get().targets.get().class_group_id == group.pk

    desk = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    desk.set_extra_http_headers({"X-Clock": NOW.isoformat()})
    dp = desk.new_page()
    dp.set_default_timeout(60000)
    dp.base_url = base
    sign_in(dp, t)
    for url, shot in (
        (f"/school/{school.pk}/dossier/klassen/{cid}/groepen/", "groups-2-list-desktop.png"),
        (f"/school/{school.pk}/dossier/groepen/{group.pk}/", "groups-3-edit-desktop.png"),
        (f"/school/{school.pk}/dossier/opdrachten/nieuw/", "groups-4-assignment-desktop.png"),
        (f"/school/{school.pk}/dossier/klassen/", "groups-0-classes-desktop.png"),
    ):
        dp.goto(base + url)
        assert _serious(dp) == []
        _shot(dp, shot)
    desk.close()
