"""The one status-transition helper (STYLE.md, service rule 5).

Each app keeps its allowed moves in `constants.TRANSITIONS` (status → set of next statuses);
services change a status only through `transition()`, which refuses any other move with
409 `invalid-transition` (API.md) and names the object and both statuses in words a person can read (Dutch, translated).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from .errors import Conflict


def allowed(table: Mapping, current: str, target: str) -> bool:
    return target in table.get(current, ())


def transition(obj, target: str, table: Mapping, *, field: str = "status", noun: str = "") -> None:
    """Set `obj.<field>` to `target` when `table` allows the move from its current value;
    otherwise raise 409 `invalid-transition`. The caller saves (inside its transaction)."""
    current = getattr(obj, field)
    if not allowed(table, current, target):
        what = str(noun or obj._meta.verbose_name)
        labels = dict(obj._meta.get_field(field).flatchoices)
        message = _("%(what)s met de status '%(current)s' kan niet '%(target)s' worden.") % {
            "what": what[:1].upper() + what[1:],
            "current": labels.get(current, current),
            "target": labels.get(target, target),
        }
        raise Conflict(message, type="invalid-transition")
    setattr(obj, field, target)
