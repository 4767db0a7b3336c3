"""Rich text from teachers (instructions, material descriptions) is HTML sanitised on the
server with nh3 (a fixed allow-list; links get rel="noopener noreferrer nofollow")."""

from __future__ import annotations

import nh3

TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "h3", "h4", "blockquote"}
ATTRIBUTES = {"a": {"href", "title"}}


def clean(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def plain(text: str) -> str:
    """Text for a place without markup: every tag removed."""
    return nh3.clean(text or "", tags=set()).strip()
