"""Whole numbers that come from outside (URL paths, form fields, uploaded files).

`str.isdigit()` and `int()` accept far more than "0-9": `"²".isdigit()` is true but `int("²")`
fails, and `int("١٢")`, `int(" 12")`, `int("+12")` and `int("1_2")` all give 12. One object
must have one spelling, and no input may reach `int()` unchecked, so ids and counts from
outside are ASCII digits only, short enough for a 64-bit column.
"""

from __future__ import annotations

MAX_DIGITS = 18  # below 2**63: fits every integer primary key on SQLite and PostgreSQL


def parse_id(value: object, *, max_digits: int = MAX_DIGITS) -> int | None:
    """`value` as a non-negative int when it is written in ASCII digits only; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 10**max_digits else None
    if not isinstance(value, str):
        return None
    if not 0 < len(value) <= max_digits or not (value.isascii() and value.isdigit()):
        return None
    return int(value)
