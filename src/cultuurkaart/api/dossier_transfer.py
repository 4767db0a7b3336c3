"""Dossier export and import (API.md "Dossier"), and the participants of a paid activity
(issue 12 point 7; an added path, decision DT-1). Thin: parse, check scope, call services.

- `/me/portfolio/exports…`: the member's own exports (self-service; 404 where the dossier
  is not on, and for anyone else's export).
- `POST /schools/{id}/portfolio-imports`: `dossier_transfer.import` at the school.
- `GET|PUT /weborders/{id}/participants`: `dossier_transfer.select_participants` at the web
  order's school, only where the dossier is on (else 404).
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.ids import parse_id
from cultuurkaart.dossier.services import access
from cultuurkaart.dossier_transfer.constants import ExportStatus
from cultuurkaart.dossier_transfer.models import PortfolioExport
from cultuurkaart.dossier_transfer.services import (
    carried,
    exports,
    imports,
    participants,
    transfers,
)
from cultuurkaart.weborders.models import WebOrder

from .base import DateTime, Id, Out, errors, file_download, path_id
from .permissions import check_school, school_for

router = Router(tags=["dossier"])
ZIP = "application/zip"


class ExportStarted(Out):
    id: Id
    status: str


class ExportOut(Out):
    id: Id
    status: str
    progress: int
    created_at: DateTime
    finished_at: DateTime | None
    expires_at: DateTime | None
    items: int
    media: int
    size: int
    sha256: str | None
    download_url: str | None


def _iso(moment):
    return moment.astimezone(clock.AMSTERDAM).isoformat() if moment else None


def export_body(export: PortfolioExport) -> dict:
    ready = export.status == ExportStatus.DONE and (
        export.expires_at is None or clock.now() < export.expires_at
    )
    return {
        "id": str(export.pk),
        "status": ExportStatus.EXPIRED
        if export.status == ExportStatus.DONE and not ready
        else export.status,
        "progress": export.progress,
        "created_at": _iso(export.created_at),
        "finished_at": _iso(export.finished_at),
        "expires_at": _iso(export.expires_at),
        "items": export.items,
        "media": export.media,
        "size": export.size,
        "sha256": export.sha256 or None,
        "download_url": reverse("api:export_download", kwargs={"export_id": str(export.pk)})
        if ready
        else None,
    }


@router.post("/me/portfolio/exports", response={202: ExportStarted, **errors(401, 404)})
def start_export(request):
    """Start an export of the own portfolio (built in the background; an e-mail when it is
    ready). An export still being built is answered again instead of a second one."""
    export = exports.request_export(request.user, actor=request.user)
    return Status(202, {"id": str(export.pk), "status": export.status})


class RubricLevelOut(Out):
    criterion: str
    level: str


class EarlierFeedbackOut(Out):
    id: Id
    school: str | None
    assignment_title: str
    submitted_at: DateTime | None
    released_at: DateTime | None
    comment: str
    grade: str
    rubric: list[RubricLevelOut]
    attempt: int
    late: bool
    item_id: Id | None
    source: str


@router.get(
    "/me/portfolio/earlier-feedback",
    response={200: list[EarlierFeedbackOut], **errors(401, 404)},
)
def earlier_feedback(request):
    """Feedback released to the member at an earlier school that came along with an import
    or transfer (read-only; it belongs to no assignment of this platform's schools): the
    school's name, the dates, the item it was about. Newest release first."""
    access.require_member(request.user)
    portfolio = access.portfolio_for(request.user)
    return [
        {
            "id": str(f.pk),
            "school": f.school_name or None,
            "assignment_title": f.assignment_title,
            "submitted_at": _iso(f.submitted_at),
            "released_at": _iso(f.released_at),
            "comment": f.comment,
            "grade": f.grade,
            "rubric": list(f.rubric),
            "attempt": f.attempt,
            "late": f.late,
            "item_id": str(f.item_id) if f.item_id else None,
            "source": f.source,
        }
        for f in carried.of_owner(portfolio)
    ]


@router.get("/me/portfolio/exports/{export_id}", response={200: ExportOut, **errors(401, 404)})
def export_status(request, export_id: str):
    """Status and progress; when done a download link that works for 7 days."""
    return export_body(exports.export_for(request.user, path_id(export_id)))


@router.get(
    "/me/portfolio/exports/{export_id}/download",
    response={200: None, **errors(401, 404, 409)},
    openapi_extra=file_download(ZIP, "The export (zip: index.html, media, manifest.json)."),
    url_name="export_download",
)
def export_download(request, export_id: str):
    """The zip; not finished → 409 `export-not-ready`; after 7 days → 409 `export-expired`."""
    export, handle = exports.open_download(request.user, path_id(export_id))
    return FileResponse(
        handle, as_attachment=True, filename=exports.download_name(export), content_type=ZIP
    )


class ImportResult(Out):
    imported: int
    skipped: int


@router.post(
    "/schools/{school_id}/portfolio-imports",
    response={201: ImportResult, **errors(401, 403, 404, 413, 422)},
)
def import_export(request, school_id: str, file: File[UploadedFile], person_id: Form[str]):
    """A teacher of the receiving school imports a student's export into the student's
    portfolio: checksums verified (a changed file → 422 `tampered-export`, nothing
    imported); items already there are skipped (`skipped`), so the same zip twice imports
    nothing new; items keep their dates and get a provenance."""
    school = school_for(request, school_id, action="dossier_transfer.import")
    access.require_enabled(school)
    pk = parse_id(person_id)
    if pk is None:
        raise ValidationFailed(
            "person_id must be an id.",
            errors=[{"field": "person_id", "code": "invalid", "message": "An id (digits)."}],
        )
    result = imports.import_portfolio(school, pk, file.file, actor=request.user)
    return Status(201, result)


class ParticipantsIn(Schema):
    class_names: list[str] = Field(default_factory=list, max_length=50)
    person_ids: list[str] = Field(default_factory=list, max_length=1000)


class ParticipantsOut(Out):
    weborder: Id
    status: str
    class_names: list[str]
    person_ids: list[Id]
    participants: int
    drafts: int


def _weborder(request, weborder_id: str) -> WebOrder:
    weborder = WebOrder.objects.select_related("school").filter(pk=path_id(weborder_id)).first()
    if weborder is None:
        raise Http404
    check_school(request, weborder.school_id, "dossier_transfer.select_participants")
    access.require_enabled(weborder.school)
    return weborder


def _participants_body(summary: dict) -> dict:
    return {
        **summary,
        "weborder": str(summary["weborder"]),
        "person_ids": [str(p) for p in summary["person_ids"]],
    }


@router.get(
    "/weborders/{weborder_id}/participants",
    response={200: ParticipantsOut, **errors(401, 403, 404)},
)
def get_participants(request, weborder_id: str):
    """Who took part in the paid activity, and how many got a draft visit item."""
    return _participants_body(participants.summary(_weborder(request, weborder_id)))


@router.put(
    "/weborders/{weborder_id}/participants",
    response={200: ParticipantsOut, **errors(401, 403, 404, 409, 413, 422)},
)
def put_participants(request, weborder_id: str, payload: ParticipantsIn):
    """Pick the classes (`class_names`, roster classes) and/or students (`person_ids`,
    student roster ids) who took part. On approval each of them with a member account gets
    one draft visit item with a reflection prompt; after approval the selection can only
    grow and the new participants get their draft at once."""
    weborder = _weborder(request, weborder_id)
    ids = []
    for value in payload.person_ids:
        pk = parse_id(value)
        if pk is None:
            raise ValidationFailed(
                "person_ids must be ids.",
                errors=[{"field": "person_ids", "code": "invalid", "message": str(value)[:20]}],
            )
        ids.append(pk)
    summary = participants.select_participants(
        weborder, groups=payload.class_names, person_ids=ids, actor=request.user
    )
    return _participants_body(summary)


# --- in-platform transfer (an added path, decision DT-9) -----------------------------------


class TransferCode(Out):
    code: str
    expires_at: DateTime


@router.post("/me/portfolio/transfers", response={201: TransferCode, **errors(401, 404)})
def make_transfer_code(request):
    """A one-time code (valid 14 days) the member gives to the new school, which takes the
    portfolio over with it (`POST /schools/{id}/portfolio-transfers`). A new code replaces an
    unused one. The code is shown once; only its hash is stored."""
    transfer, code = transfers.create_code(request.user, actor=request.user)
    return Status(201, {"code": code, "expires_at": _iso(transfer.expires_at)})


class TransferIn(Schema):
    code: str = Field(max_length=40)
    person_id: str = Field(max_length=20)


class TransferResult(ImportResult):
    same_account: bool


@router.post(
    "/schools/{school_id}/portfolio-transfers",
    response={201: TransferResult, **errors(401, 403, 404, 413, 422)},
)
def accept_transfer(request, school_id: str, payload: TransferIn):
    """A teacher of the receiving school enters the student's transfer code for the student
    on its roster (`person_id`): the same account → the portfolio is taken over (kept when
    the student leaves the old school's roster); another account → the items are copied as
    an import (no duplicates, dates and provenance). Unknown, used or expired code → 422
    `invalid-transfer-code`."""
    school = school_for(request, school_id, action="dossier_transfer.import")
    access.require_enabled(school)
    pk = parse_id(payload.person_id)
    if pk is None:
        raise ValidationFailed(
            "person_id must be an id.",
            errors=[{"field": "person_id", "code": "invalid", "message": "An id (digits)."}],
        )
    return Status(201, transfers.accept(school, pk, payload.code, actor=request.user))
