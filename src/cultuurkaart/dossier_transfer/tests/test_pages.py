"""The pages of dossier transfer: the student's export page (button, progress, download),
the receiving school's import form, the participants of a web order."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.tests.factories import totp_device
from cultuurkaart.dossier.models import Item
from cultuurkaart.dossier.tests.factories import dossier_school
from cultuurkaart.dossier_transfer.models import PortfolioExport
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import (
    budget_holder,
    funded_dossier_school,
    item,
    pending_weborder,
    student,
    teacher,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    if user.requires_two_factor():
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


def test_student_starts_an_export_follows_it_and_downloads(django_capture_on_commit_callbacks):
    school = dossier_school()
    user = student(school)
    item(user, title="Concert in de aula")
    client = client_for(user)
    page = client.get("/mijn-dossier/export/")
    assert page.status_code == 200 and b'data-testid="start-export"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/mijn-dossier/export/")
    assert started.status_code == 302
    export = PortfolioExport.objects.get(user=user)
    status = client.get(f"/mijn-dossier/export/{export.pk}/status/").json()
    assert status["finished"] and status["progress"] == 100
    assert status["download_url"] == f"/mijn-dossier/export/{export.pk}/download/"
    listing = client.get("/mijn-dossier/export/").content.decode()
    assert status["download_url"] in listing
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    assert [i["title"] for i in manifest["items"]] == ["Concert in de aula"]
    # another student: 404
    other = client_for(student(school))
    assert other.get(f"/mijn-dossier/export/{export.pk}/status/").status_code == 404
    assert other.get(status["download_url"]).status_code == 404


def test_a_running_export_shows_progress_instead_of_the_button():
    school = dossier_school()
    user = student(school)
    client = client_for(user)
    client.post("/mijn-dossier/export/")  # in a test transaction: the build waits
    page = client.get("/mijn-dossier/export/").content.decode()
    assert 'data-testid="export-running"' in page and "<progress" in page
    assert 'data-testid="start-export"' not in page


def test_export_page_is_404_without_the_dossier():
    client = client_for(student(SchoolFactory()))
    assert client.get("/mijn-dossier/export/").status_code == 404


def test_teacher_imports_on_the_school_page(django_capture_on_commit_callbacks):
    old = dossier_school()
    leaver = student(old)
    item(leaver, title="Dansvoorstelling")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(leaver).post("/mijn-dossier/export/")
    export = PortfolioExport.objects.get(user=leaver)
    data = b"".join(
        client_for(leaver).get(f"/mijn-dossier/export/{export.pk}/download/").streaming_content
    )
    new = dossier_school()
    newcomer = student(new, group="1A")
    person = newcomer.memberships.get(school=new).person
    client = client_for(teacher(new))
    url = f"/school/{new.pk}/dossier/import/"
    form = client.get(url)
    assert form.status_code == 200 and f'value="{person.pk}"'.encode() in form.content
    done = client.post(
        url,
        {"zip-person_id": person.pk, "zip-file": SimpleUploadedFile("d.zip", data)},
        follow=True,
    )
    assert "1 onderdelen geïmporteerd, 0 waren er al." in done.content.decode()
    assert Item.objects.filter(portfolio__owner=newcomer, title="Dansvoorstelling").exists()
    refused = client.post(
        url, {"zip-person_id": person.pk, "zip-file": SimpleUploadedFile("d.zip", b"x")}
    )
    assert refused.status_code == 200
    assert "Dit is geen export van een Cultuurkaart-dossier." in refused.content.decode()


def test_budget_holder_picks_participants_on_the_weborder_page():
    school = funded_dossier_school()
    bh = budget_holder(school)
    a = student(school, group="3B")
    weborder = pending_weborder(school)
    client = client_for(bh)
    listing = client.get(f"/school/{school.pk}/webbestellingen/").content.decode()
    url = f"/school/{school.pk}/webbestellingen/{weborder.pk}/deelnemers/"
    assert url in listing
    page = client.get(url)
    assert page.status_code == 200 and 'value="3B"' in page.content.decode()
    saved = client.post(url, {"class_names": ["3B"]}, follow=True)
    assert saved.status_code == 200
    assert 'value="3B" checked' in saved.content.decode()
    from cultuurkaart.dossier_transfer.services.participants import summary

    assert summary(weborder)["class_names"] == ["3B"]
    assert a.memberships.get(school=school).person.group == "3B"


def test_no_participants_link_without_the_dossier():
    from cultuurkaart.weborders.tests.factories import funded_school

    school = funded_school(school_amount="100.00")
    weborder = pending_weborder(school)
    client = client_for(budget_holder(school))
    listing = client.get(f"/school/{school.pk}/webbestellingen/").content.decode()
    assert "deelnemers/" not in listing
    url = f"/school/{school.pk}/webbestellingen/{weborder.pk}/deelnemers/"
    assert client.get(url).status_code == 404
