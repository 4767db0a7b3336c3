"""The regional analysis (hand-computed means; every group under 5 schools suppressed, also
against subtraction), the school's own trend with scenario and tips, and the researcher CSV
(pseudonymous, no names or codes, formula injection neutralised)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import override_settings

from ..constants import Scenario
from ..services import analysis
from .factories import amstelland, participation, questionnaire, second_programme, submitted

pytestmark = pytest.mark.django_db


def answers(v1, v2=1, s1=3, r1=5):
    return {"visie1": v1, "visie2": v2, "samen1": s1, "regio1": r1}


@pytest.fixture
def region():
    """14 schools: Amstelveen PO 6 (visie1=2), Aalsmeer PO 3 (visie1=4), Uithoorn VO 5
    (visie1=3); visie2=1, samen1=3 and the regional question 5 everywhere."""
    q = questionnaire()
    groups = {"amstelveen": [], "aalsmeer": [], "uithoorn": []}
    for _ in range(6):
        p = participation(municipality="Amstelveen")
        groups["amstelveen"].append(p)
        submitted(q, p, answers(2))
    for _ in range(3):
        p = participation(municipality="Aalsmeer")
        groups["aalsmeer"].append(p)
        submitted(q, p, answers(4))
    for _ in range(5):
        p = participation(kind="vo", municipality="Uithoorn")
        groups["uithoorn"].append(p)
        submitted(q, p, answers(3))
    return q, groups


def by(items, key, value):
    return next(i for i in items if i[key] == value)


def test_means_by_question_municipality_and_sector(region):
    q, _ = region
    result = analysis.regional(amstelland(), q)
    assert result["schools"] == {"count": 14, "suppressed": False}
    visie1 = by(result["questions"], "code", "visie1")
    assert visie1["mean"] == round(39 / 14, 2) and visie1["count"] == 14
    po = by(visie1["by_sector"], "sector", "po")
    vo = by(visie1["by_sector"], "sector", "vo")
    assert (po["mean"], po["count"]) == (round(24 / 9, 2), 9)
    assert (vo["mean"], vo["count"]) == (3.0, 5)
    amstelveen = by(visie1["by_municipality"], "municipality", "Amstelveen")
    assert (amstelveen["mean"], amstelveen["count"], amstelveen["suppressed"]) == (2.0, 6, False)


def test_groups_under_five_are_suppressed_also_against_subtraction(region):
    q, _ = region
    visie1 = by(analysis.regional(amstelland(), q)["questions"], "code", "visie1")
    aalsmeer = by(visie1["by_municipality"], "municipality", "Aalsmeer")
    assert aalsmeer == {"municipality": "Aalsmeer", "mean": None, "count": None, "suppressed": True}
    # Uithoorn has 5 schools, but with the total and Amstelveen shown, Aalsmeer would
    # follow by subtraction: the smallest other group is suppressed as well.
    uithoorn = by(visie1["by_municipality"], "municipality", "Uithoorn")
    assert uithoorn["suppressed"] and uithoorn["mean"] is None
    assert not by(visie1["by_municipality"], "municipality", "Amstelveen")["suppressed"]


def test_pillars_read_the_base_set_only(region):
    q, _ = region
    result = analysis.regional(amstelland(), q)
    pillars = {p["pillar"]: p for p in result["pillars"]}
    assert set(pillars) == {"Visie", "Samenwerking"}  # not the regional question's pillar
    assert pillars["Visie"]["mean"] == round((39 + 14) / 28, 2)
    assert pillars["Visie"]["count"] == 14
    assert [r["code"] for r in result["regional_questions"]] == ["regio1"]
    assert all(not r["regional"] for r in result["questions"])


def test_four_schools_show_nothing():
    q = questionnaire()
    for _ in range(4):
        submitted(q, participation(), answers(2))
    result = analysis.regional(amstelland(), q)
    assert result["schools"] == {"count": None, "suppressed": True}
    for row in result["pillars"] + result["questions"] + result["regional_questions"]:
        assert row["suppressed"] and row["mean"] is None and row["count"] is None
        for group in row["by_municipality"] + row["by_sector"]:
            assert group["suppressed"] and group["mean"] is None
    flat = analysis.analysis_rows(result)
    assert all(r[4] is None and r[5] is None for r in flat[1:])


def test_exactly_five_schools_are_shown():
    q = questionnaire()
    for _ in range(5):
        submitted(q, participation(), answers(3))
    visie1 = by(analysis.regional(amstelland(), q)["questions"], "code", "visie1")
    assert (visie1["mean"], visie1["count"], visie1["suppressed"]) == (3.0, 5, False)


def test_years_and_drafts(region):
    _q, groups = region
    later = questionnaire(year=2027)
    for p in groups["amstelveen"] + groups["uithoorn"][:2]:
        submitted(later, p, answers(4))
    result = analysis.regional(amstelland())  # all years
    visie1 = by(result["questions"], "code", "visie1")
    y2025 = by(visie1["by_year"], "year", 2025)
    y2027 = by(visie1["by_year"], "year", 2027)
    assert y2025["count"] == 14 and y2027["count"] == 8 and y2027["mean"] == 4.0
    # a draft of another school never counts
    from .. import models

    models.Response.objects.create(
        questionnaire=later, participation=groups["aalsmeer"][0], answers={"visie1": 1}
    )
    again = by(analysis.regional(amstelland(), later)["questions"], "code", "visie1")
    assert again["count"] == 8


def test_other_programmes_do_not_mix(region):
    other = second_programme()
    q2 = questionnaire(other)
    for _ in range(5):
        submitted(q2, participation(other, municipality="Haarlem"), answers(1))
    result = analysis.regional(amstelland())
    assert by(result["questions"], "code", "visie1")["count"] == 14
    assert all(
        g["municipality"] != "Haarlem"
        for g in by(result["questions"], "code", "visie1")["by_municipality"]
    )


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


@override_settings(CK_CMK_PSEUDONYM_KEY="test-key")
def test_researcher_csv_is_pseudonymous_and_suppresses_small_groups(region):
    _q, groups = region
    rows = _csv(analysis.to_csv(analysis.researcher_rows(amstelland())))
    header, data = rows[0], rows[1:]
    assert header[:7] == [
        "school",
        "year",
        "questionnaire",
        "version",
        "sector",
        "municipality",
        "roles",
    ]
    assert "regional:regio1" in header and "visie1" in header
    assert len(data) == 14
    text = "\n".join(";".join(r) for r in rows)
    for group in groups.values():
        for p in group:
            assert p.location.name not in text and p.location.code not in text
    by_id = {r[0]: r for r in data}
    aalsmeer = by_id[analysis.pseudonym(groups["aalsmeer"][0].pk)]
    assert aalsmeer[4] == "po" and aalsmeer[5] == ""  # 3 schools: municipality withheld
    amstelveen = by_id[analysis.pseudonym(groups["amstelveen"][0].pk)]
    assert amstelveen[5] == "Amstelveen"
    # stable: the same id in a second export and across years
    later = questionnaire(year=2027)
    submitted(later, groups["amstelveen"][0], answers(4))
    again = _csv(analysis.to_csv(analysis.researcher_rows(amstelland())))[1:]
    ids = [r[0] for r in again if r[0] == amstelveen[0]]
    assert len(ids) == 2
    with override_settings(CK_CMK_PSEUDONYM_KEY="another-key"):
        assert analysis.pseudonym(groups["amstelveen"][0].pk) != amstelveen[0]


def test_csv_neutralises_formulas():
    q = questionnaire()
    for _ in range(5):
        submitted(q, participation(municipality="=HYPERLINK(1)"), answers(2))
    rows = _csv(analysis.to_csv(analysis.researcher_rows(amstelland())))
    assert {r[5] for r in rows[1:]} == {"'=HYPERLINK(1)"}
    flat = _csv(analysis.to_csv(analysis.analysis_rows(analysis.regional(amstelland(), q))))
    assert any(r[3] == "'=HYPERLINK(1)" for r in flat)
    assert not any(cell.startswith(("=", "+", "@")) for r in flat for cell in r)


def test_school_trend_with_scenario_and_tips():
    p = participation()
    q25, q27 = questionnaire(year=2025), questionnaire(year=2027)
    submitted(q25, p, answers(1, 1, 2, 5))
    submitted(q27, p, answers(4, 3, 4, 1))
    trend = analysis.school_trend(p)
    assert trend["years"] == [2025, 2027]
    pillars = {x["pillar"]: x for x in trend["pillars"]}
    assert set(pillars) == {"Visie", "Samenwerking"}
    assert pillars["Visie"]["levels"] == {2025: 1.0, 2027: 3.5}
    # 3.5 on 1..4 is 83 % of the way: securing
    assert pillars["Visie"]["scenario"] == Scenario.SECURE and pillars["Visie"]["tips"]
    assert pillars["Samenwerking"]["levels"] == {2025: 2.0, 2027: 4.0}
    rows = {r["code"]: r for r in trend["questions"]}
    assert rows["regio1"]["regional"] and rows["regio1"]["values"] == {2025: 5, 2027: 1}


@pytest.mark.parametrize(
    ("mean", "scale", "scenario"),
    [
        (1, 4, Scenario.ORIENT),
        (2.19, 4, Scenario.ORIENT),
        (2.2, 4, Scenario.DEVELOP),
        (2.8, 4, Scenario.DEEPEN),
        (3.4, 4, Scenario.SECURE),
        (5, 5, Scenario.SECURE),
    ],
)
def test_scenario_bounds(mean, scale, scenario):
    from ..constants import scenario_for

    assert scenario_for(mean, scale) == scenario


def test_stored_analysis_follows_submissions_and_reopenings():
    from cultuurkaart.core import clock

    from ..models import StoredAnalysis
    from ..services import questionnaires
    from .factories import at

    q = questionnaire()
    for _ in range(5):
        submitted(q, participation(), answers(2))
    first = analysis.regional(amstelland(), q)
    assert by(first["questions"], "code", "visie1")["count"] == 5
    assert StoredAnalysis.objects.filter(key=f"q{q.pk}").count() == 1
    assert analysis.regional(amstelland(), q) == first  # served from the stored row
    p = participation()
    with clock.frozen(at(dt.date(2025, 4, 1))):
        r = questionnaires.save_response(
            q, p, answers(4), respondent_roles=["icc"], submit=True, actor=None
        )
        after = by(analysis.regional(amstelland(), q)["questions"], "code", "visie1")
        assert (after["count"], after["mean"]) == (6, round(14 / 6, 2))
        questionnaires.reopen_response(r, "fout", actor=None)
        again = by(analysis.regional(amstelland(), q)["questions"], "code", "visie1")
        assert (again["count"], again["mean"]) == (5, 2.0)


def _grain_from_answers(programme):
    """The grain summed from every submitted answer row (what the totals must equal)."""
    from django.db.models import Count, Sum

    rows = (
        analysis._answers(programme, None)
        .values("question_id", "response__municipality", "response__sector")
        .annotate(s=Sum("value"), n=Count("id"))
        .order_by()
    )
    return {
        (r["question_id"], r["response__municipality"], r["response__sector"]): (r["s"], r["n"])
        for r in rows
    }


def _grain_from_totals(programme):
    from ..models import AnswerTotal

    return {
        (t.question_id, t.municipality, t.sector): (t.total, t.answers)
        for t in AnswerTotal.objects.filter(questionnaire__programme=programme, answers__gt=0)
    }


def test_the_grain_totals_follow_submissions_reopenings_and_resubmissions(region):
    """The analysis reads the totals kept at submission and reopening: they equal the sum of
    the answer rows after every kind of write, and a rebuild gives the same."""
    from cultuurkaart.core import clock

    from ..services import questionnaires
    from .factories import at

    q, _groups = region
    prog = amstelland()
    assert _grain_from_totals(prog) == _grain_from_answers(prog) != {}
    before = analysis.compute_regional(prog, q)
    p = participation(municipality="Aalsmeer")
    with clock.frozen(at(dt.date(2025, 4, 1))):
        r = questionnaires.save_response(
            q, p, answers(1, 2, 4, 2), respondent_roles=["icc"], submit=True, actor=None
        )
        assert _grain_from_totals(prog) == _grain_from_answers(prog)
        visie1 = by(analysis.compute_regional(prog, q)["questions"], "code", "visie1")
        assert (visie1["count"], visie1["mean"]) == (15, round((6 * 2 + 3 * 4 + 5 * 3 + 1) / 15, 2))
        questionnaires.reopen_response(r, "verkeerd ingevuld", actor=None)
        assert _grain_from_totals(prog) == _grain_from_answers(prog)
        assert analysis.compute_regional(prog, q) == before
        questionnaires.save_response(
            q, p, answers(4), respondent_roles=["icc"], submit=True, actor=None
        )
        assert _grain_from_totals(prog) == _grain_from_answers(prog)
    kept = _grain_from_totals(prog)
    analysis.rebuild_totals(prog)
    assert _grain_from_totals(prog) == kept
