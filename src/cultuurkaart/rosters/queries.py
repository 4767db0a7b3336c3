"""Read-side questions other apps ask about rosters."""

from __future__ import annotations

import datetime as dt

from .constants import RosterKind
from .models import Person, RosterUpload


def roster_size(school, kind: str = RosterKind.STUDENTS) -> int:
    """The "uploaded" count of the order overview: the current roster size (SPEC §3)."""
    return Person.objects.filter(school=school, kind=kind).count()


def last_full_upload_at(school, kind: str = RosterKind.STUDENTS) -> dt.datetime | None:
    upload = RosterUpload.objects.filter(school=school, kind=kind).order_by("-uploaded_at").first()
    return upload.uploaded_at if upload else None
