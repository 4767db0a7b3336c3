"""Money meets monitoring (SPEC §12 last point): for each participating VO school, its
Cultuurkaart figures (ordered, spent, web orders by discipline) next to its CmK track and
its questionnaire trend, so the programme office sees whether culture budgets are used.

The CmK participation names a registry location; the Cultuurkaart school is the school
account holding that location. Figures are per Cultuurkaart programme whose spending year
falls in the CmK programme's years."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import translation

from cultuurkaart.core.money import ZERO, quantize, to_api
from cultuurkaart.marketplace.models import Term
from cultuurkaart.orders.constants import InvoiceKind, OrderStatus
from cultuurkaart.orders.models import BudgetOrder, Invoice
from cultuurkaart.schools.models import School
from cultuurkaart.weborders.constants import MONEY_TAKEN
from cultuurkaart.weborders.models import WebOrder

from .. import base
from ..constants import Sector
from . import analysis

NO_DISCIPLINE = "-"


def _years(programme) -> tuple[int, int]:
    return programme.starts_on.year, programme.ends_on.year


def school_figures(school_ids: list[int], first: int, last: int) -> dict[int, dict[str, Any]]:
    """Per Cultuurkaart school: per spending year the students ordered and the amount
    invoiced for approved budget orders (credit notes deducted), the money spent through
    web orders that hold it, and the spending per marketplace discipline (a web order
    from a request counts for each discipline of the requested offer, split equally;
    without a request it counts as '-')."""
    out: dict[int, dict[str, Any]] = {
        sid: defaultdict(
            lambda: {
                "students": 0,
                "ordered": ZERO,
                "spent": ZERO,
                "weborders": 0,
                "disciplines": defaultdict(lambda: ZERO),
            }
        )
        for sid in school_ids
    }
    orders = (
        BudgetOrder.objects.filter(
            school_id__in=school_ids,
            status=OrderStatus.APPROVED,
            programme__spend_until__year__gte=first,
            programme__spend_until__year__lte=last,
        )
        .values("school_id", "programme__spend_until__year")
        .annotate(w=Sum("with_contribution"), wo=Sum("without_contribution"))
    )
    for row in orders:
        out[row["school_id"]][row["programme__spend_until__year"]]["students"] += (
            row["w"] + row["wo"]
        )
    invoices = (
        Invoice.objects.filter(
            school_id__in=school_ids,
            programme__spend_until__year__gte=first,
            programme__spend_until__year__lte=last,
            kind__in=[InvoiceKind.BUDGET_ORDER, InvoiceKind.CREDIT_NOTE],
        )
        .values("school_id", "programme__spend_until__year", "kind")
        .annotate(total=Sum("total"))
    )
    for row in invoices:
        sign = -1 if row["kind"] == InvoiceKind.CREDIT_NOTE else 1
        figure = out[row["school_id"]][row["programme__spend_until__year"]]
        figure["ordered"] += sign * abs(row["total"] or ZERO)
    spent = WebOrder.objects.filter(
        school_id__in=school_ids,
        status__in=MONEY_TAKEN,
        programme__spend_until__year__gte=first,
        programme__spend_until__year__lte=last,
    )
    for row in spent.values("school_id", "programme__spend_until__year").annotate(
        total=Sum("amount"), n=Count("id")
    ):
        figure = out[row["school_id"]][row["programme__spend_until__year"]]
        figure["spent"] += row["total"]
        figure["weborders"] += row["n"]
    disciplines: dict[int, list[str]] = defaultdict(list)
    for wo_id, code in spent.filter(offer_request__isnull=False).values_list(
        "id", "offer_request__offer__disciplines__code"
    ):
        if code:
            disciplines[wo_id].append(code)
    for wo in spent.values("id", "school_id", "programme__spend_until__year", "amount"):
        codes = sorted(set(disciplines.get(wo["id"], []))) or [NO_DISCIPLINE]
        share = wo["amount"] / len(codes)
        figure = out[wo["school_id"]][wo["programme__spend_until__year"]]
        for code in codes:
            figure["disciplines"][code] += share
    return out


def _labels() -> dict[str, str]:
    lang = translation.get_language() or "nl"
    field = "label_en" if lang.startswith("en") else "label_nl"
    return dict(Term.objects.filter(vocabulary="discipline").values_list("code", field))


def overview(programme) -> list[dict[str, Any]]:
    """One row per participating VO school: track and step, the Cultuurkaart figures per
    year and the pillar levels of its questionnaires per year."""
    from cultuurkaart.cmk.models import Participation

    first, last = _years(programme)
    participations = [
        p
        for p in Participation.objects.filter(programme=programme, ended_on__isnull=True)
        .select_related("location")
        .order_by("location__name", "pk")
        if base.sector_of(p) == Sector.VO
    ]
    schools_by_location: dict[int, list[int]] = defaultdict(list)
    for school_id, location_id in School.objects.filter(
        locations__in=[p.location_id for p in participations]
    ).values_list("pk", "locations"):
        schools_by_location[location_id].append(school_id)
    ids = sorted({sid for ids in schools_by_location.values() for sid in ids})
    figures = school_figures(ids, first, last)
    labels = _labels()
    rows = []
    for p in participations:
        per_year: dict[int, dict[str, Any]] = {}
        for sid in schools_by_location.get(p.location_id, []):
            for year, f in figures[sid].items():
                acc = per_year.setdefault(
                    year,
                    {
                        "students": 0,
                        "ordered": ZERO,
                        "spent": ZERO,
                        "weborders": 0,
                        "disciplines": defaultdict(lambda: ZERO),
                    },
                )
                for key in ("students", "ordered", "spent", "weborders"):
                    acc[key] += f[key]
                for code, amount in f["disciplines"].items():
                    acc["disciplines"][code] += amount
        years = []
        for year in sorted(per_year):
            f = per_year[year]
            share = (
                (f["spent"] / f["ordered"]).quantize(Decimal("0.01")) if f["ordered"] > 0 else None
            )
            years.append(
                {
                    "year": year,
                    "students": f["students"],
                    "ordered": to_api(f["ordered"]),
                    "spent": to_api(f["spent"]),
                    "spent_share": str(share) if share is not None else None,
                    "weborders": f["weborders"],
                    "disciplines": [
                        {
                            "discipline": code,
                            "label": labels.get(code, code),
                            "amount": to_api(quantize(amount)),
                        }
                        for code, amount in sorted(f["disciplines"].items(), key=lambda i: -i[1])
                    ],
                }
            )
        step = base.current_step(p)
        trend = analysis.school_trend(p)
        rows.append(
            {
                "participation": p.pk,
                "name": base.name_of(p),
                "code": p.location.code,
                "track": base.track_of(p),
                "step": step[0],
                "step_name": step[1],
                "prospect": base.is_prospect(p),
                "cultuurkaart": bool(schools_by_location.get(p.location_id)),
                "years": years,
                "trend": {
                    "years": trend["years"],
                    "pillars": [
                        {"pillar": x["pillar"], "levels": x["levels"], "scenario": x["scenario"]}
                        for x in trend["pillars"]
                    ],
                },
            }
        )
    return rows
