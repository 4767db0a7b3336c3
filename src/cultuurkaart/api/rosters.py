"""API endpoints of the rosters domain (API.md "Rosters"). Thin: parse, check scope, call services.

Who may: rosters/permissions.py (the budget holder manages both lists; Docent+ reads the
student list; the platform admin never sees roster personal data: 403 on every endpoint
here); codes in the export follow memberships.view_codes.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from cultuurkaart.rosters import constants as C
from cultuurkaart.rosters import permissions as roster_permissions
from cultuurkaart.rosters import queries, services, workbooks
from cultuurkaart.rosters.constants import RosterKind
from cultuurkaart.rosters.exceptions import ConfirmationRequired, InvalidRoster, UnreadableFile
from cultuurkaart.rosters.models import Person
from cultuurkaart.rosters.validation import validate_file

from .base import XLSX, Page, errors, file_download, paged, paginate, path_id
from .permissions import may, school_for
from .schemas import PersonOut, RosterReplaced, RosterValidation

router = Router(tags=["rosters"])


def _school(request, school_id: str, kind: str, *, manage: bool):
    if kind not in RosterKind.values:
        raise Http404
    action = "rosters.manage" if manage else roster_permissions.view_action(kind)
    return school_for(request, school_id, action=action)


def person_out(person: Person) -> dict:
    data = {
        "id": str(person.pk),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "mobile": person.mobile,
        "location": person.location,
        "year": person.year,
        "group": person.group,
        "status": person.status,
    }
    if person.kind == RosterKind.TEACHERS:
        data["type"] = person.teacher_type
    return data


def _read_upload(file: UploadedFile) -> bytes:
    if file.size is not None and file.size > C.MAX_FILE_BYTES:
        raise UnreadableFile(
            f"Het bestand is te groot (meer dan {C.MAX_FILE_BYTES // (1024 * 1024)} MB)."
        )
    data = file.read(C.MAX_FILE_BYTES + 1)
    return data


@router.get(
    "/schools/{school_id}/roster/{kind}/template",
    response={200: None, **errors(401, 403, 404)},
    openapi_extra=file_download(XLSX, "The upload template (.xlsx)."),
)
def template(request, school_id: str, kind: str):
    """The .xlsx upload template for this school's type (VO: leerjaar/klas, MBO: studiejaar/opleiding)."""
    school = _school(request, school_id, kind, manage=True)
    response = HttpResponse(workbooks.build_template(kind, school.kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{workbooks.template_filename(kind)}"'
    return response


@router.post(
    "/schools/{school_id}/roster/{kind}/validate",
    response={200: RosterValidation, **errors(401, 403, 404, 413, 422)},
)
def validate(request, school_id: str, kind: str, file: File[UploadedFile]):
    """Check a filled-in template: every error with its spreadsheet row and column."""
    school = _school(request, school_id, kind, manage=True)
    result = validate_file(_read_upload(file), kind, school_kind=school.kind)
    return result.as_api()


@router.put(
    "/schools/{school_id}/roster/{kind}",
    response={200: RosterReplaced, **errors(401, 403, 404, 409, 413, 422)},
)
def replace(
    request,
    school_id: str,
    kind: str,
    file: File[UploadedFile],
    confirm_complete: Form[bool] = False,
):
    """Replace the whole list (SPEC §3): removed / kept (status kept) / added."""
    school = _school(request, school_id, kind, manage=True)
    if not confirm_complete:
        raise ConfirmationRequired(
            "Confirm with confirm_complete=true that the file holds everyone entitled."
        )
    result = validate_file(_read_upload(file), kind, school_kind=school.kind)
    if not result.valid:
        raise InvalidRoster(
            f"The file has {result.error_count} error(s); nothing was changed.",
            errors=result.errors,
        )
    summary = services.replace_roster(
        school, kind, result.rows, actor=request.user, filename=file.name or ""
    )
    return {
        "added": summary["added"],
        "kept": summary["kept"],
        "removed": summary["removed"],
        "total": summary["total"],
        "removed_with_active_membership": [str(p["id"]) for p in summary["removed_active"]],
    }


class PersonIn(Schema):
    first_name: str
    last_name: str
    email: str | None = None
    mobile: str | None = None
    location: str | None = None
    year: int | None = None
    group: str | None = None
    type: str | None = None


class PersonPatch(Schema):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    mobile: str | None = None
    location: str | None = None
    year: int | None = None
    group: str | None = None
    type: str | None = None


@router.post(
    "/schools/{school_id}/roster/{kind}",
    response={201: PersonOut, **errors(401, 403, 404, 409, 413, 422)},
    exclude_unset=True,
)
def add(request, school_id: str, kind: str, payload: PersonIn):
    """Add one person by hand."""
    school = _school(request, school_id, kind, manage=True)
    person = services.add_person(school, kind, payload.dict(), actor=request.user)
    return Status(201, person_out(person))


@router.get(
    "/schools/{school_id}/roster/{kind}",
    response={200: Page[PersonOut], **errors(401, 403, 404, 422)},
    exclude_unset=True,
    openapi_extra=paged(),
)
def list_people(request, school_id: str, kind: str):
    """The list, filtered by `first_name`, `last_name`, `email`, `mobile`, `year`, `group`,
    `status` (repeatable), `q`; `sort` (a field, `-field` descending)."""
    school = _school(request, school_id, kind, manage=False)
    qs, _sort = queries.sorted_people(
        queries.filter_people(school, kind, request.GET), request.GET.get("sort")
    )
    return paginate(request, qs, person_out)


@router.get(
    "/schools/{school_id}/roster/{kind}/export.xlsx",
    response={200: None, **errors(401, 403, 404)},
    openapi_extra=file_download(XLSX, "The (filtered) list as Excel."),
)
def export(request, school_id: str, kind: str):
    """The (filtered) list as Excel, with activation codes for the budget holder."""
    school = _school(request, school_id, kind, manage=False)
    with_codes = may(request, "memberships.view_codes", school.pk)
    return export_response(school, kind, request.GET, with_codes=with_codes)


def export_response(school, kind: str, params, *, with_codes: bool) -> HttpResponse:
    qs, _sort = queries.sorted_people(
        queries.filter_people(school, kind, params), params.get("sort")
    )
    rows = list(qs.values_list(*queries.EXPORT_COLUMNS))
    codes = None
    if with_codes:
        codes = {}
        ids = [r[0] for r in rows]
        for start in range(0, len(ids), 5000):
            found = queries.current_codes(ids[start : start + 5000])
            if found is None:
                break
            codes.update(found)
    content = workbooks.export_people(rows, kind, school_kind=school.kind, codes=codes)
    name = "leerlingen.xlsx" if kind == RosterKind.STUDENTS else "docenten.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.patch(
    "/schools/{school_id}/roster/{kind}/{person_id}",
    response={200: PersonOut, **errors(401, 403, 404, 409, 413, 422)},
    exclude_unset=True,
)
def edit(request, school_id: str, kind: str, person_id: str, payload: PersonPatch):
    """Edit one person by hand (fields left out stay as they are)."""
    school = _school(request, school_id, kind, manage=True)
    person = get_object_or_404(Person, pk=path_id(person_id), school=school, kind=kind)
    person = services.update_person(person, payload.dict(exclude_unset=True), actor=request.user)
    return person_out(person)


@router.delete(
    "/schools/{school_id}/roster/{kind}/{person_id}",
    response={204: None, **errors(401, 403, 404, 409)},
)
def remove(request, school_id: str, kind: str, person_id: str):
    """Remove one person by hand; an active membership stays, unused codes are revoked."""
    school = _school(request, school_id, kind, manage=True)
    person = get_object_or_404(Person, pk=path_id(person_id), school=school, kind=kind)
    services.remove_person(person, actor=request.user)
    return Status(204, None)
