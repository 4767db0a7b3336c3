"""E-mail: rendered from templates in the recipient's language, sent after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def render(template: str, context: dict[str, Any], language: str = "nl") -> tuple[str, str]:
    """Render `emails/<template>.subject.txt` and `.body.txt`; returns (subject, body)."""
    ctx = {"site_url": settings.CK_SITE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}.subject.txt", ctx).strip()
        body = render_to_string(f"emails/{template}.body.txt", ctx)
    return " ".join(subject.split()), body


def build(
    template: str,
    to: Iterable[str],
    context: dict[str, Any],
    language: str = "nl",
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> EmailMultiAlternatives:
    subject, body = render(template, context, language)
    message = EmailMultiAlternatives(subject=subject, body=body, to=sorted(set(to)))
    for name, content, mimetype in attachments or []:
        message.attach(name, content, mimetype)
    return message


def send(
    template: str,
    to: Iterable[str],
    context: dict[str, Any],
    language: str = "nl",
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> None:
    """Queue one e-mail to be sent once the current transaction commits."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    message = build(template, recipients, context, language, attachments)
    transaction.on_commit(message.send)


def send_many(messages: list[EmailMultiAlternatives]) -> int:
    """Send a batch over one connection (bulk invitations)."""
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
