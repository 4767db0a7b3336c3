"""The student's portfolio export (SPEC §11, issue 12 point 8).

`request_export(user)` records a `PortfolioExport` and dispatches the build as background
work (`core.dispatch`). `build_export(id)` streams the zip into a temporary file on disk
(media are copied in 1 MB chunks, hashed on the way; memory stays flat whatever the media
weigh), saves it to the default storage (`storage.save` copies in chunks too, so an
S3-compatible store works the same), and e-mails the owner a link that works for 7 days.

What travels: the owner's own items (with their media, competencies as codes, learning
questions with their status, reflections with the prompt copy) and the feedback released to
the owner. Never: teachers' private notes, unreleased feedback or grades, other students'
content (only this portfolio's items and media are read).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import tempfile
import zipfile

import nh3
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.dispatch import dispatch
from cultuurkaart.core.errors import NotFound
from cultuurkaart.dossier.constants import COMPETENCIES, ItemType, LearningQuestionStatus
from cultuurkaart.dossier.models import Item, Media
from cultuurkaart.dossier.services import access

from ..constants import (
    EXPORT_DAYS,
    FORMAT,
    FORMAT_VERSION,
    INDEX,
    MANIFEST,
    MEDIA_DIR,
    SIGNATURE,
    STYLE,
    ExportStatus,
)
from ..exceptions import ExportExpired, ExportNotReady
from ..models import PortfolioExport
from . import archive

logger = logging.getLogger(__name__)
STORAGE_DIR = "dossier-exports"
PROGRESS_EVERY = 25  # items between two progress updates
STALE_AFTER = dt.timedelta(hours=1)  # a build not done by then is given up (a new one starts)


def released_feedback(user, portfolio=None) -> list[dict]:
    """Feedback released to the owner, as manifest rows (decision DT-4): the teaching app's
    released copies (never unreleased; its rule) and the feedback that came along from an
    earlier school (`CarriedFeedback`, so it travels on to the next one). Each row names the
    releasing school and the keys of the items it was about; never a teacher's name."""
    from cultuurkaart.teaching.services.exports import released_feedback as released

    from ..models import CarriedFeedback

    portfolio = portfolio or access.portfolio_for(user)
    rows = list(released(user))
    wanted = {i for r in rows for i in r["item_ids"]}
    keys = {
        item.pk: item_key(item)
        for item in Item.objects.filter(portfolio=portfolio, pk__in=wanted).only(
            "pk", "portfolio_id", "origin_key"
        )
    }
    out = []
    for r in rows:
        item_ids = r.pop("item_ids")
        out.append({**r, "item_keys": [keys[i] for i in item_ids if i in keys]})
    for fb in CarriedFeedback.objects.filter(portfolio=portfolio).select_related("item"):
        out.append(
            {
                "key": fb.key,
                "school": fb.school_name or None,
                "assignment_title": fb.assignment_title,
                "submitted_at": _iso(fb.submitted_at),
                "released_at": _iso(fb.released_at),
                "comment": fb.comment,
                "grade": fb.grade,
                "rubric": list(fb.rubric),
                "attempt": fb.attempt,
                "late": fb.late,
                "item_keys": [item_key(fb.item)] if fb.item is not None else [],
            }
        )
    out.sort(key=lambda r: (r["released_at"] or "", r["key"]))
    return out


def _iso(moment) -> str | None:
    return moment.astimezone(clock.AMSTERDAM).isoformat() if moment else None


def item_key(item: Item) -> str:
    """The item's identity across exports and imports: an imported item keeps the key it
    came with, so importing it again (or back) finds it."""
    if item.origin_key.startswith("ck:"):
        return item.origin_key
    return f"ck:{item.portfolio_id}:{item.pk}"


def owned_portfolio(user):
    """The portfolio its owner may export (or hand over with a transfer code): while the
    dossier is on for them at a school, and also after they left every roster, during the
    leaver period that started with the export offer (dossier.services.leavers). 404 else."""
    from cultuurkaart.dossier.models import Portfolio

    try:
        access.require_member(user)
    except NotFound:
        portfolio = Portfolio.objects.filter(owner=user, export_offered_at__isnull=False).first()
        if portfolio is None:
            raise
        return portfolio
    return access.portfolio_for(user)


def offer_hook(portfolio) -> dict:
    """dossier.leavers' offer hook: the leaver's e-mail links to the export page."""
    return {"export_url": settings.CK_SITE_URL.rstrip("/") + reverse("portals:my_dossier_export")}


