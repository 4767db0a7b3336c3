"""The budget of seed 003 §9 (CmK Amstelland 2025–2028) as data: the same plan every year,
in cents, with the schools' in-kind hours (PO 6,650 h, VO 400 h a year). Loaded by the data
migration `0002_amstelland_budget`; never overwrites what the programme office changed."""

from __future__ import annotations

CODE = "cmk-amstelland-2025"
YEARS = (2025, 2026, 2027, 2028)
PLAN_EUR = {
    "national_grant": 134_812,
    "municipal_matching": 134_812,
    "school_contributions_po": 5_000,
    "school_contributions_vo": 5_000,
    "activities": 223_959,
    "knowledge_sharing": 20_370,
    "monitoring_evaluation": 9_590,
    "accountant": 5_000,
    "coordination": 20_705,
}
INKIND_HOURS = {"po": 6_650, "vo": 400}


def load(get_model) -> None:
    Programme = get_model("cmk", "Programme")
    BudgetYear = get_model("cmk_evaluation", "BudgetYear")
    BudgetLine = get_model("cmk_evaluation", "BudgetLine")
    programme = Programme.objects.filter(code=CODE).first()
    if programme is None:
        return
    for year in YEARS:
        budget, _created = BudgetYear.objects.get_or_create(
            programme=programme,
            year=year,
            defaults={
                "inkind_po_planned": INKIND_HOURS["po"],
                "inkind_vo_planned": INKIND_HOURS["vo"],
            },
        )
        for category, euros in PLAN_EUR.items():
            BudgetLine.objects.get_or_create(
                budget=budget, category=category, defaults={"planned_cents": euros * 100}
            )


def unload(get_model) -> None:
    get_model("cmk_evaluation", "BudgetYear").objects.filter(programme__code=CODE).delete()
