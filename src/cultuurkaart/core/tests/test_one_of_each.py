"""One of each (DEVELOPERS.md): one status-transition helper, one working-day calendar.

The mechanisms are tested here; the guards fail when a second copy appears in an app."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from cultuurkaart.core import calendar
from cultuurkaart.core.errors import Conflict
from cultuurkaart.core.transitions import allowed, transition
from cultuurkaart.schools.constants import TRANSITIONS, SchoolStatus
from cultuurkaart.schools.tests.factories import SchoolFactory

SRC = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_transition_moves_along_the_table_and_refuses_the_rest():
    school = SchoolFactory(status=SchoolStatus.ACTIVE)
    transition(school, SchoolStatus.CANCELLED, TRANSITIONS)
    assert school.status == SchoolStatus.CANCELLED
    school.status = SchoolStatus.REJECTED
    with pytest.raises(Conflict) as refused:
        transition(school, SchoolStatus.ACTIVE, TRANSITIONS, noun="een school")
    assert refused.value.type == "invalid-transition"
    assert refused.value.status == 409
    assert school.status == SchoolStatus.REJECTED  # unchanged
    assert refused.value.message == "Een school met de status 'Afgewezen' kan niet 'Actief' worden."
    with translation.override("en"), pytest.raises(Conflict) as refused:
        transition(school, SchoolStatus.ACTIVE, TRANSITIONS, noun=gettext_lazy("een school"))
    assert refused.value.message == "A school with status 'Rejected' cannot become 'Active'."


def test_allowed_reads_the_table():
    assert allowed(TRANSITIONS, SchoolStatus.ACTIVE, SchoolStatus.CANCELLED)
    assert not allowed(TRANSITIONS, SchoolStatus.REJECTED, SchoolStatus.ACTIVE)
    assert not allowed(TRANSITIONS, "no-such-status", SchoolStatus.ACTIVE)


def test_working_days_skip_weekends_and_dutch_holidays():
    assert calendar.add_working_days(dt.date(2024, 3, 28), 1) == dt.date(2024, 4, 2)  # Easter
    assert calendar.add_working_days(dt.date(2024, 12, 24), 1) == dt.date(2024, 12, 27)
    assert calendar.is_working_day(dt.date(2024, 4, 2))
    assert not calendar.is_working_day(dt.date(2024, 4, 6))  # Saturday


def _python_sources():
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        yield path, path.read_text(encoding="utf-8")


def test_no_second_working_day_calendar():
    the_one = SRC / "core" / "calendar.py"
    copies = [
        str(path.relative_to(SRC))
        for path, text in _python_sources()
        if path != the_one
        and re.search(r"^def (add_working_days|is_working_day)\b|holidays\.NL\(", text, re.M)
    ]
    assert copies == [], "use cultuurkaart.core.calendar"


def test_no_status_transition_checked_by_hand():
    by_hand = [
        str(path.relative_to(SRC))
        for path, text in _python_sources()
        if re.search(r"TRANSITIONS\[", text)
    ]
    assert by_hand == [], "use cultuurkaart.core.transitions (transition / allowed)"
