"""The teaching pages: teacher portal and the student's pages (issue 12 points 4-6)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.core import clock
from cultuurkaart.dossier.models import Enablement
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.teaching.models import (
    Assignment,
    Extension,
    Feedback,
    LessonMaterial,
    PrivateNote,
    ReflectionConversation,
    Submission,
)
from cultuurkaart.teaching.services import assignments as service

from .factories import (
    DAY,
    NOW,
    class_id,
    dossier_school,
    make_assignment,
    make_media,
    person_of,
    student,
    teacher,
)

pytestmark = pytest.mark.django_db
CLOCK = {"X-Clock": NOW.isoformat()}


def _client(user):
    client = Client(headers=CLOCK)
    client.force_login(user)
    return client


@pytest.fixture
def world():
    school = dossier_school()
    t = teacher(school)
    ann = student(school, group="3B")
    return {"school": school, "teacher": t, "ann": ann, "tc": _client(t), "ac": _client(ann)}


def _url(name, **kw):
    return reverse(f"portals:{name}", kwargs=kw)


def test_teacher_creates_an_assignment_on_the_page(world):
    s = world["school"]
    url = _url("school_dossier_assignment_new", school_id=s.pk)
    page = world["tc"].get(url)
    assert page.status_code == 200 and "3B" in page.content.decode()
    response = world["tc"].post(
        url,
        {
            "title": "Zelfportret",
            "instructions": "<p>Maak een zelfportret</p>",
            "classes": [class_id(s)],
            "due_at": "2024-03-11T17:00",
            "accepts_text": "on",
            "max_files": "1",
            "competencies": ["creeren"],
            "rubric": "Techniek | begin | op weg | sterk",
        },
    )
    a = Assignment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url(
        "school_dossier_assignment", school_id=s.pk, assignment_id=a.pk
    )
    assert a.rubric == {"criteria": [{"name": "Techniek", "levels": ["begin", "op weg", "sterk"]}]}
    assert a.due_at == clock.parse("2024-03-11T17:00:00+01:00")


def test_an_invalid_assignment_shows_the_error_on_its_field(world):
    s = world["school"]
    response = world["tc"].post(
        _url("school_dossier_assignment_new", school_id=s.pk),
        {"title": "X", "due_at": "2024-03-11T17:00", "max_files": "1", "accepts_text": "on"},
    )
    assert response.status_code == 200
    assert "Kies minstens één klas, groep of leerling" in response.content.decode()
    assert not Assignment.objects.exists()


def test_student_submits_teacher_gives_feedback_and_releases(world):
    s, ann, tc, ac = world["school"], world["ann"], world["tc"], world["ac"]
    with clock.frozen(NOW):
        a = make_assignment(s, world["teacher"], title="Museumbezoek")
    media = make_media(ann)
    mine = ac.get(_url("my_assignments"))
    assert "Museumbezoek" in mine.content.decode() and "niet begonnen" in mine.content.decode()
    work = _url("my_assignment", assignment_id=a.pk)
    ac.post(work, {"text": "Concepttekst", "save": "1"})
    assert "concept" in ac.get(_url("my_assignments")).content.decode()
    response = ac.post(
        work, {"text": "Ik zag een schilderij", "media": [str(media.pk)], "submit": "1"}
    )
    assert response.status_code == 302
    sub = Submission.objects.get()
    assert sub.text == "Ik zag een schilderij" and sub.files.count() == 1
    # the teacher's progress and submission pages, the copied file
    progress = tc.get(_url("school_dossier_assignment", school_id=s.pk, assignment_id=a.pk))
    assert "poging 1" in progress.content.decode()
    sub_url = _url("school_dossier_submission", school_id=s.pk, submission_id=sub.pk)
    page = tc.get(sub_url)
    assert "Ik zag een schilderij" in page.content.decode()
    assert "ongewijzigd" in page.content.decode()
    image = tc.get(
        _url("school_dossier_submission_file", school_id=s.pk, submission_id=sub.pk, position=0)
    )
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    tc.post(sub_url, {"comment": "Mooi beschreven", "grade": "8"})
    assert Feedback.objects.get().comment == "Mooi beschreven"
    assert "Mooi beschreven" not in ac.get(work).content.decode()  # not released
    tc.post(_url("school_dossier_assignment", school_id=s.pk, assignment_id=a.pk), {"release": "1"})
    page = ac.get(work).content.decode()
    assert "Mooi beschreven" in page and "8" in page
    assert "beoordeeld" in ac.get(_url("my_assignments")).content.decode()
    # the student's own file; another student's: 404
    f = sub.files.get()
    assert ac.get(_url("my_submission_file", assignment_id=a.pk, file_id=f.pk)).status_code == 200
    bob = _client(student(s, group="3B"))
    assert bob.get(_url("my_submission_file", assignment_id=a.pk, file_id=f.pk)).status_code == 404


def test_extension_on_the_page(world):
    s = world["school"]
    with clock.frozen(NOW):
        a = make_assignment(s, world["teacher"])
    world["tc"].post(
        _url("school_dossier_assignment", school_id=s.pk, assignment_id=a.pk),
        {
            "extend": "1",
            "students": [str(person_of(world["ann"]).pk)],
            "due_at": "2024-03-20T12:00",
            "reason": "ziek",
        },
    )
    assert Extension.objects.get().reason == "ziek"


def test_a_closed_assignment_tells_the_student(world):
    with clock.frozen(NOW - 5 * DAY):
        a = make_assignment(
            world["school"],
            world["teacher"],
            due=NOW - 2 * DAY,
            cutoff=NOW - DAY,
            opens=NOW - 5 * DAY,
        )
    page = world["ac"].get(_url("my_assignment", assignment_id=a.pk)).content.decode()
    assert "uiterste inleverdatum is voorbij" in page and 'data-testid="submit"' not in page
    response = world["ac"].post(
        _url("my_assignment", assignment_id=a.pk), {"text": "x", "submit": "1"}
    )
    assert not Submission.objects.exists()
    assert "uitstel" in response.content.decode()  # the refusal, on the page


def test_overview_growth_notes_and_conversations_pages(world):
    s, tc = world["school"], world["tc"]
    classes_page = tc.get(_url("school_dossier_classes", school_id=s.pk)).content.decode()
    assert "3B" in classes_page
    overview = tc.get(_url("school_dossier_overview", school_id=s.pk, class_id=class_id(s)))
    body = overview.content.decode()
    assert "<svg" in body and 'id="overview-table"' in body
    csv_response = tc.get(_url("school_dossier_overview_csv", school_id=s.pk, class_id=class_id(s)))
    assert csv_response["Content-Type"].startswith("text/csv")
    assert person_of(world["ann"]).last_name in csv_response.content.decode()
    assert tc.get(_url("school_dossier_overview", school_id=s.pk, class_id="x")).status_code == 404
    student_url = _url(
        "school_dossier_growth", school_id=s.pk, student_id=person_of(world["ann"]).pk
    )
    page = tc.get(student_url).content.decode()
    assert 'id="growth-table"' in page and "<svg" in page
    tc.post(
        student_url,
        {
            "held_on": "2024-03-01",
            "participants": "Ann, mentor",
            "summary": "Gedeelde samenvatting",
            "next_learning_question": "Wat?",
        },
    )
    assert ReflectionConversation.objects.count() == 1
    growth = world["ac"].get(_url("my_growth")).content.decode()
    assert "Gedeelde samenvatting" in growth and 'id="growth-table"' in growth
    notes_url = _url("school_dossier_notes", school_id=s.pk, student_id=person_of(world["ann"]).pk)
    tc.post(notes_url, {"text": "Let op"})
    assert PrivateNote.objects.get().text == "Let op"
    assert "Let op" in tc.get(notes_url).content.decode()


def test_material_library_pages(world):
    s, tc = world["school"], world["tc"]
    url = _url("school_dossier_materials", school_id=s.pk)
    tc.post(
        url,
        {
            "title": "Les",
            "scope": "school",
            "file": SimpleUploadedFile("les.pdf", b"%PDF-1.4 test"),
        },
    )
    m = LessonMaterial.objects.get()
    download = tc.get(_url("school_dossier_material_file", school_id=s.pk, material_id=m.pk))
    assert download.status_code == 200
    colleague = _client(teacher(s))
    colleague.post(url, {"reuse": str(m.pk)})
    assert LessonMaterial.objects.filter(copied_from=m).count() == 1
    provider = ProviderFactory()
    user = with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
    pc = Client(headers=CLOCK)
    pc.force_login(user)
    session = pc.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    pc.post(_url("provider_materials", provider_id=provider.pk), {"title": "Theaterles"})
    published = LessonMaterial.objects.get(provider=provider)
    assert published.scope == "all" and published.school is None
    assert "Theaterles" in tc.get(url).content.decode()


def test_pages_are_404_without_the_dossier(world):
    Enablement.objects.filter(school=world["school"]).delete()
    s = world["school"]
    assert world["tc"].get(_url("school_dossier_classes", school_id=s.pk)).status_code == 404
    assert world["tc"].get(_url("school_dossier_materials", school_id=s.pk)).status_code == 404
    assert world["ac"].get(_url("my_assignments")).status_code == 404
    assert world["ac"].get(_url("my_growth")).status_code == 404


def test_the_state_badges_follow_the_service(world):
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
        service.submit(a, person_of(world["ann"]), world["ann"], text="x", actor=None)
    assert "ingeleverd" in world["ac"].get(_url("my_assignments")).content.decode()


def test_the_student_pages_in_english(world):
    ann = world["ann"]
    ann.language = "en"
    ann.save()
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
    client = _client(ann)
    listing = client.get(_url("my_assignments")).content.decode()
    assert "My assignments" in listing and "not started" in listing
    page = client.get(_url("my_assignment", assignment_id=a.pk)).content.decode()
    assert "Your work" in page and "Hand in" in page


def test_the_student_uploads_a_file_with_the_work(world):
    from cultuurkaart.dossier.models import Media

    from .factories import png_bytes

    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
    work = _url("my_assignment", assignment_id=a.pk)
    renamed = SimpleUploadedFile("foto.png", b"MZ\x90\x00" + b"\x00" * 200)
    world["ac"].post(work, {"text": "x", "upload": renamed, "save": "1"})
    assert not Media.objects.exists()  # sniffed by content: refused
    picture = SimpleUploadedFile("foto.png", png_bytes())
    world["ac"].post(work, {"text": "x", "upload": picture, "alt": "Mijn foto", "submit": "1"})
    media = Media.objects.get()
    assert media.portfolio.owner == world["ann"] and media.alt == "Mijn foto"
    assert Submission.objects.get().files.get().source_media_id == media.pk


def test_the_growth_page_is_a_logged_staff_view(world):
    from cultuurkaart.dossier.models import PortfolioView
    from cultuurkaart.dossier.services import access

    access.portfolio_for(world["ann"])
    url = _url(
        "school_dossier_growth", school_id=world["school"].pk, student_id=person_of(world["ann"]).pk
    )
    assert world["tc"].get(url).status_code == 200
    view = PortfolioView.objects.get()
    assert (view.viewer, view.school, view.channel) == (world["teacher"], world["school"], "page")


def test_the_student_downloads_material_of_their_own_assignment(world):
    from cultuurkaart.teaching.services import materials as library

    m = library.add_material(
        world["school"],
        title="Les",
        upload=SimpleUploadedFile("les.pdf", b"%PDF-1.4 x"),
        actor=world["teacher"],
    )
    other = library.add_material(
        world["school"],
        title="Ander",
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 y"),
        actor=world["teacher"],
    )
    with clock.frozen(NOW):
        a = make_assignment(world["school"], world["teacher"])
    a.materials.set([m])
    page = world["ac"].get(_url("my_assignment", assignment_id=a.pk)).content.decode()
    assert "Les" in page
    ok = world["ac"].get(_url("my_material_file", assignment_id=a.pk, material_id=m.pk))
    assert ok.status_code == 200 and b"".join(ok.streaming_content) == b"%PDF-1.4 x"
    no = world["ac"].get(_url("my_material_file", assignment_id=a.pk, material_id=other.pk))
    assert no.status_code == 404
    outsider = _client(student(world["school"], group="4A"))
    assert (
        outsider.get(_url("my_material_file", assignment_id=a.pk, material_id=m.pk)).status_code
        == 404
    )
