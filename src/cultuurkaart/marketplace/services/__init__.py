"""Every write of the marketplace (STYLE.md: services split by aggregate)."""

from .images import TooManyImages, add_image, open_image, remove_image
from .moderation import approve_offer, hide_offer, hide_offers_of, reject_offer, unhide_offer
from .offers import (
    ProviderNotAccepted,
    clean_offer,
    create_offer,
    fold,
    is_trusted,
    offer_input,
    refresh_search_text,
    require_acceptant,
    search_text_for,
    set_trusted,
    update_offer,
)
from .taxonomies import add_term, is_used, set_term_active, taxonomies, update_term

__all__ = [
    "ProviderNotAccepted",
    "TooManyImages",
    "add_image",
    "add_term",
    "approve_offer",
    "clean_offer",
    "create_offer",
    "fold",
    "hide_offer",
    "hide_offers_of",
    "is_trusted",
    "is_used",
    "offer_input",
    "open_image",
    "refresh_search_text",
    "reject_offer",
    "remove_image",
    "require_acceptant",
    "search_text_for",
    "set_term_active",
    "set_trusted",
    "taxonomies",
    "unhide_offer",
    "update_offer",
    "update_term",
]
