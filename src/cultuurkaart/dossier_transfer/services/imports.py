"""Import of a portfolio export by a teacher of the receiving school (SPEC §11, issue 12
point 8).

The whole zip is verified first (`archive.open_verified`: the platform's signature on the
manifest, every file's size and sha256, nothing added or missing); a difference is 422
`tampered-export` and nothing is imported. Then, in one transaction with the target
portfolio locked, each item whose key the portfolio does not hold yet is created with its
own dates (`occurred_on`, `created_at`) and a `provenance` (where and when it came from);
an item already there is skipped, so importing the same zip again imports nothing new.
HTML is sanitised again; visibility `class` becomes `teachers` (the new class never agreed
to see it, decision DT-5); drafts stay drafts.

Locking (docs/locking.md): `import_portfolio` locks the target `Portfolio` row, so two
imports of the same zip at once cannot both create the items.
"""

from __future__ import annotations

import datetime as dt
import secrets

import nh3
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import NotFound, ValidationFailed
from cultuurkaart.dossier.constants import (
    COMPETENCY_CODES,
    MAX_LEVEL,
    ItemType,
    LearningQuestionStatus,
    MediaKind,
    Visibility,
)
from cultuurkaart.dossier.models import Item, Media, Portfolio
from cultuurkaart.dossier.services import access
from cultuurkaart.memberships.constants import MemberKind
from cultuurkaart.memberships.models import Membership
from cultuurkaart.rosters.constants import RosterKind
from cultuurkaart.rosters.models import Person

from ..exceptions import TamperedExport
from ..models import CarriedFeedback, PortfolioImport
from . import archive

MEDIA_DIR = "dossier"


def target_user(school, person_id: int):
    """The member account of a student on the school's roster (404 for anyone else)."""
    person = Person.objects.filter(pk=person_id, school=school, kind=RosterKind.STUDENTS).first()
    if person is None:
        raise NotFound("Not found")
    membership = (
        Membership.objects.active()
        .filter(school=school, person=person, kind=MemberKind.STUDENT, user__isnull=False)
        .select_related("user")
        .order_by("-activated_at")
        .first()
    )
    if membership is None:
        raise ValidationFailed(
            _("Deze leerling heeft nog geen geactiveerd account; importeren kan daarna."),
            type="membership-not-active",
            errors=[{"field": "person_id", "code": "membership-not-active", "message": ""}],
        )
    return person, membership.user


