"""One helper names a school's learners: "leerlingen" (VO) or "studenten" (MBO)."""

from django.utils import translation

from cultuurkaart.core import wording
from cultuurkaart.schools.models import School


def test_the_learners_word_follows_the_kind_of_the_school_or_programme():
    assert wording.learners("vo") == "leerlingen"
    assert wording.learners("mbo") == "studenten"
    assert wording.learners(School(kind="vo"), plural=False) == "leerling"
    assert wording.learners(School(kind="mbo"), plural=False) == "student"
    assert wording.learners(None) == "leerlingen en studenten"
    assert wording.manage_learners_label(School(kind="mbo")) == "Beheer studenten"


def test_the_learners_word_in_english():
    with translation.override("en"):
        assert wording.learners("vo") == "pupils"
        assert wording.learners("mbo") == "students"
        assert wording.manage_learners_label("vo") == "Manage pupils"