def request_export(user, *, actor=None) -> PortfolioExport:
    """Start an export of the member's own portfolio (404 where the dossier is not on for
    them and they are no leaver). An export still being built is returned instead."""
    portfolio = owned_portfolio(user)
    with transaction.atomic():
        running = (
            PortfolioExport.objects.filter(
                portfolio=portfolio,
                status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
                created_at__gte=clock.now() - STALE_AFTER,
            )
            .order_by("-created_at")
            .first()
        )
        if running is not None:
            return running
        export = PortfolioExport.objects.create(portfolio=portfolio, user=user)
        audit.record(
            "dossier_transfer.export.requested",
            actor=actor or user,
            obj=export,
            data={"portfolio": portfolio.pk},
        )
        from ..tasks import build_portfolio_export

        dispatch(build_portfolio_export, export.pk, background=True)
    return export


def export_for(user, export_id: int) -> PortfolioExport:
    """The member's own export (anyone else's: 404)."""
    owned_portfolio(user)
    export = PortfolioExport.objects.filter(pk=export_id, user=user).first()
    if export is None:
        raise NotFound("Not found")
    return export


def _set(export_id: int, **fields) -> None:
    PortfolioExport.objects.filter(pk=export_id).update(**fields)


def _clean_html(html: str) -> str:
    return nh3.clean(html or "")


def _item_data(item: Item, media: list[dict]) -> dict:
    return {
        "key": item_key(item),
        "type": item.type,
        "title": item.title,
        "body": _clean_html(item.body),
        "occurred_on": item.occurred_on.isoformat(),
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
        "competencies": item.competency_levels(),
        "visibility": item.visibility,
        "status": item.lq_status or None,
        "learning_question": (
            f"ck:{item.portfolio_id}:{item.learning_question_id}"
            if item.learning_question_id
            else None
        ),
        "prompt": item.prompt,
        "visit": item.visit or None,
        "is_draft": item.is_draft,
        "activity_cancelled": item.activity_cancelled,
        "school": item.school.name if item.school_id else None,
        "provenance": item.provenance or None,
        "media": media,
    }


def _for_page(row: dict) -> dict:
    """A manifest row with the labels index.html shows (in the owner's language)."""
    return {
        **row,
        "type_label": str(dict(ItemType.choices).get(row["type"], row["type"])),
        "status_label": str(dict(LearningQuestionStatus.choices).get(row["status"], ""))
        if row["status"]
        else "",
        "levels": [(str(label), row["competencies"][code]) for code, label in COMPETENCIES.items()],
        "date_label": formats.date_format(dt.date.fromisoformat(row["occurred_on"]), "j F Y"),
    }


def build_export(export_id: int) -> None:
    """Build the zip (the background task). Idempotent: a finished export is left alone."""
    # Claim it: only a queued export starts (a task delivered twice builds once).
    claimed = PortfolioExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=clock.now(), progress=1
    )
    if not claimed:
        return
    export = PortfolioExport.objects.select_related("portfolio", "user").get(pk=export_id)
    try:
        result = _write_zip(export)
    except Exception as exc:
        frame = exc.__traceback__
        while frame is not None and frame.tb_next is not None:
            frame = frame.tb_next
        where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
        logger.error("portfolio export %s failed: %s at %s", export_id, type(exc).__name__, where)
        _set(export_id, status=ExportStatus.FAILED, finished_at=clock.now())
        return
    now = clock.now()
    with transaction.atomic():
        _set(
            export_id,
            status=ExportStatus.DONE,
            progress=100,
            finished_at=now,
            expires_at=now + dt.timedelta(days=EXPORT_DAYS),
            **result,
        )
        export.refresh_from_db()
        audit.record(
            "dossier_transfer.export.built",
            actor=None,
            obj=export,
            data={"items": export.items, "media": export.media, "size": export.size},
        )
        user = export.user
        if user.email:
            mail.send(
                "dossier_export_ready",
                [user.email],
                {
                    "export": export,
                    "url": settings.CK_SITE_URL.rstrip("/") + reverse("portals:my_dossier_export"),
                },
                language=user.language or "nl",
            )


