"""Offers: create and change them with the rules of API.md "Marketplace", provider trust,
and the one function that fills `Offer.search_text` (SPEC §10; docs/marketplace.md)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import PermissionDenied, ValidationFailed
from cultuurkaart.core.money import MoneyError, parse_money
from cultuurkaart.core.transitions import transition
from cultuurkaart.providers import services as providers
from cultuurkaart.providers.models import Provider

from .. import text as text_module
from ..constants import (
    DESCRIPTION_MAX,
    MATERIAL_FIELDS,
    MAX_DURATION_MINUTES,
    MAX_SESSIONS,
    MAX_STUDENTS,
    TITLE_MAX,
    TITLE_MIN,
    TRANSITIONS,
    LevelKind,
    LocationMode,
    OfferStatus,
    PriceModel,
    Vocabulary,
)
from ..models import Offer, OfferSession, ProviderTrust, Term

S = OfferStatus
# API field → vocabulary of its codes.
CODE_LISTS = {
    "disciplines": Vocabulary.DISCIPLINE,
    "levels": Vocabulary.LEVEL,
    "themes": Vocabulary.THEME,
    "provinces": Vocabulary.PROVINCE,
    "access": Vocabulary.ACCESS,
}
POSTCODE = re.compile(r"^([1-9][0-9]{3})\s?([A-Za-z]{2})$")


class ProviderNotAccepted(PermissionDenied):
    type = "provider-not-accepted"
    title = "Only accepted providers may offer activities"


def transition_offer(offer: Offer, status: str) -> None:
    transition(offer, status, TRANSITIONS, noun=gettext_lazy("een aanbod"))


def locked_offer(offer: Offer) -> Offer:
    return Offer.objects.select_for_update(of=("self",), no_key=True).get(pk=offer.pk)


# --- trust ------------------------------------------------------------------------------


def is_trusted(provider: Provider) -> bool:
    return ProviderTrust.objects.filter(provider=provider, trusted=True).exists()


def set_trusted(provider: Provider, trusted: bool, *, actor) -> ProviderTrust:
    """Mark a provider as trusted (its offers are published without review) or not."""
    with transaction.atomic():
        trust, _ = ProviderTrust.objects.update_or_create(
            provider=provider, defaults={"trusted": bool(trusted), "changed_at": clock.now()}
        )
        audit.record(
            "marketplace.provider.trust_changed",
            actor=actor,
            obj=provider,
            data={"trusted": bool(trusted)},
        )
    return trust


def require_acceptant(provider: Provider) -> None:
    """Only an accepted provider (not revoked; an announced revocation not yet effective)
    offers and changes activities: 403 `provider-not-accepted` otherwise."""
    if not providers.may_create_weborders(provider, clock.now()):
        raise ProviderNotAccepted("Only an accepted provider may offer activities.")


# --- validation ---------------------------------------------------------------------------


def _error(errors: list[dict], field: str, code: str, message: str) -> None:
    errors.append({"field": field, "code": code, "message": message})


def _text(data, field, errors, *, required=True, min_length=0, max_length=200) -> str:
    value = data.get(field)
    value = value.strip() if isinstance(value, str) else ""
    if "\x00" in value:
        _error(errors, field, "invalid", "Dit veld bevat een ongeldig teken.")
        return ""
    if required and not value:
        _error(errors, field, "required", "Dit veld is verplicht.")
    elif value and len(value) < min_length:
        _error(errors, field, "too-short", f"Minimaal {min_length} tekens.")
    elif len(value) > max_length:
        _error(errors, field, "too-long", f"Maximaal {max_length} tekens.")
    return value


def _int(data, field, errors, *, required=False, minimum=1, maximum=MAX_STUDENTS) -> int | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            _error(errors, field, "required", "Dit veld is verplicht.")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            _error(errors, field, "invalid", "Vul een heel getal in.")
            return None
    if not minimum <= value <= maximum:
        _error(errors, field, "out-of-range", f"Vul een getal van {minimum} tot {maximum} in.")
        return None
    return value


def _terms_by_code(allowed: dict, field: str, codes: Any, errors: list[dict]) -> list[Term]:
    if codes is None:
        codes = []
    if not isinstance(codes, list | tuple):
        _error(errors, field, "invalid", "Geef een lijst van codes.")
        return []
    found, unknown = [], []
    for code in dict.fromkeys(str(c) for c in codes):
        term = allowed.get((CODE_LISTS.get(field, field), code))
        (found if term is not None else unknown).append(term or code)
    if unknown:
        _error(errors, field, "unknown-code", f"Onbekende of niet meer gebruikte code: {unknown}.")
    return found


def _moment(value: Any, field: str, errors: list[dict]) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime):
        _error(errors, field, "invalid", "Vul een datum en tijd in.")
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.AMSTERDAM)
    if not clock.is_sane_date(value.date()):
        _error(errors, field, "date-out-of-range", "Datum buiten het bereik.")
        return None
    return value


def _sessions(value: Any, errors: list[dict]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        _error(errors, "sessions", "invalid", "Geef een lijst van momenten.")
        return []
    if len(value) > MAX_SESSIONS:
        _error(errors, "sessions", "too-many", f"Maximaal {MAX_SESSIONS} momenten.")
        return []
    cleaned = []
    for i, raw in enumerate(value):
        raw = raw if isinstance(raw, dict) else {}
        prefix = f"sessions.{i}."
        start = _moment(raw.get("starts_at"), prefix + "starts_at", errors)
        end = _moment(raw.get("ends_at"), prefix + "ends_at", errors)
        book_by = _moment(raw.get("book_by"), prefix + "book_by", errors)
        capacity = _int(raw, "capacity", sub := [], required=True)
        for e in sub:
            e["field"] = prefix + "capacity"
        errors.extend(sub)
        if start and end and start >= end:
            _error(errors, prefix + "ends_at", "before-start", "Het einde ligt na het begin.")
        if start and book_by and book_by > start:
            _error(
                errors,
                prefix + "book_by",
                "after-start",
                "Boeken kan uiterlijk tot het begin van de activiteit.",
            )
        cleaned.append(
            {"starts_at": start, "ends_at": end, "capacity": capacity, "book_by": book_by}
        )
    return cleaned


def _all_terms() -> dict[tuple[str, str], Term]:
    return {(t.vocabulary, t.code): t for t in Term.objects.all()}


def clean_offer(data: dict[str, Any], *, current: Offer | None = None) -> dict[str, Any]:
    """Check an offer as API.md describes it; raise 422 naming every field that fails.
    Codes must be of active terms; a deactivated term the offer already has may stay."""
    errors: list[dict] = []
    terms = _all_terms()
    keep = set(_current_term_ids(current)) if current is not None else set()
    allowed = {k: t for k, t in terms.items() if t.active or t.pk in keep}
    out: dict[str, Any] = {}
    out["title"] = _text(data, "title", errors, min_length=TITLE_MIN, max_length=TITLE_MAX)
    out["description"] = _text(data, "description", errors, max_length=DESCRIPTION_MAX)
    for field in CODE_LISTS:
        out[field] = _terms_by_code(allowed, field, data.get(field), errors)
    if not out["disciplines"] and not _has(errors, "disciplines"):
        _error(errors, "disciplines", "required", "Kies ten minste één discipline.")
    if not out["levels"] and not _has(errors, "levels"):
        _error(errors, "levels", "required", "Kies ten minste één schoolsoort of niveau.")
    mbo = any(t.kind == LevelKind.MBO for t in out["levels"])
    if mbo and not out["themes"] and not _has(errors, "themes"):
        _error(
            errors,
            "themes",
            "required",
            "Kies ten minste één burgerschapsthema bij een MBO-niveau.",
        )
    fmt = data.get("format")
    out["format"] = allowed.get((Vocabulary.FORMAT, str(fmt))) if fmt else None
    if out["format"] is None:
        _error(errors, "format", "required" if not fmt else "unknown-code", "Kies een vorm.")
    mode = data.get("location_mode")
    if mode not in LocationMode.values:
        _error(errors, "location_mode", "invalid", "Kies waar de activiteit plaatsvindt.")
    out["location_mode"] = mode
    out["venue"] = _venue(data.get("venue"), mode == LocationMode.AT_PROVIDER, errors)
    out["national"] = bool(data.get("national"))
    if out["national"]:
        out["provinces"] = [t for (v, _), t in allowed.items() if v == Vocabulary.PROVINCE]
        out["provinces"] = [t for t in out["provinces"] if t.active]
    elif mode == LocationMode.AT_SCHOOL and not out["provinces"] and not _has(errors, "provinces"):
        _error(
            errors,
            "provinces",
            "required",
            "Kies de provincies waar u naar scholen komt, of kies landelijk.",
        )
    out["duration_minutes"] = _int(
        data, "duration_minutes", errors, required=True, maximum=MAX_DURATION_MINUTES
    )
    model = data.get("price_model")
    if model not in PriceModel.values:
        _error(errors, "price_model", "invalid", "Kies per leerling of per groep.")
    out["price_model"] = model
    out["price"] = _price(data.get("price"), errors)
    out["group_size"] = _int(data, "group_size", errors, required=model == PriceModel.PER_GROUP)
    if model != PriceModel.PER_GROUP:
        out["group_size"] = None
    out["min_students"] = _int(data, "min_students", errors)
    out["max_students"] = _int(data, "max_students", errors)
    low, high = out["min_students"], out["max_students"]
    if low is not None and high is not None and low > high:
        _error(errors, "max_students", "below-minimum", "Het maximum is kleiner dan het minimum.")
    out["cjp_discount"] = _text(data, "cjp_discount", errors, required=False, max_length=200)
    out["sessions"] = _sessions(data.get("sessions"), errors)
    if errors:
        raise ValidationFailed(gettext("Het aanbod heeft ongeldige velden."), errors=errors)
    return out


def _has(errors: list[dict], field: str) -> bool:
    return any(e["field"] == field for e in errors)


def _price(value: Any, errors: list[dict]) -> Decimal | None:
    if value in (None, ""):
        _error(errors, "price", "required", "Vul een prijs in.")
        return None
    try:
        return parse_money(value)
    except MoneyError as exc:
        _error(errors, "price", exc.code, exc.message)
        return None


def _venue(value: Any, required: bool, errors: list[dict]) -> dict[str, str]:
    venue = value if isinstance(value, dict) else {}
    out = {
        "name": _text(venue, "name", sub := [], required=False),
        "address": _text(venue, "address", sub, required=False),
        "postcode": "",
        "city": _text(venue, "city", sub, required=required, max_length=100),
    }
    postcode = venue.get("postcode")
    postcode = postcode.strip() if isinstance(postcode, str) else ""
    match = POSTCODE.match(postcode)
    if postcode and not match:
        sub.append({"field": "postcode", "code": "invalid", "message": "Bijvoorbeeld 1234 AB."})
    elif match:
        out["postcode"] = f"{match.group(1)}{match.group(2).upper()}"
    elif required:
        sub.append({"field": "postcode", "code": "required", "message": "Dit veld is verplicht."})
    for e in sub:
        e["field"] = f"venue.{e['field']}"
    errors.extend(sub)
    return out


# --- the offer as input (the API's shape), for PATCH and the form ------------------------------


def _current_term_ids(offer: Offer) -> list[int]:
    ids = [offer.format_id]
    for field in CODE_LISTS:
        ids += [t.pk for t in getattr(offer, field).all()]
    return ids


def offer_input(offer: Offer) -> dict[str, Any]:
    """The offer's current values in the shape `clean_offer` reads."""
    data: dict[str, Any] = {
        "title": offer.title,
        "description": offer.description,
        "format": offer.format.code,
        "location_mode": offer.location_mode,
        "venue": {
            "name": offer.venue_name,
            "address": offer.venue_address,
            "postcode": offer.venue_postcode,
            "city": offer.venue_city,
        },
        "national": offer.national,
        "duration_minutes": offer.duration_minutes,
        "price_model": offer.price_model,
        "price": offer.price,
        "group_size": offer.group_size,
        "min_students": offer.min_students,
        "max_students": offer.max_students,
        "cjp_discount": offer.cjp_discount,
        "sessions": [
            {
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "capacity": s.capacity,
                "book_by": s.book_by,
            }
            for s in offer.sessions.all()
        ],
    }
    for field in CODE_LISTS:
        data[field] = [t.code for t in getattr(offer, field).all()]
    return data


