"""Released feedback travels with the import (decision DT-4): read-only on the imported item
and the student's list, with its provenance (school, date; no teacher's name), never as
feedback of the new school's assignments; unreleased feedback and private notes never
travel. Round trip: export → import → export again → import into a third school."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from conftest import ApiClient
from cultuurkaart.core import clock
from cultuurkaart.dossier.models import Item
from cultuurkaart.dossier.tests.factories import dossier_school
from cultuurkaart.dossier_transfer.models import CarriedFeedback, PortfolioExport
from cultuurkaart.dossier_transfer.services import imports, transfers
from cultuurkaart.teaching.models import Feedback
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services import notes
from cultuurkaart.teaching.tests.factories import DAY, make_assignment, person_of
from cultuurkaart.teaching.tests.factories import NOW as T_NOW

from .factories import add_media, item, png, student, teacher
from .test_export_import import build, entries, zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier(django_capture_on_commit_callbacks):
    """School A: a product item whose photo was submitted for "Decor" (feedback released),
    a text-only "Toneel" (released), "Dans" (feedback never released), a private note."""
    school = dossier_school(name="Het Eerste College")
    t = teacher(school, name="Docentvoornaam Docentachternaam")
    ann = student(school, group="3B")
    product = item(ann, type="product", title="Mijn decor", creeren=2, visibility="teachers")
    photo = add_media(product, png(), alt="Foto")
    with clock.frozen(T_NOW):
        decor = make_assignment(school, t, title="Decor")
        toneel = make_assignment(school, t, title="Toneel")
        dans = make_assignment(school, t, title="Dans")
        s1 = service.submit(decor, person_of(ann), ann, text="", media_ids=[photo.pk], actor=ann)
        s2 = service.submit(toneel, person_of(ann), ann, text="Mijn tekst", actor=ann)
        s3 = service.submit(dans, person_of(ann), ann, text="Dans", actor=ann)
        service.give_feedback(s1, comment="DECOR-FEEDBACK", grade="8", actor=t)
        service.give_feedback(s2, comment="TONEEL-FEEDBACK", actor=t)
        service.give_feedback(s3, comment="ONVRIJ-COMMENTAAR", grade="4", actor=t)
        notes.add_note(school, person_of(ann), "PRIVENOTITIE-DOCENT", actor=t)
    with clock.frozen(T_NOW + DAY):
        service.release(decor, actor=t)
        service.release(toneel, actor=t)
        service.give_feedback(s1, comment="LATER-ONVRIJ", grade="8", actor=t)
    data = zip_bytes(build(ann, django_capture_on_commit_callbacks))
    return {"school": school, "teacher": t, "ann": ann, "data": data}


@pytest.fixture
def receiving():
    school = dossier_school(name="Tweede Lyceum")
    newcomer = student(school, group="1A")
    person = newcomer.memberships.get(school=school).person
    return {"school": school, "user": newcomer, "person": person, "teacher": teacher(school)}


SECRETS = (
    "ONVRIJ-COMMENTAAR",
    "PRIVENOTITIE-DOCENT",
    "LATER-ONVRIJ",
    "Docentvoornaam",
    "Docentachternaam",
)


def _import(r, data):
    with clock.frozen(T_NOW + 3 * DAY):
        return imports.import_portfolio(
            r["school"], r["person"].pk, io.BytesIO(data), actor=r["teacher"]
        )


def test_the_manifest_names_school_and_items_but_no_teacher(earlier):
    files = entries(earlier["data"])
    manifest = json.loads(files["manifest.json"])
    rows = {f["assignment_title"]: f for f in manifest["feedback"]}
    assert set(rows) == {"Decor", "Toneel"}
    assert rows["Decor"]["school"] == "Het Eerste College"
    assert rows["Decor"]["key"].startswith("ck:fb:")
    (decor_key,) = rows["Decor"]["item_keys"]  # the submitted photo's item
    assert [i["title"] for i in manifest["items"] if i["key"] == decor_key] == ["Mijn decor"]
    assert rows["Toneel"]["item_keys"] == []
    everything = b"".join(files.values()).decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in everything


def test_import_shows_released_feedback_read_only_with_its_provenance(earlier, receiving):
    r = receiving
    assert _import(r, earlier["data"]) == {"imported": 1, "skipped": 0}
    rows = {f.assignment_title: f for f in CarriedFeedback.objects.all()}
    assert set(rows) == {"Decor", "Toneel"}
    decor = rows["Decor"]
    assert decor.portfolio.owner == r["user"]
    assert decor.item == Item.objects.get(portfolio__owner=r["user"], title="Mijn decor")
    assert decor.school_name == "Het Eerste College" and decor.grade == "8"
    assert decor.released_at == T_NOW + DAY and decor.source == "import"
    assert rows["Toneel"].item is None
    # never feedback of the new school's assignments
    assert not Feedback.objects.filter(submission__assignment__school=r["school"]).exists()
    assert service.student_assignments(r["user"]) == []
    # nothing secret arrived anywhere
    stored = json.dumps(list(CarriedFeedback.objects.values()), default=str)
    for secret in SECRETS:
        assert secret not in stored


def test_importing_again_carries_nothing_twice(earlier, receiving):
    _import(receiving, earlier["data"])
    assert _import(receiving, earlier["data"]) == {"imported": 0, "skipped": 1}
    assert CarriedFeedback.objects.count() == 2


def test_the_student_and_the_new_teachers_see_it(earlier, receiving):
    r = receiving
    _import(r, earlier["data"])
    decor_item = Item.objects.get(portfolio__owner=r["user"], title="Mijn decor")
    student_client = Client(headers={"X-Clock": (T_NOW + 3 * DAY).isoformat()})
    student_client.force_login(r["user"])
    page = student_client.get(reverse("portals:my_dossier_item", args=[decor_item.pk])).content
    page = page.decode()
    assert "DECOR-FEEDBACK" in page and "Het Eerste College" in page
    assert "TONEEL-FEEDBACK" not in page  # not about this item
    timeline = student_client.get(reverse("portals:my_dossier")).content.decode()
    assert 'data-testid="carried-link"' in timeline
    listing = student_client.get(reverse("portals:my_dossier_earlier_feedback")).content.decode()
    assert "DECOR-FEEDBACK" in listing and "TONEEL-FEEDBACK" in listing
    for secret in SECRETS:
        assert secret not in page + listing
    # over the API
    api = ApiClient(r["user"]).get("/me/portfolio/earlier-feedback").json()
    assert {f["assignment_title"] for f in api} == {"Decor", "Toneel"}
    assert [f["item_id"] for f in api if f["assignment_title"] == "Decor"] == [str(decor_item.pk)]
    # the new school's teacher: only feedback on an item they may see
    teacher_client = Client()
    teacher_client.force_login(r["teacher"])
    url = reverse("portals:school_dossier_students_detail", args=[r["school"].pk, r["person"].pk])
    seen = teacher_client.get(url).content.decode()
    assert "DECOR-FEEDBACK" in seen and "TONEEL-FEEDBACK" not in seen
    decor_item.visibility = "private"
    decor_item.save()
    assert "DECOR-FEEDBACK" not in teacher_client.get(url).content.decode()
    # another member's list is their own (empty): the route is the owner's only
    assert ApiClient(r["teacher"]).get("/me/portfolio/earlier-feedback").json() == []


def test_the_feedback_travels_on_to_a_third_school(
    earlier, receiving, django_capture_on_commit_callbacks
):
    r = receiving
    _import(r, earlier["data"])
    PortfolioExport.objects.all().delete()
    again = zip_bytes(build(r["user"], django_capture_on_commit_callbacks))
    manifest = json.loads(entries(again)["manifest.json"])
    rows = {f["assignment_title"]: f for f in manifest["feedback"]}
    assert rows["Decor"]["school"] == "Het Eerste College"
    index = entries(again)["index.html"].decode()
    assert "DECOR-FEEDBACK" in index and "Het Eerste College" in index
    original = json.loads(entries(earlier["data"])["manifest.json"])
    assert {f["key"] for f in manifest["feedback"]} == {f["key"] for f in original["feedback"]}
    third = dossier_school(name="Derde School")
    newcomer = student(third, group="2C")
    person = newcomer.memberships.get(school=third).person
    with clock.frozen(T_NOW + 5 * DAY):
        imports.import_portfolio(third, person.pk, io.BytesIO(again), actor=teacher(third))
    carried = CarriedFeedback.objects.filter(portfolio__owner=newcomer)
    assert {f.assignment_title for f in carried} == {"Decor", "Toneel"}
    decor = carried.get(assignment_title="Decor")
    assert decor.school_name == "Het Eerste College" and decor.item.title == "Mijn decor"


def test_an_in_platform_transfer_to_another_account_carries_it(earlier, receiving):
    r = receiving
    with clock.frozen(T_NOW + 2 * DAY):
        _transfer, code = transfers.create_code(earlier["ann"], actor=earlier["ann"])
        transfers.accept(r["school"], r["person"].pk, code, actor=r["teacher"])
    carried = CarriedFeedback.objects.filter(portfolio__owner=r["user"])
    assert {f.assignment_title for f in carried} == {"Decor", "Toneel"}
    assert {f.source for f in carried} == {"transfer"}
    stored = json.dumps(list(carried.values()), default=str)
    for secret in SECRETS:
        assert secret not in stored
