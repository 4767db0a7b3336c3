"""Taxonomies as data (SPEC §10): terms with stable codes and Dutch and English labels,
kept in the back office. A code cannot change once an offer uses the term; a deactivated
term leaves forms and facets but stays on the offers that have it."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from cultuurkaart.core import audit
from cultuurkaart.core.errors import Conflict, ValidationFailed

from ..constants import API_KEYS, LevelKind, Vocabulary
from ..models import Offer, Term

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
USED_BY = {
    Vocabulary.DISCIPLINE: "disciplines",
    Vocabulary.FORMAT: "format",
    Vocabulary.THEME: "themes",
    Vocabulary.LEVEL: "levels",
    Vocabulary.PROVINCE: "provinces",
    Vocabulary.ACCESS: "access",
}


def is_used(term: Term) -> bool:
    """Whether an offer refers to the term (its code is then fixed)."""
    return Offer.objects.filter(**{USED_BY[term.vocabulary]: term}).exists()


def taxonomies(*, active_only: bool = True) -> dict[str, list[Term]]:
    """Every vocabulary's terms in their order (one query), by API key."""
    qs = Term.objects.select_related("parent").order_by("vocabulary", "position", "code")
    if active_only:
        qs = qs.active()
    out: dict[str, list[Term]] = {key: [] for key in API_KEYS.values()}
    for term in qs:
        out[API_KEYS[term.vocabulary]].append(term)
    return out


def _clean(data: dict[str, Any], errors: list[dict], *, vocabulary: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field, length in (("label_nl", 120), ("label_en", 120)):
        value = data.get(field)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            errors.append({"field": field, "code": "required", "message": "Dit veld is verplicht."})
        elif len(value) > length:
            errors.append({"field": field, "code": "too-long", "message": f"Maximaal {length}."})
        out[field] = value
    position = data.get("position", 0)
    out["position"] = position if isinstance(position, int) and position >= 0 else 0
    if vocabulary == Vocabulary.LEVEL:
        kind = data.get("kind")
        if kind not in LevelKind.values:
            errors.append({"field": "kind", "code": "required", "message": "Kies VO of MBO."})
        out["kind"] = kind or ""
        parent = data.get("parent")
        if parent is not None and (
            parent.vocabulary != Vocabulary.LEVEL or parent.parent_id or parent.kind != kind
        ):
            errors.append(
                {
                    "field": "parent",
                    "code": "invalid",
                    "message": "Een leerjaar hoort bij een schoolsoort van dezelfde soort.",
                }
            )
        out["parent"] = parent
    return out


def add_term(vocabulary: str, data: dict[str, Any], *, actor) -> Term:
    errors: list[dict] = []
    if vocabulary not in Vocabulary.values:
        errors.append({"field": "vocabulary", "code": "invalid", "message": "Onbekende taxonomie."})
    code = data.get("code")
    code = code.strip() if isinstance(code, str) else ""
    if not CODE.match(code):
        errors.append(
            {
                "field": "code",
                "code": "invalid",
                "message": "Kleine letters, cijfers, - en _ (maximaal 40 tekens).",
            }
        )
    elif Term.objects.filter(vocabulary=vocabulary, code=code).exists():
        errors.append({"field": "code", "code": "taken", "message": "Deze code bestaat al."})
    cleaned = _clean(data, errors, vocabulary=vocabulary)
    if errors:
        raise ValidationFailed(gettext("De term heeft ongeldige velden."), errors=errors)
    with transaction.atomic():
        term = Term.objects.create(vocabulary=vocabulary, code=code, **cleaned)
        audit.record("marketplace.term.added", actor=actor, obj=term, data={"code": code})
    return term


def update_term(term: Term, data: dict[str, Any], *, actor) -> Term:
    """Change labels, order and (while no offer uses it) the code; `active` (de)activates."""
    errors: list[dict] = []
    cleaned = _clean(data, errors, vocabulary=term.vocabulary)
    code = data.get("code", term.code)
    code = code.strip() if isinstance(code, str) else term.code
    if code != term.code:
        if is_used(term):
            raise Conflict(
                "The code of a term that offers use cannot change.", type="term-code-in-use"
            )
        if not CODE.match(code):
            errors.append({"field": "code", "code": "invalid", "message": "Ongeldige code."})
        elif Term.objects.filter(vocabulary=term.vocabulary, code=code).exists():
            errors.append({"field": "code", "code": "taken", "message": "Deze code bestaat al."})
    if errors:
        raise ValidationFailed(gettext("De term heeft ongeldige velden."), errors=errors)
    with transaction.atomic():
        changed = {k for k, v in cleaned.items() if getattr(term, k) != v}
        for key, value in cleaned.items():
            setattr(term, key, value)
        if code != term.code:
            changed.add("code")
            term.code = code
        if "active" in data and bool(data["active"]) != term.active:
            changed.add("active")
            term.active = bool(data["active"])
        term.save()
        audit.record(
            "marketplace.term.changed", actor=actor, obj=term, data={"fields": sorted(changed)}
        )
    return term


def set_term_active(term: Term, active: bool, *, actor) -> Term:
    with transaction.atomic():
        term.active = bool(active)
        term.save(update_fields=["active"])
        audit.record(
            "marketplace.term.activated" if active else "marketplace.term.deactivated",
            actor=actor,
            obj=term,
        )
    return term
