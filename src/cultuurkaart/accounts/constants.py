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
    CMK_STEERING = "cmk_steering", _("CmK-stuurgroep")
    CMK_MUNICIPALITY = "cmk_municipality", _("CmK-gemeente")
    CMK_CONTACT = "cmk_contact", _("CmK-contactpersoon school")


SCHOOL_ROLES = {
    RoleName.BOARD,
    RoleName.BUDGET_HOLDER,
    RoleName.DOCENT_PLUS,
    RoleName.TEACHER,
    RoleName.STUDENT,
}
PROVIDER_ROLES = {RoleName.PROVIDER}
# CmK roles are scoped to a programme (staff, steering group), a municipality of a programme
# or a participation (a school's contact person); see cmk/services/access.py.
CMK_ROLES = {
    RoleName.CMK_STAFF,
    RoleName.CMK_STEERING,
    RoleName.CMK_MUNICIPALITY,
    RoleName.CMK_CONTACT,
}
# Finance roles sign in with two-factor authentication (SPEC §1).
TWO_FACTOR_ROLES = {RoleName.ADMIN, RoleName.BUDGET_HOLDER, RoleName.PROVIDER}