def _write_zip(export: PortfolioExport) -> dict:
    portfolio = export.portfolio
    user = export.user
    items = list(
        Item.objects.filter(portfolio=portfolio)
        .select_related("school")
        .order_by("occurred_on", "created_at", "id")
    )
    media_by_item: dict[int, list[Media]] = {}
    for m in Media.objects.filter(portfolio=portfolio, item__portfolio=portfolio).order_by(
        "item_id", "created_at", "id"
    ):
        media_by_item.setdefault(m.item_id, []).append(m)
    feedback = released_feedback(user, portfolio)
    files: dict[str, dict] = {}
    item_rows: list[dict] = []
    total = max(len(items), 1)
    with tempfile.TemporaryFile(prefix="ck-export-") as tmp:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for n, item in enumerate(items, start=1):
                media_rows = []
                for m in media_by_item.get(item.pk, []):
                    arcname = f"{MEDIA_DIR}{m.pk}.{archive.extension(m.content_type)}"
                    with default_storage.open(m.file, "rb") as source:
                        written = archive.copy_into(zf, arcname, source, compress=False)
                    files[arcname] = written
                    media_rows.append(
                        {
                            "path": arcname,
                            "kind": m.kind,
                            "content_type": m.content_type,
                            "alt": m.alt,
                            "sha256": written["sha256"],
                            "size": written["size"],
                        }
                    )
                item_rows.append(_item_data(item, media_rows))
                if n % PROGRESS_EVERY == 0:
                    _set(export.pk, progress=min(90, 1 + int(89 * n / total)))
            now = clock.now()
            with translation.override(user.language or "nl"):
                index = render_to_string(
                    "dossier_transfer/export_index.html",
                    {
                        "items": [_for_page(r) for r in item_rows],
                        "feedback": feedback,
                        "exported_at": now,
                        "owner_name": user.name,
                    },
                )
            files[INDEX] = archive.write_bytes(zf, INDEX, index.encode("utf-8"))
            css = render_to_string("dossier_transfer/export_style.css")
            files[STYLE] = archive.write_bytes(zf, STYLE, css.encode("utf-8"))
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "exported_at": now.isoformat(),
                "portfolio": f"ck:{portfolio.pk}",
                "competencies": list(COMPETENCIES),
                "items": item_rows,
                "learning_questions": [
                    {"key": r["key"], "title": r["title"], "status": r["status"]}
                    for r in item_rows
                    if r["type"] == ItemType.LEARNING_QUESTION
                ],
                "reflections": [
                    {
                        "key": r["key"],
                        "prompt": r["prompt"],
                        "learning_question": r["learning_question"],
                    }
                    for r in item_rows
                    if r["type"] == ItemType.REFLECTION
                ],
                "feedback": feedback,
                "files": files,
            }
            raw = json.dumps(manifest, ensure_ascii=False, indent=1, default=str).encode("utf-8")
            archive.write_bytes(zf, MANIFEST, raw)
            archive.write_bytes(zf, SIGNATURE, archive.sign(raw))
        size = tmp.tell()
        tmp.seek(0)
        digest = archive.hashlib.sha256()
        while chunk := tmp.read(archive.CHUNK):
            digest.update(chunk)
        tmp.seek(0)
        name = default_storage.save(
            f"{STORAGE_DIR}/{portfolio.pk}-{secrets.token_hex(16)}.zip", File(tmp)
        )
    return {
        "file": name,
        "size": size,
        "sha256": digest.hexdigest(),
        "items": len(item_rows),
        "media": sum(1 for f in files if f.startswith(MEDIA_DIR)),
    }


def open_download(user, export_id: int):
    """The zip of the member's own finished export (storage file object). Not finished →
    409 `export-not-ready`; older than 7 days → 409 `export-expired`."""
    export = export_for(user, export_id)
    if export.status == ExportStatus.EXPIRED or (
        export.expires_at is not None and clock.now() >= export.expires_at
    ):
        raise ExportExpired()
    if export.status != ExportStatus.DONE or not export.file:
        raise ExportNotReady()
    audit.record("dossier_transfer.export.downloaded", actor=user, obj=export)
    return export, default_storage.open(export.file, "rb")


def download_name(export: PortfolioExport) -> str:
    day = (export.finished_at or export.created_at).astimezone(clock.AMSTERDAM).date()
    return f"cultuurkaart-dossier-{day.isoformat()}.zip"


def purge_expired() -> int:
    """Delete the files of exports older than 7 days (the link expired). Idempotent."""
    now = clock.now()
    count = 0
    for export in PortfolioExport.objects.filter(
        status=ExportStatus.DONE, expires_at__lte=now
    ).order_by("pk"):
        if export.file:
            default_storage.delete(export.file)
        _set(export.pk, status=ExportStatus.EXPIRED, file="")
        count += 1
    return count
