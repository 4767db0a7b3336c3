"""Media (SPEC §11, API.md): sniffed by content, EXIF/GPS stripped (checked on the stored
file), thumbnails (video in the background), quotas (413 `quota-exceeded`), signed URLs that
expire and are checked again."""

import datetime as dt
import io
import json
import shutil
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from cultuurkaart.dossier.models import Media
from cultuurkaart.dossier.services import access
from cultuurkaart.dossier.services import media as media_service

from .factories import ItemFactory, dossier_school, student, teacher

pytestmark = pytest.mark.django_db
NOW = "2024-03-04T10:00:00+01:00"


def jpeg_with_gps(width=64, height=32) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 1.0)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 2.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _upload(api, data: bytes, name: str = "foto.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.client.post(
        "/api/v1/me/portfolio/media",
        {"file": SimpleUploadedFile(name, data, content_type="image/jpeg")},
        headers=api.headers,
    )


def test_exif_and_gps_are_gone_from_the_stored_file(api_as):
    pupil = student(dossier_school())
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test has GPS
    response = _upload(api_as(pupil), original)
    assert response.status_code == 201, response.content
    row = Media.objects.get(pk=response.json()["id"])
    with default_storage.open(row.file, "rb") as fh:
        stored = fh.read()
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif() and b"Exif" not in stored and b"PhoneMaker" not in stored
    assert image.size == (32, 64)  # the orientation was applied before stripping
    assert (row.kind, row.content_type, row.thumbnail_status) == ("image", "image/jpeg", "done")
    assert row.thumbnail and default_storage.exists(row.thumbnail)
    import hashlib

    assert row.sha256 == hashlib.sha256(stored).hexdigest() and row.size == len(stored)


def test_a_renamed_executable_is_refused(api_as):
    api = api_as(student(dossier_school()))
    executable = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100 + b"PE\x00\x00" + b"\x00" * 200
    )
    response = _upload(api, executable, "vakantie.jpg")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "unsupported-type"
    text = _upload(api, b"hallo, dit is gewoon tekst\n" * 10, "werkstuk.pdf")
    assert text.status_code == 422
    broken = _upload(api, b"\xff\xd8\xff\xe0" + b"\x00" * 200, "kapot.jpg")
    assert broken.status_code == 422
    assert not Media.objects.exists()


def test_pdf_and_audio_are_sniffed_by_content_not_name(api_as):
    api = api_as(student(dossier_school()))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = _upload(api, pdf, "foto.png")
    assert response.status_code == 201 and response.json()["kind"] == "pdf"
    assert response.json()["content_type"] == "application/pdf"


def test_per_file_and_per_member_quota_answer_413(api_as, settings):
    api = api_as(student(dossier_school()))
    image = jpeg_with_gps()
    settings.CK_DOSSIER_MAX_FILE_BYTES = len(image) - 1
    too_big = _upload(api, image)
    assert too_big.status_code == 413 and too_big.json()["type"] == "quota-exceeded"
    settings.CK_DOSSIER_MAX_FILE_BYTES = 10_000_000
    first = _upload(api, image)
    assert first.status_code == 201
    settings.CK_DOSSIER_QUOTA_BYTES = first.json()["size"] + 10
    full = _upload(api, image)
    assert full.status_code == 413 and full.json()["type"] == "quota-exceeded"
    assert Media.objects.count() == 1


def test_a_body_above_the_request_limit_is_quota_exceeded_too(api_as, settings):
    api = api_as(student(dossier_school()))
    settings.CK_MAX_MULTIPART_BYTES = 100
    response = _upload(api, jpeg_with_gps())
    assert response.status_code == 413 and response.json()["type"] == "quota-exceeded"


