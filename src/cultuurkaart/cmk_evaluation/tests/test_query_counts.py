"""CmK evaluation lists and exports take the same number of queries for 1 and 50 rows
(issue 14, point 3; inventory in docs/query-counts.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from cultuurkaart.core import clock
from cultuurkaart.core.tests.querycount import assert_flat, page_client

from .factories import amstelland, participation, questionnaire, staff, submitted

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 5, 12, 10, tzinfo=clock.AMSTERDAM)
ANSWERS = {"visie1": 3, "visie2": 2, "samen1": 4, "regio1": 5}


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def prog():
    return amstelland()


def _responses(q):
    def add(n):
        for i in range(n):
            part = participation(q.programme, kind=("po", "vo")[i % 2])
            submitted(q, part, ANSWERS)

    return add


def _questionnaires(prog):
    def add(n):
        for i in range(n):
            q = questionnaire(prog, year=2025, title=f"Vragenlijst {i}")
            submitted(q, participation(prog), ANSWERS)

    return add


@pytest.mark.parametrize(
    "path",
    [
        "vragenlijsten/{q}/",
        "analyse/?questionnaire={q}",
        "analyse.csv?questionnaire={q}",
        "onderzoek.csv",
    ],
)
def test_programme_pages_by_responses(prog, path):
    q = questionnaire(prog)
    client = page_client(staff(prog))
    url = f"/cmk/{prog.pk}/" + path.format(q=q.pk)
    assert_flat(_responses(q), lambda: client.get(url), rows=None)


def test_questionnaire_list_page(prog):
    client = page_client(staff(prog))
    assert_flat(
        _questionnaires(prog), lambda: client.get(f"/cmk/{prog.pk}/vragenlijsten/"), rows=None
    )


def test_api_questionnaires(prog, api_as):
    api = api_as(staff(prog))
    assert_flat(_questionnaires(prog), lambda: api.get(f"/cmk/programmes/{prog.pk}/questionnaires"))


@pytest.mark.parametrize(
    "path", ["analysis?questionnaire={q}", "analysis.csv?questionnaire={q}", "research.csv"]
)
def test_api_by_responses(prog, api_as, path):
    q = questionnaire(prog)
    api = api_as(staff(prog))
    url = f"/cmk/programmes/{prog.pk}/" + path.format(q=q.pk)
    assert_flat(_responses(q), lambda: api.get(url), rows=None)
