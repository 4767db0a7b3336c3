"""Idempotency keys: the one helper for every POST that must take effect once.

API.md Conventions: a client sends `Idempotency-Key`; the same key and body within 24 hours
returns the first response; the same key with another body → 409 `idempotency-conflict`.

    status, body = idempotent(request, "invoice-payment", payload, compute)

`compute()` does the work (one service call) and returns `(status, body)`, a JSON-able body.
A record `(user, scope, key) → body hash, status, body` is inserted *before* the work, in the
same transaction: a concurrent duplicate waits on the unique key until the first commits and
then replays its stored answer (one effect); if the work fails (a domain error, rolled back),
no record remains and a retry runs again. Records older than 24 hours are deleted on the way.

Pages use `run_once(user=..., key=<form token>, ...)` the same way. Used by: payments
(`api/orders.py`), invitations (`api/memberships.py`, the invitation page), web orders
(`api/weborders.py`); payouts
and vouchers use it next (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import clock
from .errors import Conflict, ValidationFailed

TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 200
HEADER = "Idempotency-Key"

Answer = tuple[int, Any]


def body_hash(payload: Any) -> str:
    """A stable hash of the request body (keys sorted; dates, decimals as strings).

    The same formula as the former payments helper, so records kept across the move to core
    still match their retries."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def run_once(
    *, user, scope: str, key: str | None, payload: Any, compute: Callable[[], Answer]
) -> Answer:
    """Run `compute()` once per (user, scope, key) within 24 h; see the module text."""
    from .models import IdempotencyRecord

    key = (key or "").strip()
    if not key:
        return compute()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"{HEADER} is longer than {MAX_KEY_LENGTH} characters.",
            errors=[{"field": HEADER, "code": "too-long", "message": "At most 200 characters."}],
        )
    digest = body_hash(payload)
    lookup = {"user": user, "scope": scope[:200], "key": key}
    IdempotencyRecord.objects.filter(created_at__lt=clock.now() - TTL).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    **lookup, body_hash=digest, status=0, response={}
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(**lookup)
            if record.body_hash != digest:
                raise Conflict(
                    _("Deze sleutel (Idempotency-Key) is al gebruikt voor een ander verzoek."),
                    type="idempotency-conflict",
                ) from None
            return record.status, record.response
        status, body = compute()
        record.status, record.response = status, body
        record.save(update_fields=["status", "response"])
    return status, body


def idempotent(request, scope: str, payload: Any, compute: Callable[[], Answer]) -> Answer:
    """`run_once` for an API request: the key from the `Idempotency-Key` header, per user."""
    return run_once(
        user=request.user,
        scope=scope,
        key=request.headers.get(HEADER),
        payload=payload,
        compute=compute,
    )
