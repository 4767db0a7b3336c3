"""Media of the dossier (SPEC §11): type sniffed from the content (never the name or the
declared type), images verified and re-encoded by Pillow (EXIF and GPS gone, orientation
applied), video and audio remuxed by ffmpeg without metadata in the background (video also
gets its thumbnail there), per-file and per-member quotas (413 `quota-exceeded`), stored
through Django's storage API and served only through short-lived signed URLs that are
checked again on every request."""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import logging
import os
import secrets
import shutil
import subprocess
import tempfile
import warnings

import puremagic
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from PIL import Image, ImageOps, UnidentifiedImageError

from cultuurkaart.core import audit, clock
from cultuurkaart.core.dispatch import dispatch
from cultuurkaart.core.errors import DomainError, ValidationFailed

from ..constants import MediaKind, ThumbnailStatus
from ..models import Media, Portfolio

logger = logging.getLogger(__name__)

SALT = "cultuurkaart.dossier.media"


class LinkExpired(signing.BadSignature):
    pass


def url_seconds() -> int:
    return int(getattr(settings, "CK_DOSSIER_MEDIA_URL_SECONDS", 300))


@functools.cache
def _url_prefix() -> str:
    return reverse("portals:dossier_media", kwargs={"token": "T"})[:-2]


class _Signer(signing.Signer):
    """Django's `Signer` with the HMAC key derived once (it derives `sha256(salt + secret)`
    for every signature; a timeline page signs up to two links per media file). The
    signatures are byte for byte Django's, so `read_token` checks them unchanged (a test
    holds it)."""

    def __init__(self, secret: str):
        super().__init__(key=secret, salt=SALT)
        derived = hashlib.sha256((self.salt + "signer").encode() + secret.encode()).digest()
        self._mac = hmac.new(derived, digestmod=hashlib.sha256)

    def signature(self, value, key=None):
        if key is not None:
            return super().signature(value, key)
        mac = self._mac.copy()
        mac.update(value.encode() if isinstance(value, str) else value)
        return signing.b64_encode(mac.digest()).decode()


_signers: dict[str, _Signer] = {}


def _signer() -> _Signer:
    secret = settings.SECRET_KEY
    found = _signers.get(secret)
    if found is None:
        _signers.clear()
        found = _signers[secret] = _Signer(secret)
    return found


def signed_url(media, user, variant: str = "file") -> str:
    """A URL that serves the file (or `variant="thumb"`: its thumbnail) to `user` for
    `CK_DOSSIER_MEDIA_URL_SECONDS` (default 5 minutes, on the platform clock). The view
    checks the signature, the expiry, that the same user is signed in and that they may
    still see the media (authorisation is checked again, not carried by the link)."""
    expires = int(clock.now().timestamp()) + url_seconds()
    token = _signer().sign_object({"m": media.pk, "u": user.pk, "v": variant, "e": expires})
    return f"{_url_prefix()}{token}/"


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
    from . import access, consent

    if not getattr(user, "is_authenticated", False):
        return False
    portfolio = media.portfolio
    if portfolio.owner_id == user.pk:
        return True
    if media.thumbnail_status in (ThumbnailStatus.PENDING, ThumbnailStatus.FAILED):
        return False  # metadata not (yet) stripped: the owner only
    item = media.item
    if item is not None and not item.is_draft and item.visibility != Visibility.PRIVATE:
        for school_id in portfolio.owner.school_ids("student"):
            if access.can_view_portfolio(user, portfolio, school_id):
                return True
            if item.visibility in (Visibility.CLASS, Visibility.SCHOOL) and access.are_classmates(
                user, portfolio.owner, school_id
            ):
                return True
            if (
                item.visibility == Visibility.SCHOOL
                and access.enabled_for_member(user, school_id)
                and consent.has_consent(portfolio)
            ):
                return True
    return any(rule(user, media) for rule in _ACCESS_RULES)


# --- upload -----------------------------------------------------------------------------------


class QuotaExceeded(DomainError):
    type = "quota-exceeded"
    status = 413
    title = "File or storage quota exceeded"


