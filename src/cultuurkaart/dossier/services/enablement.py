"""The school's opt-in (SPEC §11): the admin enables the dossier for a whole school or per
class, and sets the school's dossier settings. Audited; no personal data."""

from __future__ import annotations

from django.db import transaction

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import ValidationFailed

from ..models import Enablement

MAX_GROUP = 200


def _group(value) -> str:
    group = (value or "").strip() if isinstance(value, str | type(None)) else None
    if group is None or len(group) > MAX_GROUP or "\x00" in group:
        raise ValidationFailed(
            "Een klasnaam van hoogstens 200 tekens.",
            errors=[{"field": "group", "code": "invalid", "message": "Klas."}],
        )
    return group


def _setting(value, field: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(
            f"Een getal van {low} tot en met {high}.",
            errors=[{"field": field, "code": "invalid", "message": f"{low}–{high}."}],
        )
    return value


def set_enabled(
    school,
    enabled: bool,
    *,
    actor,
    group: str | None = "",
    max_open_questions: int | None = None,
    conversation_interval_months: int | None = None,
) -> list[Enablement]:
    """Enable (idempotent) or disable the dossier for the school (`group` "") or one class.
    Disabling the whole school (`group` "") removes every class row too. Returns the
    school's rows afterwards. Portfolios are never deleted by disabling: they belong to the
    members; the pages and API simply answer 404 while it is off."""
    group = _group(group)
    max_open = _setting(max_open_questions, "max_open_questions", 1, 20)
    interval = _setting(conversation_interval_months, "conversation_interval_months", 1, 24)
    with transaction.atomic():
        rows = Enablement.objects.filter(school=school)
        if enabled:
            row, created = Enablement.objects.get_or_create(
                school=school,
                group=group,
                defaults={"enabled_by": actor, "enabled_at": clock.now()},
            )
            changed = []
            if max_open is not None and row.max_open_questions != max_open:
                row.max_open_questions = max_open
                changed.append("max_open_questions")
            if interval is not None and row.conversation_interval_months != interval:
                row.conversation_interval_months = interval
                changed.append("conversation_interval_months")
            if changed:
                row.save(update_fields=changed)
            if created or changed:
                audit.record(
                    "dossier.school.enabled",
                    actor=actor,
                    obj=row,
                    school_id=school.pk,
                    data={"whole_school": not group, "changed": changed},
                )
        else:
            gone = rows if not group else rows.filter(group=group)
            count = gone.count()
            if count:
                gone.delete()
                audit.record(
                    "dossier.school.disabled",
                    actor=actor,
                    obj=school,
                    school_id=school.pk,
                    data={"whole_school": not group, "rows": count},
                )
    return list(Enablement.objects.filter(school=school).order_by("group"))
