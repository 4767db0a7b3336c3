"""Who may do what in the teaching part of the dossier (SPEC §11, issue 12 points 4-6).

Teachers (the `teacher` and Docent+ roles at the school, the dossier teachers) work with their classes: assignments, feedback,
release, extensions, the class overview, a student's growth page and reflection
conversations, the lesson-material library. Private notes are a separate row so the table
says plainly who reads them. A student submits work for assignments of their own school
(the assignment must also be theirs: another student's is 404). Providers publish lesson
material for all schools and never see student data. The platform admin has no row: the
dossier holds minors' personal data (SPEC §1). Every route also answers 404 where the
dossier is not enabled (`dossier.services.access.require_enabled`)."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import provider_action, register, school_action

TEACHERS = {RoleName.TEACHER, RoleName.DOCENT_PLUS}  # the dossier teachers (as dossier.permissions)
STUDENT, PROVIDER = RoleName.STUDENT, RoleName.PROVIDER

ACTIONS = register(
    school_action(
        "teaching.teach",
        TEACHERS,
        description=(
            "Classes from the roster, assignments (create, follow, feedback, release, "
            "extensions), the class overview and its CSV, a student's growth page and "
            "reflection conversations."
        ),
    ),
    school_action(
        "teaching.materials",
        TEACHERS,
        description="The lesson-material library: add, share, reuse (copy with provenance).",
    ),
    school_action(
        "teaching.notes",
        TEACHERS,
        description=(
            "Private notes about a student: only the student's dossier teachers at the "
            "current school; never the student, exports, transfers or e-mails."
        ),
    ),
    school_action(
        "teaching.submit",
        {STUDENT},
        description="A student works on and submits their own assignments of the school.",
    ),
    provider_action(
        "teaching.publish_material",
        {PROVIDER},
        description="A provider publishes lesson material for all schools (no student data).",
    ),
)
