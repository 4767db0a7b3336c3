"""Year-end pages (SPEC §14, docs/yearend.md): a school's own statement; the back office's
overview per programme (totals, per school, Excel), the settlement and the redistribution
each behind a confirmation step. The back office runs them through the jobs themselves
(`core.jobs.run`), so page, API and schedule share one code path."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock, jobs
from cultuurkaart.core.errors import DomainError
from cultuurkaart.schools.constants import SchoolKind
from cultuurkaart.schools.models import Programme
from cultuurkaart.yearend import exports, services
from cultuurkaart.yearend.models import Redistribution, YearEnd

from .access import backoffice_page, school_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


# --- school -----------------------------------------------------------------------------


@school_page("yearend.view_statement")
def school_statement(request, school, code: str):
    programme = get_object_or_404(Programme, code=code)
    statement = services.statement_for(school, programme)
    if statement is None:
        raise Http404
    return render(
        request,
        "portals/yearend/school_statement.html",
        {"school": school, "programme": programme, "statement": statement},
    )


# --- back office: settlement ---------------------------------------------------------------


@backoffice_page("yearend.manage")
def overview(request):
    programmes = list(
        Programme.objects.select_related("year_end", "redistribution").order_by(
            "-spend_until", "code"
        )
    )
    now = clock.now()
    for programme in programmes:
        programme.window_end = services.window_end(programme)
        programme.due = now >= programme.window_end
        programme.closed = getattr(programme, "year_end", None)
    return render(request, "portals/yearend/overview.html", {"programmes": programmes})


def _programme(code: str) -> Programme:
    return get_object_or_404(Programme, code=code)


@backoffice_page("yearend.manage")
def close(request, code: str):
    """GET: the statement (closed) or the confirmation step with what would be booked now.
    POST: run `close-year` for this programme (the job itself)."""
    programme = _programme(code)
    if request.method == "POST":
        try:
            result = jobs.run("close-year", {"programme": programme.code})
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            audit.record(
                "yearend.close_requested",
                actor=request.user,
                obj=programme,
                data={"schools": len(result["schools"])},
            )
            messages.success(
                request, _("Het jaar van %(name)s is afgesloten.") % {"name": programme.name}
            )
        return redirect("portals:backoffice_yearend_close", code=programme.code)
    year_end = YearEnd.objects.filter(programme=programme).first()
    context = {"programme": programme, "year_end": year_end}
    if year_end is None:
        context.update(
            {
                "preview": services.close_preview(programme),
                "due": clock.now() >= services.window_end(programme),
                "window_end": services.window_end(programme),
            }
        )
    else:
        statements = year_end.statements.select_related("school").order_by("school__name", "id")
        context["page"] = Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portals/yearend/close.html", context)


@backoffice_page("yearend.manage")
def close_export(request, code: str):
    year_end = get_object_or_404(YearEnd, programme__code=code)
    response = HttpResponse(exports.statements(year_end), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="jaarafsluiting-{code}.xlsx"'
    return response


# --- back office: redistribution ----------------------------------------------------------


@backoffice_page("yearend.manage")
def redistribution(request, code: str):
    """GET: the report (done) or the confirmation step (the pool, Σ counts, per student
    now) with the choice of the next programme. POST: run `redistribute-ocw`."""
    programme = _programme(code)
    if programme.kind != SchoolKind.VO:
        raise Http404
    if request.method == "POST":
        try:
            result = jobs.run(
                "redistribute-ocw",
                {
                    "programme": programme.code,
                    "next_programme": (request.POST.get("next_programme") or "")[:40],
                },
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            audit.record(
                "yearend.redistribution_requested", actor=request.user, obj=programme, data=result
            )
            messages.success(request, _("Het OCW-geld is herverdeeld."))
        return redirect("portals:backoffice_yearend_redistribution", code=programme.code)
    run = (
        Redistribution.objects.filter(programme=programme).select_related("next_programme").first()
    )
    context = {"programme": programme, "run": run}
    if run is None:
        context.update(
            {
                "preview": services.redistribution_preview(programme),
                "next_programmes": services.open_programmes_for(programme),
                "due": clock.now() >= services.window_end(programme),
                "window_end": services.window_end(programme),
            }
        )
    else:
        shares = run.shares.select_related("school").order_by("school__name", "id")
        context["page"] = Paginator(shares, PAGE_SIZE).get_page(request.GET.get("page"))
        context["schools"] = run.shares.filter(amount__gt=0).count()
        context["counted"] = run.shares.aggregate(n=Sum("count"))["n"] or 0
    return render(request, "portals/yearend/redistribution.html", context)


@backoffice_page("yearend.manage")
def redistribution_export(request, code: str):
    run = get_object_or_404(Redistribution, programme__code=code)
    response = HttpResponse(exports.shares(run), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="herverdeling-ocw-{code}.xlsx"'
    return response
