"""In-platform transfer of a portfolio to another school (SPEC §11, issue 12 point 8).

The owner makes a one-time transfer code (`create_code`; 14 days, only its sha256 stored, a
new code replaces an unused one) and gives it to the new school; a teacher there enters it
for the student on the school's roster (`accept`):

- the same member account (the student moved schools with their account): nothing is copied;
  the portfolio is marked `transferred_at`, so the leaver rule does not delete it;
- another account (a new account at the new school): the items and media are copied into
  that account's portfolio exactly as an import would (`imports.receive`: no duplicates,
  dates kept, provenance `transfer`); the old portfolio then follows the leaver rule.

Private notes and feedback are not items: nothing else of the old school travels.

Locking (docs/locking.md): `accept` locks the PortfolioTransfer row (one use), then
`imports.receive` locks the target Portfolio.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction

from cultuurkaart.core import audit, clock
from cultuurkaart.dossier.models import Item, Media, Portfolio
from cultuurkaart.dossier.services import access

from ..constants import MEDIA_DIR, TRANSFER_DAYS
from ..exceptions import InvalidTransferCode
from ..models import PortfolioTransfer
from . import archive, exports, imports

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12  # 60 bits


def _normalise(code: str) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch in ALPHABET)


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def create_code(user, *, actor=None) -> tuple[PortfolioTransfer, str]:
    """A new transfer code for the member's own portfolio (404 where the dossier is off).
    → (transfer, the code "ABCD-EFGH-JKLM", shown once)."""
    portfolio = exports.owned_portfolio(user)
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    now = clock.now()
    with transaction.atomic():
        PortfolioTransfer.objects.filter(portfolio=portfolio, used_at__isnull=True).delete()
        transfer = PortfolioTransfer.objects.create(
            portfolio=portfolio,
            code_hash=_hash(raw),
            created_at=now,
            expires_at=now + dt.timedelta(days=TRANSFER_DAYS),
        )
        audit.record("dossier_transfer.transfer.code_made", actor=actor or user, obj=transfer)
    return transfer, "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _rows(portfolio: Portfolio) -> tuple[list[dict], dict[str, Media]]:
    """The portfolio as manifest rows (as the export writes them) and its media by path."""
    items = list(
        Item.objects.filter(portfolio=portfolio)
        .select_related("school")
        .order_by("occurred_on", "created_at", "id")
    )
    by_item: dict[int, list[Media]] = {}
    for m in Media.objects.filter(portfolio=portfolio, item__portfolio=portfolio).order_by(
        "item_id", "created_at", "id"
    ):
        by_item.setdefault(m.item_id, []).append(m)
    rows, files = [], {}
    for item in items:
        media_rows = []
        for m in by_item.get(item.pk, []):
            path = f"{MEDIA_DIR}{m.pk}.{archive.extension(m.content_type)}"
            files[path] = m
            media_rows.append(
                {
                    "path": path,
                    "kind": m.kind,
                    "content_type": m.content_type,
                    "alt": m.alt,
                    "sha256": m.sha256,
                    "size": m.size,
                }
            )
        rows.append(exports._item_data(item, media_rows))
    return rows, files


def accept(school, person_id: int, code: str, *, actor) -> dict:
    """A teacher of the receiving school takes over (same account) or copies (another
    account) the portfolio the code belongs to, for the student `person_id` on its roster.
    Unknown, used or expired code → 422 `invalid-transfer-code`.
    → {"imported", "skipped", "same_account"}."""
    from django.core.files.storage import default_storage

    access.require_enabled(school)
    person, user = imports.target_user(school, person_id)
    now = clock.now()
    with transaction.atomic():
        transfer = (
            PortfolioTransfer.objects.select_for_update(of=("self",), no_key=True)
            .filter(code_hash=_hash(code), used_at__isnull=True, expires_at__gt=now)
            .select_related("portfolio")
            .first()
        )
        if transfer is None or len(_normalise(code)) != CODE_LENGTH:
            raise InvalidTransferCode()
        source = transfer.portfolio
        if source.owner_id == user.pk:
            Portfolio.objects.filter(pk=source.pk).update(transferred_at=now)
            result = {
                "imported": 0,
                "skipped": Item.objects.filter(portfolio=source).count(),
                "same_account": True,
            }
            target = source
        else:
            rows, files = _rows(source)

            def opener(path):
                if path not in files:
                    raise InvalidTransferCode()
                return default_storage.open(files[path].file, "rb")

            result = imports.receive(
                school,
                person,
                user,
                rows,
                source=f"ck:{source.pk}",
                exported_at=now.isoformat(),
                sha256="",
                opener=opener,
                how="transfer",
                actor=actor,
                feedback=exports.released_feedback(source.owner, source),
            )
            result["same_account"] = False
            target = access.portfolio_for(user)
        transfer.used_at, transfer.school, transfer.target = now, school, target
        transfer.save(update_fields=["used_at", "school", "target"])
        audit.record(
            "dossier_transfer.transfer.accepted",
            actor=actor,
            obj=transfer,
            school_id=school.pk,
            data={"person": person.pk, **result},
        )
    return result
