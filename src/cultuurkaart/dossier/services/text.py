"""Rich text of the dossier: the editor's HTML is sanitised on the server with nh3 (an
allow-list of tags and attributes; links get rel="noopener noreferrer nofollow" and only
http(s)/mailto schemes; everything else, scripts, styles, event handlers, images by URL,
is removed)."""

from __future__ import annotations

import html

import nh3

TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "a",
}
ATTRIBUTES = {"a": {"href"}}
MAX_BODY = 50_000


def sanitise(value: str | None) -> str:
    if not value:
        return ""
    cleaned = nh3.clean(
        str(value),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned.strip()


def plain(value: str | None) -> str:
    """The text of sanitised HTML (exports, e-mails, previews)."""
    if not value:
        return ""
    text = nh3.clean(value.replace("</p>", "</p>\n").replace("<br>", "\n"), tags=set())
    return html.unescape(text).strip()
