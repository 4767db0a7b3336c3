"""Phone-sized end-to-end test: invitation e-mail link → activation form → pass."""

import datetime as dt
import os
import re

import pytest
from django.core import mail

from cultuurkaart.core import clock
from cultuurkaart.memberships import services
from cultuurkaart.schools.models import Programme
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import VALID_PASSWORD, PersonFactory


def _running_programme() -> Programme:
    """The live server runs on the real clock: a programme whose membership still runs."""
    today = clock.today()
    return Programme.objects.create(
        code=f"vo-{today.year}-browser",
        kind="vo",
        name="VO Cultuurkaart (test)",
        rate_ocw="5.50",
        rate_school="11.00",
        rate_admin_fee="2.75",
        rate_teacher_fee="6.00",
        rate_voucher="5.50",
        order_from=today - dt.timedelta(days=30),
        order_until=today + dt.timedelta(days=60),
        roster_after=today - dt.timedelta(days=60),
        spend_from=today - dt.timedelta(days=30),
        spend_until=today + dt.timedelta(days=300),
        membership_until=dt.date(today.year + 1, 12, 31),
    )


def _shot(page, name: str) -> None:
    folder = os.environ.get("CK_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_invitation_link_activation_and_pass_on_a_phone(phone_page):
    page = phone_page
    school = SchoolFactory(name="Het Amstel Lyceum", programmes=[_running_programme()])
    person = PersonFactory(school=school, first_name="Lotte", email="lotte@student.example")
    mail.outbox.clear()
    services.invite_people(school, actor=None, person_ids=[person.pk])
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/activeren/#code=([A-Z0-9]+)", message.body)
    # the page's script fills the code from the fragment and drops it from the address bar
    page.goto(link.group(0))
    assert page.locator("#id_code").input_value() == link.group(1)
    assert "#" not in page.url
    _shot(page, "activate.png")
    page.get_by_label("Voornaam").fill("Lotte")
    page.get_by_label("Achternaam").fill("Visser")
    page.get_by_label("Dag").fill("14")
    page.get_by_label("Maand").fill("3")
    page.get_by_label("Jaar").fill(str(clock.today().year - 14))
    page.get_by_label("E-mailadres").fill("lotte.visser@example.org")
    page.get_by_label("Kies een wachtwoord").fill(VALID_PASSWORD)
    page.get_by_label("Ik ga akkoord met de voorwaarden en de privacyverklaring.").check()
    page.get_by_role("button", name="Activeer mijn Cultuurkaart").click()
    # 14 years old: the parents' checkbox is required
    page.get_by_role("heading", name="Er is iets niet goed ingevuld").wait_for()
    _shot(page, "activate-error.png")
    page.get_by_label("Kies een wachtwoord").fill(VALID_PASSWORD)
    page.locator("#id_parents_informed").check()
    page.get_by_role("button", name="Activeer mijn Cultuurkaart").click()

    page.get_by_test_id("pass").wait_for()
    assert "Lotte Visser" in page.get_by_test_id("pass-name").inner_text()
    assert page.get_by_test_id("pass-status").inner_text().strip() == "Geldig"
    assert page.get_by_test_id("pass-mark").inner_text().strip() == "Cultuurkaart"
    assert page.locator(".pass-qr svg").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone
    _shot(page, "pass.png")
    person.refresh_from_db()
    assert person.status == "active"


def _decode(png: bytes) -> str | None:
    """Decode the QR code in a screenshot (zxing-cpp); None when nothing can be read."""
    import io

    import zxingcpp
    from PIL import Image

    result = zxingcpp.read_barcode(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    return result.text if result is not None else None


def _sign_in(page, email: str, password: str) -> None:
    page.goto(page.base_url + "/accounts/login/?next=/mijn-pas/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pass_qr_code_decodes_on_a_phone_on_screen_and_printed(phone_page):
    """Issue 8 point 21: the QR code was cropped (an SVG without viewBox scaled by CSS)."""
    from .factories import activated

    page = phone_page
    school = SchoolFactory(programmes=[_running_programme()])
    membership = activated(PersonFactory(school=school))
    expected = services.pass_verification_url(membership)
    assert expected.startswith(page.base_url)

    _sign_in(page, membership.user.email, VALID_PASSWORD)
    qr = page.locator(".pass-qr svg")
    qr.wait_for()
    box = qr.bounding_box()
    assert box["width"] <= 390 and abs(box["width"] - box["height"]) < 1
    assert _decode(qr.screenshot()) == expected

    page.emulate_media(media="print")  # 3.2 cm wide on paper
    assert qr.bounding_box()["width"] < box["width"]
    assert _decode(qr.screenshot()) == expected
