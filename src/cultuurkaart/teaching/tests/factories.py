"""Teaching test data on top of the dossier's (dossier.tests.factories): assignments for a
class, media in a student's portfolio, the roster entry behind a student."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from cultuurkaart.dossier.models import Media
from cultuurkaart.dossier.services import access
from cultuurkaart.dossier.tests.factories import NOW, dossier_school, student, teacher
from cultuurkaart.rosters.models import Person
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services import classes

__all__ = ["NOW", "dossier_school", "student", "teacher"]

DAY = dt.timedelta(days=1)


def person_of(user) -> Person:
    return Person.objects.get(memberships__user=user)


def class_id(school, group="3B") -> str:
    return classes.class_id(school.pk, group)


def make_assignment(
    school,
    by,
    *,
    group="3B",
    person_ids=None,
    due=NOW + 7 * DAY,
    cutoff=None,
    opens=NOW - DAY,
    rubric=None,
    **kw,
):
    data = service.AssignmentData(
        title=kw.pop("title", "Museumbezoek"),
        instructions=kw.pop("instructions", "<p>Schrijf wat je zag.</p>"),
        class_ids=[class_id(school, group)] if group else [],
        person_ids=person_ids or [],
        group_ids=kw.pop("group_ids", None),
        opens_at=opens,
        due_at=due,
        cutoff_at=cutoff,
        text=kw.pop("text", True),
        files=kw.pop("files", 2),
        word_limit=kw.pop("word_limit", None),
        competencies=kw.pop("competencies", ["reflecteren"]),
        rubric=rubric,
    )
    return service.create_assignment(school, data, actor=by)


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(buffer, "PNG")
    return buffer.getvalue()


def make_media(user, content: bytes | None = None, *, kind="image", content_type="image/png"):
    content = content or png_bytes()
    portfolio = access.portfolio_for(user)
    name = default_storage.save(f"dossier/test/{portfolio.pk}.png", ContentFile(content))
    return Media.objects.create(
        portfolio=portfolio,
        kind=kind,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        file=name,
    )
