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
