"""The audit log: one call per money or personal-data action, inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import clock
from .models import AuditEntry


def record(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    school_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write an audit entry. `data` must hold ids and counts, never names or e-mails."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        at=clock.now(),
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        school_id=school_id,
        data=data or {},
    )
