"""Phone-sized end-to-end test (390 px): a student signs in, opens the dossier from the start
page, writes a reflection with the rich-text editor and a photo (with GPS data), saves it,
sees it with the photo on the timeline. The pages are checked for what an accessibility
scanner would flag first (axe is not available offline): every form control has a label, one
`main` landmark and one `h1`, images have alt text, buttons have names, no sideways scrolling.
Screenshots go to $CK_SCREENSHOTS when set."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from cultuurkaart.accounts.tests.factories import PASSWORD
from cultuurkaart.dossier.models import Item

from .factories import dossier_school, student
from .test_media import jpeg_with_gps

A11Y_CHECK = """() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const named = (el) => {
    if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return true;
    if (el.id && document.querySelector('label[for="' + el.id + '"]')) return true;
    return !!el.closest('label');
  };
  document.querySelectorAll('input, select, textarea, [contenteditable="true"]').forEach((el) => {
    if (el.type === 'hidden' || !visible(el)) return;
    if (!named(el)) problems.push('unlabelled ' + el.outerHTML.slice(0, 80));
  });
  document.querySelectorAll('button, a[href]').forEach((el) => {
    if (!visible(el)) return;
    const img = el.querySelector('img[alt]');
    const name = (el.getAttribute('aria-label') || el.textContent || (img && img.alt) || '').trim();
    if (!name) problems.push('nameless ' + el.outerHTML.slice(0, 80));
  });
  document.querySelectorAll('img').forEach((el) => {
    if (!el.hasAttribute('alt')) problems.push('no alt ' + el.outerHTML.slice(0, 80));
  });
  if (document.querySelectorAll('main').length !== 1) problems.push('main landmarks');
  if (document.querySelectorAll('h1').length !== 1) problems.push('h1 count');
  if (!document.documentElement.lang) problems.push('no lang');
  const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
  if (new Set(ids).size !== ids.length) problems.push('duplicate ids');
  return problems;
}"""


def _shot(page, name: str) -> None:
    folder = os.environ.get("CK_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def _check(page) -> None:
    assert page.evaluate(A11Y_CHECK) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_student_writes_a_reflection_with_an_image_on_a_phone(phone_page, tmp_path):
    page = phone_page
    base = page.base_url
    pupil = student(dossier_school(), group="3B")
    photo = tmp_path / "museum.jpg"
    photo.write_bytes(jpeg_with_gps(400, 300))

    page.goto(base + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(pupil.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Mijn dossier").click()
    page.get_by_role("link", name="Reflectie schrijven").click()
    _check(page)
    _shot(page, "dossier-editor-390.png")

    page.get_by_label("Titel").fill("Wat ik zag in het museum")
    page.get_by_label("Vraag waarop je reflecteert").fill("Wat viel je op?")
    editor = page.get_by_role("textbox", name="Tekst")
    editor.click()
    page.keyboard.type("Het licht op het schilderij ")
    page.get_by_role("button", name="Vet").click()
    page.keyboard.type("was prachtig")
    page.get_by_label("Reflecteren").check()
    page.get_by_label("Foto, video, geluid of pdf toevoegen").set_input_files(str(photo))
    page.get_by_label("Beschrijving van de foto of het bestand").fill("Schilderij met veel licht")
    page.get_by_role("button", name="Opslaan", exact=True).click()

    page.get_by_text("Opgeslagen in je dossier.").wait_for()
    image = page.get_by_role("img", name="Schilderij met veel licht")
    image.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", image.element_handle())
    _check(page)
    _shot(page, "dossier-item-390.png")

    item = Item.objects.get()
    assert (item.type, item.prompt, item.reflecteren, item.visibility) == (
        "reflection",
        "Wat viel je op?",
        1,
        "teachers",
    )
    assert "<strong>was prachtig</strong>" in item.body or "<b>was prachtig</b>" in item.body
    with default_storage.open(item.media.get().file, "rb") as fh:
        assert not Image.open(io.BytesIO(fh.read())).getexif()

    page.get_by_role("link", name="Terug naar mijn dossier").click()
    page.get_by_role("heading", name="Wat ik zag in het museum").wait_for()
    _check(page)
    _shot(page, "dossier-timeline-390.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_teacher_views_a_students_dossier_on_a_phone_and_the_view_is_logged(phone_page):
    from cultuurkaart.dossier.models import PortfolioView
    from cultuurkaart.dossier.services import access
    from cultuurkaart.memberships.models import Membership

    from .factories import ItemFactory, teacher

    page = phone_page
    base = page.base_url
    school = dossier_school()
    pupil = student(school, group="3B")
    ItemFactory(portfolio=access.portfolio_for(pupil), title="Mijn toneelstuk", type="product")
    ItemFactory(portfolio=access.portfolio_for(pupil), title="Dagboek", visibility="private")
    teacher_user = teacher(school)
    person = Membership.objects.get(user=pupil).person

    page.goto(base + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(teacher_user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"{base}/school/{school.pk}/dossier/leerlingen/")
    page.get_by_role("link", name=f"{person.first_name} {person.last_name}").click()
    page.get_by_role("heading", name="Mijn toneelstuk").wait_for()
    assert page.get_by_text("Dagboek").count() == 0
    _check(page)
    _shot(page, "dossier-teacher-390.png")
    assert PortfolioView.objects.filter(viewer=teacher_user, channel="page").count() == 1
