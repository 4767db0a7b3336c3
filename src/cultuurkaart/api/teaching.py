"""The teaching part of the dossier (API.md "Dossier": classes, assignments, submissions,
feedback, release, extensions, private notes, class overview). Thin: parse, check scope,
call services. Every route answers 404 where the dossier is not enabled. Students reach
only their own assignments (another student's is 404) and only released feedback."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, Field, RootModel

from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.ids import parse_id
from cultuurkaart.dossier.services import access
from cultuurkaart.teaching.constants import MAX_TARGETS, MAX_TEXT
from cultuurkaart.teaching.models import Assignment, Submission
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services import classes, groups, growth, notes

from .base import DateTime, Id, Out, Page, errors, paged, paginate, path_id
from .permissions import check_school, school_for

router = Router(tags=["dossier"])

Competency = Literal["reflecteren", "onderzoeken", "creeren"]


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(clock.AMSTERDAM).isoformat() if moment else None


def _ids(values: list[str] | None, field: str) -> list[int]:
    out = []
    for value in values or []:
        pk = parse_id(value)
        if pk is None:
            raise ValidationFailed(
                "Ids are strings of digits.",
                errors=[{"field": field, "code": "invalid", "message": "An id (digits)."}],
            )
        out.append(pk)
    return out


class _Rows(list):
    """A list that `api.base.paginate` can count and slice like a queryset."""

    def count(self, *args):  # the queryset's count(); list.count(x) with an argument
        return len(self) if not args else super().count(*args)


def _paged(request, rows: list, serialize=lambda row: row) -> dict:
    return paginate(request, _Rows(rows), serialize)


def _teacher_school(request, school_id: str, action: str = "teaching.teach"):
    school = school_for(request, school_id, action=action)
    access.require_enabled(school)
    return school


def _assignment_as_teacher(request, assignment_id: str) -> Assignment:
    assignment = Assignment.objects.select_related("school").filter(pk=path_id(assignment_id))
    assignment = assignment.first()
    if assignment is None:
        raise Http404
    check_school(request, assignment.school_id, "teaching.teach")
    access.require_enabled(assignment.school)
    return assignment


# --- classes --------------------------------------------------------------------------------


class ClassOut(Out):
    id: str
    name: str
    students: int


@router.get(
    "/schools/{school_id}/dossier/classes",
    response={200: Page[ClassOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_classes(request, school_id: str):
    """The school's classes from the roster (students' groups) with the dossier on."""
    school = _teacher_school(request, school_id)
    return _paged(request, classes.classes(school))


# --- named groups within a class (added to API.md "Dossier") --------------------------------


class GroupIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    person_ids: list[str] = Field(default_factory=list, max_length=MAX_TARGETS)


class GroupPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    person_ids: list[str] | None = Field(default=None, max_length=MAX_TARGETS)


class GroupOut(Out):
    id: Id
    class_id: str
    name: str
    person_ids: list[str]


def serialize_group(row) -> dict[str, Any]:
    return {
        "id": str(row.pk),
        "class_id": classes.class_id(row.school_id, row.group),
        "name": row.name,
        "person_ids": [str(pk) for pk in groups.member_ids(row)],
    }


def _class_of(school, class_id: str) -> str:
    group = classes.group_of(school, class_id)
    if group is None:
        raise Http404
    return group


@router.get(
    "/schools/{school_id}/dossier/classes/{class_id}/groups",
    response={200: Page[GroupOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_groups(request, school_id: str, class_id: str):
    """The named groups of a class, by name, with their current members (roster ids)."""
    school = _teacher_school(request, school_id)
    group = _class_of(school, class_id)
    return _paged(request, groups.groups_of_class(school, group), serialize_group)


@router.post(
    "/schools/{school_id}/dossier/classes/{class_id}/groups",
    response={201: GroupOut, **errors(401, 403, 404, 413, 422)},
)
def create_group(request, school_id: str, class_id: str, payload: GroupIn):
    """A teacher makes a named group of students of the class (`person_ids`: roster ids of
    the class's students; a student may be in several groups). A name the class already
    has (case-insensitive) is 422 `validation-failed` with code `taken`."""
    school = _teacher_school(request, school_id)
    row = groups.create_group(
        school,
        class_id,
        payload.name,
        _ids(payload.person_ids, "person_ids"),
        actor=request.user,
    )
    return Status(201, serialize_group(row))


def _group(request, school_id: str, group_id: str):
    school = _teacher_school(request, school_id)
    return groups.group_for(school, path_id(group_id))


@router.get(
    "/schools/{school_id}/dossier/groups/{group_id}",
    response={200: GroupOut, **errors(401, 403, 404)},
)
def get_group(request, school_id: str, group_id: str):
    return serialize_group(_group(request, school_id, group_id))


@router.patch(
    "/schools/{school_id}/dossier/groups/{group_id}",
    response={200: GroupOut, **errors(401, 403, 404, 413, 422)},
)
def change_group(request, school_id: str, group_id: str, payload: GroupPatch):
    """Rename the group and/or replace its members (the whole list of roster ids).
    Assignments for the group reach new members at once; a member taken out keeps what
    they already submitted."""
    row = groups.update_group(
        _group(request, school_id, group_id),
        name=payload.name,
        person_ids=(
            _ids(payload.person_ids, "person_ids") if payload.person_ids is not None else None
        ),
        actor=request.user,
    )
    return serialize_group(row)


@router.delete(
    "/schools/{school_id}/dossier/groups/{group_id}",
    response={204: None, **errors(401, 403, 404)},
)
def delete_group(request, school_id: str, group_id: str):
    """Delete the group; assignments that named it keep reaching its members (as their own
    targets)."""
    groups.delete_group(_group(request, school_id, group_id), actor=request.user)
    return Status(204, None)


# --- assignments ----------------------------------------------------------------------------


class RubricCriterion(Schema):
    name: str = Field(min_length=1, max_length=100)
    levels: list[str] = Field(min_length=2, max_length=8)


class RubricIn(Schema):
    criteria: list[RubricCriterion] = Field(min_length=1, max_length=12)


class SubmissionRules(Schema):
    text: bool = True
    files: int = Field(default=0, ge=0, le=10)
    word_limit: int | None = Field(default=None, ge=1, le=100000)


class AssignmentIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    instructions: str = Field(max_length=MAX_TEXT)
    class_ids: list[str] | None = Field(default=None, max_length=MAX_TARGETS)
    person_ids: list[str] | None = Field(default=None, max_length=MAX_TARGETS)
    group_ids: list[str] | None = Field(default=None, max_length=MAX_TARGETS)
    opens_at: AwareDatetime | None = None
    due_at: AwareDatetime
    cutoff_at: AwareDatetime | None = None
    submission: SubmissionRules
    competencies: list[Competency] = Field(max_length=3)
    rubric: RubricIn | None = None
    material_ids: list[str] | None = Field(default=None, max_length=20)


class RubricOut(Out):
    criteria: list[dict[str, Any]]


class AssignmentOut(Out):
    id: Id
    school: Id
    title: str
    instructions: str
    class_ids: list[str]
    person_ids: list[str]
    group_ids: list[str]
    opens_at: DateTime
    due_at: DateTime
    cutoff_at: DateTime | None
    submission: dict[str, Any]
    competencies: list[str]
    rubric: RubricOut | None
    created_at: DateTime


def serialize_assignment(a: Assignment) -> dict[str, Any]:
    targets = list(a.targets.all())
    return {
        "id": str(a.pk),
        "school": str(a.school_id),
        "title": a.title,
        "instructions": a.instructions,
        "class_ids": [classes.class_id(a.school_id, t.group) for t in targets if t.group],
        "person_ids": [str(t.person_id) for t in targets if t.person_id],
        "group_ids": [str(t.class_group_id) for t in targets if t.class_group_id],
        "opens_at": _iso(a.opens_at),
        "due_at": _iso(a.due_at),
        "cutoff_at": _iso(a.cutoff_at),
        "submission": {"text": a.accepts_text, "files": a.max_files, "word_limit": a.word_limit},
        "competencies": list(a.competencies),
        "rubric": a.rubric,
        "created_at": _iso(a.created_at),
    }


@router.post(
    "/schools/{school_id}/assignments",
    response={201: AssignmentOut, **errors(401, 403, 404, 413, 422)},
)
def create_assignment(request, school_id: str, payload: AssignmentIn):
    """A teacher sets an assignment for classes (`class_ids` from `/dossier/classes`), named
    groups within them (`group_ids` from `/dossier/classes/{class_id}/groups`) and/or
    students (`person_ids`, roster ids). `opens_at` defaults to now; `due_at` ≥ `opens_at`;
    `cutoff_at` ≥ `due_at` (without one, work is accepted late at any time)."""
    school = _teacher_school(request, school_id)
    data = service.AssignmentData(
        title=payload.title,
        instructions=payload.instructions,
        class_ids=payload.class_ids,
        person_ids=_ids(payload.person_ids, "person_ids"),
        group_ids=_ids(payload.group_ids, "group_ids"),
        opens_at=payload.opens_at,
        due_at=payload.due_at,
        cutoff_at=payload.cutoff_at,
        text=payload.submission.text,
        files=payload.submission.files,
        word_limit=payload.submission.word_limit,
        competencies=list(payload.competencies),
        rubric=payload.rubric.model_dump() if payload.rubric else None,
        material_ids=_ids(payload.material_ids, "material_ids"),
    )
    assignment = service.create_assignment(school, data, actor=request.user)
    return Status(201, serialize_assignment(assignment))


@router.get(
    "/schools/{school_id}/assignments",
    response={200: Page[AssignmentOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_assignments(request, school_id: str):
    """The school's assignments, latest due date first."""
    school = _teacher_school(request, school_id)
    return paginate(
        request, service.assignments_of(school).prefetch_related("targets"), serialize_assignment
    )


class MyAssignmentOut(Out):
    id: Id
    title: str
    due_at: DateTime
    cutoff_at: DateTime | None
    state: Literal["not_started", "draft", "submitted", "returned", "graded"]
    late: bool
    closed: bool
    feedback: dict[str, Any] | None


class MyAssignmentList(RootModel[list[MyAssignmentOut]]):
    """A JSON array (API.md: `GET /me/assignments` → `[{...}]`), not a paged envelope: a
    student's own open assignments are few."""


@router.get("/me/assignments", response={200: MyAssignmentList, **errors(401)})
def my_assignments(request):
    """The student's own open assignments with their state; `late` is true for a late
    submission, or when the due date passed without one. `feedback` is the released
    feedback only (null until the teacher releases it)."""
    rows = service.student_assignments(request.user)
    return [
        {
            "id": str(r["assignment"].pk),
            "title": r["assignment"].title,
            "due_at": _iso(r["due_at"]),
            "cutoff_at": _iso(r["cutoff_at"]),
            "state": r["state"],
            "late": r["late"],
            "closed": r["closed"],
            "feedback": _feedback_out(r["feedback"]),
        }
        for r in rows
    ]


def _feedback_out(fb: dict | None) -> dict | None:
    if fb is None:
        return None
    return {**fb, "released_at": _iso(fb["released_at"])}


# --- submissions ----------------------------------------------------------------------------


class SubmissionIn(Schema):
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    media_ids: list[str] | None = Field(default=None, max_length=10)


class FileOut(Out):
    name: str
    content_type: str
    size: int
    sha256: str


class SubmissionOut(Out):
    id: Id
    attempt: int
    submitted_at: DateTime
    late: bool
    text_sha256: str
    files: list[FileOut]


def serialize_submission(s: Submission) -> dict[str, Any]:
    return {
        "id": str(s.pk),
        "attempt": s.attempt,
        "submitted_at": _iso(s.submitted_at),
        "late": s.late,
        "text_sha256": s.text_sha256,
        "files": [
            {"name": f.name, "content_type": f.content_type, "size": f.size, "sha256": f.sha256}
            for f in s.files.all()
        ],
    }


@router.post(
    "/assignments/{assignment_id}/submissions",
    response={201: SubmissionOut, **errors(401, 403, 404, 409, 413, 422)},
)
def submit(request, assignment_id: str, payload: SubmissionIn):
    """The student submits: an immutable snapshot of `text` and `media_ids` (their own
    dossier media), or, with neither, of their saved draft. After the cut-off (and no
    extension) 409 `assignment-closed`; `late` after the due date."""
    assignment = Assignment.objects.filter(pk=path_id(assignment_id)).first()
    if assignment is None:
        raise Http404
    check_school(request, assignment.school_id, "teaching.submit")
    assignment, person = service.assignment_for_student(assignment.pk, request.user)
    submission = service.submit(
        assignment,
        person,
        request.user,
        text=payload.text,
        media_ids=_ids(payload.media_ids, "media_ids") if payload.media_ids is not None else None,
        actor=request.user,
    )
    return Status(201, serialize_submission(submission))


class TeacherSubmissionOut(SubmissionOut):
    person_id: Id | None
    text: str
    feedback: dict[str, Any] | None


@router.get(
    "/assignments/{assignment_id}/submissions",
    response={200: Page[TeacherSubmissionOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_submissions(request, assignment_id: str):
    """A teacher: every attempt of every student, with the feedback (working copy and
    whether it is released)."""
    assignment = _assignment_as_teacher(request, assignment_id)
    rows = (
        Submission.objects.filter(assignment=assignment)
        .select_related("feedback")
        .prefetch_related("files")
        .order_by("person_id", "attempt")
    )
    out = []
    for s in rows:
        fb = getattr(s, "feedback", None)
        out.append(
            {
                **serialize_submission(s),
                "person_id": str(s.person_id) if s.person_id else None,
                "text": s.text,
                "feedback": None
                if fb is None
                else {
                    "comment": fb.comment,
                    "grade": fb.grade,
                    "rubric": fb.rubric,
                    "released_at": _iso(fb.released_at),
                    "unreleased_changes": fb.has_unreleased_changes,
                },
            }
        )
    return _paged(request, out)


class FeedbackIn(Schema):
    grade: str | None = Field(default=None, max_length=20)
    rubric: dict[str, str] | None = None
    comment: str = Field(max_length=MAX_TEXT)


class FeedbackOut(Out):
    submission: Id
    comment: str
    grade: str
    rubric: dict[str, str]
    released: bool


@router.post(
    "/submissions/{submission_id}/feedback",
    response={200: FeedbackOut, **errors(401, 403, 404, 413, 422)},
)
def feedback(request, submission_id: str, payload: FeedbackIn):
    """A teacher's feedback on a submission (rubric: criterion → one of its levels). The
    student sees nothing of it until `POST /assignments/{id}/release`."""
    submission = (
        Submission.objects.select_related("assignment__school")
        .filter(pk=path_id(submission_id))
        .first()
    )
    if submission is None:
        raise Http404
    check_school(request, submission.assignment.school_id, "teaching.teach")
    access.require_enabled(submission.assignment.school)
    fb = service.give_feedback(
        submission,
        comment=payload.comment,
        grade=payload.grade or "",
        rubric=payload.rubric,
        actor=request.user,
    )
    return {
        "submission": str(submission.pk),
        "comment": fb.comment,
        "grade": fb.grade,
        "rubric": fb.rubric,
        "released": not fb.has_unreleased_changes,
    }


class ReleaseIn(Schema):
    person_ids: list[str] | None = Field(default=None, max_length=MAX_TARGETS)


class ReleaseOut(Out):
    released: int


@router.post(
    "/assignments/{assignment_id}/release",
    response={200: ReleaseOut, **errors(401, 403, 404, 413, 422)},
)
def release(request, assignment_id: str, payload: ReleaseIn):
    """Release the feedback (of these students, or all): `released` students see it now and
    get an e-mail naming the assignment."""
    assignment = _assignment_as_teacher(request, assignment_id)
    count = service.release(
        assignment, _ids(payload.person_ids, "person_ids") or None, actor=request.user
    )
    return {"released": count}


class ExtensionIn(Schema):
    person_ids: list[str] = Field(min_length=1, max_length=MAX_TARGETS)
    due_at: AwareDatetime
    cutoff_at: AwareDatetime | None = None
    reason: str = Field(max_length=500)


class ExtensionOut(Out):
    person_ids: list[Id]
    due_at: DateTime
    cutoff_at: DateTime | None


@router.post(
    "/assignments/{assignment_id}/extensions",
    response={201: ExtensionOut, **errors(401, 403, 404, 413, 422)},
)
def extensions(request, assignment_id: str, payload: ExtensionIn):
    """New dates for students of the assignment (the latest extension counts)."""
    assignment = _assignment_as_teacher(request, assignment_id)
    rows = service.grant_extension(
        assignment,
        _ids(payload.person_ids, "person_ids"),
        payload.due_at,
        payload.cutoff_at,
        payload.reason,
        actor=request.user,
    )
    return Status(
        201,
        {
            "person_ids": [str(r.person_id) for r in rows],
            "due_at": _iso(rows[0].due_at),
            "cutoff_at": _iso(rows[0].cutoff_at),
        },
    )


# --- private notes --------------------------------------------------------------------------


class NoteIn(Schema):
    text: str = Field(min_length=1, max_length=notes.MAX_NOTE)


class NoteOut(Out):
    id: Id
    text: str
    author: str
    created_at: DateTime


def _note(n) -> dict:
    return {
        "id": str(n.pk),
        "text": n.text,
        "author": (n.author.name or n.author.email) if n.author else "",
        "created_at": _iso(n.created_at),
    }


@router.post(
    "/schools/{school_id}/students/{person_id}/notes",
    response={201: NoteOut, **errors(401, 403, 404, 413, 422)},
)
def add_note(request, school_id: str, person_id: str, payload: NoteIn):
    """A private note about a student: only the student's dossier teachers at this school
    read it; never the student, exports, transfers or e-mails."""
    school = _teacher_school(request, school_id, "teaching.notes")
    person = notes.student_at(school, path_id(person_id))
    note = notes.add_note(school, person, payload.text, actor=request.user)
    return Status(201, _note(note))


@router.get(
    "/schools/{school_id}/students/{person_id}/notes",
    response={200: Page[NoteOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_notes(request, school_id: str, person_id: str):
    """The private notes about a student at this school, newest first."""
    school = _teacher_school(request, school_id, "teaching.notes")
    person = notes.student_at(school, path_id(person_id))
    return paginate(request, notes.notes_for(school, person), _note)


# --- the class overview ---------------------------------------------------------------------


class OverviewRow(Out):
    person_id: Id
    first_name: str
    last_name: str
    reflecteren: int
    onderzoeken: int
    creeren: int
    open_learning_questions: int
    items: int
    last_activity: DateTime | None
    missing_assignments: int
    late_assignments: int


class OverviewQuery(Schema):
    class_id: str | None = Field(default=None, max_length=40, description="Required.")


@router.get(
    "/schools/{school_id}/dossier/overview",
    response={200: Page[OverviewRow], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def overview(request, school_id: str, query: Query[OverviewQuery]):
    """Per student of the class: items per competency (that the student shared with
    teachers), open learning questions, last activity, missing and late assignments."""
    school = _teacher_school(request, school_id)
    if not query.class_id:
        raise ValidationFailed(
            "Name the class.",
            errors=[{"field": "class_id", "code": "required", "message": "A class id."}],
        )
    group = classes.group_of(school, query.class_id)
    if group is None:
        raise Http404
    return _paged(
        request,
        growth.class_overview(school, group),
        lambda r: {
            "person_id": str(r["person"].pk),
            "first_name": r["person"].first_name,
            "last_name": r["person"].last_name,
            "reflecteren": r["reflecteren"],
            "onderzoeken": r["onderzoeken"],
            "creeren": r["creeren"],
            "open_learning_questions": r["open_questions"],
            "items": r["items"],
            "last_activity": _iso(r["last_activity"]),
            "missing_assignments": r["missing"],
            "late_assignments": r["late"],
        },
    )
