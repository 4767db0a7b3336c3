"""Offer images (SPEC §10): sniffed by content with Pillow, EXIF orientation applied, then
re-encoded to 1,600 and 400 px wide versions under random names, so no EXIF or GPS data
of the upload is kept. Stored and read through Django's storage API."""

from __future__ import annotations

import io
import secrets
import warnings
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from cultuurkaart.core import audit
from cultuurkaart.core.errors import Conflict, ValidationFailed

from ..constants import (
    IMAGE_FORMATS,
    IMAGE_WIDTHS,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_IMAGES,
    MIN_IMAGE_HEIGHT,
    MIN_IMAGE_WIDTH,
)
from ..models import Offer, OfferImage
from .offers import locked_offer, require_acceptant

CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class TooManyImages(Conflict):
    type = "too-many-images"
    title = "An offer has at most five images"


def _refuse(code: str, message: str, field: str = "file"):
    raise ValidationFailed(message, errors=[{"field": field, "code": code, "message": message}])


def _text(value: Any, field: str, max_length: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text:
        _refuse("invalid", "Dit veld bevat een ongeldig teken.", field)
    if not text:
        _refuse("required", "Dit veld is verplicht.", field)
    if len(text) > max_length:
        _refuse("too-long", f"Maximaal {max_length} tekens.", field)
    return text


def _open(upload) -> Image.Image:
    """The uploaded image, loaded and upright; refuses what is not a JPEG, PNG or WebP by
    its content (the name and the declared type are not read), and decompression bombs."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_IMAGE_BYTES:
        _refuse("too-large", "Een afbeelding is maximaal 10 MB.")
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        _refuse("too-large", "Een afbeelding is maximaal 10 MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in IMAGE_FORMATS:
                _refuse("unsupported-type", "Alleen JPEG, PNG of WebP.")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(
            "too-many-pixels",
            "Deze afbeelding heeft te veel pixels (maximaal 50 megapixel).",
        )
    except UnidentifiedImageError:
        _refuse("not-an-image", "Dit bestand is geen afbeelding (JPEG, PNG of WebP).")
    except (OSError, SyntaxError, ValueError):
        _refuse("broken-image", "Deze afbeelding is beschadigd of onvolledig.")
    upright.format_name = IMAGE_FORMATS[image.format]  # type: ignore[attr-defined]
    return upright


def _encode(image: Image.Image, fmt: str, width: int) -> bytes:
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    if fmt == "jpeg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt in ("png", "webp") and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    options = {"jpeg": {"quality": 85, "optimize": True}, "webp": {"quality": 85}}
    # No exif=, icc_profile= or pnginfo=: nothing of the upload's metadata is written.
    image.save(out, format=fmt.upper(), **options.get(fmt, {}))
    return out.getvalue()


def add_image(offer: Offer, upload, *, alt: str, credit: str, actor) -> OfferImage:
    """Add an image to an offer (at most five; alt text and credit required)."""
    require_acceptant(offer.provider)
    alt = _text(alt, "alt", 300)
    credit = _text(credit, "credit", 200)
    image = _open(upload)
    if image.width < MIN_IMAGE_WIDTH or image.height < MIN_IMAGE_HEIGHT:
        _refuse(
            "too-small",
            f"Een afbeelding is ten minste {MIN_IMAGE_WIDTH} × {MIN_IMAGE_HEIGHT} pixels.",
        )
    fmt = image.format_name  # type: ignore[attr-defined]
    encoded = {size: _encode(image, fmt, width) for size, width in IMAGE_WIDTHS.items()}
    with transaction.atomic():
        offer = locked_offer(offer)
        count = offer.images.count()
        if count >= MAX_IMAGES:
            raise TooManyImages(f"An offer has at most {MAX_IMAGES} images.")
        names = {
            size: default_storage.save(
                f"offers/{secrets.token_hex(16)}.{'jpg' if fmt == 'jpeg' else fmt}",
                ContentFile(content),
            )
            for size, content in encoded.items()
        }
        stored = OfferImage.objects.create(
            offer=offer,
            large=names["large"],
            small=names["small"],
            content_type=CONTENT_TYPES[fmt],
            width=image.width,
            height=image.height,
            alt=alt,
            credit=credit,
            position=count,
        )
        audit.record("marketplace.image.added", actor=actor, obj=offer, data={"image": stored.pk})
    return stored


def remove_image(image: OfferImage, *, actor) -> None:
    with transaction.atomic():
        offer = locked_offer(image.offer)
        names = (image.large, image.small)
        image_id = image.pk
        image.delete()
        audit.record("marketplace.image.removed", actor=actor, obj=offer, data={"image": image_id})
        transaction.on_commit(lambda: [default_storage.delete(n) for n in names])


def open_image(image: OfferImage, size: str):
    """The stored file of one version ("large" or "small"), from the storage."""
    return default_storage.open(image.large if size == "large" else image.small, "rb")
