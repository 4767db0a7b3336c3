"""Back office: the scheduled jobs, their schedule and last runs, and "run now" (docs/jobs.md).

"Run now" goes through the same path as the schedule: the Celery task `cultuurkaart.run_job`
via `core.dispatch` (a worker in production, in this process in the embedded default), so
the lock and the JobRun record apply."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cultuurkaart.core import jobs
from cultuurkaart.core.dispatch import dispatch, uses_broker
from cultuurkaart.core.errors import DomainError
from cultuurkaart.core.models import JobRun, JobStatus, JobTrigger
from cultuurkaart.core.tasks import run_job

from .access import backoffice_page
from .forms_jobs import JobRunForm

RECENT = 25
DAYS = {
    "mon": "ma",
    "tue": "di",
    "wed": "wo",
    "thu": "do",
    "fri": "vr",
    "sat": "za",
    "sun": "zo",
}


def schedules() -> dict[str, object]:
    """Job name → its crontab in the beat schedule (conf/celery.py)."""
    from cultuurkaart.conf.celery import app

    found = {}
    for entry in app.conf.beat_schedule.values():
        if entry.get("task") == "cultuurkaart.run_job" and entry.get("args"):
            found[entry["args"][0]] = entry["schedule"]
    return found


def describe_schedule(schedule) -> str:
    """A crontab in Dutch words ("dagelijks om 00:05"); times are Europe/Amsterdam."""
    if schedule is None:
        return _("alleen op verzoek")
    minute = getattr(schedule, "_orig_minute", "*")
    hour = getattr(schedule, "_orig_hour", "*")
    dow = str(getattr(schedule, "_orig_day_of_week", "*"))
    dom = str(getattr(schedule, "_orig_day_of_month", "*"))
    month = str(getattr(schedule, "_orig_month_of_year", "*"))
    if not (str(minute).isdigit() and str(hour).isdigit()):
        return str(schedule)
    time = f"{int(hour):02d}:{int(minute):02d}"
    if dom == "*" and month == "*" and dow == "*":
        return _("dagelijks om %(time)s") % {"time": time}
    if dom == "*" and month == "*":
        days = dow
        for english, dutch in DAYS.items():
            days = days.replace(english, dutch)
        return _("%(days)s om %(time)s") % {"days": days, "time": time}
    if dow == "*" and dom.isdigit() and month.isdigit():
        return _("jaarlijks op %(day)s-%(month)s om %(time)s") % {
            "day": dom,
            "month": month,
            "time": time,
        }
    if dow == "*" and dom.isdigit() and month == "*":
        return _("maandelijks op dag %(day)s om %(time)s") % {"day": dom, "time": time}
    return str(schedule)


def _known(name: str) -> str:
    if name not in jobs.names():
        raise Http404
    return name


@backoffice_page("core.run_jobs")
def job_list(request):
    planned = schedules()
    names = jobs.names()
    recent: dict[str, list[JobRun]] = {name: [] for name in names}
    # The last few runs of every job in one query (a window would do it per job; the
    # registry holds a dozen jobs, so the newest rows overall are enough for most, and a
    # job without a row there gets its own small query).
    for row in JobRun.objects.filter(name__in=names).order_by("-started_at", "-id")[:500]:
        if len(recent[row.name]) < 5:
            recent[row.name].append(row)
    rows = []
    for name in names:
        runs = recent[name] or list(JobRun.objects.filter(name=name)[:5])
        rows.append(
            {
                "name": name,
                "schedule": describe_schedule(planned.get(name)),
                "last": runs[0] if runs else None,
                "failures": sum(1 for r in runs if r.status == JobStatus.FAILED),
                "last_failure": next((r for r in runs if r.status == JobStatus.FAILED), None),
            }
        )
    return render(request, "portals/backoffice/jobs.html", {"rows": rows})


@backoffice_page("core.run_jobs")
def job_detail(request, name: str):
    name = _known(name)
    return render(
        request,
        "portals/backoffice/job_detail.html",
        {
            "name": name,
            "schedule": describe_schedule(schedules().get(name)),
            "runs": JobRun.objects.filter(name=name).select_related("actor")[:RECENT],
        },
    )


@backoffice_page("core.run_jobs")
def job_run(request, name: str):
    """GET: the confirmation; POST with the box ticked: run it through the task."""
    name = _known(name)
    form = JobRunForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        last_pk = JobRun.objects.filter(name=name).order_by("-pk").values_list("pk", flat=True)
        last_pk = last_pk.first() or 0
        try:
            dispatch(run_job, name, form.cleaned_data["params"], JobTrigger.ADMIN, request.user.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portals:backoffice_job", name=name)
        if uses_broker():
            messages.success(
                request, _("De taak is gestart. Het resultaat staat hieronder zodra hij klaar is.")
            )
        else:
            done = JobRun.objects.filter(name=name, pk__gt=last_pk).order_by("-pk").first()
            if done is not None and done.status == JobStatus.SKIPPED:
                messages.warning(request, _("De taak loopt al; deze keer is overgeslagen."))
            elif done is not None and done.status == JobStatus.FAILED:
                messages.error(request, _("De taak is mislukt; zie de laatste runs."))
            else:
                messages.success(request, _("De taak is uitgevoerd."))
        return redirect("portals:backoffice_job", name=name)
    return render(
        request,
        "portals/backoffice/job_run.html",
        {"name": name, "form": form, "schedule": describe_schedule(schedules().get(name))},
        status=422 if form.errors else 200,
    )
