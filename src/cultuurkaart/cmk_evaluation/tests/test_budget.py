"""The budget: the seed plan of 003 §9, realisations by hand and CSV in integer cents,
variance, the coordination share and its warning, in-kind hours, audit before/after."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.models import AuditEntry

from ..models import BudgetLine, BudgetYear
from ..services import budget
from .factories import amstelland, second_programme, staff

pytestmark = pytest.mark.django_db


def line(summary, category):
    return next(x for x in summary["lines"] if x["category"] == category)


def test_seed_plan_of_amstelland():
    programme = amstelland()
    assert BudgetYear.objects.filter(programme=programme).count() == 4
    for year in (2025, 2026, 2027, 2028):
        s = budget.summary(programme, year)
        assert s["totals"]["income"]["planned"] == "279624.00"
        assert s["totals"]["costs"]["planned"] == "279624.00"
        assert s["totals"]["result"]["planned"] == "0.00"
        assert line(s, "national_grant")["planned"] == "134812.00"
        assert line(s, "coordination")["planned"] == "20705.00"
        assert s["inkind_hours"] == {
            "po": 6650,
            "vo": 400,
            "po_realised": None,
            "vo_realised": None,
        }
        # 20,705 / 279,624
        assert s["coordination_share"]["planned"] == "0.0740"
        assert s["coordination_share"]["warning"] is False
    total_planned = sum(
        BudgetLine.objects.filter(budget__programme=programme, category="activities").values_list(
            "planned_cents", flat=True
        )
    )
    assert total_planned == 895_836_00


def test_realised_variance_and_audit():
    programme = amstelland()
    office = staff()
    budget.set_budget(
        programme,
        2025,
        {
            "lines": [
                {"category": "coordination", "planned": "20705.00", "realised": "30000.10"},
                {"category": "activities", "planned": "223959", "realised": "200000.00"},
            ],
            "matching": [{"municipality": "Amstelveen", "amount": "60000.00"}],
            "inkind_hours": {"po": 6650, "vo": 400, "po_realised": 7000},
        },
        actor=office,
    )
    s = budget.summary(programme, 2025)
    assert line(s, "coordination")["variance"] == "9295.10"
    assert line(s, "activities")["variance"] == "-23959.00"
    assert s["totals"]["costs"]["realised"] == "230000.10"
    # realised share 30,000.10 / 230,000.10
    assert s["coordination_share"]["realised"] == str(
        (Decimal("30000.10") / Decimal("230000.10")).quantize(Decimal("0.0001"))
    )
    assert s["coordination_share"]["warning"] is True
    assert s["matching"] == [{"municipality": "Amstelveen", "amount": "60000.00", "realised": None}]
    assert s["inkind_hours"]["po_realised"] == 7000
    entry = AuditEntry.objects.get(action="cmk_evaluation.budget.changed")
    assert entry.actor == office
    changes = entry.data["changes"]
    assert {
        "category": "coordination",
        "before": [2070500, None],
        "after": [2070500, 3000010],
    } in changes
    assert {"field": "inkind_po_realised", "before": None, "after": 7000} in changes
    # the same figures again: nothing changes, nothing audited
    budget.set_budget(
        programme,
        2025,
        {"lines": [{"category": "coordination", "planned": "20705.00", "realised": "30000.10"}]},
        actor=office,
    )
    assert AuditEntry.objects.filter(action="cmk_evaluation.budget.changed").count() == 1


@override_settings(CK_CMK_COORDINATION_WARN="0.07")
def test_warning_threshold_is_a_setting():
    s = budget.summary(amstelland(), 2026)
    assert s["coordination_share"]["threshold"] == "0.07" and s["coordination_share"]["warning"]


@override_settings(CK_CMK_COORDINATION_WARN="0.0740")
def test_warning_only_above_the_threshold():
    assert budget.summary(amstelland(), 2026)["coordination_share"]["warning"] is False


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"lines": [{"category": "activities", "planned": 1.5}]}, "lines[0].planned", "invalid"),
        (
            {"lines": [{"category": "activities", "planned": "-1"}]},
            "lines[0].planned",
            "not-positive",
        ),
        (
            {"lines": [{"category": "activities", "planned": "1.001"}]},
            "lines[0].planned",
            "too-many-decimals",
        ),
        ({"lines": [{"category": "catering", "planned": "1"}]}, "lines[0].category", "invalid"),
        (
            {
                "lines": [
                    {"category": "accountant", "planned": "1"},
                    {"category": "accountant", "planned": "2"},
                ]
            },
            "lines[1].category",
            "duplicate",
        ),
        (
            {"matching": [{"municipality": "Haarlem", "amount": "1"}]},
            "matching[0].municipality",
            "unknown-municipality",
        ),
        ({"inkind_hours": {"po": -1}}, "inkind_hours.po", "invalid"),
        ({"inkind_hours": {"vo": "400"}}, "inkind_hours.vo", "invalid"),
    ],
)
def test_refusals(payload, field, code):
    with pytest.raises(ValidationFailed) as exc:
        budget.set_budget(amstelland(), 2025, payload, actor=None)
    assert (exc.value.errors[0]["field"], exc.value.errors[0]["code"]) == (field, code)


def test_year_outside_the_programme():
    for year in (2024, 2029):
        with pytest.raises(ValidationFailed) as exc:
            budget.set_budget(amstelland(), year, {}, actor=None)
        assert exc.value.type == "year-outside-programme"


def test_matching_belongs_to_the_programme():
    other = second_programme()
    with pytest.raises(ValidationFailed):
        budget.set_budget(
            amstelland(),
            2025,
            {"matching": [{"municipality": "Haarlem", "amount": "1"}]},
            actor=None,
        )
    budget.set_budget(
        other, 2025, {"matching": [{"municipality": "haarlem", "amount": "1"}]}, actor=None
    )
    assert budget.summary(other, 2025)["matching_total"] == "1.00"


def test_csv_import_all_or_nothing():
    programme = amstelland()
    good = b"category;realised\nActiviteitenkosten;1.234,56\ncoordination;20705\n"
    assert budget.import_realised(programme, 2027, good, actor=None) == {"rows": 2}
    s = budget.summary(programme, 2027)
    assert line(s, "activities")["realised"] == "1234.56"
    assert line(s, "coordination")["realised"] == "20705.00"
    assert AuditEntry.objects.filter(action="cmk_evaluation.realisation.changed").count() == 2
    bad = b"category;realised\nknowledge_sharing;100\nonbekend;5\nmonitoring_evaluation;1.234\n"
    with pytest.raises(ValidationFailed) as exc:
        budget.import_realised(programme, 2027, bad, actor=None)
    assert exc.value.type == "invalid-file"
    assert [(e["row"], e["column"]) for e in exc.value.errors] == [(3, "category"), (4, "realised")]
    assert line(budget.summary(programme, 2027), "knowledge_sharing")["realised"] is None
    with pytest.raises(ValidationFailed):
        budget.import_realised(programme, 2027, b"naam;bedrag\nx;1\n", actor=None)
    with pytest.raises(ValidationFailed):
        budget.import_realised(programme, 2027, b"\xff\xfe\x00", actor=None)
