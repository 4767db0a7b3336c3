"""The dossier's item cards, rendered in Python (decision DG-7, as the web-order tables of
BN9-5).

A timeline page shows 20 cards; as a template loop (a dozen tags, filters and `{% translate %}`
per card) they were 60 % of `/mijn-dossier/`'s time, which missed the first page's 50 ms
target while the API met it. Here the labels are translated once per list and each card is a
few `format_html` calls: the same markup as `portals/dossier/_item_card.html` before, escaped
the same way. The item body is the one exception to escaping: it is stored sanitised by `nh3`
(dossier.services.items), as the template's `|safe` trusted before.
"""

from __future__ import annotations

from django import template
from django.utils import dateformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ._rows import join_html, url_per_row

register = template.Library()


def _media(m: dict, title: str, processing: str) -> SafeString:
    row, url, thumb = m["row"], m["url"], m["thumb"]
    alt = row.alt or title
    if row.kind == "image":
        inner = format_html(
            '<a href="{}"><img src="{}" alt="{}" width="200" loading="lazy"></a>',
            url,
            thumb or url,
            alt,
        )
    elif row.kind == "video" and row.thumbnail_status == "done":
        poster = format_html(' poster="{}"', thumb) if thumb else ""
        inner = format_html(
            '<video controls preload="none" src="{}"{} aria-label="{}"></video>', url, poster, alt
        )
    elif row.kind == "audio" and row.thumbnail_status == "done":
        inner = format_html(
            '<audio controls preload="none" src="{}" aria-label="{}"></audio>', url, alt
        )
    elif row.thumbnail_status == "pending":
        inner = format_html('<span class="help">{}</span>', processing)
    else:
        label = row.get_kind_display()
        inner = format_html(
            '<a href="{}">{}{}</a>', url, label, format_html(": {}", row.alt) if row.alt else ""
        )
    return format_html("<li>{}</li>", inner)


@register.simple_tag(takes_context=True)
def dossier_cards(context) -> SafeString:
    """The `<li>` cards of `cards` (from portals.views_dossier._cards); `heading` (default
    h2) for the title, `own` links the title to the item and says who sees it."""
    cards = context.get("cards") or []
    heading = context.get("heading") or "h2"
    if heading not in ("h1", "h2", "h3"):
        heading = "h2"
    own = bool(context.get("own"))
    labels = {
        "draft": _("Concept"),
        "cancelled": _("activiteit geannuleerd"),
        "question": _("Vraag"),
        "visible": _("Zichtbaar voor"),
        "processing": _("Wordt verwerkt…"),
    }
    item_url = url_per_row("portals:my_dossier_item") if own else None
    out = []
    for card in cards:
        item = card["item"]
        meta = [
            format_html(
                '<span class="badge type-{}">{}</span> <time datetime="{}">{}</time>',
                item.type,
                item.get_type_display(),
                item.occurred_on.isoformat(),
                dateformat.format(item.occurred_on, "j F Y"),
            )
        ]
        if item.is_draft:
            meta.append(format_html(' <span class="badge pending">{}</span>', labels["draft"]))
        if item.activity_cancelled:
            meta.append(
                format_html(' <span class="badge cancelled">{}</span>', labels["cancelled"])
            )
        if item.lq_status:
            meta.append(format_html(' <span class="badge">{}</span>', item.get_lq_status_display()))
        if card.get("author"):
            meta.append(
                format_html(" <span>{}</span>", _("door %(name)s") % {"name": card["author"]})
            )
        if item_url:
            title = format_html('<a href="{}">{}</a>', item_url(item.pk), item.title)
        else:
            title = item.title
        parts = [
            format_html(
                '<li>\n  <article class="card dossier-item" data-testid="dossier-item"'
                ' aria-labelledby="item-{}">\n    <p class="item-meta">{}</p>\n'
                '    <{} id="item-{}">{}</{}>\n',
                item.pk,
                join_html(meta),
                heading,
                item.pk,
                title,
                heading,
            )
        ]
        if item.prompt:
            parts.append(
                format_html(
                    '    <p class="prompt"><strong>{}:</strong> {}</p>\n',
                    labels["question"],
                    item.prompt,
                )
            )
        visit = item.visit or {}
        if visit:
            where = [visit.get("activity") or ""]
            where += [v for v in (visit.get("place"), visit.get("provider")) if v]
            parts.append(format_html('    <p class="help">{}</p>\n', " · ".join(where)))
        if item.body:
            # Sanitised with nh3 when it was saved (dossier.services.items).
            parts.append(
                format_html(
                    '    <div class="item-body">{}</div>\n',
                    mark_safe(item.body),  # noqa: S308
                )
            )
        if card["media"]:
            parts.append(
                format_html(
                    '    <ul class="item-media">{}</ul>\n',
                    join_html(_media(m, item.title, labels["processing"]) for m in card["media"]),
                )
            )
        if card["competencies"]:
            parts.append(
                format_html(
                    '    <p class="competencies">{}</p>\n',
                    format_html_join(
                        " ",
                        '<span class="badge comp-{}">{}{}</span>',
                        (
                            (code, label, f" ({level})" if level > 1 else "")
                            for code, label, level in card["competencies"]
                        ),
                    ),
                )
            )
        if own:
            parts.append(
                format_html(
                    '    <p class="help">{}: {}</p>\n',
                    labels["visible"],
                    item.get_visibility_display(),
                )
            )
        parts.append("  </article>\n  </li>\n")
        out.append(join_html(parts))
    return join_html(out)
