"""Read-side questions other apps ask about rosters."""

from __future__ import annotations

import datetime as dt
import importlib

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower

from .constants import PersonStatus, RosterKind
from .models import Person, RosterJob, RosterUpload

# Filter parameters shared by the list page, the API and the invitation view.
FILTER_PARAMS = ("first_name", "last_name", "email", "mobile", "year", "group", "status", "q")
TEXT_FILTERS = ("first_name", "last_name", "email", "mobile", "group", "location")
SORTABLE = ("first_name", "last_name", "email", "mobile", "location", "year", "group", "status")


def roster_size(school, kind: str = RosterKind.STUDENTS) -> int:
    """The "uploaded" count of the order overview: the current roster size (SPEC §3)."""
    return Person.objects.filter(school=school, kind=kind).count()


def last_full_upload_at(school, kind: str = RosterKind.STUDENTS) -> dt.datetime | None:
    upload = RosterUpload.objects.filter(school=school, kind=kind).order_by("-uploaded_at").first()
    return upload.uploaded_at if upload else None


def _values(params, name: str) -> list[str]:
    """All values of a parameter from a QueryDict, a dict of lists or a dict of scalars."""
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        value = params.get(name)
        if value is None:
            values = []
        elif isinstance(value, list | tuple | set):
            values = list(value)
        else:
            values = [value]
    return [str(v).strip() for v in values if v is not None and str(v).strip() != ""]


def filter_people(school, kind: str, params) -> QuerySet:
    """People of `school`'s `kind` list matching the list filters (SPEC §3, API.md):
    `first_name`, `last_name`, `email`, `mobile`, `group` (and `location`): contains,
    case-insensitive; `year`: exact (a value that is not 1–6 matches nobody);
    `status`: repeatable, any of the given statuses; `q`: any of name, e-mail, mobile,
    group or location contains it. Empty parameters are ignored. `params` is a QueryDict
    or a dict (values may be lists)."""
    qs = Person.objects.filter(school=school, kind=kind)
    for name in TEXT_FILTERS:
        values = _values(params, name)
        if values:
            qs = qs.filter(**{f"{name}__icontains": values[0]})
    years = _values(params, "year")
    if years:
        try:
            qs = qs.filter(year=int(years[0]))
        except ValueError:
            qs = qs.none()
    statuses = [s for s in _values(params, "status") if s in PersonStatus.values]
    if _values(params, "status") and not statuses:
        qs = qs.none()
    elif statuses and len(statuses) < len(PersonStatus.values):
        qs = qs.filter(status__in=statuses)
    for term in _values(params, "q")[:1]:
        for word in term.split()[:5]:
            qs = qs.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(mobile__icontains=word)
                | Q(group__icontains=word)
                | Q(location__icontains=word)
            )
    return qs


def sorted_people(qs: QuerySet, sort: str | None) -> tuple[QuerySet, str]:
    """Order by one of `SORTABLE` ("-name" descending), case-insensitively; default last
    name, first name."""
    sort = (sort or "").strip()
    field = sort.lstrip("-")
    if field not in SORTABLE:
        return qs.order_by(Lower("last_name"), Lower("first_name"), "id"), "last_name"
    descending = sort.startswith("-")

    def key(name: str):
        expr = F(name) if name in ("year",) else Lower(name)
        return expr.desc() if descending else expr.asc()

    tiebreak = (
        [key("last_name"), key("first_name")] if field != "last_name" else [key("first_name")]
    )
    return qs.order_by(key(field), *tiebreak, "-id" if descending else "id"), sort


EXPORT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "mobile",
    "location",
    "year",
    "group",
    "teacher_type",
    "status",
)


def current_codes(person_ids: list[int]) -> dict[int, str] | None:
    """Current unused activation codes by person id, from the memberships app; None
    while that app does not provide them yet."""
    try:
        module = importlib.import_module("cultuurkaart.memberships.queries")
    except ImportError:
        return None
    func = getattr(module, "current_codes", None)
    if func is None:
        return None
    return func(person_ids)


def recent_jobs(school, kind: str):
    return RosterJob.objects.filter(school=school, kind=kind).defer("data")