def _date(value, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise TamperedExport() from exc


def _moment(value) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _level(value) -> int:
    return value if isinstance(value, int) and 0 <= value <= MAX_LEVEL else 0


def _text(value, limit: int | None = None) -> str:
    text = value if isinstance(value, str) else ""
    return text[:limit] if limit else text


def import_portfolio(school, person_id: int, fileobj, *, actor) -> dict:
    """Import the zip into the portfolio of the student `person_id` of `school`.
    → {"imported": int, "skipped": int}."""
    access.require_enabled(school)
    person, user = target_user(school, person_id)
    zf, manifest, digest = archive.open_verified(fileobj)
    rows = manifest.get("items")
    if not isinstance(rows, list):
        raise TamperedExport()
    names = set(zf.namelist())

    def opener(path):
        if not isinstance(path, str) or path not in names:
            raise TamperedExport()
        return zf.open(path)

    return receive(
        school,
        person,
        user,
        rows,
        source=_text(manifest.get("portfolio"), 64),
        exported_at=_text(manifest.get("exported_at"), 40),
        sha256=digest,
        opener=opener,
        how="import",
        actor=actor,
        feedback=manifest.get("feedback") or [],
    )


def receive(
    school, person, user, rows, *, source, exported_at, sha256, opener, how, actor, feedback=()
) -> dict:
    """Create the items of `rows` (manifest rows) that the user's portfolio does not hold
    yet, with their media read through `opener(path)`, and keep the released feedback of
    `feedback` (manifest rows) read-only (`_carry_feedback`, decision DT-4). One
    transaction, the portfolio row locked; the files stored before a failure are deleted
    again. → {"imported", "skipped"}."""
    portfolio = access.portfolio_for(user)
    now = clock.now()
    saved: list[str] = []
    try:
        with transaction.atomic():
            portfolio = Portfolio.objects.select_for_update(of=("self",), no_key=True).get(
                pk=portfolio.pk
            )
            present = set(
                Item.objects.filter(portfolio=portfolio)
                .exclude(origin_key="")
                .values_list("origin_key", flat=True)
            )
            # Items of this very portfolio that travelled and came back.
            own_prefix = f"ck:{portfolio.pk}:"
            own_ids = set(Item.objects.filter(portfolio=portfolio).values_list("pk", flat=True))
            created: dict[str, Item] = {}
            links: list[tuple[Item, str]] = []
            skipped = 0
            for row in rows:
                if not isinstance(row, dict):
                    raise TamperedExport()
                key = _text(row.get("key"), 200)
                if not key.startswith("ck:"):
                    raise TamperedExport()
                if key in present or key in created:
                    skipped += 1
                    continue
                tail = key[len(own_prefix) :]
                if key.startswith(own_prefix) and tail.isdigit() and int(tail) in own_ids:
                    skipped += 1
                    continue
                item = _create_item(
                    portfolio,
                    row,
                    key,
                    provenance={
                        "source": how,
                        "portfolio": source,
                        "school": _text(row.get("school"), 200) or None,
                        "exported_at": exported_at,
                        "imported_at": now.isoformat(),
                        "imported_by_school": school.pk,
                        "created_at": _text(row.get("created_at"), 40),
                        "original": (
                            row.get("provenance")
                            if isinstance(row.get("provenance"), dict)
                            else None
                        ),
                    },
                    now=now,
                )
                created[key] = item
                question = row.get("learning_question")
                if isinstance(question, str) and question:
                    links.append((item, question))
                for media in row.get("media") or []:
                    saved.append(_store_media(opener, portfolio, item, media))
            for item, question in links:
                target = (
                    created.get(question)
                    or Item.objects.filter(portfolio=portfolio, origin_key=question).first()
                )
                if target is not None:
                    Item.objects.filter(pk=item.pk).update(learning_question=target)
            carried = _carry_feedback(portfolio, feedback, created, how=how, now=now)
            record = PortfolioImport.objects.create(
                school=school,
                portfolio=portfolio,
                source=source,
                sha256=sha256,
                imported=len(created),
                skipped=skipped,
                imported_by=actor,
                created_at=now,
            )
            audit.record(
                f"dossier_transfer.{how}.done",
                actor=actor,
                obj=record,
                school_id=school.pk,
                data={
                    "imported": len(created),
                    "skipped": skipped,
                    "feedback": carried,
                    "person": person.pk,
                },
            )
    except BaseException:
        for name in saved:  # the rows rolled back: the files must go too
            default_storage.delete(name)
        raise
    return {"imported": len(created), "skipped": skipped}


def _carry_feedback(portfolio, rows, created: dict[str, Item], *, how: str, now) -> int:
    """Keep each released-feedback row the portfolio does not hold yet as a read-only
    `CarriedFeedback` (never a `teaching.Feedback`: it belongs to another school's
    assignment), linked to the first of its items found in the portfolio. → how many."""
    if not isinstance(rows, list):
        raise TamperedExport()
    present = set(CarriedFeedback.objects.filter(portfolio=portfolio).values_list("key", flat=True))
    by_key = dict(created)
    wanted = {
        k
        for r in rows
        if isinstance(r, dict)
        for k in (r.get("item_keys") or [])
        if isinstance(k, str) and k not in by_key
    }
    if wanted:
        by_key.update(
            {
                i.origin_key: i
                for i in Item.objects.filter(portfolio=portfolio, origin_key__in=wanted)
            }
        )
    new = []
    for row in rows:
        if not isinstance(row, dict):
            raise TamperedExport()
        key = _text(row.get("key"), 200)
        if not key:  # an export made before feedback had keys: identify it by its content
            key = (
                "ck:fb:"
                + archive.hashlib.sha256(
                    repr(sorted((k, str(v)) for k, v in row.items())).encode()
                ).hexdigest()[:32]
            )
        if key in present:
            continue
        present.add(key)
        item = next(
            (by_key[k] for k in row.get("item_keys") or [] if isinstance(k, str) and k in by_key),
            None,
        )
        rubric = [
            {"criterion": _text(r.get("criterion"), 100), "level": _text(r.get("level"), 100)}
            for r in (row.get("rubric") or [])
            if isinstance(r, dict)
        ][:12]
        attempt = row.get("attempt")
        new.append(
            CarriedFeedback(
                portfolio=portfolio,
                key=key,
                item=item,
                school_name=_text(row.get("school"), 200),
                assignment_title=_text(row.get("assignment_title"), 200) or "—",
                submitted_at=_moment(row.get("submitted_at")),
                released_at=_moment(row.get("released_at")),
                comment=_text(row.get("comment"), 50_000),
                grade=_text(row.get("grade"), 20),
                rubric=rubric,
                attempt=attempt if isinstance(attempt, int) and 0 < attempt < 1000 else 1,
                late=row.get("late") is True,
                source=how,
                created_at=now,
            )
        )
    CarriedFeedback.objects.bulk_create(new)
    return len(new)


def _create_item(portfolio, row: dict, key: str, *, provenance: dict, now) -> Item:
    kind = row.get("type")
    if kind not in ItemType.values:
        raise TamperedExport()
    levels = row.get("competencies") if isinstance(row.get("competencies"), dict) else {}
    visibility = row.get("visibility")
    if visibility not in (Visibility.PRIVATE, Visibility.TEACHERS):
        visibility = Visibility.TEACHERS
    status = row.get("status") or ""
    if kind != ItemType.LEARNING_QUESTION or status not in LearningQuestionStatus.values:
        status = ""
    visit = row.get("visit") if isinstance(row.get("visit"), dict) else None
    if visit is not None:
        visit = {k: _text(visit.get(k), 300) for k in ("activity", "place", "provider")}
    return Item.objects.create(
        portfolio=portfolio,
        type=kind,
        title=_text(row.get("title"), 200) or "—",
        body=nh3.clean(_text(row.get("body"))),
        occurred_on=_date(row.get("occurred_on"), "occurred_on"),
        visibility=visibility,
        school=None,
        lq_status=status,
        prompt=_text(row.get("prompt"), 5000),
        visit=visit,
        is_draft=bool(row.get("is_draft")),
        activity_cancelled=bool(row.get("activity_cancelled")),
        origin_key=key,
        provenance=provenance,
        created_at=_moment(row.get("created_at")) or now,
        updated_at=_moment(row.get("updated_at")) or now,
        **{code: _level(levels.get(code)) for code in COMPETENCY_CODES},
    )


def _store_media(opener, portfolio, item, media) -> str:
    """Store one (verified) media file for the new item. → storage name."""
    if not isinstance(media, dict):
        raise TamperedExport()
    kind = media.get("kind")
    if kind not in MediaKind.values:
        raise TamperedExport()
    content_type = _text(media.get("content_type"), 60)
    ext = archive.extension(content_type)
    name = f"{MEDIA_DIR}/{portfolio.pk}/{secrets.token_hex(16)}.{ext}"
    with opener(media.get("path")) as source:
        upload = File(source, name=name)
        upload.size = int(media.get("size") or 0)
        stored = default_storage.save(name, upload)  # read in chunks
    Media.objects.create(
        portfolio=portfolio,
        item=item,
        kind=kind,
        content_type=content_type,
        size=int(media.get("size") or 0),
        sha256=_text(media.get("sha256"), 64),
        file=stored,
        alt=_text(media.get("alt"), 300),
    )
    return stored
