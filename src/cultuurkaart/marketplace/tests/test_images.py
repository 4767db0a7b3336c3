"""Offer images (SPEC §10): content sniffing, EXIF and GPS removed, orientation applied,
two re-encoded sizes under random names, bombs and non-images refused, at most five,
served with nosniff to whom may see the offer."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.marketplace import services
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.marketplace.models import OfferImage

from .factories import image_bytes, make_offer, provider_person

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def upload(data: bytes, name: str = "foto.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def add(offer, data: bytes, name="foto.jpg"):
    return services.add_image(offer, upload(data, name), alt="Zaal", credit="CJP", actor=None)


def stored(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    return image


def test_a_jpeg_with_gps_exif_is_stored_without_any_exif():
    exif = Image.Exif()
    exif[0x010F] = "Camera BV"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 5.0)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 7.0)
    data = image_bytes(exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the upload has GPS
    image = add(make_offer(), data)
    for name in (image.large, image.small):
        assert name.startswith("offers/") and "foto" not in name
        saved = stored(name)
        assert not saved.getexif()
        assert "exif" not in saved.info
        assert saved.format == "JPEG"
    assert image.content_type == "image/jpeg"


def test_a_rotated_photo_is_stored_upright():
    source = Image.new("RGB", (1200, 800), (0, 0, 255))
    source.paste((255, 0, 0), (0, 0, 600, 800))  # left half red, right half blue
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: show it rotated 90° clockwise
    out = io.BytesIO()
    source.save(out, format="JPEG", exif=exif)
    image = add(make_offer(), out.getvalue())
    assert (image.width, image.height) == (800, 1200)
    large = stored(image.large).convert("RGB")
    assert large.size == (800, 1200)
    top, bottom = large.getpixel((400, 10)), large.getpixel((400, 1190))
    assert top[0] > 200 and top[2] < 60  # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60
    assert ORIENTATION not in stored(image.large).getexif()


def test_two_sizes_are_made_and_small_images_are_not_enlarged():
    image = add(make_offer(), image_bytes(size=(3200, 1600)))
    assert stored(image.large).size == (1600, 800)
    assert stored(image.small).size == (400, 200)
    modest = add(make_offer(), image_bytes(size=(1000, 700)))
    assert stored(modest.large).size == (1000, 700)


def test_a_png_named_jpg_is_judged_by_its_content():
    image = add(make_offer(), image_bytes("PNG", mode="RGBA", color=(0, 128, 0, 128)), "x.jpg")
    assert image.content_type == "image/png"
    assert image.large.endswith(".png")
    assert stored(image.large).format == "PNG"


def test_webp_is_accepted():
    image = add(make_offer(), image_bytes("WEBP"), "x.webp")
    assert image.content_type == "image/webp"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4 not an image at all" * 10, "not-an-image"),
        (b"GIF89a" + b"\x00" * 100, "not-an-image"),
        (image_bytes("GIF", size=(800, 600), mode="P"), "unsupported-type"),
        (image_bytes("BMP", size=(800, 600)), "unsupported-type"),
        (image_bytes(size=(599, 400)), "too-small"),
        (image_bytes(size=(600, 399)), "too-small"),
        (image_bytes()[:200], "broken-image"),
    ],
)
def test_what_is_not_an_acceptable_image_is_refused(data, code):
    offer = make_offer()
    with pytest.raises(ValidationFailed) as exc:
        add(offer, data)
    assert exc.value.errors[0]["code"] == code
    assert not OfferImage.objects.exists()


def test_a_decompression_bomb_is_refused_with_a_clear_message():
    bomb = image_bytes("PNG", size=(8000, 8000), mode="1", color=0)
    assert len(bomb) < 1_000_000  # small file, 64 megapixels
    with pytest.raises(ValidationFailed) as exc:
        add(make_offer(), bomb, "bomb.png")
    assert exc.value.errors[0]["code"] == "too-many-pixels"
    assert "megapixel" in exc.value.errors[0]["message"]


def test_a_file_over_ten_megabytes_is_refused(settings):
    big = upload(b"\xff\xd8" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as exc:
        services.add_image(make_offer(), big, alt="Zaal", credit="CJP", actor=None)
    assert exc.value.errors[0]["code"] == "too-large"


def test_alt_text_and_credit_are_required():
    offer = make_offer()
    for alt, credit, field in (("", "CJP", "alt"), ("Zaal", " ", "credit")):
        with pytest.raises(ValidationFailed) as exc:
            services.add_image(offer, upload(image_bytes()), alt=alt, credit=credit, actor=None)
        assert exc.value.errors[0]["field"] == field


def test_the_sixth_image_is_refused():
    offer = make_offer()
    for _ in range(5):
        add(offer, image_bytes(size=(600, 400)))
    with pytest.raises(services.TooManyImages):
        add(offer, image_bytes(size=(600, 400)))
    assert offer.images.count() == 5


def test_removing_an_image_deletes_its_files(django_capture_on_commit_callbacks):
    image = add(make_offer(), image_bytes())
    names = (image.large, image.small)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_image(image, actor=None)
    assert not any(default_storage.exists(n) for n in names)


def test_images_are_served_with_nosniff_to_whom_may_see_the_offer(admin):
    provider, person = provider_person()
    offer = make_offer(provider)
    image = add(offer, image_bytes())
    url = f"/aanbod/afbeeldingen/{image.pk}/small/"
    anonymous = Client()
    assert anonymous.get(url).status_code == 404  # pending: not public
    own = Client()
    own.force_login(person)
    response = own.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).size == (400, 267)
    offer.status = OfferStatus.PUBLISHED
    offer.save()
    assert anonymous.get(url).status_code == 200
    assert anonymous.get(f"/aanbod/afbeeldingen/{image.pk}/huge/").status_code == 404


def test_images_over_the_api(api_as, admin, django_capture_on_commit_callbacks):
    provider, person = provider_person()
    _, stranger = provider_person()
    offer = make_offer(provider)
    url = f"/offers/{offer.pk}/images"

    def post(user, data: bytes, alt="Zaal"):
        body = {"file": upload(data), "alt": alt, "credit": "Foto: CJP"}
        return api_as(user).client.post("/api/v1" + url, body, headers=api_as(user).headers)

    response = post(person, image_bytes())
    assert response.status_code == 201, response.content
    image = response.json()
    assert image["small_url"] == f"/aanbod/afbeeldingen/{image['id']}/small/"
    assert (image["width"], image["height"]) == (1200, 800)
    assert post(stranger, image_bytes()).status_code == 404
    assert post(admin, image_bytes()).status_code == 403
    refused = post(person, b"no image", alt="Zaal")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "file"
    for _ in range(4):
        assert post(person, image_bytes(size=(600, 400))).status_code == 201
    sixth = post(person, image_bytes(size=(600, 400)))
    assert sixth.status_code == 409 and sixth.json()["type"] == "too-many-images"
    detail = api_as(person).get(f"/offers/{offer.pk}").json()
    assert len(detail["images"]) == 5
    gone = f"{url}/{image['id']}"
    assert api_as(stranger).delete(gone).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert api_as(person).delete(gone).status_code == 204
    assert api_as(person).delete(gone).status_code == 404
    assert offer.images.count() == 4