# puremagic extension → (kind, stored content type, stored extension). Images are re-encoded,
# so their stored type is the re-encoded one (see _reencode).
SNIFFED = {
    ".jpg": (MediaKind.IMAGE, "image/jpeg", "jpg"),
    ".jpeg": (MediaKind.IMAGE, "image/jpeg", "jpg"),
    ".jfif": (MediaKind.IMAGE, "image/jpeg", "jpg"),
    ".jpe": (MediaKind.IMAGE, "image/jpeg", "jpg"),
    ".png": (MediaKind.IMAGE, "image/png", "png"),
    ".webp": (MediaKind.IMAGE, "image/webp", "webp"),
    ".gif": (MediaKind.IMAGE, "image/gif", "gif"),
    ".mp4": (MediaKind.VIDEO, "video/mp4", "mp4"),
    ".m4v": (MediaKind.VIDEO, "video/mp4", "mp4"),
    ".mov": (MediaKind.VIDEO, "video/quicktime", "mov"),
    ".webm": (MediaKind.VIDEO, "video/webm", "webm"),
    ".mp3": (MediaKind.AUDIO, "audio/mpeg", "mp3"),
    ".m4a": (MediaKind.AUDIO, "audio/mp4", "m4a"),
    ".ogg": (MediaKind.AUDIO, "audio/ogg", "ogg"),
    ".oga": (MediaKind.AUDIO, "audio/ogg", "ogg"),
    ".wav": (MediaKind.AUDIO, "audio/wav", "wav"),
    ".flac": (MediaKind.AUDIO, "audio/flac", "flac"),
    ".pdf": (MediaKind.PDF, "application/pdf", "pdf"),
}
PILLOW_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 50_000_000
IMAGE_MAX_SIDE = 2_400
THUMB_SIDE = 400


def _unsupported(message: str = "Alleen afbeeldingen, video, audio of pdf."):
    raise ValidationFailed(
        message, errors=[{"field": "file", "code": "unsupported-type", "message": message}]
    )


