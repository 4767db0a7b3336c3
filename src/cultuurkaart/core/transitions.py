"""The one status-transition helper (STYLE.md, service rule 5).

Each app keeps its allowed moves in `constants.TRANSITIONS` (status → set of next statuses);
services change a status only through `transition()`, which refuses any other move with
409 `invalid-transition` (API.md) and names the object in words a person can read.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import Conflict


def allowed(table: Mapping, current: str, target: str) -> bool:
    return target in table.get(current, ())


def transition(obj, target: str, table: Mapping, *, field: str = "status", noun: str = "") -> None:
    """Set `obj.<field>` to `target` when `table` allows the move from its current value;
    otherwise raise 409 `invalid-transition`. The caller saves (inside its transaction)."""
    current = getattr(obj, field)
    if not allowed(table, current, target):
        what = noun or f"a {obj._meta.model_name}"
        raise Conflict(
            f"{what[:1].upper()}{what[1:]} that is {current} cannot become {target}.",
            type="invalid-transition",
        )
    setattr(obj, field, target)
