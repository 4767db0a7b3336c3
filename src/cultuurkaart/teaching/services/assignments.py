"""Assignments, the student's work, submissions, feedback, release and extensions (SPEC §11,
issue 12 point 4; docs/teaching.md).

Rules:
- An assignment is for classes (roster groups with the dossier on) and/or single students of
  the school; the recipients are resolved when read.
- Dates: `opens_at` ≤ `due_at` ≤ `cutoff_at` (no cut-off: work is accepted at any time).
  A student's latest extension replaces both dates for that student.
- Submitting after the (effective) due date is allowed and flagged `late`; after the cut-off
  it is refused with 409 `assignment-closed`; before opening with 409 `assignment-not-open`.
- A submission is an immutable snapshot: the text and copies of the media (each with its
  sha256); the student keeps working on the draft. Each submit is a new attempt.
- Feedback is the teacher's working copy until released; a student sees only the released
  copy (`Feedback.released_*`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import Conflict, NotFound, ValidationFailed
from cultuurkaart.dossier.services import access

from ..constants import (
    COMPETENCY_CODES,
    MAX_RUBRIC_CRITERIA,
    MAX_RUBRIC_LEVELS,
    MAX_TARGETS,
    MAX_TEXT,
    WorkState,
)
from ..models import (
    Assignment,
    AssignmentTarget,
    ClassGroup,
    Extension,
    Feedback,
    LessonMaterial,
    Submission,
    SubmissionFile,
    Work,
)
from . import classes as class_service
from . import materials as material_service
from .text import clean, plain


class AssignmentClosed(Conflict):
    type = "assignment-closed"
    title = "The assignment is closed"


class AssignmentNotOpen(Conflict):
    type = "assignment-not-open"
    title = "The assignment is not open yet"


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "code": code, "message": message}])


# --- creating -------------------------------------------------------------------------------


@dataclass
class AssignmentData:
    title: str
    instructions: str = ""
    class_ids: list[str] | None = None
    person_ids: list[int] | None = None
    group_ids: list[int] | None = None
    opens_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    cutoff_at: dt.datetime | None = None
    text: bool = True
    files: int = 0
    word_limit: int | None = None
    competencies: list[str] | None = None
    rubric: dict | None = None
    material_ids: list[int] | None = None


def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.AMSTERDAM)
    if not clock.is_sane_date(value.date()):
        raise _invalid(field, "invalid", _("Deze datum kan niet kloppen."))
    return value


def _rubric(rubric: dict | None) -> dict | None:
    if not rubric:
        return None
    criteria = rubric.get("criteria") if isinstance(rubric, dict) else None
    if not isinstance(criteria, list) or not criteria:
        raise _invalid("rubric", "invalid", _("Een rubric heeft minstens één criterium."))
    if len(criteria) > MAX_RUBRIC_CRITERIA:
        raise _invalid("rubric", "too-many", _("Een rubric heeft hoogstens 12 criteria."))
    out, names = [], set()
    for row in criteria:
        name = plain(str((row or {}).get("name", "")))[:100]
        levels = [plain(str(level))[:100] for level in (row or {}).get("levels") or []]
        levels = [level for level in levels if level]
        if not name or not 2 <= len(levels) <= MAX_RUBRIC_LEVELS or name in names:
            raise _invalid(
                "rubric",
                "invalid",
                _("Elk criterium heeft een eigen naam en 2 tot 8 niveaus."),
            )
        if len(set(levels)) != len(levels):
            raise _invalid("rubric", "invalid", _("De niveaus van een criterium verschillen."))
        names.add(name)
        out.append({"name": name, "levels": levels})
    return {"criteria": out}


def _competencies(codes) -> list[str]:
    codes = list(dict.fromkeys(codes or []))
    unknown = [c for c in codes if c not in COMPETENCY_CODES]
    if unknown:
        raise _invalid("competencies", "unknown", _("Onbekende competentie."))
    return codes


def create_assignment(school, data: AssignmentData, *, actor) -> Assignment:
    access.require_enabled(school)
    title = plain(data.title)[:200]
    if not title:
        raise _invalid("title", "required", _("Geef de opdracht een titel."))
    now = clock.now()
    opens_at = _aware(data.opens_at, "opens_at") or now
    due_at = _aware(data.due_at, "due_at")
    cutoff_at = _aware(data.cutoff_at, "cutoff_at")
    if due_at is None:
        raise _invalid("due_at", "required", _("Geef een inleverdatum."))
    if due_at < opens_at:
        raise _invalid("due_at", "before-open", _("De inleverdatum ligt vóór de startdatum."))
    if cutoff_at is not None and cutoff_at < due_at:
        raise _invalid("cutoff_at", "before-due", _("De uiterste datum ligt vóór de inleverdatum."))
    if not data.text and not data.files:
        raise _invalid(
            "submission", "nothing", _("Kies tekst, bestanden of allebei als inleverwijze.")
        )
    if not 0 <= data.files <= 10:
        raise _invalid("submission", "files", _("Hoogstens 10 bestanden."))
    if data.word_limit is not None and data.word_limit < 1:
        raise _invalid("submission", "word_limit", _("Een woordlimiet is minstens 1."))
    class_ids = list(dict.fromkeys(data.class_ids or []))
    person_ids = list(dict.fromkeys(data.person_ids or []))
    group_ids = list(dict.fromkeys(data.group_ids or []))
    if len(class_ids) + len(person_ids) + len(group_ids) > MAX_TARGETS:
        raise _invalid("class_ids", "too-many", _("Te veel klassen en leerlingen."))
    known = {row["id"]: row["name"] for row in class_service.classes(school)}
    groups = []
    for cid in class_ids:
        if cid not in known:
            raise _invalid("class_ids", "unknown", _("Deze klas bestaat niet op deze school."))
        groups.append(known[cid])
    people = list(class_service.students(school, person_ids=person_ids))
    if len(people) != len(person_ids) or not all(
        class_service.is_dossier_student(p) for p in people
    ):
        raise _invalid(
            "person_ids", "unknown", _("Niet elke leerling staat op de lijst van deze school.")
        )
    class_groups = list(
        ClassGroup.objects.filter(pk__in=group_ids, school=school, group__in=list(known.values()))
    )
    if len(class_groups) != len(group_ids):
        raise _invalid("group_ids", "unknown", _("Deze groep bestaat niet op deze school."))
    if not groups and not people and not class_groups:
        raise _invalid(
            "class_ids",
            "required",
            _("Kies minstens één klas, groep of leerling voor de opdracht."),
        )
    materials = (
        [material_service.visible(school, actor).get(pk=pk) for pk in (data.material_ids or [])]
        if data.material_ids
        else []
    )
    with transaction.atomic():
        assignment = Assignment.objects.create(
            school=school,
            created_by=actor,
            title=title,
            instructions=clean(data.instructions),
            opens_at=opens_at,
            due_at=due_at,
            cutoff_at=cutoff_at,
            accepts_text=bool(data.text),
            max_files=data.files,
            word_limit=data.word_limit,
            competencies=_competencies(data.competencies),
            rubric=_rubric(data.rubric),
            created_at=now,
        )
        AssignmentTarget.objects.bulk_create(
            [AssignmentTarget(assignment=assignment, group=g) for g in groups]
            + [AssignmentTarget(assignment=assignment, person=p) for p in people]
            + [AssignmentTarget(assignment=assignment, class_group=g) for g in class_groups]
        )
        if materials:
            assignment.materials.set(materials)
        audit.record(
            "teaching.assignment.created",
            actor=actor,
            obj=assignment,
            school_id=school.pk,
            data={"classes": len(groups), "students": len(people), "groups": len(class_groups)},
        )
    return assignment


def material_choices(school, user):
    return material_service.visible(school, user)


# --- who gets it ----------------------------------------------------------------------------


def recipients(assignment):
    """The roster entries (students) the assignment is for, now."""
    targets = list(assignment.targets.values_list("group", "person_id", "class_group_id"))
    return class_service.students(
        assignment.school,
        groups=[g for g, _p, _c in targets if g],
        person_ids=[p for _g, p, _c in targets if p],
        class_group_ids=[c for _g, _p, c in targets if c],
    )


def _for_person_q(person) -> Q:
    """The assignments this roster entry gets: for their class, for a named group they are
    in while in its class, for them by name; and any they already submitted to (a student
    taken out of a group keeps their submission and its feedback)."""
    return (
        Q(targets__person=person)
        | Q(targets__group=person.group, targets__group__gt="")
        | Q(
            targets__class_group__group=person.group,
            targets__class_group__members__person=person,
        )
        | Q(submissions__person=person)
    )


def assignment_for_student(assignment_id: int, user) -> tuple[Assignment, object]:
    """(assignment, the student's roster entry) when the assignment is open to this student
    at a school where the dossier is on for them; else 404 (another student's assignment
    does not exist for them)."""
    assignment = Assignment.objects.select_related("school").filter(pk=assignment_id).first()
    if assignment is None or not access.enabled_for_member(user, assignment.school_id):
        raise NotFound("Not found")
    for person in class_service.persons_of(user, assignment.school_id):
        if Assignment.objects.filter(_for_person_q(person), pk=assignment.pk).exists():
            if assignment.opens_at > clock.now():
                raise NotFound("Not found")
            return assignment, person
    raise NotFound("Not found")


def student_assignments(user) -> list[dict]:
    """The member's assignments (open ones, at schools where the dossier is on for them),
    with their state: [{"assignment", "person", "state", "late", "due_at", "cutoff_at",
    "submission", "feedback"}], soonest due first. Feedback is the released copy only."""
    now = clock.now()
    rows = []
    for school_id in access.member_school_ids(user):
        for person in class_service.persons_of(user, school_id):
            found = (
                Assignment.objects.filter(_for_person_q(person), school_id=school_id)
                .filter(opens_at__lte=now)
                .distinct()
            )
            rows += [(a, person) for a in found]
    if not rows:
        return []
    ids = [a.pk for a, _p in rows]
    work_ids = set(
        Work.objects.filter(assignment_id__in=ids, student=user).values_list(
            "assignment_id", flat=True
        )
    )
    latest = {}
    for sub in (
        Submission.objects.filter(assignment_id__in=ids, student=user)
        .select_related("feedback")
        .order_by("assignment_id", "attempt")
    ):
        latest[sub.assignment_id] = sub
    extensions = _latest_extensions(ids, [p.pk for _a, p in rows])
    out, seen = [], set()
    for assignment, person in rows:
        if assignment.pk in seen:
            continue
        seen.add(assignment.pk)
        due, cutoff = effective_dates(assignment, extensions.get((assignment.pk, person.pk)))
        sub = latest.get(assignment.pk)
        feedback = released_feedback_of(sub)
        state = _state(assignment.pk in work_ids, sub, feedback)
        late = sub.late if sub is not None else now > due
        out.append(
            {
                "assignment": assignment,
                "person": person,
                "state": state,
                "late": late,
                "due_at": due,
                "cutoff_at": cutoff,
                "closed": cutoff is not None and now > cutoff,
                "submission": sub,
                "feedback": feedback,
            }
        )
    out.sort(key=lambda r: (r["due_at"], r["assignment"].pk))
    return out


def released_feedback_of(submission) -> dict | None:
    """The released feedback of a submission as the student may see it, else None."""
    if submission is None:
        return None
    try:
        fb = submission.feedback
    except Feedback.DoesNotExist:
        return None
    if fb.released_at is None:
        return None
    return {
        "comment": fb.released_comment,
        "grade": fb.released_grade,
        "rubric": dict(fb.released_rubric),
        "released_at": fb.released_at,
    }


def _state(has_work: bool, submission, feedback: dict | None) -> str:
    if submission is None:
        return WorkState.DRAFT if has_work else WorkState.NOT_STARTED
    if feedback is None:
        return WorkState.SUBMITTED
    if feedback["grade"] or feedback["rubric"]:
        return WorkState.GRADED
    return WorkState.RETURNED


# --- dates and extensions -------------------------------------------------------------------


def _latest_extensions(assignment_ids, person_ids) -> dict[tuple[int, int], Extension]:
    found = {}
    for ext in Extension.objects.filter(
        assignment_id__in=list(assignment_ids), person_id__in=list(person_ids)
    ).order_by("granted_at", "pk"):
        found[(ext.assignment_id, ext.person_id)] = ext
    return found


def effective_dates(assignment, extension=None) -> tuple[dt.datetime, dt.datetime | None]:
    """(due, cut-off) for one student: the latest extension's dates replace the
    assignment's; an extension without a cut-off keeps the assignment's cut-off but never
    before its own due date."""
    if extension is None:
        return assignment.due_at, assignment.cutoff_at
    cutoff = extension.cutoff_at
    if cutoff is None and assignment.cutoff_at is not None:
        cutoff = max(assignment.cutoff_at, extension.due_at)
    return extension.due_at, cutoff


def dates_for(assignment, person) -> tuple[dt.datetime, dt.datetime | None]:
    ext = _latest_extensions([assignment.pk], [person.pk]).get((assignment.pk, person.pk))
    return effective_dates(assignment, ext)


def grant_extension(
    assignment, person_ids, due_at, cutoff_at=None, reason="", *, actor
) -> list[Extension]:
    reason = plain(reason)[:500]
    if not reason:
        raise _invalid("reason", "required", _("Geef een reden voor het uitstel."))
    due_at = _aware(due_at, "due_at")
    cutoff_at = _aware(cutoff_at, "cutoff_at")
    if due_at is None:
        raise _invalid("due_at", "required", _("Geef een nieuwe inleverdatum."))
    if cutoff_at is not None and cutoff_at < due_at:
        raise _invalid("cutoff_at", "before-due", _("De uiterste datum ligt vóór de inleverdatum."))
    ids = list(dict.fromkeys(person_ids or []))
    if not ids:
        raise _invalid("person_ids", "required", _("Kies minstens één leerling."))
    people = list(recipients(assignment).filter(pk__in=ids))
    if len(people) != len(ids):
        raise _invalid("person_ids", "unknown", _("Niet elke leerling krijgt deze opdracht."))
    now = clock.now()
    with transaction.atomic():
        rows = Extension.objects.bulk_create(
            [
                Extension(
                    assignment=assignment,
                    person=p,
                    due_at=due_at,
                    cutoff_at=cutoff_at,
                    reason=reason,
                    granted_by=actor,
                    granted_at=now,
                )
                for p in people
            ]
        )
        audit.record(
            "teaching.extension.granted",
            actor=actor,
            obj=assignment,
            school_id=assignment.school_id,
            data={"students": len(people)},
        )
    return rows


# --- the student's work ---------------------------------------------------------------------


def _check_media(user, media_ids) -> list:
    """The member's own media with these ids, in this order (others: 422)."""
    from cultuurkaart.dossier.models import Media

    ids = list(dict.fromkeys(media_ids or []))
    found = {m.pk: m for m in Media.objects.filter(pk__in=ids, portfolio__owner=user)}
    if len(found) != len(ids):
        raise _invalid("media_ids", "unknown", _("Dit bestand staat niet in jouw dossier."))
    return [found[i] for i in ids]


def save_work(assignment, user, *, text: str = "", media_ids=None, actor) -> Work:
    """The student's draft (created or replaced); stays editable after submitting."""
    text = (text or "")[:MAX_TEXT]
    media = _check_media(user, media_ids)
    with transaction.atomic():
        work, _created = Work.objects.update_or_create(
            assignment=assignment,
            student=user,
            defaults={"text": text, "media_ids": [m.pk for m in media], "updated_at": clock.now()},
        )
    return work


def _words(text: str) -> int:
    return len(plain(text).split())


def submit(assignment, person, user, *, text=None, media_ids=None, actor) -> Submission:
    """Store an immutable snapshot of the work (the given text and media, or else the saved
    draft). Before opening 409 `assignment-not-open`; after the cut-off (extension
    included) 409 `assignment-closed`; late after the due date."""
    now = clock.now()
    if assignment.opens_at > now:
        raise AssignmentNotOpen(_("Deze opdracht is nog niet open."))
    due, cutoff = dates_for(assignment, person)
    if cutoff is not None and now > cutoff:
        raise AssignmentClosed(
            _("De uiterste inleverdatum van deze opdracht is voorbij; vraag je docent om uitstel.")
        )
    with transaction.atomic():
        # One attempt at a time per student: lock the draft row (created if missing).
        Work.objects.get_or_create(assignment=assignment, student=user)
        work = (
            Work.objects.select_for_update(of=("self",), no_key=True)
            .filter(assignment=assignment, student=user)
            .get()
        )
        if text is None and media_ids is None:
            text, media_ids = work.text, work.media_ids
        text = (text or "")[:MAX_TEXT]
        media = _check_media(user, media_ids)
        if text.strip() and not assignment.accepts_text:
            raise _invalid("text", "not-accepted", _("Bij deze opdracht lever je geen tekst in."))
        if len(media) > assignment.max_files:
            raise _invalid(
                "media_ids", "too-many", _("Je levert te veel bestanden in voor deze opdracht.")
            )
        if assignment.word_limit and _words(text) > assignment.word_limit:
            raise _invalid("text", "word-limit", _("Je tekst is langer dan de woordlimiet."))
        if not text.strip() and not media:
            raise _invalid("text", "empty", _("Er is nog niets om in te leveren."))
        attempt = (
            Submission.objects.filter(assignment=assignment, student=user).aggregate(
                n=Max("attempt")
            )["n"]
            or 0
        ) + 1
        submission = Submission.objects.create(
            assignment=assignment,
            student=user,
            person=person,
            attempt=attempt,
            text=text,
            text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            submitted_at=now,
            late=now > due,
        )
        for position, m in enumerate(media):
            _copy_media(submission, position, m)
        # the draft now holds what was submitted; the student keeps working on it
        Work.objects.filter(pk=work.pk).update(
            text=text, media_ids=[m.pk for m in media], updated_at=now
        )
        audit.record(
            "teaching.submission.created",
            actor=actor,
            obj=submission,
            school_id=assignment.school_id,
            data={"assignment": assignment.pk, "attempt": attempt, "files": len(media)},
        )
    return submission


def _copy_media(submission, position: int, media) -> SubmissionFile:
    with default_storage.open(media.file, "rb") as handle:
        content = handle.read()
    digest = hashlib.sha256(content).hexdigest()
    suffix = media.file.rsplit(".", 1)[-1][:8] if "." in media.file else "bin"
    row = SubmissionFile(
        submission=submission,
        position=position,
        name=f"{position + 1}.{suffix}",
        content_type=media.content_type,
        size=len(content),
        sha256=digest,
        source_media_id=media.pk,
    )
    row.file.save(
        f"{submission.pk}-{position}-{digest[:16]}.{suffix}", ContentFile(content), save=False
    )
    row.save()
    return row


def read_file(row: SubmissionFile) -> bytes:
    with row.file.open("rb") as handle:
        return handle.read()


def verify(submission) -> bool:
    """The snapshot is intact: the text and every file match their sha256."""
    if hashlib.sha256(submission.text.encode()).hexdigest() != submission.text_sha256:
        return False
    return all(hashlib.sha256(read_file(f)).hexdigest() == f.sha256 for f in submission.files.all())


# --- feedback and release -------------------------------------------------------------------


def give_feedback(submission, *, comment="", grade="", rubric=None, actor) -> Feedback:
    """The teacher's feedback (a working copy, invisible to the student until released)."""
    assignment = submission.assignment
    grade = plain(grade or "")[:20]
    comment = plain(comment or "")[:MAX_TEXT]
    chosen = {}
    criteria = {c["name"]: c["levels"] for c in (assignment.rubric or {}).get("criteria", [])}
    for name, level in (rubric or {}).items():
        if name not in criteria or level not in criteria[name]:
            raise _invalid("rubric", "unknown", _("Kies een niveau uit de rubric van de opdracht."))
        chosen[name] = level
    if not comment and not grade and not chosen:
        raise _invalid("comment", "required", _("Schrijf feedback, een cijfer of kies niveaus."))
    now = clock.now()
    with transaction.atomic():
        feedback, _created = Feedback.objects.update_or_create(
            submission=submission,
            defaults={
                "comment": comment,
                "grade": grade,
                "rubric": chosen,
                "given_by": actor,
                "updated_at": now,
            },
        )
        audit.record(
            "teaching.feedback.written",
            actor=actor,
            obj=submission,
            school_id=assignment.school_id,
            data={"assignment": assignment.pk, "graded": bool(grade or chosen)},
        )
    return feedback


def release(assignment, person_ids=None, *, actor) -> int:
    """Release the feedback of the assignment's submissions (of these students, or all):
    the student sees it from now on and gets an e-mail that names only the assignment.
    Returns how many students' feedback was released (unchanged feedback counts 0)."""
    qs = Feedback.objects.filter(submission__assignment=assignment).select_related(
        "submission", "submission__student"
    )
    if person_ids:
        qs = qs.filter(submission__person_id__in=list(person_ids))
    now = clock.now()
    released = []
    with transaction.atomic():
        for fb in qs.order_by("pk").select_for_update(of=("self",), no_key=True):
            if not fb.has_unreleased_changes:
                continue
            fb.released_comment = fb.comment
            fb.released_grade = fb.grade
            fb.released_rubric = dict(fb.rubric)
            fb.released_at = now
            fb.save(
                update_fields=[
                    "released_comment",
                    "released_grade",
                    "released_rubric",
                    "released_at",
                ]
            )
            released.append(fb)
        students = {fb.submission.student for fb in released}
        for student in students:
            mail.send(
                "teaching_feedback_released",
                [student.email],
                {"title": assignment.title, "assignment_id": assignment.pk},
                language=student.language or "nl",
            )
        audit.record(
            "teaching.feedback.released",
            actor=actor,
            obj=assignment,
            school_id=assignment.school_id,
            data={"feedback": len(released), "students": len(students)},
        )
    return len(students)


# --- the teacher's view of one assignment ---------------------------------------------------


def progress(assignment) -> list[dict]:
    """Per recipient: person, state (teacher's view: feedback given/released), latest
    submission, effective dates, late and missing flags. A fixed number of queries."""
    now = clock.now()
    people = list(recipients(assignment).order_by("group", "last_name", "first_name", "pk"))
    ids = [p.pk for p in people]
    extensions = _latest_extensions([assignment.pk], ids)
    users = class_service.users_of(ids)
    latest = {}
    for sub in (
        Submission.objects.filter(assignment=assignment)
        .select_related("feedback")
        .order_by("student_id", "attempt")
    ):
        latest[sub.student_id] = sub
    works = set(Work.objects.filter(assignment=assignment).values_list("student_id", flat=True))
    # A student no longer among the recipients (taken out of a group, moved class) who had
    # submitted keeps the submission: listed after the others, flagged `removed`.
    reached = {users.get(p.pk) for p in people}
    removed = []
    for sub in latest.values():
        if sub.student_id not in reached and sub.person_id is not None:
            removed.append(sub.person_id)
    if removed:
        from cultuurkaart.rosters.models import Person

        gone = list(
            Person.objects.filter(pk__in=removed, school_id=assignment.school_id).order_by(
                "group", "last_name", "first_name", "pk"
            )
        )
        extensions.update(_latest_extensions([assignment.pk], [p.pk for p in gone]))
        users.update(
            {p.pk: sub.student_id for p in gone for sub in latest.values() if sub.person_id == p.pk}
        )
        people += gone
    removed_ids = set(removed)
    rows = []
    for p in people:
        due, cutoff = effective_dates(assignment, extensions.get((assignment.pk, p.pk)))
        user_id = users.get(p.pk)
        sub = latest.get(user_id) if user_id else None
        fb = getattr(sub, "feedback", None) if sub is not None else None
        rows.append(
            {
                "person": p,
                "submission": sub,
                "feedback": fb,
                "due_at": due,
                "cutoff_at": cutoff,
                "extended": (assignment.pk, p.pk) in extensions,
                "late": sub.late if sub else now > due,
                "missing": sub is None and now > due,
                "state": _state(user_id in works, sub, released_feedback_of(sub)),
                "has_account": user_id is not None,
                "removed": p.pk in removed_ids,
            }
        )
    return rows


def assignments_of(school):
    return Assignment.objects.filter(school=school).order_by("-due_at", "-pk")


def materials_of(assignment) -> list[LessonMaterial]:
    return list(assignment.materials.all())
