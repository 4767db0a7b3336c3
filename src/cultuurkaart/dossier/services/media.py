"""Media of the dossier (SPEC §11): sniffed by content, images re-encoded (EXIF/GPS gone),
quotas, thumbnails, and short-lived signed URLs checked again on every request."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from cultuurkaart.core import clock

SALT = "cultuurkaart.dossier.media"


class LinkExpired(signing.BadSignature):
    pass


def url_seconds() -> int:
    return int(getattr(settings, "CK_DOSSIER_MEDIA_URL_SECONDS", 300))


def signed_url(media, user, variant: str = "file") -> str:
    """A URL that serves the file (or `variant="thumb"`: its thumbnail) to `user` for
    `CK_DOSSIER_MEDIA_URL_SECONDS` (default 5 minutes, on the platform clock). The view
    checks the signature, the expiry, that the same user is signed in and that they may
    still see the media (authorisation is checked again, not carried by the link)."""
    expires = int(clock.now().timestamp()) + url_seconds()
    token = signing.Signer(salt=SALT).sign_object(
        {"m": media.pk, "u": user.pk, "v": variant, "e": expires}
    )
    return reverse("portals:dossier_media", kwargs={"token": token})


def read_token(token: str) -> dict:
    """{"m", "u", "v", "e"} of a valid, unexpired token; raises signing.BadSignature
    (LinkExpired when only the time is up)."""
    data = signing.Signer(salt=SALT).unsign_object(token)
    if not isinstance(data, dict) or {"m", "u", "v", "e"} - set(data):
        raise signing.BadSignature("malformed")
    if clock.now().timestamp() > float(data["e"]):
        raise LinkExpired("expired")
    return data


# --- who may open a media file ----------------------------------------------------------------

# Other apps (teaching: submission attachments) register extra rules: f(user, media) -> bool.
_ACCESS_RULES: list = []


def register_media_access(rule) -> None:
    if rule not in _ACCESS_RULES:
        _ACCESS_RULES.append(rule)


def can_view_media(user, media) -> bool:
    """The owner; a dossier teacher of the owner's school when the item is visible to
    teachers; a classmate when the item is visible to the class; or a registered rule."""
    from ..constants import Visibility
    from . import access

    if not getattr(user, "is_authenticated", False):
        return False
    portfolio = media.portfolio
    if portfolio.owner_id == user.pk:
        return True
    item = media.item
    if item is not None and not item.is_draft and item.visibility != Visibility.PRIVATE:
        for school_id in portfolio.owner.school_ids("student"):
            if access.can_view_portfolio(user, portfolio, school_id):
                return True
            if item.visibility == Visibility.CLASS and access.are_classmates(
                user, portfolio.owner, school_id
            ):
                return True
    return any(rule(user, media) for rule in _ACCESS_RULES)
