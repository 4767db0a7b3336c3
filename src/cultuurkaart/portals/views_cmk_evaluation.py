"""CmK evaluation pages (docs/cmk-evaluation.md): the programme office's questionnaires,
regional analysis, budget, funder reports and Cultuurkaart overview; the school contact's
questionnaire (autosaved drafts, phone-friendly) and own results. Thin: scope through
`cmk.services.access` with the actions of cmk_evaluation/permissions.py, rules in the
services."""

from __future__ import annotations

from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cultuurkaart.cmk.services import access
from cultuurkaart.cmk_evaluation import exports
from cultuurkaart.cmk_evaluation.constants import RESPONDENT_ROLES, ResponseStatus
from cultuurkaart.cmk_evaluation.models import FunderReport, Questionnaire, Response
from cultuurkaart.cmk_evaluation.services import analysis, budget, money, questionnaires, reports
from cultuurkaart.core import clock, permissions
from cultuurkaart.core.errors import DomainError, NotFound, PermissionDenied

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scoped(load):
    def decorator_factory(action: str):
        permissions.get(action)  # an unknown action fails at import

        def decorator(view):
            @login_required
            @wraps(view)
            def wrapper(request, *args, **kwargs):
                permissions.record(request, action)
                try:
                    obj = load(request, action, kwargs)
                except NotFound:
                    raise Http404 from None
                except PermissionDenied:
                    raise DjangoPermissionDenied from None
                return view(request, obj, *args, **kwargs)

            wrapper.permission_action = action
            return wrapper

        return decorator

    return decorator_factory


programme_page = _scoped(
    lambda request, action, kw: access.require_programme(
        request.user, kw.pop("programme_id"), action
    )
)
participation_page = _scoped(
    lambda request, action, kw: access.require_participation(
        request.user, kw.pop("participation_id"), action
    )
)


def _report_scope(request, action, kw):
    report = FunderReport.objects.select_related("programme").filter(pk=kw.pop("report_id")).first()
    if report is None:
        raise NotFound
    access.require_programme(request.user, report.programme_id, action)
    return report


report_page = _scoped(_report_scope)


def _may(request, action, programme) -> bool:
    return access.may(request.user, action, programme)


def _ctx(request, programme, **extra):
    return {
        "programme": programme,
        "may_dashboard": _may(request, "cmk.view_aggregates", programme),
        "may_manage": _may(request, "cmk_evaluation.manage_questionnaires", programme),
        "may_analysis": _may(request, "cmk_evaluation.view_analysis", programme),
        "may_budget": _may(request, "cmk_evaluation.view_budget", programme),
        "may_reports": _may(request, "cmk_evaluation.view_reports", programme),
        "may_money": _may(request, "cmk_evaluation.view_money", programme),
        "years": programme.years,
        **extra,
    }


# --- questionnaires (programme office) ---------------------------------------------------------


def _parse_question_lines(text: str) -> list[dict]:
    """One question per line: code; pillar; scale; regional (ja/nee); question text."""
    out = []
    for raw in (text or "").splitlines():
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split(";", 4)]
        parts += [""] * (5 - len(parts))
        code, pillar, scale, regional, question = parts
        out.append(
            {
                "code": code,
                "pillar": pillar,
                "scale": int(scale) if scale.isdigit() else scale,
                "regional": regional.lower() in {"ja", "yes", "j", "r", "regionaal", "1"},
                "text": question,
            }
        )
    return out


@programme_page("cmk_evaluation.manage_questionnaires")
def questionnaire_list(request, programme):
    form = {"title": "", "opens_on": "", "closes_on": "", "questions": ""}
    errors = []
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        try:
            q = questionnaires.create_questionnaire(
                programme,
                {**form, "questions": _parse_question_lines(form["questions"])},
                actor=request.user,
            )
        except DomainError as exc:
            errors = exc.errors or [{"field": "", "message": exc.message}]
            messages.error(request, exc.message)
        else:
            messages.success(request, _("De vragenlijst is aangemaakt."))
            return redirect("portals:cmk_eval_questionnaire", programme.pk, q.pk)
    rows = Questionnaire.objects.filter(programme=programme).prefetch_related("responses")
    for q in rows:
        q.submitted_count = sum(1 for r in q.responses.all() if r.submitted)
    return render(
        request,
        "portals/cmk_evaluation/questionnaires.html",
        _ctx(request, programme, questionnaires=rows, form=form, errors=errors),
    )


