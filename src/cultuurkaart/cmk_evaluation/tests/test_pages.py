"""The pages: the programme office's questionnaires, analysis, budget, reports and
Cultuurkaart overview; the school contact's questionnaire and results."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client

from cultuurkaart.core import clock
from cultuurkaart.core.models import AuditEntry

from ..constants import ResponseStatus
from ..models import FunderReport, Questionnaire, Response
from ..services import budget
from .factories import amstelland, at, contact, participation, questionnaire, staff, submitted

pytestmark = pytest.mark.django_db
IN_WINDOW = at(dt.date(2025, 4, 1))


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_staff_pages_render():
    programme = amstelland()
    q = questionnaire()
    for _ in range(5):
        submitted(q, participation(), {"visie1": 2, "visie2": 3, "samen1": 4, "regio1": 1})
    c = client_for(staff(programme))
    p = programme.pk
    for url in (
        f"/cmk/{p}/vragenlijsten/",
        f"/cmk/{p}/vragenlijsten/{q.pk}/",
        f"/cmk/{p}/analyse/",
        f"/cmk/{p}/analyse/?questionnaire={q.pk}",
        f"/cmk/{p}/begroting/2025/",
        f"/cmk/{p}/begroting/2025/wijzigen/",
        f"/cmk/{p}/verantwoording/",
        f"/cmk/{p}/cultuurkaart/",
    ):
        r = c.get(url)
        assert r.status_code == 200, url
    r = c.get(f"/cmk/{p}/analyse/?questionnaire={q.pk}")
    assert "Visie" in r.content.decode() and "2,5" in r.content.decode()
    assert c.get(f"/cmk/{p}/begroting/2031/").status_code == 404
    assert "7,4% begroot" in c.get(f"/cmk/{p}/begroting/2025/").content.decode()
    assert c.get(f"/cmk/{p}/onderzoek.csv").status_code == 200


def test_staff_creates_a_questionnaire_on_the_page():
    programme = amstelland()
    c = client_for(staff(programme))
    r = c.post(
        f"/cmk/{programme.pk}/vragenlijsten/",
        {
            "title": "Evi 2025",
            "opens_on": "2025-03-01",
            "closes_on": "2025-06-30",
            "questions": "v1; Visie; 4; nee; Er is een visie.\nr1; Regio; 5; ja; Regionaal aanbod.",
        },
    )
    assert r.status_code == 302
    q = Questionnaire.objects.get(title="Evi 2025")
    assert [(x.code, x.regional, x.scale) for x in q.questions.all()] == [
        ("v1", False, 4),
        ("r1", True, 5),
    ]
    r = c.post(
        f"/cmk/{programme.pk}/vragenlijsten/",
        {"title": "", "opens_on": "", "closes_on": "", "questions": ""},
    )
    assert r.status_code == 200 and "error-summary" in r.content.decode()


def test_contact_fills_in_saves_and_submits_on_the_page():
    part = participation()
    q = questionnaire()
    user = contact(part)
    c = client_for(user)
    url = f"/cmk/deelname/{part.pk}/vragenlijst/{q.pk}/"
    with clock.frozen(IN_WINDOW):
        r = c.get(url, headers={"X-Clock": IN_WINDOW.isoformat()})
        assert r.status_code == 200 and "data-autosave" in r.content.decode()
        r = c.post(url, {"q_visie1": "3", "action": "save"})
        assert r.status_code == 302
        assert Response.objects.get(participation=part).status == ResponseStatus.DRAFT
        r = c.post(url, {"q_visie1": "3", "action": "submit", "roles": ["icc"]})
        assert r.status_code == 200 and "Beantwoord deze vraag" in r.content.decode()
        r = c.post(
            url,
            {
                "q_visie1": "3",
                "q_visie2": "2",
                "q_samen1": "4",
                "q_regio1": "5",
                "roles": ["icc"],
                "action": "submit",
            },
        )
        assert r.status_code == 302 and r["Location"] == f"/cmk/deelname/{part.pk}/resultaten/"
        assert Response.objects.get(participation=part).submitted
        r = c.get(url)
        assert "ingediend" in r.content.decode() and "data-autosave" not in r.content.decode()
        r = c.get(f"/cmk/deelname/{part.pk}/resultaten/")
        assert r.status_code == 200 and "Visie" in r.content.decode()
    other = participation()
    assert c.get(f"/cmk/deelname/{other.pk}/vragenlijst/{q.pk}/").status_code == 404
    assert c.get(f"/cmk/deelname/{other.pk}/resultaten/").status_code == 404
    assert c.get(f"/cmk/{part.programme_id}/analyse/").status_code == 403


def test_budget_edit_import_and_report_on_the_pages():
    programme = amstelland()
    office = staff(programme)
    c = client_for(office)
    p = programme.pk
    form = {
        f"planned_{x['category']}": x["planned"] for x in budget.summary(programme, 2025)["lines"]
    }
    form |= {"realised_coordination": "21000,50", "hours_po": "6650", "hours_vo": "400"}
    form |= {"matching_Amstelveen": "40000"}
    r = c.post(f"/cmk/{p}/begroting/2025/wijzigen/", form)
    assert r.status_code == 302, r.content.decode()[:500]
    s = budget.summary(programme, 2025)
    assert next(x for x in s["lines"] if x["category"] == "coordination")["realised"] == "21000.50"
    assert s["matching_total"] == "40000.00"
    upload = io.BytesIO(b"category;realised\nactivities;100000\n")
    upload.name = "r.csv"
    r = c.post(f"/cmk/{p}/begroting/2025/realisatie/", {"file": upload})
    assert r.status_code == 302
    assert AuditEntry.objects.filter(action="cmk_evaluation.realisation.changed").exists()
    assert c.get(f"/cmk/{p}/verantwoording/nieuw/").status_code == 405
    r = c.post(f"/cmk/{p}/verantwoording/nieuw/", {"year": "2025"})
    report = FunderReport.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/cmk/verantwoording/{report.pk}/"
    assert c.get(r["Location"]).status_code == 200
    xlsx = c.get(f"/cmk/verantwoording/{report.pk}/verantwoording.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "Begroting" in book.sheetnames
    assert c.get(f"/cmk/verantwoording/{report.pk}/verantwoording.pdf").content.startswith(b"%PDF")


def test_reopen_on_the_page_needs_a_reason():
    programme = amstelland()
    q = questionnaire()
    r = submitted(q, participation(), {"visie1": 2, "visie2": 3, "samen1": 4, "regio1": 1})
    c = client_for(staff(programme))
    c.post(f"/cmk/{programme.pk}/antwoorden/{r.pk}/heropenen/", {"reason": ""})
    r.refresh_from_db()
    assert r.submitted
    c.post(f"/cmk/{programme.pk}/antwoorden/{r.pk}/heropenen/", {"reason": "Fout"})
    r.refresh_from_db()
    assert not r.submitted


def test_programme_menu_links_to_the_evaluation_pages():
    from cultuurkaart.cmk.tests.factories import steering

    programme = amstelland()
    part = participation()
    staff_page = client_for(staff(programme)).get(f"/cmk/{programme.pk}/").content.decode()
    for href in (
        "vragenlijsten/",
        "analyse/",
        "begroting/2025/",
        "verantwoording/",
        "cultuurkaart/",
    ):
        assert f'href="/cmk/{programme.pk}/{href}"' in staff_page
    board = client_for(steering(programme)).get(f"/cmk/{programme.pk}/").content.decode()
    assert f'href="/cmk/{programme.pk}/analyse/"' in board
    assert f'href="/cmk/{programme.pk}/vragenlijsten/"' not in board
    assert f'href="/cmk/{programme.pk}/cultuurkaart/"' not in board
    school = client_for(contact(part)).get(f"/cmk/deelname/{part.pk}/").content.decode()
    assert f'href="/cmk/deelname/{part.pk}/resultaten/"' in school
    assert "analyse/" not in school


def test_staff_edit_questions_until_answered():
    programme = amstelland()
    q = questionnaire()
    c = client_for(staff(programme))
    url = f"/cmk/{programme.pk}/vragenlijsten/{q.pk}/wijzigen/"
    assert "visie1; Visie; 4; nee;" in c.get(url).content.decode()
    form = {
        "title": "Nieuw",
        "opens_on": "2025-03-01",
        "closes_on": "2025-06-30",
        "questions": "a1; Visie; 4; nee; Vraag een.",
    }
    assert c.post(url, form).status_code == 302
    q.refresh_from_db()
    assert q.title == "Nieuw" and [x.code for x in q.questions.all()] == ["a1"]
    submitted(q, participation(), {"a1": 2})
    r = c.post(url, {**form, "title": "Later", "questions": "b1; X; 4; nee; Andere vraag."})
    assert r.status_code == 302  # the questions field is not offered once frozen
    q.refresh_from_db()
    assert q.title == "Later" and [x.code for x in q.questions.all()] == ["a1"]
