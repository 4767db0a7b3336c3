"""The programme budget per year: plan and realisation per category in integer cents
(Decimal at the edges, never float), the municipalities' matching, the variance, the
coordination share with its warning, and the schools' in-kind hours (SPEC §12, 003 §9).
Every change is audited with its before and after."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.money import MoneyError, parse_money, quantize

from ..constants import COSTS, FLOW, INCOME, Category, Flow
from ..models import BudgetLine, BudgetYear, Matching

MAX_BUDGET = Decimal("100000000.00")
MAX_HOURS = 10_000_000
LABELS = {str(c.label).lower(): c.value for c in Category} | {c.value: c.value for c in Category}


def to_cents(value: Any, field: str) -> int:
    """A money value ("123.45", 12 or a Decimal; never a float) as integer cents ≥ 0."""
    try:
        amount = parse_money(value, minimum=Decimal("0.00"), maximum=MAX_BUDGET)
    except MoneyError as exc:
        raise ValidationFailed(
            exc.message, errors=[{"field": field, "code": exc.code, "message": exc.message}]
        ) from None
    return int(amount * 100)


def euros(cents: int | None) -> Decimal | None:
    return None if cents is None else quantize(Decimal(cents) / 100)


def money(cents: int | None) -> str | None:
    return None if cents is None else str(euros(cents))


def years_of(programme) -> list[int]:
    return list(range(programme.starts_on.year, programme.ends_on.year + 1))


def _check_year(programme, year: int) -> None:
    if year not in years_of(programme):
        raise ValidationFailed(
            _("Dit jaar valt buiten het programma."),
            type="year-outside-programme",
            errors=[{"field": "year", "code": "outside-programme", "message": str(year)}],
        )


def _hours(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_HOURS:
        raise ValidationFailed(
            _("Uren zijn een heel getal."),
            errors=[{"field": field, "code": "invalid", "message": _("Een heel getal ≥ 0.")}],
        )
    return value


def _budget_for_update(programme, year: int) -> BudgetYear:
    budget, _created = BudgetYear.objects.select_for_update(
        of=("self",), no_key=True
    ).get_or_create(programme=programme, year=year)
    return budget


def _municipalities(programme) -> dict[str, Any]:
    from cultuurkaart.cmk.models import Municipality

    return {m.name.lower(): m for m in Municipality.objects.filter(programme=programme)}


@transaction.atomic
def set_budget(programme, year: int, data: dict[str, Any], *, actor) -> BudgetYear:
    """Write the plan (and realisations given) of one year. Lines not named keep their
    values; every changed figure is audited (before, after)."""
    _check_year(programme, year)
    lines = data.get("lines") or []
    if not isinstance(lines, list):
        raise ValidationFailed(
            _("De regels zijn een lijst."),
            errors=[{"field": "lines", "code": "invalid", "message": _("Ongeldig.")}],
        )
    parsed: dict[str, dict[str, int | None]] = {}
    errors: list[dict] = []
    for i, line in enumerate(lines):
        category = line.get("category") if isinstance(line, dict) else None
        if category not in FLOW:
            errors.append(
                {"field": f"lines[{i}].category", "code": "invalid", "message": ", ".join(FLOW)}
            )
            continue
        if category in parsed:
            errors.append(
                {"field": f"lines[{i}].category", "code": "duplicate", "message": category}
            )
            continue
        try:
            entry = {"planned": to_cents(line.get("planned"), f"lines[{i}].planned")}
            if line.get("realised") is not None:
                entry["realised"] = to_cents(line["realised"], f"lines[{i}].realised")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        parsed[category] = entry
    matching: dict[Any, int] = {}
    known = _municipalities(programme)
    for i, row in enumerate(data.get("matching") or []):
        name = str(row.get("municipality") or "").strip().lower() if isinstance(row, dict) else ""
        municipality = known.get(name)
        if municipality is None:
            errors.append(
                {
                    "field": f"matching[{i}].municipality",
                    "code": "unknown-municipality",
                    "message": _("Deze gemeente hoort niet bij het programma."),
                }
            )
            continue
        try:
            matching[municipality] = to_cents(row.get("amount"), f"matching[{i}].amount")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    hours = data.get("inkind_hours") or {}
    try:
        po = _hours(hours.get("po"), "inkind_hours.po")
        vo = _hours(hours.get("vo"), "inkind_hours.vo")
        po_r = _hours(hours.get("po_realised"), "inkind_hours.po_realised")
        vo_r = _hours(hours.get("vo_realised"), "inkind_hours.vo_realised")
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(_("De begroting is niet in orde."), errors=errors)

    budget = _budget_for_update(programme, year)
    changes = []
    current = {line.category: line for line in budget.lines.all()}
    for category, entry in parsed.items():
        line = current.get(category) or BudgetLine(budget=budget, category=category)
        before = (line.planned_cents if line.pk else None, line.realised_cents)
        line.planned_cents = entry["planned"]
        if "realised" in entry:
            line.realised_cents = entry["realised"]
        after = (line.planned_cents, line.realised_cents)
        if before != after:
            line.save()
            changes.append({"category": category, "before": before, "after": after})
    current_matching = {m.municipality_id: m for m in budget.matching.all()}
    for municipality, cents in matching.items():
        row = current_matching.get(municipality.pk) or Matching(
            budget=budget, municipality=municipality
        )
        before = row.planned_cents if row.pk else None
        if before != cents:
            row.planned_cents = cents
            row.save()
            changes.append({"matching": municipality.pk, "before": before, "after": cents})
    for field, value in (
        ("inkind_po_planned", po),
        ("inkind_vo_planned", vo),
        ("inkind_po_realised", po_r),
        ("inkind_vo_realised", vo_r),
    ):
        if value is not None and getattr(budget, field) != value:
            changes.append({"field": field, "before": getattr(budget, field), "after": value})
            setattr(budget, field, value)
    budget.updated_at = clock.now()
    budget.save()
    if changes:
        audit.record(
            "cmk_evaluation.budget.changed",
            actor=actor,
            obj=budget,
            data={"programme": programme.pk, "year": year, "changes": changes},
        )
    return budget


@transaction.atomic
def set_matching(programme, year: int, rows: Any, *, actor) -> BudgetYear:
    """The municipalities' matching of one year: per municipality (name or id) the planned
    `amount` and/or the `realised` amount (integer cents; `realised` null clears it).
    Municipalities not named keep their figures; all rows or none (422 with field errors).
    Every changed figure is audited with its before and after."""
    _check_year(programme, year)
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed(
            _("Geef de matching per gemeente op."),
            errors=[{"field": "matching", "code": "required", "message": _("Ongeldig.")}],
        )
    known = _municipalities(programme)
    by_id = {str(m.pk): m for m in known.values()}
    parsed: dict[Any, dict[str, int | None]] = {}
    errors: list[dict] = []
    for i, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        raw = str(row.get("municipality") or "").strip()
        municipality = known.get(raw.lower()) or by_id.get(raw)
        if municipality is None:
            errors.append(
                {
                    "field": f"matching[{i}].municipality",
                    "code": "unknown-municipality",
                    "message": _("Deze gemeente hoort niet bij het programma."),
                }
            )
            continue
        if municipality in parsed:
            errors.append(
                {
                    "field": f"matching[{i}].municipality",
                    "code": "duplicate",
                    "message": _("Deze gemeente staat er twee keer in."),
                }
            )
            continue
        entry: dict[str, int | None] = {}
        try:
            if row.get("amount") not in (None, ""):
                entry["planned"] = to_cents(row["amount"], f"matching[{i}].amount")
            if "realised" in row:
                entry["realised"] = (
                    None
                    if row["realised"] in (None, "")
                    else to_cents(row["realised"], f"matching[{i}].realised")
                )
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        parsed[municipality] = entry
    if errors:
        raise ValidationFailed(_("De matching is niet in orde."), errors=errors)
    budget = _budget_for_update(programme, year)
    current = {m.municipality_id: m for m in budget.matching.all()}
    changes = []
    for municipality, entry in parsed.items():
        row = current.get(municipality.pk)
        if row is None and "planned" not in entry and entry.get("realised") is None:
            continue  # nothing to record for a municipality without a row yet
        row = row or Matching(budget=budget, municipality=municipality)
        before = {
            "planned": row.planned_cents if row.pk else None,
            "realised": row.realised_cents,
        }
        if "planned" in entry:
            row.planned_cents = entry["planned"]
        if "realised" in entry:
            row.realised_cents = entry["realised"]
        after = {"planned": row.planned_cents, "realised": row.realised_cents}
        if before != after:
            row.save()
            changes.append({"municipality": municipality.pk, "before": before, "after": after})
    if changes:
        budget.updated_at = clock.now()
        budget.save(update_fields=["updated_at"])
        audit.record(
            "cmk_evaluation.matching.changed",
            actor=actor,
            obj=budget,
            data={"programme": programme.pk, "year": year, "changes": changes},
        )
    return budget


def matching_table(programme) -> dict[str, Any]:
    """The matching of every programme year per municipality (planned and realised, amounts
    as strings), the yearly totals and the national grant they are compared with. Two
    queries."""
    from cultuurkaart.cmk.models import Municipality

    municipalities = list(Municipality.objects.filter(programme=programme).order_by("name"))
    cells = {
        (m.budget.year, m.municipality_id): m
        for m in Matching.objects.filter(budget__programme=programme).select_related("budget")
    }
    grants = dict(
        BudgetLine.objects.filter(
            budget__programme=programme, category=Category.NATIONAL_GRANT
        ).values_list("budget__year", "planned_cents")
    )
    years = []
    for year in years_of(programme):
        rows = []
        planned_total = realised_total = 0
        has_realised = False
        for mun in municipalities:
            cell_ = cells.get((year, mun.pk))
            planned = cell_.planned_cents if cell_ else None
            realised = cell_.realised_cents if cell_ else None
            planned_total += planned or 0
            if realised is not None:
                realised_total += realised
                has_realised = True
            rows.append(
                {
                    "municipality": mun.name,
                    "municipality_id": str(mun.pk),
                    "amount": money(planned),
                    "realised": money(realised),
                }
            )
        grant = grants.get(year, 0)
        years.append(
            {
                "year": year,
                "matching": rows,
                "total": money(planned_total),
                "realised_total": money(realised_total) if has_realised else None,
                "national_grant": money(grant),
                "covers_grant": planned_total >= grant,
            }
        )
    return {"programme": programme.code, "years": years}


@transaction.atomic
def set_realised(programme, year: int, category: str, value: Any, *, actor) -> BudgetLine:
    """Record the realised amount of one category (by hand); audited."""
    _check_year(programme, year)
    if category not in FLOW:
        raise ValidationFailed(
            _("Onbekende categorie."),
            errors=[{"field": "category", "code": "invalid", "message": category}],
        )
    cents = None if value in (None, "") else to_cents(value, "realised")
    budget = _budget_for_update(programme, year)
    line, _created = BudgetLine.objects.get_or_create(budget=budget, category=category)
    before = line.realised_cents
    if before != cents:
        line.realised_cents = cents
        line.save(update_fields=["realised_cents"])
        audit.record(
            "cmk_evaluation.realisation.changed",
            actor=actor,
            obj=budget,
            data={"year": year, "category": category, "before": before, "after": cents},
        )
    return line


@transaction.atomic
def import_realised(programme, year: int, content: bytes, *, actor) -> dict[str, Any]:
    """Realised amounts from a CSV (columns `category` (code or Dutch label) and
    `realised`, `;` or `,`): all rows or none (422 `invalid-file` with row errors)."""
    _check_year(programme, year)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _("Het bestand is geen tekstbestand (CSV)."), type="invalid-file"
        ) from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValidationFailed(_("Het bestand is leeg."), type="invalid-file")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    if "category" not in header or "realised" not in header:
        raise ValidationFailed(
            _("De kolommen 'category' en 'realised' ontbreken."),
            type="invalid-file",
            errors=[
                {"row": 1, "column": "category", "code": "missing", "message": "category;realised"}
            ],
        )
    ci, ri = header.index("category"), header.index("realised")
    values: dict[str, int] = {}
    errors: list[dict] = []
    for number, record in enumerate(reader, start=2):
        raw_category = record[ci].strip().lower() if ci < len(record) else ""
        category = LABELS.get(raw_category)
        if category is None:
            errors.append(
                {
                    "row": number,
                    "column": "category",
                    "code": "invalid",
                    "message": raw_category[:60],
                }
            )
            continue
        raw = record[ri].strip().replace("€", "").replace(" ", "") if ri < len(record) else ""
        if "," in raw and "." in raw:  # Dutch thousands separator: 1.234,56
            raw = raw.replace(".", "").replace(",", ".")
        elif "," in raw:
            raw = raw.replace(",", ".")
        try:
            values[category] = to_cents(raw, "realised")
        except ValidationFailed as exc:
            errors.append(
                {
                    "row": number,
                    "column": "realised",
                    "code": exc.errors[0]["code"],
                    "message": exc.message,
                }
            )
    if errors:
        raise ValidationFailed(_("Het bestand bevat fouten."), type="invalid-file", errors=errors)
    for category, cents in values.items():
        set_realised(programme, year, category, str(euros(cents)), actor=actor)
    return {"rows": len(values)}


def summary(programme, year: int) -> dict[str, Any]:
    """Plan versus realisation of one year: lines, totals, variance, result, the
    coordination share of the costs (warning above CK_CMK_COORDINATION_WARN), matching per
    municipality against the national grant, in-kind hours. Amounts as strings."""
    budget = BudgetYear.objects.filter(programme=programme, year=year).first()
    lines = {line.category: line for line in (budget.lines.all() if budget else [])}
    out_lines = []
    totals = {Flow.INCOME: [0, 0, False], Flow.COST: [0, 0, False]}
    for category in (*INCOME, *COSTS):
        line = lines.get(category)
        planned = line.planned_cents if line else 0
        realised = line.realised_cents if line else None
        flow = FLOW[category]
        totals[flow][0] += planned
        if realised is not None:
            totals[flow][1] += realised
            totals[flow][2] = True
        out_lines.append(
            {
                "category": category.value if hasattr(category, "value") else category,
                "label": str(Category(category).label),
                "flow": str(flow.value),
                "planned": money(planned),
                "realised": money(realised),
                "variance": money(realised - planned) if realised is not None else None,
            }
        )
    threshold = Decimal(str(settings.CK_CMK_COORDINATION_WARN))

    def share(kind: int) -> Decimal | None:
        cost = totals[Flow.COST][kind]
        coordination = lines.get(Category.COORDINATION)
        value = (
            (coordination.planned_cents if kind == 0 else coordination.realised_cents)
            if coordination
            else None
        )
        if not cost or value is None:
            return None
        return (Decimal(value) / Decimal(cost)).quantize(Decimal("0.0001"))

    planned_share, realised_share = share(0), share(1)
    grant = lines.get(Category.NATIONAL_GRANT)
    matching = [
        {
            "municipality": m.municipality.name,
            "amount": money(m.planned_cents),
            "realised": money(m.realised_cents),
        }
        for m in (budget.matching.select_related("municipality") if budget else [])
    ]
    matching_total = sum(m.planned_cents for m in (budget.matching.all() if budget else []))
    income_p, income_r, has_income_r = totals[Flow.INCOME]
    cost_p, cost_r, has_cost_r = totals[Flow.COST]
    return {
        "year": year,
        "lines": out_lines,
        "totals": {
            "income": {
                "planned": money(income_p),
                "realised": money(income_r) if has_income_r else None,
            },
            "costs": {"planned": money(cost_p), "realised": money(cost_r) if has_cost_r else None},
            "result": {
                "planned": money(income_p - cost_p),
                "realised": money(income_r - cost_r) if has_income_r and has_cost_r else None,
            },
            "variance": {
                "income": money(income_r - income_p) if has_income_r else None,
                "costs": money(cost_r - cost_p) if has_cost_r else None,
            },
        },
        "coordination_share": {
            "planned": str(planned_share) if planned_share is not None else None,
            "realised": str(realised_share) if realised_share is not None else None,
            "threshold": str(threshold),
            "warning": any(
                s is not None and s > threshold for s in (planned_share, realised_share)
            ),
        },
        "matching": matching,
        "matching_total": money(matching_total),
        "national_grant": money(grant.planned_cents if grant else 0),
        "matching_covers_grant": matching_total >= (grant.planned_cents if grant else 0),
        "inkind_hours": {
            "po": budget.inkind_po_planned if budget else 0,
            "vo": budget.inkind_vo_planned if budget else 0,
            "po_realised": budget.inkind_po_realised if budget else None,
            "vo_realised": budget.inkind_vo_realised if budget else None,
        },
    }
