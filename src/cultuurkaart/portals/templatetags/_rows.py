"""Helpers shared by the tables and cards rendered in Python (weborder_tables, dossier_cards;
decisions BN9-5, DG-7)."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString


def join_html(parts) -> SafeString:
    """Concatenate, escaping whatever is not already safe HTML."""
    return format_html_join("", "{}", ((part,) for part in parts))


def url_per_row(name: str, *args) -> Callable[[int], str]:
    """The URL `name` reversed once with 0 as its last id; the function puts a row's id there."""
    head, tail = reverse(name, args=[*args, 0]).rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"