def _get(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_signed_url_serves_the_owner_with_nosniff_and_expires(api_as, settings):
    pupil = student(dossier_school())
    response = _upload(api_as(pupil, clock=NOW), jpeg_with_gps())
    url = response.json()["url"]
    client = Client()
    client.force_login(pupil)
    served = client.get(url, headers={"X-Clock": NOW})
    assert served.status_code == 200
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Type"] == "image/jpeg"
    assert "no-store" in served["Cache-Control"]
    # the link is signed on the platform clock; five minutes later it is dead
    assert client.get(url, headers={"X-Clock": "2024-03-04T10:04:59+01:00"}).status_code == 200
    assert client.get(url, headers={"X-Clock": "2024-03-04T10:05:01+01:00"}).status_code == 404
    tampered = url[:-3] + ("aaa" if not url.endswith("aaa/") else "bbb") + "/"
    assert client.get(tampered, headers={"X-Clock": NOW}).status_code == 404


def test_signed_url_is_for_one_user_who_may_still_see_it(api_as):
    school = dossier_school()
    pupil, classmate, own_teacher = student(school), student(school), teacher(school)
    row = Media.objects.get(pk=_upload(api_as(pupil), jpeg_with_gps()).json()["id"])
    url = media_service.signed_url(row, pupil)
    assert _get(classmate, url).status_code == 404  # someone else's link
    assert _get(None, url).status_code == 404
    # a teacher with their own link: only when the item is visible to teachers
    item = ItemFactory(portfolio=access.portfolio_for(pupil), visibility="private")
    row.item = item
    row.save()
    teacher_url = media_service.signed_url(row, own_teacher)
    assert _get(own_teacher, teacher_url).status_code == 404
    item.visibility = "teachers"
    item.save()
    assert _get(own_teacher, teacher_url).status_code == 200
    assert _get(classmate, media_service.signed_url(row, classmate)).status_code == 404
    item.visibility = "class"
    item.save()
    assert _get(classmate, media_service.signed_url(row, classmate)).status_code == 200


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_video_metadata_stripped_and_thumbnail_made_in_the_background(
    api_as, tmp_path, django_capture_on_commit_callbacks
):
    source = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=duration=1:size=160x120:rate=10", "-metadata", "location=+52.3700+004.8900/",
         "-metadata", "title=Mijn filmpje", "-pix_fmt", "yuv420p", str(source)],
        check=True,
    )  # fmt: skip
    data = source.read_bytes()
    assert b"loci" in data and b"Mijn filmpje" in data  # the location atom and a title
    pupil = student(dossier_school())
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(api_as(pupil), data, "clip.mov")
    assert response.status_code == 201, response.content
    row = Media.objects.get(pk=response.json()["id"])
    assert (row.kind, row.content_type) == ("video", "video/mp4")
    assert row.thumbnail_status == "done"  # ran after the commit (tests: in-process)
    with default_storage.open(row.file, "rb") as fh:
        stored = fh.read()
    assert b"loci" not in stored and b"Mijn filmpje" not in stored
    with default_storage.open(row.thumbnail, "rb") as fh:
        assert Image.open(fh).format == "JPEG"
    probe = tmp_path / "stored.mp4"
    probe.write_bytes(stored)
    tags = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format_tags", "-of", "json", str(probe)],
            capture_output=True,
            check=True,
        ).stdout
    )
    assert "location" not in json.dumps(tags)


def test_deleting_an_item_deletes_its_files(api_as, django_capture_on_commit_callbacks):
    pupil = student(dossier_school())
    api = api_as(pupil)
    media_id = _upload(api, jpeg_with_gps()).json()["id"]
    item = api.post(
        "/me/portfolio/items",
        {"type": "reflection", "title": "Met foto", "occurred_on": "2024-03-01",
         "media_ids": [media_id]},
    ).json()  # fmt: skip
    assert item["media"][0]["id"] == media_id
    row = Media.objects.get(pk=media_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/me/portfolio/items/{item['id']}").status_code == 204
    assert not Media.objects.exists()
    assert not default_storage.exists(row.file) and not default_storage.exists(row.thumbnail)


def test_media_of_another_member_cannot_be_attached(api_as):
    school = dossier_school()
    theirs = _upload(api_as(student(school)), jpeg_with_gps()).json()["id"]
    response = api_as(student(school)).post(
        "/me/portfolio/items",
        {"type": "post", "title": "x", "occurred_on": "2024-03-01", "media_ids": [theirs]},
    )
    assert response.status_code == 422


def test_link_expiry_uses_the_setting():
    assert media_service.url_seconds() == 300
    assert dt.timedelta(seconds=media_service.url_seconds()) <= dt.timedelta(minutes=5)


def test_school_visible_media_needs_live_consent(api_as):
    from cultuurkaart.dossier.services import consent

    school = dossier_school()
    pupil, schoolmate = student(school, group="3B"), student(school, group="1A")
    outsider = student(dossier_school(), group="3B")
    row = Media.objects.get(pk=_upload(api_as(pupil), jpeg_with_gps()).json()["id"])
    portfolio = access.portfolio_for(pupil)
    consent.give_consent(portfolio, given_by="parent", parent_name="Ouder", actor=pupil)
    row.item = ItemFactory(portfolio=portfolio, visibility="school")
    row.save()
    assert _get(schoolmate, media_service.signed_url(row, schoolmate)).status_code == 200
    assert _get(outsider, media_service.signed_url(row, outsider)).status_code == 404
    consent.revoke_consent(portfolio, actor=pupil)  # the item goes back to the class
    assert _get(schoolmate, media_service.signed_url(row, schoolmate)).status_code == 404


def test_the_cached_link_signer_signs_exactly_as_django(settings):
    """The timeline signs links with a key derived once (`media._signer`); the tokens must
    be Django's own, and follow a change of the secret key."""
    from django.core import signing

    from cultuurkaart.dossier.services import media as media_service

    data = {"m": 7, "u": 3, "v": "thumb", "e": 1_700_000_000}
    expected = signing.Signer(salt=media_service.SALT).sign_object(data)
    assert media_service._signer().sign_object(data) == expected
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    changed = media_service._signer().sign_object(data)
    assert changed != expected
    assert signing.Signer(salt=media_service.SALT).unsign_object(changed) == data
