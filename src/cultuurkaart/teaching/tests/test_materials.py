"""The lesson-material library (issue 12 point 4)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cultuurkaart.core.errors import NotFound, ValidationFailed
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.teaching.services import materials as library

from .factories import dossier_school, teacher

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world():
    school, other = dossier_school(), dossier_school()
    return {
        "school": school,
        "me": teacher(school),
        "colleague": teacher(school),
        "other": other,
        "stranger": teacher(other),
    }


def _titles(school, user):
    return sorted(m.title for m in library.visible(school, user))


def test_scopes_private_school_all(world):
    s, me = world["school"], world["me"]
    library.add_material(s, title="Privé", scope="private", actor=me)
    library.add_material(s, title="School", scope="school", actor=me)
    library.add_material(s, title="Iedereen", scope="all", actor=me)
    library.publish_material(ProviderFactory(), title="Van aanbieder", actor=None)
    assert _titles(s, me) == ["Iedereen", "Privé", "School", "Van aanbieder"]
    assert _titles(s, world["colleague"]) == ["Iedereen", "School", "Van aanbieder"]
    assert _titles(world["other"], world["stranger"]) == ["Iedereen", "Van aanbieder"]


def test_reuse_copies_and_keeps_provenance(world):
    provider = ProviderFactory(name="Theater De Schouw")
    original = library.publish_material(
        provider,
        title="Toneelles",
        description="<p>Les <script>x</script></p>",
        upload=SimpleUploadedFile("les.pdf", PDF),
        actor=None,
    )
    assert "<script>" not in original.description
    copy = library.reuse(original, world["school"], actor=world["me"])
    assert copy.pk != original.pk and copy.copied_from == original
    assert copy.scope == "private" and copy.owner == world["me"]
    assert copy.provenance == "Aanbieder Theater De Schouw"
    with copy.attachment.open("rb") as handle:
        assert handle.read() == PDF
    original.delete()
    copy.refresh_from_db()
    assert copy.copied_from is None and library.source_line(copy) == "Aanbieder Theater De Schouw"
    # a copy of a copy keeps the first source
    again = library.reuse(
        library.add_material(world["school"], title="Eigen", scope="school", actor=world["me"]),
        world["school"],
        actor=world["colleague"],
    )
    assert again.provenance == world["school"].name


def test_private_material_of_a_colleague_cannot_be_reused(world):
    mine = library.add_material(world["school"], title="Privé", actor=world["me"])
    with pytest.raises(NotFound):
        library.reuse(mine, world["school"], actor=world["colleague"])
    school_wide = library.add_material(
        world["school"], title="S", scope="school", actor=world["me"]
    )
    with pytest.raises(NotFound):
        library.reuse(school_wide, world["other"], actor=world["stranger"])


def test_attachments_are_pdf_by_content(world):
    renamed_exe = SimpleUploadedFile("les.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100)
    with pytest.raises(ValidationFailed):
        library.add_material(world["school"], title="X", upload=renamed_exe, actor=world["me"])
    ok = library.add_material(
        world["school"], title="X", upload=SimpleUploadedFile("x.bin", PDF), actor=world["me"]
    )
    assert ok.attachment_type == "application/pdf"


def test_only_the_owner_shares(world):
    mine = library.add_material(world["school"], title="Privé", actor=world["me"])
    with pytest.raises(NotFound):
        library.share(mine, "all", actor=world["colleague"])
    library.share(mine, "school", actor=world["me"])
    assert _titles(world["school"], world["colleague"]) == ["Privé"]
    with pytest.raises(ValidationFailed):
        library.share(mine, "world", actor=world["me"])


def test_links_must_be_web_links(world):
    with pytest.raises(ValidationFailed):
        library.add_material(
            world["school"], title="X", link="javascript:alert(1)", actor=world["me"]
        )
