"""Issue 8, point 21: the two-factor set-up QR code shows and scans."""

import io
from urllib.parse import unquote

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import PASSWORD, UserFactory, with_role

from .test_roles_and_login import login

pytestmark = pytest.mark.django_db


def test_the_two_factor_qr_code_is_a_complete_svg_document(budget_holder):
    """Issue 8 point 21: as an <img> the SVG needs its namespace and a viewBox."""
    client = Client()
    login(client, budget_holder.email)
    uri = client.get("/accounts/tweestaps/").context["qr"]
    assert uri.startswith("data:image/svg+xml")
    svg = unquote(uri.split(",", 1)[1])
    assert (
        "xmlns='http://www.w3.org/2000/svg'" in svg or 'xmlns="http://www.w3.org/2000/svg"' in svg
    )
    assert "viewBox" in svg


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_two_factor_qr_code_decodes_to_the_device_url(page):
    """Render the set-up page in Chromium and decode the QR code (zxing-cpp)."""
    import zxingcpp
    from PIL import Image

    user = with_role(UserFactory(), RoleName.ADMIN)
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    image = page.get_by_alt_text("QR-code voor de authenticator-app")
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    result = zxingcpp.read_barcode(
        Image.open(io.BytesIO(image.screenshot())), formats=zxingcpp.BarcodeFormat.QRCode
    )
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert result is not None and result.text == device.config_url
