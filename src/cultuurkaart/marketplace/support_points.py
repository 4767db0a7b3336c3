"""The regional cultural support point per province, shown with a school's suggestions
(issue 11 point 5; decision MS-6).

Source: compiled from general knowledge of the provincial support institutions for arts
and culture education ("provinciale steunfuncties", as LKCA lists them); NOT verified
against a source while building (no network). An empty url means unknown. The programme
office must confirm every entry before go live; `settings.MARKETPLACE_SUPPORT_POINTS` (province code → {"name", "url"}) overrides any
entry without a code change."""

from __future__ import annotations

from django.conf import settings

SUPPORT_POINTS: dict[str, dict[str, str]] = {
    "groningen": {"name": "K&C (Kunst & Cultuur Groningen)", "url": "https://www.kcgroningen.nl"},
    "fryslan": {"name": "Keunstwurk", "url": "https://www.keunstwurk.nl"},
    "drenthe": {"name": "K&C (Kunst & Cultuur Drenthe)", "url": "https://www.kcdrenthe.nl"},
    "overijssel": {"name": "Cultuurmij Oost", "url": "https://www.cultuurmijoost.nl"},
    "flevoland": {"name": "Kunst & Cultuur Flevoland", "url": ""},
    "gelderland": {"name": "Gelderse Cultuurcoalitie", "url": ""},
    "utrecht": {"name": "Kunst Centraal", "url": "https://www.kunstcentraal.nl"},
    "noord-holland": {"name": "Plein C", "url": "https://www.pleinc.nl"},
    "zuid-holland": {"name": "Kunstgebouw", "url": "https://www.kunstgebouw.nl"},
    "zeeland": {"name": "Cultuurwerkplaats Zeeland", "url": ""},
    "noord-brabant": {"name": "Kunstloc Brabant", "url": "https://www.kunstloc.nl"},
    "limburg": {"name": "Huis voor de Kunsten Limburg", "url": "https://www.hklimburg.nl"},
}


def for_province(code: str) -> dict[str, str] | None:
    table = SUPPORT_POINTS | getattr(settings, "MARKETPLACE_SUPPORT_POINTS", {})
    entry = table.get(code)
    return {"province": code, "name": entry["name"], "url": entry["url"]} if entry else None