def _questionnaire(programme, questionnaire_id) -> Questionnaire:
    return get_object_or_404(Questionnaire, programme=programme, pk=questionnaire_id)


@programme_page("cmk_evaluation.manage_questionnaires")
def questionnaire_detail(request, programme, questionnaire_id: int):
    q = _questionnaire(programme, questionnaire_id)
    responses = {r.participation_id: r for r in Response.objects.filter(questionnaire=q)}
    schools = []
    for p in questionnaires.participations_of(programme).order_by("location__name"):
        schools.append({"participation": p, "response": responses.get(p.pk)})
    done = sum(1 for r in responses.values() if r.submitted)
    return render(
        request,
        "portals/cmk_evaluation/questionnaire.html",
        _ctx(
            request,
            programme,
            q=q,
            base_questions=[x for x in q.questions.all() if not x.regional],
            regional_questions=[x for x in q.questions.all() if x.regional],
            schools=schools,
            submitted=done,
            rounds=q.invitations.values_list("round", flat=True).distinct().count(),
        ),
    )


def _question_lines(q: Questionnaire) -> str:
    return "\n".join(
        f"{x.code}; {x.pillar}; {x.scale}; {'ja' if x.regional else 'nee'}; {x.text}"
        for x in q.questions.all()
    )


@programme_page("cmk_evaluation.manage_questionnaires")
def questionnaire_edit(request, programme, questionnaire_id: int):
    """Title, dates and (until a school answered) the questions."""
    q = _questionnaire(programme, questionnaire_id)
    form = {
        "title": q.title,
        "opens_on": q.opens_on.isoformat(),
        "closes_on": q.closes_on.isoformat(),
        "questions": _question_lines(q),
    }
    errors = []
    if request.method == "POST":
        form = {k: request.POST.get(k, v) for k, v in form.items()}
        data = {k: form[k] for k in ("title", "opens_on", "closes_on")}
        if not q.frozen:
            data["questions"] = _parse_question_lines(form["questions"])
        try:
            questionnaires.change_questionnaire(q, data, actor=request.user)
        except DomainError as exc:
            errors = exc.errors or [{"field": "", "message": exc.message}]
            messages.error(request, exc.message)
        else:
            messages.success(request, _("De vragenlijst is gewijzigd."))
            return redirect("portals:cmk_eval_questionnaire", programme.pk, q.pk)
    return render(
        request,
        "portals/cmk_evaluation/questionnaire_edit.html",
        _ctx(request, programme, q=q, form=form, errors=errors),
    )


@programme_page("cmk_evaluation.manage_questionnaires")
@require_POST
def questionnaire_invite(request, programme, questionnaire_id: int):
    q = _questionnaire(programme, questionnaire_id)
    result = questionnaires.send_invitations(q, actor=request.user)
    messages.success(
        request,
        _("%(schools)s scholen uitgenodigd (%(emails)s e-mails); %(skipped)s hebben al ingediend.")
        % result,
    )
    return redirect("portals:cmk_eval_questionnaire", programme.pk, q.pk)