def sniff(data: bytes) -> tuple[str, str, str]:
    """(kind, content type, extension) from the first bytes; refuses anything else."""
    head = data[:8192]
    if not head:
        _unsupported("Het bestand is leeg.")
    if head[:2] == b"MZ" or head[:4] in (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        _unsupported("Programma's worden niet geaccepteerd.")
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        matches = []
    for match in matches:
        found = SNIFFED.get(match.extension.lower())
        if found is None:
            continue
        if found[0] == MediaKind.VIDEO and head[4:8] == b"ftyp" and head[8:11] == b"M4A":
            return SNIFFED[".m4a"]
        return found
    _unsupported()


def quota_bytes() -> int:
    return int(settings.CK_DOSSIER_QUOTA_BYTES)


def max_file_bytes() -> int:
    return int(settings.CK_DOSSIER_MAX_FILE_BYTES)


def used_bytes(portfolio: Portfolio) -> int:
    return Media.objects.filter(portfolio=portfolio).aggregate(total=Sum("size"))["total"] or 0


def _reencode(data: bytes) -> tuple[bytes, str, str, int, int, bytes]:
    """(bytes, content type, extension, width, height, thumbnail JPEG) of a verified image,
    re-encoded without any metadata (EXIF, GPS, XMP, comments), upright."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in PILLOW_FORMATS:
                _unsupported()
            if probe.size[0] * probe.size[1] > MAX_PIXELS:
                _unsupported("Deze afbeelding heeft te veel pixels.")
            probe.verify()  # structure check; the image must be opened again after it
            image = Image.open(io.BytesIO(data))
            image.load()
            image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        _unsupported("Dit is geen geldige afbeelding.")
    except (OSError, SyntaxError, ValueError):
        _unsupported("Dit is geen geldige afbeelding.")
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    if has_alpha:
        image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
        content_type, ext = "image/png", "png"
    else:
        image = image.convert("RGB")
        image.save(out, format="JPEG", quality=85, optimize=True)
        content_type, ext = "image/jpeg", "jpg"
    thumb = image.convert("RGB")
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80)
    return out.getvalue(), content_type, ext, image.width, image.height, thumb_out.getvalue()


def _name(portfolio: Portfolio, ext: str) -> str:
    return f"dossier/{portfolio.pk}/{secrets.token_hex(16)}.{ext}"


def upload_media(portfolio: Portfolio, upload, *, actor, alt: str = "") -> Media:
    """Store one uploaded file of the member (API `POST /me/portfolio/media`)."""
    limit = max_file_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise QuotaExceeded(f"Een bestand is maximaal {limit // (1024 * 1024)} MB.")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise QuotaExceeded(f"Een bestand is maximaal {limit // (1024 * 1024)} MB.")
    kind, content_type, ext = sniff(data)
    width = height = None
    thumb = b""
    if kind == MediaKind.IMAGE:
        data, content_type, ext, width, height, thumb = _reencode(data)
    alt = (alt or "").strip()[:300]
    with transaction.atomic():
        from .items import locked_portfolio

        portfolio = locked_portfolio(portfolio.pk)
        if used_bytes(portfolio) + len(data) > quota_bytes():
            raise QuotaExceeded("Je dossier is vol: verwijder eerst iets.")
        stored: list[str] = []
        try:
            name = default_storage.save(_name(portfolio, ext), ContentFile(data))
            stored.append(name)
            thumb_name = (
                default_storage.save(_name(portfolio, "jpg"), ContentFile(thumb)) if thumb else ""
            )
            stored.append(thumb_name)
            media = Media.objects.create(
                portfolio=portfolio,
                kind=kind,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                file=name,
                thumbnail=thumb_name,
                thumbnail_status=ThumbnailStatus.DONE
                if thumb_name
                else (
                    ThumbnailStatus.PENDING
                    if kind in (MediaKind.VIDEO, MediaKind.AUDIO)
                    else ThumbnailStatus.NONE
                ),
                width=width,
                height=height,
                alt=alt,
                created_at=clock.now(),
            )
            audit.record(
                "dossier.media.uploaded",
                actor=actor,
                obj=media,
                data={"portfolio": portfolio.pk, "kind": kind, "size": len(data)},
            )
            if kind in (MediaKind.VIDEO, MediaKind.AUDIO):
                from ..tasks import process_media

                dispatch(process_media, media.pk, background=True)
        except BaseException:
            for stored_name in filter(None, stored):
                default_storage.delete(stored_name)
            raise
    return media


def delete_media(media: Media, *, actor) -> None:
    names = [n for n in (media.file, media.thumbnail) if n]
    with transaction.atomic():
        audit.record(
            "dossier.media.deleted",
            actor=actor,
            obj=media,
            data={"portfolio": media.portfolio_id, "kind": media.kind},
        )
        media.delete()
        transaction.on_commit(lambda: [default_storage.delete(n) for n in names])


# --- background: strip metadata of video and audio, video thumbnail ---------------------------


def _ffmpeg(*args: str) -> bool:
    binary = shutil.which("ffmpeg")
    if binary is None:
        return False
    result = subprocess.run(  # noqa: S603 (fixed binary, no shell, our own temp paths)
        [binary, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args],
        capture_output=True,
        timeout=300,
        check=False,
    )
    return result.returncode == 0


def process_media(media_id: int) -> None:
    """Remux a video or audio file without metadata (GPS in MP4/MOV user data, ID3 tags)
    and make a video's thumbnail. Idempotent: a file already processed is left alone."""
    media = Media.objects.filter(pk=media_id).first()
    if media is None or media.thumbnail_status != ThumbnailStatus.PENDING:
        return
    ext = media.file.rsplit(".", 1)[-1]
    with tempfile.TemporaryDirectory(prefix="ck-media-") as tmp:
        source = os.path.join(tmp, f"in.{ext}")
        clean = os.path.join(tmp, f"out.{ext}")
        thumb = os.path.join(tmp, "thumb.jpg")
        with default_storage.open(media.file, "rb") as fh, open(source, "wb") as out:
            shutil.copyfileobj(fh, out)
        stripped = _ffmpeg(
            "-i", source, "-map", "0", "-map_metadata", "-1", "-map_chapters", "-1",
            "-c", "copy", "-fflags", "+bitexact", clean,
        )  # fmt: skip
        made_thumb = media.kind == MediaKind.VIDEO and _ffmpeg(
            "-i", source, "-frames:v", "1", "-vf", f"scale='min({THUMB_SIDE},iw)':-2", thumb
        )  # fmt: skip
        new_file, size, digest = media.file, media.size, media.sha256
        if stripped:
            with open(clean, "rb") as fh:
                data = fh.read()
            new_file = default_storage.save(_name(media.portfolio, ext), ContentFile(data))
            size, digest = len(data), hashlib.sha256(data).hexdigest()
        thumb_name = ""
        if made_thumb:
            with open(thumb, "rb") as fh:
                thumb_name = default_storage.save(
                    _name(media.portfolio, "jpg"), ContentFile(fh.read())
                )
    status = (
        ThumbnailStatus.DONE
        if stripped and (made_thumb or media.kind == MediaKind.AUDIO)
        else ThumbnailStatus.FAILED
    )
    updated = Media.objects.filter(pk=media.pk, thumbnail_status=ThumbnailStatus.PENDING).update(
        file=new_file, size=size, sha256=digest, thumbnail=thumb_name, thumbnail_status=status
    )
    if updated and new_file != media.file:
        default_storage.delete(media.file)
    if status == ThumbnailStatus.FAILED:
        logger.warning("dossier media %s: processing failed", media.pk)
