"""Following growth (issue 12 point 5): the class overview (fixed query count, CSV), a
student's growth, the SVG charts with their tables."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cultuurkaart.core import clock
from cultuurkaart.dossier.services import access
from cultuurkaart.dossier.tests.factories import ItemFactory
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services import charts, conversations, growth

from .factories import DAY, NOW, dossier_school, make_assignment, person_of, student, teacher

pytestmark = pytest.mark.django_db


def _item(user, **kw):
    kw.setdefault("visibility", "teachers")
    return ItemFactory(portfolio=access.portfolio_for(user), **kw)


def _class(school, n):
    return [student(school, group="3B") for _i in range(n)]


def _overview_queries(school, n_students, teacher_user) -> int:
    for user in _class(school, n_students):
        _item(user, reflecteren=2)
        _item(user, creeren=1, type="learning_question", lq_status="open")
    with clock.frozen(NOW):
        make_assignment(school, teacher_user)  # one more assignment each round
        make_assignment(school, teacher_user, group=None, person_ids=[person_of(user).pk])
    with CaptureQueriesContext(connection) as captured:
        rows = growth.class_overview(school, "3B", now=NOW)
    assert len(rows) >= n_students
    return len(captured)


def test_the_overview_runs_a_fixed_number_of_queries():
    school = dossier_school()
    t = teacher(school)
    few = _overview_queries(school, 3, t)
    many = _overview_queries(school, 25, t)  # 28 students, twice the assignments
    assert few == many <= 8


def test_overview_counts_missing_and_late():
    school = dossier_school()
    t = teacher(school)
    ann, bob, cas = _class(school, 3)
    _item(ann, reflecteren=1, onderzoeken=2)
    _item(ann, reflecteren=3, type="learning_question", lq_status="in_progress")
    _item(ann, creeren=1, visibility="private")  # not shared with teachers: not counted
    _item(ann, creeren=1, is_draft=True)  # drafts never count
    _item(bob, creeren=2, type="learning_question", lq_status="closed")
    with clock.frozen(NOW - 10 * DAY):
        past = make_assignment(school, t, due=NOW - DAY, opens=NOW - 10 * DAY)
        future = make_assignment(school, t, due=NOW + DAY, opens=NOW - 10 * DAY)
        only_cas = make_assignment(
            school,
            t,
            group=None,
            person_ids=[person_of(cas).pk],
            due=NOW - DAY,
            opens=NOW - 10 * DAY,
        )
    with clock.frozen(NOW - 2 * DAY):
        service.submit(past, person_of(ann), ann, text="op tijd", actor=ann)
    with clock.frozen(NOW - DAY + dt.timedelta(hours=1)):
        service.submit(past, person_of(bob), bob, text="te laat", actor=bob)
    assert future and only_cas
    rows = {r["person"].pk: r for r in growth.class_overview(school, "3B", now=NOW)}
    a, b, c = rows[person_of(ann).pk], rows[person_of(bob).pk], rows[person_of(cas).pk]
    assert (a["reflecteren"], a["onderzoeken"], a["creeren"]) == (2, 1, 0)
    assert a["open_questions"] == 1 and a["items"] == 2
    assert (b["creeren"], b["open_questions"]) == (1, 0)
    assert (a["missing"], a["late"]) == (0, 0)
    assert (b["missing"], b["late"]) == (0, 1)
    assert (c["missing"], c["late"]) == (2, 0)  # the class's and its own assignment
    assert c["last_activity"] is None


def test_an_extension_is_not_missing_before_its_date():
    school = dossier_school()
    t = teacher(school)
    [ann] = _class(school, 1)
    with clock.frozen(NOW - 10 * DAY):
        a = make_assignment(school, t, due=NOW - DAY, opens=NOW - 10 * DAY)
        service.grant_extension(a, [person_of(ann).pk], NOW + DAY, None, "ziek", actor=t)
    [row] = growth.class_overview(school, "3B", now=NOW)
    assert row["missing"] == 0


def test_the_csv_guards_against_formulas():
    school = dossier_school()
    [ann] = _class(school, 1)
    person = person_of(ann)
    person.last_name = '=HYPERLINK("x")'
    person.save()
    rows = growth.class_overview(school, "3B", now=NOW)
    labels = {
        k: k
        for k in (
            "last_name",
            "first_name",
            "reflecteren",
            "onderzoeken",
            "creeren",
            "open_questions",
            "last_activity",
            "missing",
            "late",
        )
    }
    parsed = list(csv.reader(io.StringIO(growth.overview_csv(rows, labels)), delimiter=";"))
    assert parsed[0][0] == "last_name"
    assert parsed[1][0].startswith("'=")


def test_student_growth_per_month_and_since_the_last_conversation():
    school = dossier_school()
    t = teacher(school)
    [ann] = _class(school, 1)
    with clock.frozen(NOW):
        _item(ann, reflecteren=1, occurred_on=dt.date(2024, 1, 10))
        _item(ann, reflecteren=1, onderzoeken=1, occurred_on=dt.date(2024, 3, 1))
        _item(ann, creeren=1, occurred_on=dt.date(2024, 3, 2), visibility="private")
        conversations.record_conversation(
            school,
            person_of(ann),
            held_on=dt.date(2024, 2, 1),
            participants="Ann, mentor",
            summary="Goed gesprek",
            actor=t,
        )
        teacher_view = growth.student_growth(
            ann.pk, for_teacher=True, school=school, person=person_of(ann)
        )
        own_view = growth.student_growth(ann.pk, for_teacher=False)
    assert teacher_view["totals"] == {"reflecteren": 2, "onderzoeken": 1, "creeren": 0}
    assert own_view["totals"]["creeren"] == 1  # the student's own view counts private items
    months = {m["month"]: m for m in teacher_view["months"]}
    assert len(months) == 12 and months["2024-03"]["reflecteren"] == 1
    assert months["2024-01"]["reflecteren"] == 1
    assert teacher_view["since"] == dt.date(2024, 2, 1)
    assert teacher_view["since_counts"] == {"reflecteren": 1, "onderzoeken": 1, "creeren": 0}
    assert growth.counts_since(ann.pk, dt.date(2024, 2, 1)) == {
        "reflecteren": 1,
        "onderzoeken": 1,
        "creeren": 1,
    }


def test_the_chart_is_svg_with_escaped_text_and_points_to_its_table():
    svg = charts.bar_chart(
        ["<b>jan</b>", "feb"],
        [("Reflecteren", [1, 4]), ("Creëren", [0, 2])],
        title="Groei & meer",
        table_id="t1",
    )
    assert svg.startswith("<svg") and 'aria-describedby="t1"' in svg
    assert "<b>" not in svg and "&lt;b&gt;jan" in svg and "Groei &amp; meer" in svg
    assert svg.count("<rect") == 4 + 2  # bars + legend
    assert "style=" not in svg and "<script" not in svg
