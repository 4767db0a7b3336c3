from django.db import models
from django.utils.translation import gettext_lazy as _


class RosterKind(models.TextChoices):
    STUDENTS = "students", _("Studenten")
    TEACHERS = "teachers", _("Docenten en medewerkers")


class PersonStatus(models.TextChoices):
    NEW = "new", _("Nieuw")
    INVITED = "invited", _("Uitnodiging verzonden")
    ACTIVE = "active", _("Actief lidmaatschap")
    INACTIVE = "inactive", _("Inactief")


class TeacherType(models.TextChoices):
    TEACHER = "teacher", _("Docent")
    SUPPORT = "support", _("Onderwijsondersteunend personeel")


TRANSITIONS = {
    PersonStatus.NEW: {PersonStatus.INVITED, PersonStatus.ACTIVE},
    PersonStatus.INVITED: {PersonStatus.INVITED, PersonStatus.ACTIVE},
    PersonStatus.ACTIVE: {PersonStatus.INACTIVE},
    PersonStatus.INACTIVE: {PersonStatus.INVITED, PersonStatus.ACTIVE},
}


class JobAction(models.TextChoices):
    VALIDATE = "validate", _("Controleren")
    IMPORT = "import", _("Uploaden")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("In de wachtrij")
    RUNNING = "running", _("Bezig")
    DONE = "done", _("Klaar")
    FAILED = "failed", _("Mislukt")


# The fields of a roster row, in template order (API.md column names).
STUDENT_FIELDS = ("first_name", "last_name", "email", "mobile", "location", "year", "group")
TEACHER_FIELDS = ("first_name", "last_name", "email", "type")  # "type" → Person.teacher_type

# Dutch header cells of the templates (API.md); both the VO and the MBO names are accepted.
HEADERS = {
    "first_name": ("Voornaam",),
    "last_name": ("Achternaam",),
    "email": ("E-mailadres",),
    "mobile": ("Mobiel nummer",),
    "location": ("Locatienaam",),
    "year": ("Leerjaar", "Studiejaar"),
    "group": ("Klas", "Opleiding"),
    "type": ("Type",),
}

# Values accepted in the teacher template's "Type" column (casefolded).
TEACHER_TYPE_VALUES = {
    "docent": TeacherType.TEACHER,
    "leraar": TeacherType.TEACHER,
    "teacher": TeacherType.TEACHER,
    "onderwijsondersteunend personeel": TeacherType.SUPPORT,
    "oop": TeacherType.SUPPORT,
    "medewerker": TeacherType.SUPPORT,
    "ondersteunend personeel": TeacherType.SUPPORT,
    "support": TeacherType.SUPPORT,
}

# File limits (SPEC §3 "Broken files"); tests monkeypatch them smaller.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_CELLS = 2_500_000  # rows × columns up to the farthest cell of a sheet (parser grid)
MAX_UNCOMPRESSED_BYTES = 120 * 1024 * 1024  # all parts of an .xlsx together, unpacked
MAX_COMPRESSION_RATIO = 200  # per zip member larger than 1 MiB unpacked
MAX_ZIP_MEMBERS = 500
MAX_ERRORS = 10_000  # errors reported per file (the count is always exact)
