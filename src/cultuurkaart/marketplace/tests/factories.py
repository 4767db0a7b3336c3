"""Offers, images and people for the marketplace tests."""

from __future__ import annotations

import io

from PIL import Image

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.marketplace import services
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.marketplace.models import Offer
from cultuurkaart.providers.tests.factories import ProviderFactory


def offer_data(**overrides) -> dict:
    """A valid offer body (API.md POST /offers), with `overrides` applied at the top level."""
    data = {
        "title": "Muziektheater op school",
        "description": "Een voorstelling met muziek en theater, met een workshop na afloop.",
        "disciplines": ["music_theatre"],
        "format": "performance",
        "levels": ["vo-havo", "vo-vwo-2"],
        "themes": [],
        "location_mode": "at_provider",
        "venue": {"postcode": "1012 WX", "city": "Amsterdam"},
        "provinces": [],
        "national": False,
        "duration_minutes": 90,
        "price_model": "per_student",
        "price": "7.50",
        "access": ["wheelchair"],
    }
    data.update(overrides)
    return data


def provider_person(provider=None):
    provider = provider or ProviderFactory()
    return provider, with_role(UserFactory(), RoleName.PROVIDER, provider=provider)


def make_offer(provider=None, *, status: str = OfferStatus.PENDING, **overrides) -> Offer:
    """An offer made by the service, then put in `status` (for tests of later steps)."""
    provider = provider or ProviderFactory()
    offer = services.create_offer(provider, offer_data(**overrides), actor=None)
    if offer.status != status:
        Offer.objects.filter(pk=offer.pk).update(status=status)
        offer.refresh_from_db()
    return offer


def image_bytes(
    fmt: str = "JPEG", size=(1200, 800), *, exif=None, color=(200, 30, 30), mode: str = "RGB"
) -> bytes:
    """An image built in memory."""
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()
