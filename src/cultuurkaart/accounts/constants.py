from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleName(models.TextChoices):
    ADMIN = "admin", _("Platformbeheerder")
    BOARD = "board", _("Bevoegd gezag")
    BUDGET_HOLDER = "budget_holder", _("Budgethouder")
    DOCENT_PLUS = "docent_plus", _("Docent+")
    TEACHER = "teacher", _("Docent")
    STUDENT = "student", _("Student")
    PROVIDER = "provider", _("Acceptant")
    CMK_STAFF = "cmk_staff", _("CmK-programmabureau")


SCHOOL_ROLES = {
    RoleName.BOARD,
    RoleName.BUDGET_HOLDER,
    RoleName.DOCENT_PLUS,
    RoleName.TEACHER,
    RoleName.STUDENT,
}
PROVIDER_ROLES = {RoleName.PROVIDER}
# Finance roles sign in with two-factor authentication (SPEC §1).
TWO_FACTOR_ROLES = {RoleName.ADMIN, RoleName.BUDGET_HOLDER, RoleName.PROVIDER}
