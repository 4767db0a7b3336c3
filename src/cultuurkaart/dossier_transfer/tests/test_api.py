"""The API of dossier transfer (API.md "Dossier"; participants: decision DT-1)."""

from __future__ import annotations

import io
import zipfile

import pytest

from cultuurkaart.dossier.models import Item
from cultuurkaart.dossier.tests.factories import dossier_school
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import (
    SPEND_AT,
    budget_holder,
    funded_dossier_school,
    item,
    pending_weborder,
    student,
    teacher,
)

pytestmark = pytest.mark.django_db


def _export(api, capture) -> dict:
    with capture(execute=True):
        started = api.post("/me/portfolio/exports")
    assert started.status_code == 202, started.content
    assert set(started.json()) == {"id", "status"}
    return api.get(f"/me/portfolio/exports/{started.json()['id']}").json()


def test_student_exports_and_downloads(api_as, django_capture_on_commit_callbacks):
    school = dossier_school()
    user = student(school)
    item(user, title="Museumbezoek")
    api = api_as(user)
    body = _export(api, django_capture_on_commit_callbacks)
    assert body["status"] == "done" and body["progress"] == 100 and body["items"] == 1
    assert body["download_url"].endswith(f"/me/portfolio/exports/{body['id']}/download")
    response = api.get(body["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert {"index.html", "manifest.json", "manifest.sig"} <= set(names)
    # another student: 404 for the status and the download
    other = api_as(student(school))
    assert other.get(f"/me/portfolio/exports/{body['id']}").status_code == 404
    assert other.get(body["download_url"]).status_code == 404


def test_export_is_404_without_the_dossier(api_as):
    user = student(SchoolFactory())
    assert api_as(user).post("/me/portfolio/exports").status_code == 404


def test_a_download_before_it_is_ready_is_409(api_as):
    school = dossier_school()
    api = api_as(student(school))
    started = api.post("/me/portfolio/exports").json()  # the build never ran (no commit)
    body = api.get(f"/me/portfolio/exports/{started['id']}").json()
    assert body["status"] == "queued" and body["download_url"] is None
    response = api.get(f"/me/portfolio/exports/{started['id']}/download")
    assert response.status_code == 409 and response.json()["type"] == "export-not-ready"


def _zip_for(user, api_as, capture) -> bytes:
    api = api_as(user)
    body = _export(api, capture)
    return b"".join(api.get(body["download_url"]).streaming_content)


def _upload(api, school, person_id, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.client.post(
        f"/api/v1/schools/{school.pk}/portfolio-imports",
        {"person_id": str(person_id), "file": SimpleUploadedFile("dossier.zip", data)},
        headers=api.headers,
    )


def test_teacher_of_the_receiving_school_imports(api_as, django_capture_on_commit_callbacks):
    old = dossier_school()
    leaver = student(old)
    item(leaver, title="Theaterles")
    data = _zip_for(leaver, api_as, django_capture_on_commit_callbacks)
    new = dossier_school()
    newcomer = student(new)
    person = newcomer.memberships.get(school=new).person
    api = api_as(teacher(new))
    response = _upload(api, new, person.pk, data)
    assert response.status_code == 201, response.content
    assert response.json() == {"imported": 1, "skipped": 0}
    assert _upload(api, new, person.pk, data).json() == {"imported": 0, "skipped": 1}
    # tampered: one byte of index.html changed and the zip rebuilt
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files["index.html"] += b" "
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    refused = _upload(api, new, person.pk, out.getvalue())
    assert refused.status_code == 422 and refused.json()["type"] == "tampered-export"
    assert Item.objects.filter(portfolio__owner=newcomer).count() == 1
    # who may: a budget holder 403, a teacher of another school 404, a non-id 422
    assert _upload(api_as(budget_holder(new)), new, person.pk, data).status_code == 403
    assert _upload(api_as(teacher(old)), new, person.pk, data).status_code == 404
    assert _upload(api, new, "abc", data).status_code == 422
    # a student of another school: 404
    assert _upload(api, new, leaver.memberships.get(school=old).person.pk, data).status_code == 404


def test_participants_api(api_as):
    school = funded_dossier_school()
    bh = budget_holder(school)
    a = student(school, group="3B")
    weborder = pending_weborder(school)
    api = api_as(bh, clock=SPEND_AT.isoformat())
    body = api.put(f"/weborders/{weborder.pk}/participants", {"class_names": ["3B"]})
    assert body.status_code == 200, body.content
    assert body.json() == {
        "weborder": str(weborder.pk),
        "status": "pending",
        "class_names": ["3B"],
        "person_ids": [],
        "participants": 0,
        "drafts": 0,
    }
    assert api.post(f"/weborders/{weborder.pk}/approve").status_code == 200
    got = api.get(f"/weborders/{weborder.pk}/participants").json()
    assert got["participants"] == 1 and got["drafts"] == 1
    assert Item.objects.filter(portfolio__owner=a, is_draft=True, type="visit").count() == 1
    bad = api.put(f"/weborders/{weborder.pk}/participants", {"class_names": ["9Z"]})
    assert bad.status_code == 422
    assert (
        api.put(f"/weborders/{weborder.pk}/participants", {"person_ids": ["x"]}).status_code == 422
    )
    # a teacher may not (403); another school's budget holder sees nothing (404)
    assert api_as(teacher(school)).get(f"/weborders/{weborder.pk}/participants").status_code == 403
    other = api_as(budget_holder(funded_dossier_school()))
    assert other.get(f"/weborders/{weborder.pk}/participants").status_code == 404


def test_participants_are_404_without_the_dossier(api_as):
    school = SchoolFactory()
    weborder = pending_weborder(school)
    api = api_as(budget_holder(school))
    assert api.get(f"/weborders/{weborder.pk}/participants").status_code == 404
    assert api.put(f"/weborders/{weborder.pk}/participants", {}).status_code == 404


def test_an_export_may_be_larger_than_other_uploads(
    api_as, settings, django_capture_on_commit_callbacks
):
    """CK_LARGE_UPLOAD_PATHS: the import paths take exports above the general multipart
    limit (core.middleware.RequestSizeLimitMiddleware); every other upload keeps it."""
    import os

    from .factories import add_media

    old = dossier_school()
    leaver = student(old)
    clip = item(leaver, type="media", title="Filmpje")
    add_media(clip, os.urandom(8000), kind="video", content_type="video/mp4")
    data = _zip_for(leaver, api_as, django_capture_on_commit_callbacks)
    settings.CK_MAX_MULTIPART_BYTES = 4000  # smaller than the export
    new = dossier_school()
    person = student(new).memberships.get(school=new).person
    api = api_as(teacher(new))  # a fresh client: the middleware reads the settings
    assert len(data) > 4000
    response = _upload(api, new, person.pk, data)
    assert response.status_code == 201, response.content
    assert response.json() == {"imported": 1, "skipped": 0}
    from django.core.files.uploadedfile import SimpleUploadedFile

    roster = api.client.post(
        f"/api/v1/schools/{new.pk}/roster/students/validate",
        {"file": SimpleUploadedFile("lijst.xlsx", data)},
        headers=api.headers,
    )
    assert roster.status_code == 413
