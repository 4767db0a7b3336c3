"""Issue 12 point 8: the export (a zip built in the background, offline index.html, media,
manifest with a sha256 per file, e-mail, 7-day link) and the import by another school
(checksums verified, tampered → `tampered-export` and nothing imported, no duplicates on
re-import, dates kept, provenance). Only the owner's own content travels."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile

import pytest
from django.core import mail
from django.core.files.storage import default_storage

from cultuurkaart.core import clock
from cultuurkaart.core.errors import NotFound
from cultuurkaart.core.jobs import run
from cultuurkaart.dossier.models import Item, Media
from cultuurkaart.dossier.services import access
from cultuurkaart.dossier.tests.factories import dossier_school
from cultuurkaart.dossier_transfer.constants import ExportStatus
from cultuurkaart.dossier_transfer.exceptions import (
    ExportExpired,
    ExportNotReady,
    TamperedExport,
    UnreadableExport,
)
from cultuurkaart.dossier_transfer.models import PortfolioExport, PortfolioImport
from cultuurkaart.dossier_transfer.services import exports, imports
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import add_media, item, png, student, teacher

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 5, 6, 10, 0, tzinfo=clock.AMSTERDAM)


@pytest.fixture
def owner():
    school = dossier_school()
    user = student(school, group="3B")
    question = item(
        user,
        type="learning_question",
        title="Hoe maak je een decor?",
        lq_status="closed",
        onderzoeken=2,
        occurred_on=dt.date(2023, 10, 2),
    )
    reflection = item(
        user,
        type="reflection",
        title="Terugblik",
        prompt="Wat heb je geleerd?",
        body="<p>Veel over hout.</p>",
        learning_question=question,
        reflecteren=3,
        occurred_on=dt.date(2023, 11, 5),
    )
    product = item(user, type="product", title="Mijn decor", creeren=2, visibility="class")
    add_media(product, png(), alt="Foto van het decor")
    secret = item(user, type="post", title="Alleen voor mij", visibility="private")
    return {
        "school": school,
        "user": user,
        "question": question,
        "reflection": reflection,
        "product": product,
        "secret": secret,
    }


def build(user, capture) -> PortfolioExport:
    with clock.frozen(NOW), capture(execute=True):
        export = exports.request_export(user, actor=user)
    export.refresh_from_db()
    return export


def zip_bytes(export) -> bytes:
    with default_storage.open(export.file, "rb") as handle:
        return handle.read()


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return out.getvalue()


# --- the export -------------------------------------------------------------------------


def test_export_is_built_in_the_background_and_mailed(owner, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    export = build(owner["user"], django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.DONE and export.progress == 100
    assert export.items == 4 and export.media == 1
    assert export.expires_at == export.finished_at + dt.timedelta(days=7)
    data = zip_bytes(export)
    assert export.size == len(data) and export.sha256 == hashlib.sha256(data).hexdigest()
    (message,) = mail.outbox
    assert message.to == [owner["user"].email]
    assert "/mijn-dossier/export/" in message.body
    assert "Feedback" not in message.body  # the e-mail carries a link, not content


def test_the_zip_holds_index_media_and_a_manifest_with_a_checksum_per_file(
    owner, django_capture_on_commit_callbacks
):
    files = entries(zip_bytes(build(owner["user"], django_capture_on_commit_callbacks)))
    manifest = json.loads(files["manifest.json"])
    assert set(files) == {"index.html", "manifest.json", "manifest.sig", *manifest["files"]}
    assert {"index.html", "style.css"} <= set(manifest["files"])
    for name, meta in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == meta["sha256"]
        assert len(files[name]) == meta["size"]
    media = [n for n in files if n.startswith("media/")]
    assert len(media) == 1 and files[media[0]] == png()
    assert manifest["competencies"] == ["reflecteren", "onderzoeken", "creeren"]
    by_title = {row["title"]: row for row in manifest["items"]}
    assert by_title["Terugblik"]["competencies"] == {
        "reflecteren": 3,
        "onderzoeken": 0,
        "creeren": 0,
    }
    assert by_title["Terugblik"]["prompt"] == "Wat heb je geleerd?"
    assert by_title["Terugblik"]["learning_question"] == by_title["Hoe maak je een decor?"]["key"]
    assert manifest["learning_questions"] == [
        {
            "key": by_title["Hoe maak je een decor?"]["key"],
            "title": "Hoe maak je een decor?",
            "status": "closed",
        }
    ]
    assert manifest["reflections"][0]["prompt"] == "Wat heb je geleerd?"
    assert by_title["Mijn decor"]["media"][0]["alt"] == "Foto van het decor"
    assert manifest["feedback"] == []


def test_index_html_works_offline(owner, django_capture_on_commit_callbacks):
    files = entries(zip_bytes(build(owner["user"], django_capture_on_commit_callbacks)))
    html = files["index.html"].decode()
    assert "Hoe maak je een decor?" in html and "Veel over hout." in html
    assert "Reflecteren" in html and "3/3" in html
    media = next(n for n in files if n.startswith("media/"))
    assert f'src="{media}"' in html
    # no external resources: nothing fetched from a network, no script
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html and "@import" not in html
    assert re.findall(r"<link[^>]*>", html) == ['<link rel="stylesheet" href="style.css">']
    assert (
        "url(" not in files["style.css"].decode() and "@import" not in files["style.css"].decode()
    )


def test_only_the_owners_own_content_travels(owner, django_capture_on_commit_callbacks):
    classmate = student(owner["school"], group="3B")
    item(classmate, title="Werk van een klasgenoot", body="<p>GEHEIM-KLASGENOOT</p>")
    data = zip_bytes(build(owner["user"], django_capture_on_commit_callbacks))
    for content in entries(data).values():
        assert b"GEHEIM-KLASGENOOT" not in content
        assert b"Werk van een klasgenoot" not in content


def test_export_only_where_the_dossier_is_on_and_only_ones_own(
    owner, django_capture_on_commit_callbacks
):
    elsewhere = student(SchoolFactory(), group="3B")
    with pytest.raises(NotFound):
        exports.request_export(elsewhere)
    export = build(owner["user"], django_capture_on_commit_callbacks)
    with pytest.raises(NotFound):
        exports.export_for(student(owner["school"]), export.pk)
    with pytest.raises(NotFound):
        exports.open_download(student(owner["school"]), export.pk)


def test_a_running_export_is_answered_again_and_a_stale_one_replaced(owner):
    first = exports.request_export(owner["user"])  # not committed: nothing runs
    assert exports.request_export(owner["user"]).pk == first.pk
    with pytest.raises(ExportNotReady):
        exports.open_download(owner["user"], first.pk)
    PortfolioExport.objects.filter(pk=first.pk).update(
        created_at=clock.now() - dt.timedelta(hours=2)
    )
    assert exports.request_export(owner["user"]).pk != first.pk


def test_the_link_expires_after_seven_days_and_the_file_is_purged(
    owner, django_capture_on_commit_callbacks
):
    export = build(owner["user"], django_capture_on_commit_callbacks)
    name = export.file
    assert default_storage.exists(name)
    with clock.frozen(NOW + dt.timedelta(days=7) - dt.timedelta(seconds=1)):
        _, handle = exports.open_download(owner["user"], export.pk)
        handle.close()
        assert run("purge-portfolio-exports", {}, trigger="manual")["purged"] == 0
    with clock.frozen(NOW + dt.timedelta(days=7)):
        with pytest.raises(ExportExpired):
            exports.open_download(owner["user"], export.pk)
        assert run("purge-portfolio-exports", {}, trigger="manual")["purged"] == 1
        assert run("purge-portfolio-exports", {}, trigger="manual")["purged"] == 0
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and export.file == ""
    assert not default_storage.exists(name)


# --- the import -------------------------------------------------------------------------


@pytest.fixture
def receiving():
    school = dossier_school()
    newcomer = student(school, group="1A")
    person = newcomer.memberships.get(school=school).person
    return {"school": school, "user": newcomer, "person": person, "teacher": teacher(school)}


def test_round_trip_keeps_dates_and_adds_provenance(
    owner, receiving, django_capture_on_commit_callbacks
):
    data = zip_bytes(build(owner["user"], django_capture_on_commit_callbacks))
    r = receiving
    with clock.frozen(NOW + dt.timedelta(days=1)):
        result = imports.import_portfolio(
            r["school"], r["person"].pk, io.BytesIO(data), actor=r["teacher"]
        )
    assert result == {"imported": 4, "skipped": 0}
    new = {i.title: i for i in Item.objects.filter(portfolio__owner=r["user"])}
    assert set(new) == {"Hoe maak je een decor?", "Terugblik", "Mijn decor", "Alleen voor mij"}
    for title, original in (
        ("Hoe maak je een decor?", owner["question"]),
        ("Terugblik", owner["reflection"]),
    ):
        assert new[title].occurred_on == original.occurred_on
        assert new[title].created_at == original.created_at
        assert new[title].provenance["source"] == "import"
        assert new[title].provenance["imported_by_school"] == r["school"].pk
    assert new["Terugblik"].learning_question_id == new["Hoe maak je een decor?"].pk
    assert new["Terugblik"].reflecteren == 3 and new["Terugblik"].prompt == "Wat heb je geleerd?"
    assert new["Hoe maak je een decor?"].lq_status == "closed"
    assert new["Mijn decor"].visibility == "teachers"  # a new class never agreed to see it
    assert new["Alleen voor mij"].visibility == "private"
    (media,) = Media.objects.filter(item=new["Mijn decor"])
    with default_storage.open(media.file, "rb") as handle:
        assert handle.read() == png()
    assert media.alt == "Foto van het decor"
    assert PortfolioImport.objects.get().imported == 4


def test_importing_the_same_zip_again_creates_no_duplicates(
    owner, receiving, django_capture_on_commit_callbacks
):
    data = zip_bytes(build(owner["user"], django_capture_on_commit_callbacks))
    r = receiving
    imports.import_portfolio(r["school"], r["person"].pk, io.BytesIO(data), actor=r["teacher"])
    again = imports.import_portfolio(
        r["school"], r["person"].pk, io.BytesIO(data), actor=r["teacher"]
    )
    assert again == {"imported": 0, "skipped": 4}
    assert Item.objects.filter(portfolio__owner=r["user"]).count() == 4
    # a newer export of the same portfolio with one more item brings only that one
    item(owner["user"], title="Nieuw werk")
    PortfolioExport.objects.all().delete()
    newer = zip_bytes(build(owner["user"], django_capture_on_commit_callbacks))
    third = imports.import_portfolio(
        r["school"], r["person"].pk, io.BytesIO(newer), actor=r["teacher"]
    )
    assert third == {"imported": 1, "skipped": 4}


def test_importing_back_into_the_exporting_portfolio_creates_nothing(
    owner, django_capture_on_commit_callbacks
):
    data = zip_bytes(build(owner["user"], django_capture_on_commit_callbacks))
    person = owner["user"].memberships.get(school=owner["school"]).person
    result = imports.import_portfolio(
        owner["school"], person.pk, io.BytesIO(data), actor=teacher(owner["school"])
    )
    assert result == {"imported": 0, "skipped": 4}


def _tamper_media(files):
    name = next(n for n in files if n.startswith("media/"))
    files[name] = files[name][:-1] + bytes([files[name][-1] ^ 1])


def _tamper_manifest(files):
    manifest = json.loads(files["manifest.json"])
    manifest["items"][0]["title"] = "Veranderd"
    files["manifest.json"] = json.dumps(manifest).encode()


def _tamper_index(files):
    files["index.html"] = files["index.html"].replace(b"Terugblik", b"Terugblik!")


def _add_file(files):
    files["media/extra.exe"] = b"MZ\x90\x00"


def _drop_media(files):
    del files[next(n for n in files if n.startswith("media/"))]


def _manifest_hash_fixed(files):
    """Change a media file and its checksum in the manifest: the signature catches it."""
    name = next(n for n in files if n.startswith("media/"))
    files[name] = png(color=(0, 0, 255))
    manifest = json.loads(files["manifest.json"])
    manifest["files"][name] = {
        "sha256": hashlib.sha256(files[name]).hexdigest(),
        "size": len(files[name]),
    }
    files["manifest.json"] = json.dumps(manifest).encode()


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_media,
        _tamper_manifest,
        _tamper_index,
        _add_file,
        _drop_media,
        _manifest_hash_fixed,
    ],
)
def test_a_tampered_export_is_refused_and_nothing_is_imported(
    owner, receiving, tamper, django_capture_on_commit_callbacks
):
    files = entries(zip_bytes(build(owner["user"], django_capture_on_commit_callbacks)))
    tamper(files)
    r = receiving
    media_before = Media.objects.count()
    with pytest.raises(TamperedExport) as refused:
        imports.import_portfolio(
            r["school"], r["person"].pk, io.BytesIO(rezip(files)), actor=r["teacher"]
        )
    assert refused.value.type == "tampered-export" and refused.value.status == 422
    assert Item.objects.filter(portfolio__owner=r["user"]).count() == 0
    assert Media.objects.count() == media_before
    assert PortfolioImport.objects.count() == 0


def test_a_flipped_byte_in_the_stored_zip_is_refused(
    owner, receiving, django_capture_on_commit_callbacks
):
    """The zip itself changed in place (the CRC no longer matches)."""
    data = bytearray(zip_bytes(build(owner["user"], django_capture_on_commit_callbacks)))
    start = bytes(data).index(png()[:16])  # inside the stored (uncompressed) media file
    data[start + 20] ^= 0xFF
    r = receiving
    with pytest.raises(TamperedExport):
        imports.import_portfolio(
            r["school"], r["person"].pk, io.BytesIO(bytes(data)), actor=r["teacher"]
        )
    assert Item.objects.filter(portfolio__owner=r["user"]).count() == 0


def test_not_an_export_is_unreadable(receiving):
    r = receiving
    for blob in (b"not a zip", rezip({"hello.txt": b"hi"})):
        with pytest.raises(UnreadableExport):
            imports.import_portfolio(
                r["school"], r["person"].pk, io.BytesIO(blob), actor=r["teacher"]
            )


def test_import_only_for_a_student_of_the_school_with_the_dossier(
    owner, receiving, django_capture_on_commit_callbacks
):
    data = zip_bytes(build(owner["user"], django_capture_on_commit_callbacks))
    r = receiving
    other_person = owner["user"].memberships.get(school=owner["school"]).person
    with pytest.raises(NotFound):  # a student of another school
        imports.import_portfolio(r["school"], other_person.pk, io.BytesIO(data), actor=r["teacher"])
    off = SchoolFactory()
    off_student = student(off)
    with pytest.raises(NotFound):  # the dossier is not on there
        imports.import_portfolio(
            off,
            off_student.memberships.get(school=off).person.pk,
            io.BytesIO(data),
            actor=r["teacher"],
        )
    assert access.portfolio_for(r["user"]).items.count() == 0


# --- what never travels: private notes, unreleased feedback (teaching) -----------------------


def test_released_feedback_travels_but_notes_and_unreleased_feedback_never_do(
    django_capture_on_commit_callbacks,
):
    from cultuurkaart.teaching.services import assignments as service
    from cultuurkaart.teaching.services import notes
    from cultuurkaart.teaching.tests.factories import DAY, make_assignment, person_of
    from cultuurkaart.teaching.tests.factories import NOW as T_NOW

    school = dossier_school()
    t, ann = teacher(school), student(school, group="3B")
    with clock.frozen(T_NOW):
        shown = make_assignment(school, t, title="Toneel")
        hidden = make_assignment(school, t, title="Dans")
        s1 = service.submit(shown, person_of(ann), ann, text="x", actor=ann)
        s2 = service.submit(hidden, person_of(ann), ann, text="y", actor=ann)
        service.give_feedback(s1, comment="VRIJGEGEVEN-COMMENTAAR", grade="8", actor=t)
        service.give_feedback(s2, comment="ONVRIJ-COMMENTAAR", grade="4", actor=t)
        notes.add_note(school, person_of(ann), "PRIVENOTITIE-DOCENT", actor=t)
    with clock.frozen(T_NOW + DAY):
        service.release(shown, [person_of(ann).pk], actor=t)
        service.give_feedback(s1, comment="LATER-ONVRIJ", actor=t)
    export = build(ann, django_capture_on_commit_callbacks)
    files = entries(zip_bytes(export))
    manifest = json.loads(files["manifest.json"])
    assert [f["comment"] for f in manifest["feedback"]] == ["VRIJGEGEVEN-COMMENTAAR"]
    assert "VRIJGEGEVEN-COMMENTAAR" in files["index.html"].decode()
    everything = b"".join(files.values())
    for secret in (b"ONVRIJ-COMMENTAAR", b"PRIVENOTITIE-DOCENT", b"LATER-ONVRIJ"):
        assert secret not in everything
    mail_text = "".join(m.body + m.subject for m in mail.outbox)
    assert "VRIJGEGEVEN" not in mail_text and "PRIVENOTITIE" not in mail_text


def test_a_task_delivered_twice_builds_once(owner, django_capture_on_commit_callbacks):
    export = build(owner["user"], django_capture_on_commit_callbacks)
    name = export.file
    exports.build_export(export.pk)  # the broker delivers it again
    export.refresh_from_db()
    assert export.file == name and export.status == ExportStatus.DONE


def test_a_leaver_is_offered_the_export_and_can_still_make_it(
    owner, django_capture_on_commit_callbacks
):
    """After leaving every roster (dossier-leavers marks the portfolio and mails the offer,
    with a link to the export page), the owner can still export during the period."""
    from cultuurkaart.dossier.models import Portfolio
    from cultuurkaart.dossier.services import leavers

    user = owner["user"]
    user.roles.all().delete()  # no longer a student anywhere
    user.memberships.update(person=None)
    with pytest.raises(NotFound):
        exports.request_export(user)  # not offered yet
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        leavers.run()
    portfolio = Portfolio.objects.get(owner=user)
    assert portfolio.export_offered_at is not None
    (offer,) = [m for m in mail.outbox if user.email in m.to]
    assert "/mijn-dossier/export/" in offer.body
    export = build(user, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.DONE and export.items == 4