@programme_page("cmk_evaluation.manage_questionnaires")
@require_POST
def questionnaire_version(request, programme, questionnaire_id: int):
    q = _questionnaire(programme, questionnaire_id)
    try:
        copy = questionnaires.new_version(q, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portals:cmk_eval_questionnaire", programme.pk, q.pk)
    messages.success(request, _("Nieuwe versie aangemaakt."))
    return redirect("portals:cmk_eval_questionnaire", programme.pk, copy.pk)


@programme_page("cmk_evaluation.manage_questionnaires")
@require_POST
def response_reopen(request, programme, response_id: int):
    response = get_object_or_404(Response, pk=response_id, questionnaire__programme=programme)
    try:
        questionnaires.reopen_response(response, request.POST.get("reason", ""), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("De vragenlijst is heropend; de school kan haar weer aanpassen.")
        )
    return redirect("portals:cmk_eval_questionnaire", programme.pk, response.questionnaire_id)


# --- analysis --------------------------------------------------------------------------------


def _chosen(request, programme) -> Questionnaire | None:
    raw = request.GET.get("questionnaire", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return _questionnaire(programme, int(raw))


@programme_page("cmk_evaluation.view_analysis")
def analysis_page(request, programme):
    chosen = _chosen(request, programme)
    result = analysis.regional(programme, chosen)
    return render(
        request,
        "portals/cmk_evaluation/analysis.html",
        _ctx(
            request,
            programme,
            result=result,
            chosen=chosen,
            questionnaires=Questionnaire.objects.filter(programme=programme),
            may_research=_may(request, "cmk_evaluation.export_research", programme),
        ),
    )


def _csv(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@programme_page("cmk_evaluation.view_analysis")
def analysis_csv(request, programme):
    result = analysis.regional(programme, _chosen(request, programme))
    return _csv(analysis.to_csv(analysis.analysis_rows(result)), "analyse.csv")


@programme_page("cmk_evaluation.export_research")
def research_csv(request, programme):
    return _csv(analysis.to_csv(analysis.researcher_rows(programme)), "onderzoek.csv")


# --- budget ----------------------------------------------------------------------------------


def _check_year(programme, year):
    if year not in programme.years:
        raise Http404


@programme_page("cmk_evaluation.view_budget")
def budget_page(request, programme, year: int):
    _check_year(programme, year)
    summary = budget.summary(programme, year)
    return render(
        request,
        "portals/cmk_evaluation/budget.html",
        _ctx(
            request,
            programme,
            year=year,
            summary=summary,
            share={
                key: Decimal(value) * 100
                for key, value in summary["coordination_share"].items()
                if key in ("planned", "realised") and value is not None
            },
            may_edit=_may(request, "cmk_evaluation.manage_budget", programme),
        ),
    )


@programme_page("cmk_evaluation.manage_budget")
def budget_edit(request, programme, year: int):
    """Plan and realisation per category, in-kind hours; POST writes them (audited)."""
    _check_year(programme, year)
    summary = budget.summary(programme, year)
    if request.method == "POST":
        lines = []
        for line in summary["lines"]:
            planned = request.POST.get(f"planned_{line['category']}", "").strip().replace(",", ".")
            realised = (
                request.POST.get(f"realised_{line['category']}", "").strip().replace(",", ".")
            )
            item = {"category": line["category"], "planned": planned or "0"}
            if realised:
                item["realised"] = realised
            lines.append(item)
        hours = {}
        for key in ("po", "vo", "po_realised", "vo_realised"):
            raw = request.POST.get(f"hours_{key}", "").strip()
            if raw:
                hours[key] = int(raw) if raw.isdigit() else raw
        matching = []
        for m in summary["matching"]:
            raw = request.POST.get(f"matching_{m['municipality']}", "").strip().replace(",", ".")
            if raw:
                matching.append({"municipality": m["municipality"], "amount": raw})
        for name in programme.municipalities.values_list("name", flat=True):
            raw = request.POST.get(f"matching_{name}", "").strip().replace(",", ".")
            if raw and not any(x["municipality"] == name for x in matching):
                matching.append({"municipality": name, "amount": raw})
        try:
            budget.set_budget(
                programme,
                year,
                {"lines": lines, "inkind_hours": hours, "matching": matching},
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(
                request, exc.message + " " + "; ".join(e.get("message", "") for e in exc.errors)
            )
        else:
            messages.success(request, _("De begroting is opgeslagen."))
            return redirect("portals:cmk_eval_budget", programme.pk, year)
    matching = {m["municipality"]: m for m in summary["matching"]}
    return render(
        request,
        "portals/cmk_evaluation/budget_edit.html",
        _ctx(
            request,
            programme,
            year=year,
            summary=summary,
            municipalities=[
                {"name": name, "amount": (matching.get(name) or {}).get("amount") or ""}
                for name in programme.municipalities.order_by("name").values_list("name", flat=True)
            ],
        ),
    )


@programme_page("cmk_evaluation.manage_budget")
@require_POST
def budget_import(request, programme, year: int):
    _check_year(programme, year)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Kies een CSV-bestand."))
        return redirect("portals:cmk_eval_budget", programme.pk, year)
    try:
        result = budget.import_realised(programme, year, upload.read(1_000_000), actor=request.user)
    except DomainError as exc:
        detail = "; ".join(
            f"{_('rij')} {e.get('row')}: {e.get('column')} {e.get('message')}"
            for e in exc.errors[:10]
        )
        messages.error(request, f"{exc.message} {detail}")
    else:
        messages.success(request, _("%(rows)s realisaties ingelezen.") % result)
    return redirect("portals:cmk_eval_budget", programme.pk, year)


# --- municipal matching ----------------------------------------------------------------------


@programme_page("cmk_evaluation.view_budget")
def matching_page(request, programme):
    """The municipalities' matching per year (planned and realised) against the grant."""
    return render(
        request,
        "portals/cmk_evaluation/matching.html",
        _ctx(
            request,
            programme,
            table=budget.matching_table(programme),
            may_edit=_may(request, "cmk_evaluation.manage_budget", programme),
        ),
    )


@programme_page("cmk_evaluation.manage_budget")
def matching_edit(request, programme, year: int):
    """Staff: the matching of one year per municipality (planned and realised, euros with
    cents); every change audited. Invalid amounts: the form again with the field errors."""
    _check_year(programme, year)
    table = budget.matching_table(programme)
    rows = next(y for y in table["years"] if y["year"] == year)["matching"]
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        posted = []
        for i, row in enumerate(rows):
            amount = request.POST.get(f"amount_{i}", "").strip().replace(",", ".")
            realised = request.POST.get(f"realised_{i}", "").strip().replace(",", ".")
            row["amount"], row["realised"] = amount, realised
            item = {"municipality": row["municipality_id"], "realised": realised or None}
            if amount:
                item["amount"] = amount
            posted.append(item)
        try:
            budget.set_matching(programme, year, posted, actor=request.user)
        except DomainError as exc:
            for e in exc.errors:
                field = str(e.get("field") or "")
                # matching[3].amount → amount_3
                if field.startswith("matching[") and "]." in field:
                    index, name = field[len("matching[") :].split("].", 1)
                    errors[f"{name}_{index}"] = e.get("message") or exc.message
            if not errors:
                messages.error(request, exc.message)
            status = 422
        else:
            messages.success(request, _("De matching is opgeslagen."))
            return redirect("portals:cmk_eval_matching", programme.pk)
    for i, row in enumerate(rows):
        row["amount_error"] = errors.get(f"amount_{i}")
        row["realised_error"] = errors.get(f"realised_{i}")
    return render(
        request,
        "portals/cmk_evaluation/matching_edit.html",
        _ctx(request, programme, year=year, rows=rows),
        status=status,
    )


# --- funder reports ----------------------------------------------------------------------------


@programme_page("cmk_evaluation.view_reports")
def report_list(request, programme):
    return render(
        request,
        "portals/cmk_evaluation/reports.html",
        _ctx(
            request,
            programme,
            reports=FunderReport.objects.filter(programme=programme),
            may_create=_may(request, "cmk_evaluation.create_reports", programme),
            default_year=min(max(clock.today().year, programme.years[0]), programme.years[-1]),
        ),
    )


@programme_page("cmk_evaluation.create_reports")
@require_POST
def report_create(request, programme):
    raw = request.POST.get("year", "")
    if not raw.isdigit() or int(raw) not in programme.years:
        messages.error(request, _("Kies een jaar van het programma."))
        return redirect("portals:cmk_eval_reports", programme.pk)
    report = reports.create_report(programme, int(raw), actor=request.user)
    messages.success(request, _("De verantwoording is vastgelegd."))
    return redirect("portals:cmk_eval_report", report.pk)


@report_page("cmk_evaluation.view_reports")
def report_detail(request, report):
    return render(
        request,
        "portals/cmk_evaluation/report.html",
        _ctx(
            request,
            report.programme,
            report=report,
            f=report.figures,
            intact=reports.verify(report),
        ),
    )


@report_page("cmk_evaluation.view_reports")
def report_xlsx(request, report):
    response = HttpResponse(exports.workbook(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="verantwoording-{report.year}.xlsx"'
    return response


@report_page("cmk_evaluation.view_reports")
def report_pdf(request, report):
    response = HttpResponse(exports.pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="verantwoording-{report.year}.pdf"'
    return response


# --- money meets monitoring ------------------------------------------------------------------


@programme_page("cmk_evaluation.view_money")
def money_page(request, programme):
    return render(
        request,
        "portals/cmk_evaluation/money.html",
        _ctx(request, programme, rows=money.overview(programme)),
    )


# --- the school contact ----------------------------------------------------------------------


@participation_page("cmk_evaluation.respond")
def respond(request, participation, questionnaire_id: int):
    """The school's questionnaire: drafts autosave (static/ck/js/cmk-questionnaire.js posts
    to the API); without JavaScript the buttons save the draft or submit."""
    q = get_object_or_404(
        Questionnaire, pk=questionnaire_id, programme_id=participation.programme_id
    )
    response = Response.objects.filter(questionnaire=q, participation=participation).first()
    errors = {}
    if request.method == "POST":
        answers = {x.code: request.POST.get(f"q_{x.code}", "") for x in q.questions.all()}
        answers = {k: int(v) if v.isdigit() else v for k, v in answers.items() if v != ""}
        submit = request.POST.get("action") == "submit"
        try:
            response = questionnaires.save_response(
                q,
                participation,
                answers,
                respondent_roles=request.POST.getlist("roles"),
                submit=submit,
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            errors = {e.get("field"): e.get("message") for e in exc.errors}
            response = response or Response(
                answers=answers, respondent_roles=request.POST.getlist("roles")
            )
            response.answers = answers
        else:
            if submit:
                messages.success(request, _("Dank u wel! De vragenlijst is ingediend."))
                return redirect("portals:cmk_eval_results", participation.pk)
            messages.success(request, _("Uw antwoorden zijn bewaard."))
            return redirect("portals:cmk_eval_respond", participation.pk, q.pk)
    today = clock.today()
    questions = list(q.questions.all())
    answers = response.answers if response else {}
    for x in questions:
        x.current = answers.get(x.code)
        x.levels = list(range(1, x.scale + 1))
        x.error = errors.get(f"answers.{x.code}")
    return render(
        request,
        "portals/cmk_evaluation/respond.html",
        {
            "participation": participation,
            "q": q,
            "questions": questions,
            "response": response,
            "submitted": bool(response and response.status == ResponseStatus.SUBMITTED),
            "open": q.opens_on <= today <= q.closes_on,
            "roles": [
                {
                    "code": code,
                    "label": label,
                    "checked": code in (response.respondent_roles if response else []),
                }
                for code, label in RESPONDENT_ROLES.items()
            ],
            "roles_error": errors.get("respondent_roles"),
        },
    )


@participation_page("cmk_evaluation.view_results")
def results(request, participation):
    trend = analysis.school_trend(participation)
    done = set(
        Response.objects.filter(
            participation=participation, status=ResponseStatus.SUBMITTED
        ).values_list("questionnaire_id", flat=True)
    )
    today = clock.today()
    open_questionnaires = [
        q
        for q in Questionnaire.objects.filter(
            programme_id=participation.programme_id,
            opens_on__lte=today,
            closes_on__gte=today,
            next_version__isnull=True,
        )
        if q.pk not in done
    ]
    return render(
        request,
        "portals/cmk_evaluation/results.html",
        {
            "participation": participation,
            "trend": trend,
            "open_questionnaires": open_questionnaires,
            "may_respond": access.may(
                request.user, "cmk_evaluation.respond", participation.programme, participation
            ),
        },
    )