def _comparable(cleaned: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in cleaned.items():
        if key in CODE_LISTS:
            out[key] = sorted(t.pk for t in value)
        elif key == "format":
            out[key] = value.pk
        elif key == "sessions":
            out[key] = [tuple(sorted(s.items())) for s in value]
        else:
            out[key] = value
    return out


def _apply(offer: Offer, cleaned: dict[str, Any]) -> None:
    for key in (
        "title",
        "description",
        "format",
        "location_mode",
        "national",
        "duration_minutes",
        "price_model",
        "price",
        "group_size",
        "min_students",
        "max_students",
        "cjp_discount",
    ):
        setattr(offer, key, cleaned[key])
    venue = cleaned["venue"]
    if (venue["postcode"], venue["city"]) != (offer.venue_postcode, offer.venue_city):
        offer.venue_latitude = offer.venue_longitude = None  # to be found again (search)
    offer.venue_name = venue["name"]
    offer.venue_address = venue["address"]
    offer.venue_postcode = venue["postcode"]
    offer.venue_city = venue["city"]
    if offer.venue_latitude is None:
        locate_venue(offer)


def locate_venue(offer: Offer) -> None:
    """Coordinates and province of the venue from the offline gazetteer (search, MS-3)."""
    from .. import geo

    found = geo.place(offer.venue_city) if offer.venue_city else None
    offer.venue_latitude, offer.venue_longitude, offer.venue_province = found or (None, None, "")


def _save_relations(offer: Offer, cleaned: dict[str, Any], *, sessions_given: bool) -> None:
    for field in CODE_LISTS:
        getattr(offer, field).set(cleaned[field])
    if sessions_given:
        offer.sessions.all().delete()
        OfferSession.objects.bulk_create(
            OfferSession(offer=offer, **session) for session in cleaned["sessions"]
        )


# --- writes -------------------------------------------------------------------------------


def create_offer(provider: Provider, data: dict[str, Any], *, actor) -> Offer:
    """A new offer: published at once for a trusted provider, otherwise `pending`."""
    require_acceptant(provider)
    cleaned = clean_offer(data)
    now = clock.now()
    with transaction.atomic():
        offer = Offer(provider=provider, created_at=now, updated_at=now)
        _apply(offer, cleaned)
        if is_trusted(provider):
            offer.status = S.PUBLISHED
            offer.published_at = now
        offer.save()
        _save_relations(offer, cleaned, sessions_given=True)
        refresh_search_text(offer)
        audit.record(
            "marketplace.offer.created", actor=actor, obj=offer, data={"status": offer.status}
        )
    return offer


def update_offer(offer: Offer, changes: dict[str, Any], *, actor) -> Offer:
    """Change an offer (the fields given; `sessions`, when given, replace all). A material
    change of a published offer by an untrusted provider sends it back to `pending`; a
    change of a rejected offer submits it for review again."""
    require_acceptant(offer.provider)
    with transaction.atomic():
        offer = locked_offer(offer)
        before_input = offer_input(offer)
        cleaned_before = clean_offer_lenient(before_input, offer)
        cleaned = clean_offer({**before_input, **changes}, current=offer)
        old, new = _comparable(cleaned_before), _comparable(cleaned)
        changed = sorted(k for k in new if old.get(k) != new[k])
        if not changed:
            return offer
        material = [k for k in changed if k in MATERIAL_FIELDS]
        before = offer.status
        if offer.status == S.PUBLISHED and material and not is_trusted(offer.provider):
            transition_offer(offer, S.PENDING)
        elif offer.status == S.REJECTED:
            transition_offer(offer, S.PENDING)
            offer.rejection_reason = ""
        _apply(offer, cleaned)
        offer.updated_at = clock.now()
        offer.save()
        _save_relations(offer, cleaned, sessions_given="sessions" in changes)
        refresh_search_text(offer)
        audit.record(
            "marketplace.offer.changed",
            actor=actor,
            obj=offer,
            data={"fields": changed, "status_before": before, "status": offer.status},
        )
    return offer


def clean_offer_lenient(data: dict[str, Any], offer: Offer) -> dict[str, Any]:
    """The stored offer, cleaned for comparison (it was valid when stored; a rule added
    later must not block the comparison)."""
    try:
        return clean_offer(data, current=offer)
    except ValidationFailed:
        return {}


# --- search text ----------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents ("Ideeën" → "ideeen"), spaces collapsed."""
    return text_module.fold(text)


def search_text_for(offer: Offer) -> str:
    """Everything a text search reads of an offer, in one folded string: title,
    description, provider, place and the Dutch and English labels of its terms, folded and
    stemmed by the Snowball Dutch stemmer (`marketplace.text`, decision MS-1)."""
    terms = [offer.format]
    for field in ("disciplines", "levels", "themes"):
        terms += list(getattr(offer, field).all())
    parts = [offer.title, offer.description, offer.provider.name, offer.venue_city]
    parts += [label for t in terms for label in (t.label_nl, t.label_en)]
    return text_module.stem_text(" ".join(p for p in parts if p))


def refresh_search_text(offer: Offer) -> None:
    from .. import search

    offer.search_text = search_text_for(offer)
    Offer.objects.filter(pk=offer.pk).update(search_text=offer.search_text)
    search.index_offers({offer.pk: offer.search_text})


def provider_updated(provider: Provider, changed: set[str]) -> None:
    """Provider update hook: the provider's name is in the search text of each of its
    offers, so a new name is found (and the old one no longer) at once."""
    if "name" not in changed:
        return
    offers = Offer.objects.filter(provider=provider).select_related("provider", "format")
    for offer in offers.prefetch_related("disciplines", "levels", "themes").order_by("pk"):
        offer.provider = provider
        refresh_search_text(offer)
