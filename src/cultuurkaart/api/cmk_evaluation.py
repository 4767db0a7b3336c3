"""CmK questionnaires, analysis, budget and funder reports (API.md "CmK programme
monitoring"). Thin: check the programme scope (`cmk.services.access` with this domain's
actions, cmk_evaluation/permissions.py), call the services."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from cultuurkaart.cmk.services import access
from cultuurkaart.cmk_evaluation import exports
from cultuurkaart.cmk_evaluation.constants import ResponseStatus
from cultuurkaart.cmk_evaluation.models import FunderReport, Questionnaire, Response
from cultuurkaart.cmk_evaluation.services import analysis, budget, money, questionnaires, reports
from cultuurkaart.core import permissions
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.ids import parse_id

from .base import XLSX, Id, Money, Out, Page, errors, file_download, paged, paginate, path_id

router = Router(tags=["cmk"])
CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"


class EvalQuestionIn(Schema):
    model_config = ConfigDict(extra="allow")
    code: Any = None
    pillar: Any = None
    text: Any = None
    scale: Any = None
    regional: Any = False


class EvalQuestionnaireIn(Schema):
    title: Any = None
    opens_on: Any = None
    closes_on: Any = None
    questions: list[EvalQuestionIn] | None = None


class EvalResponseIn(Schema):
    participation_id: Any = None
    answers: dict[str, Any] = {}
    respondent_roles: list[str] | None = None
    submit: bool = False


class EvalReopenIn(Schema):
    reason: str = ""


class EvalBudgetIn(Schema):
    lines: list[dict[str, Any]] = []
    matching: list[dict[str, Any]] = []
    inkind_hours: dict[str, Any] = {}


class EvalQuestionOut(Out):
    code: str
    pillar: str
    text: str
    scale: int
    regional: bool


class EvalQuestionnaireOut(Out):
    id: str
    programme: str
    title: str
    year: int
    version: int
    previous: str | None
    opens_on: str
    closes_on: str
    frozen: bool
    questions: list[EvalQuestionOut]
    responses: dict[str, int]


class EvalResponseOut(Out):
    id: str
    questionnaire: str
    participation_id: str
    status: str
    answers: dict[str, int]
    respondent_roles: list[str]
    submitted_at: str | None
    updated_at: str


class EvalInvitationsOut(Out):
    round: int
    schools: int
    emails: int
    skipped: int


# --- the figures (docs/cmk-evaluation.md) ---------------------------------------------------


class EvalFigure(Out):
    """A mean level and its number of schools; `null` with `suppressed: true` below five."""

    mean: float | None
    count: int | None
    suppressed: bool


class EvalMunicipalityGroup(EvalFigure):
    municipality: str | None


class EvalSectorGroup(EvalFigure):
    sector: str | None


class EvalYearGroup(EvalFigure):
    year: int | None


class EvalBreakdown(EvalFigure):
    by_municipality: list[EvalMunicipalityGroup]
    by_sector: list[EvalSectorGroup]
    by_year: list[EvalYearGroup]  # empty for one questionnaire


class EvalPillarFigure(EvalBreakdown):
    pillar: str


class EvalQuestionFigure(EvalBreakdown):
    code: str
    pillar: str
    text: str
    scale: int | None
    regional: bool


class EvalQuestionnaireRef(Out):
    id: Id
    title: str
    year: int


class EvalSchoolCount(Out):
    count: int | None
    suppressed: bool


class EvalAnalysisOut(Out):
    programme: str
    questionnaire: EvalQuestionnaireRef | None
    min_group: int
    schools: EvalSchoolCount
    pillars: list[EvalPillarFigure]
    questions: list[EvalQuestionFigure]
    regional_questions: list[EvalQuestionFigure]


class EvalPillarTrend(Out):
    pillar: str
    scale: int
    levels: dict[str, float]  # year → mean level
    scenario: str | None
    scenario_label: str
    tips: list[str]


class EvalQuestionTrend(Out):
    code: str
    pillar: str
    text: str
    regional: bool
    values: dict[str, int]  # year → level


class EvalResultsOut(Out):
    years: list[int]
    pillars: list[EvalPillarTrend]
    questions: list[EvalQuestionTrend]


class EvalBudgetLineOut(Out):
    category: str
    label: str
    flow: str
    planned: Money
    realised: Money | None
    variance: Money | None


class EvalPlannedRealised(Out):
    planned: Money
    realised: Money | None


class EvalVariance(Out):
    income: Money | None
    costs: Money | None


class EvalTotals(Out):
    income: EvalPlannedRealised
    costs: EvalPlannedRealised
    result: EvalPlannedRealised
    variance: EvalVariance


class EvalCoordinationShare(Out):
    planned: str | None
    realised: str | None
    threshold: str
    warning: bool


class EvalMatchingOut(Out):
    municipality: str
    amount: Money
    realised: Money | None


class EvalHours(Out):
    po: int
    vo: int
    po_realised: int | None
    vo_realised: int | None


class EvalBudgetOut(Out):
    year: int
    lines: list[EvalBudgetLineOut]
    totals: EvalTotals
    coordination_share: EvalCoordinationShare
    matching: list[EvalMatchingOut]
    matching_total: Money
    national_grant: Money
    matching_covers_grant: bool
    inkind_hours: EvalHours


class EvalMatchingIn(Schema):
    matching: Any = None


class EvalMatchingCellOut(Out):
    municipality: str
    municipality_id: Id
    amount: Money | None
    realised: Money | None


class EvalMatchingYearOut(Out):
    year: int
    matching: list[EvalMatchingCellOut]
    total: Money
    realised_total: Money | None
    national_grant: Money
    covers_grant: bool


class EvalMatchingTableOut(Out):
    programme: str
    years: list[EvalMatchingYearOut]


class EvalRealisedImported(EvalBudgetOut):
    rows: int


class EvalDisciplineOut(Out):
    discipline: str
    label: str
    amount: Money


class EvalMoneyYear(Out):
    year: int
    students: int
    ordered: Money
    spent: Money
    spent_share: str | None
    weborders: int
    disciplines: list[EvalDisciplineOut]


class EvalTrendPillar(Out):
    pillar: str
    levels: dict[str, float]
    scenario: str | None


class EvalTrendOut(Out):
    years: list[int]
    pillars: list[EvalTrendPillar]


class EvalMoneySchool(Out):
    participation: Id
    name: str
    code: str
    track: str
    step: int | None
    step_name: str
    prospect: bool
    cultuurkaart: bool
    years: list[EvalMoneyYear]
    trend: EvalTrendOut


class _Listed:
    """A computed list for `paginate` (it counts and slices)."""

    def __init__(self, rows: list):
        self.rows = rows

    def count(self) -> int:
        return len(self.rows)

    def __getitem__(self, item):
        return self.rows[item]


class EvalReportOut(Out):
    id: str
    programme: str
    year: int
    sha256: str
    created_at: str
    figures: dict[str, Any]
    xlsx: str
    pdf: str


def _programme(request, programme_id: str, action: str):
    permissions.record(request, action)
    return access.require_programme(request.user, path_id(programme_id), action)


def _questionnaire(request, programme_id: str, questionnaire_id: str, action: str):
    programme = _programme(request, programme_id, action)
    q = Questionnaire.objects.filter(programme=programme, pk=path_id(questionnaire_id)).first()
    if q is None:
        raise Http404
    return programme, q


def serialize_questionnaire(q: Questionnaire) -> dict[str, Any]:
    if hasattr(q, "draft_count"):  # annotated by the list (one query for every row)
        counts = {"draft": q.draft_count, "submitted": q.submitted_count}
    else:
        counts = {"draft": 0, "submitted": 0}
        for status in q.responses.values_list("status", flat=True):
            counts[status] += 1
    return {
        "id": str(q.pk),
        "programme": q.programme.code,
        "title": q.title,
        "year": q.year,
        "version": q.version,
        "previous": str(q.previous_id) if q.previous_id else None,
        "opens_on": q.opens_on.isoformat(),
        "closes_on": q.closes_on.isoformat(),
        "frozen": q.frozen,
        "questions": [
            {
                "code": x.code,
                "pillar": x.pillar,
                "text": x.text,
                "scale": x.scale,
                "regional": x.regional,
            }
            for x in q.questions.all()
        ],
        "responses": counts,
    }


def serialize_response(r: Response) -> dict[str, Any]:
    return {
        "id": str(r.pk),
        "questionnaire": str(r.questionnaire_id),
        "participation_id": str(r.participation_id),
        "status": r.status,
        "answers": r.answers,
        "respondent_roles": r.respondent_roles,
        "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
        "updated_at": r.updated_at.isoformat(),
    }


def _body(data: Schema) -> dict[str, Any]:
    return data.model_dump(exclude_unset=True)


@router.post(
    "/cmk/programmes/{programme_id}/questionnaires",
    response={201: EvalQuestionnaireOut, **errors(401, 403, 404, 413, 422)},
)
def create_questionnaire(request, programme_id: str, data: EvalQuestionnaireIn):
    programme = _programme(request, programme_id, "cmk_evaluation.manage_questionnaires")
    q = questionnaires.create_questionnaire(programme, _body(data), actor=request.user)
    return Status(201, serialize_questionnaire(q))


@router.get(
    "/cmk/programmes/{programme_id}/questionnaires",
    response={200: Page[EvalQuestionnaireOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_questionnaires(request, programme_id: str):
    programme = _programme(request, programme_id, "cmk_evaluation.manage_questionnaires")
    rows = (
        Questionnaire.objects.filter(programme=programme)
        .select_related("programme")
        .annotate(
            draft_count=Count("responses", filter=Q(responses__status=ResponseStatus.DRAFT)),
            submitted_count=Count(
                "responses", filter=Q(responses__status=ResponseStatus.SUBMITTED)
            ),
        )
    )
    return paginate(request, rows.prefetch_related("questions"), serialize_questionnaire)


@router.get(
    "/cmk/programmes/{programme_id}/questionnaires/{questionnaire_id}",
    response={200: EvalQuestionnaireOut, **errors(401, 403, 404)},
)
def get_questionnaire(request, programme_id: str, questionnaire_id: str):
    _, q = _questionnaire(
        request, programme_id, questionnaire_id, "cmk_evaluation.manage_questionnaires"
    )
    return serialize_questionnaire(q)


@router.put(
    "/cmk/programmes/{programme_id}/questionnaires/{questionnaire_id}",
    response={200: EvalQuestionnaireOut, **errors(401, 403, 404, 409, 413, 422)},
)
def change_questionnaire(
    request, programme_id: str, questionnaire_id: str, data: EvalQuestionnaireIn
):
    _, q = _questionnaire(
        request, programme_id, questionnaire_id, "cmk_evaluation.manage_questionnaires"
    )
    q = questionnaires.change_questionnaire(q, _body(data), actor=request.user)
    return serialize_questionnaire(q)


@router.post(
    "/cmk/programmes/{programme_id}/questionnaires/{questionnaire_id}/versions",
    response={201: EvalQuestionnaireOut, **errors(401, 403, 404, 409)},
)
def new_version(request, programme_id: str, questionnaire_id: str):
    _, q = _questionnaire(
        request, programme_id, questionnaire_id, "cmk_evaluation.manage_questionnaires"
    )
    return Status(201, serialize_questionnaire(questionnaires.new_version(q, actor=request.user)))


@router.post(
    "/cmk/programmes/{programme_id}/questionnaires/{questionnaire_id}/invitations",
    response={200: EvalInvitationsOut, **errors(401, 403, 404)},
)
def send_invitations(request, programme_id: str, questionnaire_id: str):
    _, q = _questionnaire(
        request, programme_id, questionnaire_id, "cmk_evaluation.manage_questionnaires"
    )
    return questionnaires.send_invitations(q, actor=request.user)


@router.post(
    "/cmk/programmes/{programme_id}/questionnaires/{questionnaire_id}/responses",
    response={201: EvalResponseOut, **errors(401, 403, 404, 409, 413, 422)},
)
def save_response(request, programme_id: str, questionnaire_id: str, data: EvalResponseIn):
    """A school contact's response (its own participation): a draft (`submit` false, partial
    answers autosaved) or the submission (every question answered)."""
    action = "cmk_evaluation.respond"
    permissions.record(request, action)
    pk = parse_id(str(data.participation_id or ""))
    if pk is None:
        raise ValidationFailed(
            "participation_id is required.",
            errors=[{"field": "participation_id", "code": "required", "message": "An id."}],
        )
    participation = access.require_participation(request.user, pk, action)
    q = Questionnaire.objects.filter(
        pk=path_id(questionnaire_id), programme_id=path_id(programme_id)
    ).first()
    if q is None or participation.programme_id != q.programme_id:
        raise Http404
    response = questionnaires.save_response(
        q,
        participation,
        data.answers,
        respondent_roles=data.respondent_roles,
        submit=data.submit,
        actor=request.user,
    )
    return Status(201, serialize_response(response))


@router.post(
    "/cmk/responses/{response_id}/reopen",
    response={200: EvalResponseOut, **errors(401, 403, 404, 409, 413, 422)},
)
def reopen_response(request, response_id: str, data: EvalReopenIn):
    action = "cmk_evaluation.manage_questionnaires"
    permissions.record(request, action)
    response = (
        Response.objects.select_related("questionnaire").filter(pk=path_id(response_id)).first()
    )
    if response is None:
        raise Http404
    access.require_programme(request.user, response.questionnaire.programme_id, action)
    return serialize_response(
        questionnaires.reopen_response(response, data.reason, actor=request.user)
    )


@router.get(
    "/cmk/participations/{participation_id}/results",
    response={200: EvalResultsOut, **errors(401, 403, 404)},
)
def school_results(request, participation_id: str):
    action = "cmk_evaluation.view_results"
    permissions.record(request, action)
    participation = access.require_participation(request.user, path_id(participation_id), action)
    return _year_keys(analysis.school_trend(participation))


def _year_keys(trend: dict[str, Any]) -> dict[str, Any]:
    """JSON object keys are strings: the years of `levels` and `values`."""
    return {
        **trend,
        "pillars": [
            {**p, "levels": {str(y): v for y, v in p["levels"].items()}} for p in trend["pillars"]
        ],
        "questions": [
            {**q, "values": {str(y): v for y, v in q["values"].items()}}
            for q in trend.get("questions", [])
        ],
    }


def _analysis_questionnaire(request, programme) -> Questionnaire | None:
    raw = request.GET.get("questionnaire")
    if not raw:
        return None
    pk = parse_id(raw)
    q = Questionnaire.objects.filter(programme=programme, pk=pk).first() if pk else None
    if q is None:
        raise ValidationFailed(
            "Unknown questionnaire.",
            errors=[
                {"field": "questionnaire", "code": "invalid", "message": "Not in this programme."}
            ],
        )
    return q


@router.get(
    "/cmk/programmes/{programme_id}/analysis",
    response={200: EvalAnalysisOut, **errors(401, 403, 404, 422)},
)
def regional_analysis(request, programme_id: str):
    """Per pillar and question: mean and count, by municipality, sector (and year without
    `?questionnaire=`); a group of fewer than 5 schools is `null` with `"suppressed": true`."""
    programme = _programme(request, programme_id, "cmk_evaluation.view_analysis")
    return analysis.regional(programme, _analysis_questionnaire(request, programme))


def _csv(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get(
    "/cmk/programmes/{programme_id}/analysis.csv",
    response={**errors(401, 403, 404, 422)},
    openapi_extra=file_download("text/csv", "The analysis as CSV (suppressed cells empty)."),
)
def analysis_csv(request, programme_id: str):
    programme = _programme(request, programme_id, "cmk_evaluation.view_analysis")
    result = analysis.regional(programme, _analysis_questionnaire(request, programme))
    return _csv(analysis.to_csv(analysis.analysis_rows(result)), "analyse.csv")


@router.get(
    "/cmk/programmes/{programme_id}/research.csv",
    response={**errors(401, 403, 404)},
    openapi_extra=file_download("text/csv", "Responses with pseudonymous school ids."),
)
def research_csv(request, programme_id: str):
    programme = _programme(request, programme_id, "cmk_evaluation.export_research")
    return _csv(analysis.to_csv(analysis.researcher_rows(programme)), "onderzoek.csv")


def _year(value: str) -> int:
    year = parse_id(value, max_digits=4)
    if year is None:
        raise Http404
    return year


@router.put(
    "/cmk/programmes/{programme_id}/budget/{year}",
    response={200: EvalBudgetOut, **errors(401, 403, 404, 413, 422)},
)
def put_budget(request, programme_id: str, year: str, data: EvalBudgetIn):
    """Plan (and realisation) per category, matching per municipality, in-kind hours → the
    totals, the variance and the coordination share."""
    programme = _programme(request, programme_id, "cmk_evaluation.manage_budget")
    budget.set_budget(programme, _year(year), _body(data), actor=request.user)
    return budget.summary(programme, _year(year))


@router.get(
    "/cmk/programmes/{programme_id}/budget/{year}",
    response={200: EvalBudgetOut, **errors(401, 403, 404, 422)},
)
def get_budget(request, programme_id: str, year: str):
    programme = _programme(request, programme_id, "cmk_evaluation.view_budget")
    budget._check_year(programme, _year(year))
    return budget.summary(programme, _year(year))


@router.post(
    "/cmk/programmes/{programme_id}/budget/{year}/realised",
    response={200: EvalRealisedImported, **errors(401, 403, 404, 413, 422)},
)
def import_realised(request, programme_id: str, year: str, file: File[UploadedFile]):
    """Realised amounts from a CSV (`category;realised`); all rows or none."""
    programme = _programme(request, programme_id, "cmk_evaluation.manage_budget")
    result = budget.import_realised(
        programme, _year(year), file.read(1_000_001)[:1_000_000], actor=request.user
    )
    return {**result, **budget.summary(programme, _year(year))}


@router.get(
    "/cmk/programmes/{programme_id}/matching",
    response={200: EvalMatchingTableOut, **errors(401, 403, 404)},
)
def get_matching(request, programme_id: str):
    """The municipalities' matching per programme year: planned and realised, the yearly
    totals against the national grant."""
    programme = _programme(request, programme_id, "cmk_evaluation.view_budget")
    return budget.matching_table(programme)


@router.put(
    "/cmk/programmes/{programme_id}/matching/{year}",
    response={200: EvalMatchingTableOut, **errors(401, 403, 404, 413, 422)},
)
def put_matching(request, programme_id: str, year: str, data: EvalMatchingIn):
    """`{"matching": [{"municipality" (name or id), "amount"?, "realised"?}]}`: the matching of
    one year per municipality (planned and/or realised; `realised: null` clears it). Every
    changed figure is audited (before, after)."""
    programme = _programme(request, programme_id, "cmk_evaluation.manage_budget")
    budget.set_matching(programme, _year(year), data.matching, actor=request.user)
    return budget.matching_table(programme)


def serialize_report(request, report: FunderReport) -> dict[str, Any]:
    base = f"/api/v1/cmk/reports/{report.pk}"
    return {
        "id": str(report.pk),
        "programme": report.programme.code,
        "year": report.year,
        "sha256": report.sha256,
        "created_at": report.created_at.isoformat(),
        "figures": report.figures,
        "xlsx": request.build_absolute_uri(f"{base}/report.xlsx"),
        "pdf": request.build_absolute_uri(f"{base}/report.pdf"),
    }


@router.post(
    "/cmk/programmes/{programme_id}/reports/{year}",
    response={201: EvalReportOut, **errors(401, 403, 404, 422)},
)
def create_report(request, programme_id: str, year: str):
    programme = _programme(request, programme_id, "cmk_evaluation.create_reports")
    report = reports.create_report(programme, _year(year), actor=request.user)
    return Status(201, serialize_report(request, report))


def _report(request, report_id: str) -> FunderReport:
    action = "cmk_evaluation.view_reports"
    permissions.record(request, action)
    report = FunderReport.objects.select_related("programme").filter(pk=path_id(report_id)).first()
    if report is None:
        raise Http404
    access.require_programme(request.user, report.programme_id, action)
    return report


@router.get("/cmk/reports/{report_id}", response={200: EvalReportOut, **errors(401, 403, 404)})
def get_report(request, report_id: str):
    return serialize_report(request, _report(request, report_id))


@router.get(
    "/cmk/reports/{report_id}/report.xlsx",
    response={**errors(401, 403, 404)},
    openapi_extra=file_download(XLSX, "The funder report's workbook (from the snapshot)."),
)
def report_xlsx(request, report_id: str):
    report = _report(request, report_id)
    response = HttpResponse(exports.workbook(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="verantwoording-{report.year}.xlsx"'
    return response


@router.get(
    "/cmk/reports/{report_id}/report.pdf",
    response={**errors(401, 403, 404)},
    openapi_extra=file_download(PDF, "The funder report's PDF skeleton (from the snapshot)."),
)
def report_pdf(request, report_id: str):
    report = _report(request, report_id)
    response = HttpResponse(exports.pdf(report), content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="verantwoording-{report.year}.pdf"'
    return response


@router.get(
    "/cmk/programmes/{programme_id}/cultuurkaart",
    response={200: Page[EvalMoneySchool], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def money_overview(request, programme_id: str):
    """Per participating VO school: Cultuurkaart ordered, spent, web orders by discipline,
    next to its track, step and questionnaire trend."""
    programme = _programme(request, programme_id, "cmk_evaluation.view_money")
    return paginate(request, _Listed(money.overview(programme)), _stringify_ids)


def _stringify_ids(row: dict[str, Any]) -> dict[str, Any]:
    trend = _year_keys(row["trend"])
    trend.pop("questions", None)
    return {**row, "participation": str(row["participation"]), "trend": trend}
