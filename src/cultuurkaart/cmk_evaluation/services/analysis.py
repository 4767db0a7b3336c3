"""Reading questionnaire results: the regional analysis (by pillar, question, year,
municipality and sector; every group of fewer than MIN_GROUP schools suppressed, also
against subtraction), a school's own trend with its scenario and tips, and the
researcher CSV with pseudonymous school ids (SPEC §12)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum

from cultuurkaart.core import clock
from cultuurkaart.rosters.workbooks import FORMULA_TRIGGERS

from ..constants import MIN_GROUP, TIPS, ResponseStatus, Scenario, scenario_for
from ..models import (
    AnalysisStamp,
    Answer,
    AnswerTotal,
    Question,
    Questionnaire,
    Response,
    StoredAnalysis,
)


def cell(mean, count: int) -> dict[str, Any]:
    """One figure: suppressed (`null` with `"suppressed": true`) below MIN_GROUP schools."""
    if count < MIN_GROUP:
        return {"mean": None, "count": None, "suppressed": True}
    return {"mean": round(float(mean), 2), "count": count, "suppressed": False}


def _secondary(groups: list[dict[str, Any]], counts: list[int], total_shown: bool) -> None:
    """When exactly one group of a breakdown is suppressed and the total is shown, its
    figures follow from the total minus the others: suppress the smallest other group too."""
    hidden = [g for g in groups if g["suppressed"]]
    if not total_shown or len(hidden) != 1:
        return
    shown = [
        (n, i) for i, (g, n) in enumerate(zip(groups, counts, strict=True)) if not g["suppressed"]
    ]
    if shown:
        _, index = min(shown)
        groups[index].update({"mean": None, "count": None, "suppressed": True})


def _answers(programme, questionnaire: Questionnaire | None):
    rows = Answer.objects.filter(
        response__status=ResponseStatus.SUBMITTED,
        response__questionnaire__programme=programme,
    )
    if questionnaire is not None:
        rows = rows.filter(response__questionnaire=questionnaire)
    return rows


def _collect(programme, questionnaire, questions: list[Question], with_year: bool):
    """Two small queries, then Python: the answers summed at the grain (question,
    municipality, sector; `AnswerTotal`, kept at submission and reopening) and the submitted
    responses (school, questionnaire, municipality, sector). Returns {key: {"total": (mean, n), dimension: [(value, mean, n)]}}
    for question codes ("q", code) and base-set pillars ("p", pillar); n is the number of
    distinct schools that submitted a questionnaire holding the key, in the group (every
    submission answers every question)."""
    dims = ("municipality", "sector", *(("year",) if with_year else ()))
    meta = {q.pk: q for q in questions}
    year_of = {q.questionnaire_id: q.questionnaire.year for q in questions}
    keys_of = defaultdict(set)  # questionnaire id → its keys
    for q in questions:
        keys_of[q.questionnaire_id].add(("q", q.code))
        if not q.regional:
            keys_of[q.questionnaire_id].add(("p", q.pillar))
    sums: dict = defaultdict(lambda: [0, 0])
    totals = AnswerTotal.objects.filter(
        questionnaire__programme=programme, answers__gt=0
    ).order_by()
    if questionnaire is not None:
        totals = totals.filter(questionnaire=questionnaire)
    grain = (
        {
            "question_id": question_id,
            "response__municipality": municipality,
            "response__sector": sector,
            "s": total,
            "n": n,
        }
        for question_id, municipality, sector, total, n in totals.values_list(
            "question_id", "municipality", "sector", "total", "answers"
        )
    )
    for row in grain:
        q = meta.get(row["question_id"])
        if q is None:
            continue
        values = {
            None: None,
            "municipality": row["response__municipality"],
            "sector": row["response__sector"],
            "year": year_of[q.questionnaire_id],
        }
        keys = [("q", q.code)] + ([("p", q.pillar)] if not q.regional else [])
        for key in keys:
            for dim in (None, *dims):
                acc = sums[(key, dim, values[dim])]
                acc[0] += row["s"]
                acc[1] += row["n"]
    responses = Response.objects.filter(
        status=ResponseStatus.SUBMITTED, questionnaire__programme=programme
    )
    if questionnaire is not None:
        responses = responses.filter(questionnaire=questionnaire)
    # schools per (questionnaire, dimension, value), then unions per set of questionnaires
    per_q: dict = defaultdict(set)
    for part, qid, mun, sec in responses.values_list(
        "participation_id", "questionnaire_id", "municipality", "sector"
    ):
        for dim, value in (
            (None, None),
            ("municipality", mun),
            ("sector", sec),
            ("year", year_of.get(qid)),
        ):
            per_q[(qid, dim, value)].add(part)
    qids_of_key = defaultdict(set)
    for qid, keys in keys_of.items():
        for key in keys:
            qids_of_key[key].add(qid)
    union_cache: dict = {}

    def schools(qids: frozenset, dim, value) -> int:
        found = union_cache.get((qids, dim, value))
        if found is None:
            members: set = set()
            for qid in qids:
                members |= per_q.get((qid, dim, value), set())
            found = union_cache[(qids, dim, value)] = len(members)
        return found

    out: dict = defaultdict(lambda: defaultdict(list))
    everyone: set = set()
    for (_qid, dim, _value), members in per_q.items():
        if dim is None:
            everyone |= members
    out[("schools",)]["total"] = (None, len(everyone))
    for (key, dim, value), (total, n) in sorted(
        sums.items(),
        key=lambda i: (i[0][0], i[0][1] or "", "" if i[0][2] is None else str(i[0][2])),
    ):
        mean = total / n if n else None
        count = schools(frozenset(qids_of_key[key]), dim, value)
        if dim is None:
            out[key]["total"] = (mean, count)
        else:
            out[key][dim].append((value, mean, count))
    for entry in out.values():
        for dim in dims:
            entry[dim].sort(key=lambda g: (g[0] is None, g[0] if g[0] is not None else ""))
    return out


def _figure(data: dict[str, Any], dimensions: tuple[str, ...]) -> dict[str, Any]:
    mean, n = data.get("total", (None, 0))
    result = cell(mean, n)
    for dimension in dimensions:
        groups, counts = [], []
        for value, g_mean, g_n in data.get(dimension, []):
            groups.append({dimension: value if value != "" else None, **cell(g_mean, g_n)})
            counts.append(g_n)
        _secondary(groups, counts, not result["suppressed"])
        result[f"by_{dimension}"] = groups
    result.setdefault("by_year", [])  # one questionnaire: no breakdown by year
    return result


def add_totals(response, sign: int = 1) -> None:
    """Add (`sign` 1, at submission) or subtract (-1, at reopening) a response's answer rows
    to the grain totals, in the caller's transaction. Increments are `F()` updates, so
    concurrent submissions never lose one."""
    rows = list(response.answer_rows.values_list("question_id", "value"))
    if not rows:
        return
    existing = set(
        AnswerTotal.objects.filter(
            question_id__in=[q for q, _ in rows],
            municipality=response.municipality,
            sector=response.sector,
        ).values_list("question_id", flat=True)
    )
    missing = [(q, v) for q, v in rows if q not in existing]
    if missing and sign > 0:
        AnswerTotal.objects.bulk_create(
            [
                AnswerTotal(
                    questionnaire_id=response.questionnaire_id,
                    question_id=q,
                    municipality=response.municipality,
                    sector=response.sector,
                )
                for q, _ in missing
            ],
            ignore_conflicts=True,
        )
    for question_id, value in rows:
        AnswerTotal.objects.filter(
            question_id=question_id, municipality=response.municipality, sector=response.sector
        ).update(total=F("total") + sign * value, answers=F("answers") + sign)


def rebuild_totals(programme) -> int:
    """The grain totals recomputed from the answer rows (data loads that bypass the
    services, such as the benchmark; a repair). Returns the number of rows."""
    AnswerTotal.objects.filter(questionnaire__programme=programme).delete()
    rows = (
        _answers(programme, None)
        .values(
            "question_id",
            "response__questionnaire_id",
            "response__municipality",
            "response__sector",
        )
        .annotate(s=Sum("value"), n=Count("id"))
        .order_by()
    )
    created = AnswerTotal.objects.bulk_create(
        AnswerTotal(
            questionnaire_id=r["response__questionnaire_id"],
            question_id=r["question_id"],
            municipality=r["response__municipality"],
            sector=r["response__sector"],
            total=r["s"],
            answers=r["n"],
        )
        for r in rows
    )
    return len(created)


def bump(programme_id: int) -> None:
    """A write changed what the analysis shows (call inside the writing transaction)."""
    updated = AnalysisStamp.objects.filter(programme_id=programme_id).update(
        generation=F("generation") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                AnalysisStamp.objects.create(programme_id=programme_id, generation=1)
        except IntegrityError:
            AnalysisStamp.objects.filter(programme_id=programme_id).update(
                generation=F("generation") + 1
            )


def regional(programme, questionnaire: Questionnaire | None = None) -> dict[str, Any]:
    """The regional analysis, stored per results generation (`AnalysisStamp`): computed
    once after each submission or reopening, then read as one row."""
    generation = (
        AnalysisStamp.objects.filter(programme=programme)
        .values_list("generation", flat=True)
        .first()
        or 0
    )
    key = f"q{questionnaire.pk}" if questionnaire is not None else "all"
    stored = (
        StoredAnalysis.objects.filter(programme=programme, key=key, generation=generation)
        .values_list("result", flat=True)
        .first()
    )
    if stored is not None:
        return stored
    result = compute_regional(programme, questionnaire)
    try:
        with transaction.atomic():
            StoredAnalysis.objects.update_or_create(
                programme=programme,
                key=key,
                defaults={"generation": generation, "result": result, "computed_at": clock.now()},
            )
    except IntegrityError:  # a concurrent reader stored it first
        pass
    return result


def compute_regional(programme, questionnaire: Questionnaire | None = None) -> dict[str, Any]:
    """The regional analysis of one questionnaire, or of all the programme's questionnaires
    by year. Pillars are computed from the base set only; regional questions are listed
    apart. Question identity across years is the question code."""
    with_year = questionnaire is None
    dimensions = ("municipality", "sector", *(("year",) if with_year else ()))
    questions = Question.objects.filter(questionnaire__programme=programme).select_related(
        "questionnaire"
    )
    if questionnaire is not None:
        questions = questions.filter(questionnaire=questionnaire)
    questions = list(
        questions.order_by("questionnaire__year", "questionnaire__version", "position")
    )
    meta: dict[str, Question] = {}
    for q in questions:
        meta[q.code] = q  # the newest wording wins, the first position orders
    order = {code: i for i, code in enumerate(meta)}
    collected = _collect(programme, questionnaire, questions, with_year)
    pillars = {key[1]: data for key, data in collected.items() if key[0] == "p"}
    by_code = {key[1]: data for key, data in collected.items() if key[0] == "q"}

    schools = collected.pop(("schools",), {}).get("total", (None, 0))[1]
    pillar_order = []
    for q in meta.values():
        if not q.regional and q.pillar not in pillar_order:
            pillar_order.append(q.pillar)
    base_q, regional_q = [], []
    for code in sorted(by_code, key=lambda c: order.get(c, 10**6)):
        q = meta.get(code)
        entry = {
            "code": code,
            "pillar": q.pillar if q else "",
            "text": q.text if q else "",
            "scale": q.scale if q else None,
            "regional": bool(q and q.regional),
            **_figure(by_code[code], dimensions),
        }
        (regional_q if entry["regional"] else base_q).append(entry)
    return {
        "programme": programme.code,
        "questionnaire": (
            {"id": str(questionnaire.pk), "title": questionnaire.title, "year": questionnaire.year}
            if questionnaire
            else None
        ),
        "min_group": MIN_GROUP,
        "schools": {
            "count": schools if schools >= MIN_GROUP else None,
            "suppressed": schools < MIN_GROUP,
        },
        "pillars": [
            {"pillar": p, **_figure(pillars[p], dimensions)} for p in pillar_order if p in pillars
        ],
        "questions": base_q,
        "regional_questions": regional_q,
    }


def analysis_rows(result: dict[str, Any]) -> list[list[Any]]:
    """The analysis flattened for a CSV export: suppressed figures stay empty."""
    rows = [["level", "key", "dimension", "group", "mean", "count", "suppressed"]]

    def add(level, key, figure):
        rows.append(
            [level, key, "total", "", figure["mean"], figure["count"], figure["suppressed"]]
        )
        for dimension in ("municipality", "sector", "year"):
            for group in figure.get(f"by_{dimension}", []):
                rows.append(
                    [
                        level,
                        key,
                        dimension,
                        group[dimension],
                        group["mean"],
                        group["count"],
                        group["suppressed"],
                    ]
                )

    for p in result["pillars"]:
        add("pillar", p["pillar"], p)
    for q in result["questions"]:
        add("question", q["code"], q)
    for q in result["regional_questions"]:
        add("regional_question", q["code"], q)
    return rows


def safe_text(value: Any) -> str:
    """A CSV cell a spreadsheet never runs as a formula (the roster export's triggers)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def to_csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_text(v) if not isinstance(v, int | float) else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- the researcher CSV ---------------------------------------------------------------------


def pseudonym(participation_id: int) -> str:
    """A stable pseudonymous school id: HMAC-SHA256 with the setting CK_CMK_PSEUDONYM_KEY.
    The same school keeps its id across years and exports; without the key it cannot be
    traced back."""
    key = (
        settings.CK_CMK_PSEUDONYM_KEY
        or hashlib.sha256(f"cmk-pseudonym:{settings.SECRET_KEY}".encode()).hexdigest()
    ).encode()
    digest = hmac.new(key, f"cmk-participation:{participation_id}".encode(), hashlib.sha256)
    return "s-" + digest.hexdigest()[:16]


def researcher_rows(programme) -> list[list[Any]]:
    """One row per submitted response: pseudonym, year, questionnaire, sector and
    municipality (empty where the group of that questionnaire has fewer than MIN_GROUP
    schools), respondent roles and the answers per question code. No names, no codes."""
    responses = list(
        Response.objects.filter(status=ResponseStatus.SUBMITTED, questionnaire__programme=programme)
        .select_related("questionnaire")
        .order_by("questionnaire__year", "questionnaire_id", "participation_id")
    )
    codes: list[str] = []
    regional: set[str] = set()
    for q in Question.objects.filter(questionnaire__programme=programme).order_by(
        "regional", "questionnaire__year", "position"
    ):
        if q.code not in codes:
            codes.append(q.code)
        if q.regional:
            regional.add(q.code)
    sectors = defaultdict(int)
    places = defaultdict(int)
    for r in responses:
        sectors[(r.questionnaire_id, r.sector)] += 1
        places[(r.questionnaire_id, r.sector, r.municipality)] += 1
    header = ["school", "year", "questionnaire", "version", "sector", "municipality", "roles"]
    header += [f"regional:{c}" if c in regional else c for c in codes]
    rows: list[list[Any]] = [header]
    for r in responses:
        sector_ok = sectors[(r.questionnaire_id, r.sector)] >= MIN_GROUP
        place_ok = sector_ok and places[(r.questionnaire_id, r.sector, r.municipality)] >= MIN_GROUP
        rows.append(
            [
                pseudonym(r.participation_id),
                r.questionnaire.year,
                r.questionnaire_id,
                r.questionnaire.version,
                r.sector if sector_ok else "",
                r.municipality if place_ok else "",
                "|".join(r.respondent_roles),
                *[r.answers.get(c, "") for c in codes],
            ]
        )
    return rows


# --- a school's own trend -------------------------------------------------------------------


def school_trend(participation) -> dict[str, Any]:
    """The school's submitted responses over the years: per pillar (base set) its mean per
    year, the scenario of the latest year and its tips, and the per-question table."""
    responses = list(
        Response.objects.filter(participation=participation, status=ResponseStatus.SUBMITTED)
        .select_related("questionnaire")
        .order_by("questionnaire__year", "questionnaire__version")
    )
    ids = [r.questionnaire_id for r in responses]
    questions = list(
        Question.objects.filter(questionnaire_id__in=ids).order_by(
            "questionnaire__year", "position"
        )
    )
    by_q = defaultdict(dict)
    for q in questions:
        by_q[q.questionnaire_id][q.code] = q
    years = []
    pillar_values: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    pillar_scale: dict[str, int] = {}
    table: dict[str, dict[str, Any]] = {}
    for r in responses:
        year = r.questionnaire.year
        if year not in years:
            years.append(year)
        for code, value in r.answers.items():
            q = by_q[r.questionnaire_id].get(code)
            if q is None:
                continue
            row = table.setdefault(
                code,
                {
                    "code": code,
                    "pillar": q.pillar,
                    "text": q.text,
                    "regional": q.regional,
                    "values": {},
                },
            )
            row["text"] = q.text
            row["values"][year] = value
            if not q.regional:
                # a pillar score on its own scale, as a share: levels of different scales mix
                pillar_values[q.pillar][year].append((value - 1) / (q.scale - 1))
                pillar_scale[q.pillar] = max(pillar_scale.get(q.pillar, 0), q.scale)
    pillars = []
    for pillar, per_year in pillar_values.items():
        means = {y: round(sum(v) / len(v), 3) for y, v in per_year.items()}
        scale = pillar_scale[pillar]
        levels = {y: round(1 + m * (scale - 1), 2) for y, m in means.items()}
        latest = years[-1] if years else None
        scenario = scenario_for(levels.get(latest), scale) if latest in levels else None
        pillars.append(
            {
                "pillar": pillar,
                "scale": scale,
                "levels": levels,
                "scenario": scenario,
                "scenario_label": str(Scenario(scenario).label) if scenario else "",
                "tips": [str(t) for t in TIPS.get(scenario, [])],
            }
        )
    return {
        "years": years,
        "pillars": pillars,
        "questions": sorted(table.values(), key=lambda r: (r["regional"], r["pillar"])),
    }
