"""The CmK evaluation routes of API.md over HTTP: the contract (status codes, error types,
suppression as `null` with `"suppressed": true`), and role × endpoint × programme isolation
(every CmK role, the admin and a school role, over two programmes)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.cmk.tests.factories import municipal, steering
from cultuurkaart.core import permissions

from ..models import FunderReport, Response
from ..services import reports
from .factories import (
    QUESTIONS,
    amstelland,
    contact,
    participation,
    questionnaire,
    second_programme,
    staff,
    submitted,
)

pytestmark = pytest.mark.django_db
CLOCK = "2025-04-01T10:00:00+02:00"
FULL = {"visie1": 3, "visie2": 2, "samen1": 4, "regio1": 5}


def test_questionnaire_lifecycle_over_the_api(api_as):
    programme = amstelland()
    office = api_as(staff(programme), clock=CLOCK)
    body = {
        "title": "Zelfevaluatie 2025",
        "opens_on": "2025-03-01",
        "closes_on": "2025-06-30",
        "questions": QUESTIONS,
    }
    r = office.post(f"/cmk/programmes/{programme.pk}/questionnaires", body)
    assert r.status_code == 201, r.content
    q = r.json()
    assert q["frozen"] is False and len(q["questions"]) == 4
    assert [x["regional"] for x in q["questions"]] == [False, False, False, True]
    bad = office.post(f"/cmk/programmes/{programme.pk}/questionnaires", {**body, "questions": []})
    assert bad.status_code == 422 and bad.json()["type"] == "validation-error"

    part = participation()
    school = api_as(contact(part), clock=CLOCK)
    url = f"/cmk/programmes/{programme.pk}/questionnaires/{q['id']}/responses"
    draft = school.post(url, {"participation_id": str(part.pk), "answers": {"visie1": 2}})
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    # frozen now
    r = office.put(f"/cmk/programmes/{programme.pk}/questionnaires/{q['id']}", body)
    assert r.status_code == 409 and r.json()["type"] == "questionnaire-frozen"
    incomplete = school.post(
        url, {"participation_id": part.pk, "answers": {"visie1": 2}, "submit": True}
    )
    assert incomplete.status_code == 422
    done = school.post(
        url,
        {
            "participation_id": part.pk,
            "answers": FULL,
            "respondent_roles": ["icc", "director"],
            "submit": True,
        },
    )
    assert done.status_code == 201 and done.json()["status"] == "submitted"
    again = school.post(
        url,
        {"participation_id": part.pk, "answers": FULL, "respondent_roles": ["icc"], "submit": True},
    )
    assert again.status_code == 409 and again.json()["type"] == "already-submitted"
    # another school's participation in the body → 404, not a response for it
    other = participation()
    r = school.post(url, {"participation_id": other.pk, "answers": FULL})
    assert r.status_code == 404
    assert not Response.objects.filter(participation=other).exists()
    # staff reopen with a reason
    rid = done.json()["id"]
    assert office.post(f"/cmk/responses/{rid}/reopen", {"reason": ""}).status_code == 422
    r = office.post(f"/cmk/responses/{rid}/reopen", {"reason": "Verkeerd ingevuld"})
    assert r.status_code == 200 and r.json()["status"] == "draft"
    # a new version can change its questions
    v2 = office.post(f"/cmk/programmes/{programme.pk}/questionnaires/{q['id']}/versions")
    assert v2.status_code == 201 and v2.json()["version"] == 2
    r = office.put(
        f"/cmk/programmes/{programme.pk}/questionnaires/{v2.json()['id']}",
        {**body, "questions": QUESTIONS[:2]},
    )
    assert r.status_code == 200 and len(r.json()["questions"]) == 2
    inv = office.post(f"/cmk/programmes/{programme.pk}/questionnaires/{q['id']}/invitations")
    assert inv.status_code == 200 and inv.json()["round"] == 1


@pytest.fixture
def region():
    programme = amstelland()
    q = questionnaire()
    small = []
    for _ in range(6):
        submitted(q, participation(municipality="Amstelveen"), FULL)
    for _ in range(3):
        p = participation(municipality="Aalsmeer")
        small.append(p)
        submitted(q, p, {**FULL, "visie1": 1})
    return programme, q, small


def test_analysis_suppresses_on_every_channel(api_as, region):
    programme, q, small = region
    office = api_as(staff(programme))
    r = office.get(f"/cmk/programmes/{programme.pk}/analysis?questionnaire={q.pk}")
    assert r.status_code == 200, r.content
    body = r.json()
    visie1 = next(x for x in body["questions"] if x["code"] == "visie1")
    assert visie1["count"] == 9
    aalsmeer = next(g for g in visie1["by_municipality"] if g["municipality"] == "Aalsmeer")
    assert aalsmeer == {"municipality": "Aalsmeer", "mean": None, "count": None, "suppressed": True}
    # the only other municipality would give Aalsmeer away by subtraction: suppressed too
    assert all(g["suppressed"] for g in visie1["by_municipality"])
    # all years (no questionnaire): the same
    every = office.get(f"/cmk/programmes/{programme.pk}/analysis").json()
    v = next(x for x in every["questions"] if x["code"] == "visie1")
    assert all(g["suppressed"] for g in v["by_municipality"])
    # the CSV export of the analysis
    r = office.get(f"/cmk/programmes/{programme.pk}/analysis.csv?questionnaire={q.pk}")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    aal = [row for row in rows if row[3] == "Aalsmeer"]
    assert aal and all(row[4] == "" and row[5] == "" and row[6] == "True" for row in aal)
    # the researcher CSV: Aalsmeer's municipality withheld, no names or codes
    r = office.get(f"/cmk/programmes/{programme.pk}/research.csv")
    assert r.status_code == 200
    text = r.content.decode("utf-8-sig")
    assert "Aalsmeer" not in text
    for p in small:
        assert p.location.name not in text and p.location.code not in text
    # the page
    from django.test import Client

    client = Client()
    client.force_login(staff(programme))
    page = client.get(f"/cmk/{programme.pk}/analyse/?questionnaire={q.pk}")
    assert page.status_code == 200
    assert "1,0" not in page.content.decode()  # Aalsmeer's mean of visie1 is never shown
    # an unknown questionnaire is 422 on the API
    r = office.get(f"/cmk/programmes/{programme.pk}/analysis?questionnaire=999999")
    assert r.status_code == 422


def test_budget_put_and_report_over_the_api(api_as):
    programme = amstelland()
    office = api_as(staff(programme))
    r = office.put(
        f"/cmk/programmes/{programme.pk}/budget/2025",
        {
            "lines": [
                {"category": "coordination", "planned": "20705.00", "realised": "40000.00"},
                {"category": "activities", "planned": "223959.00", "realised": "210000.00"},
            ],
            "matching": [{"municipality": "Amstelveen", "amount": "50000.00"}],
            "inkind_hours": {"po": 6650, "vo": 400},
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["coordination_share"]["warning"] is True
    assert body["totals"]["costs"]["realised"] == "250000.00"
    assert office.put(f"/cmk/programmes/{programme.pk}/budget/2031", {}).status_code == 422
    r = office.put(
        f"/cmk/programmes/{programme.pk}/budget/2025",
        {"lines": [{"category": "activities", "planned": 12.5}]},
    )
    assert r.status_code == 422
    upload = office.client.post(
        f"/api/v1/cmk/programmes/{programme.pk}/budget/2025/realised",
        {"file": io.BytesIO(b"category;realised\naccountant;4999,99\n")},
        headers=office.headers,
    )
    assert upload.status_code == 200, upload.content
    assert upload.json()["rows"] == 1

    r = office.post(f"/cmk/programmes/{programme.pk}/reports/2025")
    assert r.status_code == 201, r.content
    report = r.json()
    assert set(report) >= {"id", "sha256", "figures", "xlsx", "pdf"}
    # the data change; the report does not
    office.put(
        f"/cmk/programmes/{programme.pk}/budget/2025",
        {"lines": [{"category": "coordination", "planned": "1.00", "realised": "2.00"}]},
    )
    again = office.get(f"/cmk/reports/{report['id']}").json()
    assert again["sha256"] == report["sha256"] and again["figures"] == report["figures"]
    xlsx = office.get(report["xlsx"].split("/api/v1")[1])
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    row = next(
        r for r in book["Begroting"].iter_rows(values_only=True) if r[0] == "Coördinatiekosten"
    )
    assert row[2:4] == (20705, 40000)
    pdf = office.get(report["pdf"].split("/api/v1")[1])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert office.post(f"/cmk/programmes/{programme.pk}/reports/2024").status_code == 422


# --- role × endpoint × programme ---------------------------------------------------------------


@pytest.fixture
def two():
    world = {}
    for name, programme in (("a", amstelland()), ("b", second_programme())):
        mun_name = "Amstelveen" if name == "a" else "Haarlem"
        part = participation(programme, municipality=mun_name, track="track-1")
        q = questionnaire(programme)
        r = submitted(q, participation(programme, municipality=mun_name), FULL)
        report = reports.create_report(programme, 2025, actor=None)
        world[name] = {
            "programme": programme,
            "part": part,
            "q": q,
            "response": r,
            "report": report,
        }
    a = world["a"]
    mun = a["programme"].municipalities.get(name="Amstelveen")
    other_mun = a["programme"].municipalities.get(name="Aalsmeer")
    users = {
        "admin": with_role(UserFactory(), RoleName.ADMIN),
        "staff": staff(a["programme"]),
        "steering": steering(a["programme"]),
        "municipality": municipal(mun),
        "municipality_other": municipal(other_mun),
        "contact": contact(a["part"]),
        "contact_other": contact(participation(a["programme"], municipality="Amstelveen")),
        "no_role": UserFactory(),  # signed in, no CmK role
    }
    return world, users


def _routes(w):
    p, q, part = w["programme"].pk, w["q"].pk, w["part"].pk
    body_q = {
        "title": "X",
        "opens_on": "2025-03-01",
        "closes_on": "2025-06-30",
        "questions": QUESTIONS,
    }
    return [
        (
            "post",
            f"/cmk/programmes/{p}/questionnaires",
            body_q,
            "cmk_evaluation.manage_questionnaires",
            None,
        ),
        (
            "get",
            f"/cmk/programmes/{p}/questionnaires",
            None,
            "cmk_evaluation.manage_questionnaires",
            None,
        ),
        (
            "get",
            f"/cmk/programmes/{p}/questionnaires/{q}",
            None,
            "cmk_evaluation.manage_questionnaires",
            None,
        ),
        (
            "put",
            f"/cmk/programmes/{p}/questionnaires/{q}",
            {"title": "Y"},
            "cmk_evaluation.manage_questionnaires",
            None,
        ),
        (
            "post",
            f"/cmk/programmes/{p}/questionnaires/{q}/versions",
            None,
            "cmk_evaluation.manage_questionnaires",
            None,
        ),
        (
            "post",
            f"/cmk/programmes/{p}/questionnaires/{q}/invitations",
            None,
            "cmk_evaluation.manage_questionnaires",
            None,
        ),
        (
            "post",
            f"/cmk/programmes/{p}/questionnaires/{q}/responses",
            {"participation_id": part, "answers": {"visie1": 1}},
            "cmk_evaluation.respond",
            "part",
        ),
        (
            "post",
            f"/cmk/responses/{w['response'].pk}/reopen",
            {"reason": "x"},
            "cmk_evaluation.manage_questionnaires",
            None,
        ),
        ("get", f"/cmk/participations/{part}/results", None, "cmk_evaluation.view_results", "part"),
        ("get", f"/cmk/programmes/{p}/analysis", None, "cmk_evaluation.view_analysis", None),
        ("get", f"/cmk/programmes/{p}/analysis.csv", None, "cmk_evaluation.view_analysis", None),
        ("get", f"/cmk/programmes/{p}/research.csv", None, "cmk_evaluation.export_research", None),
        (
            "put",
            f"/cmk/programmes/{p}/budget/2025",
            {"lines": []},
            "cmk_evaluation.manage_budget",
            None,
        ),
        ("get", f"/cmk/programmes/{p}/budget/2025", None, "cmk_evaluation.view_budget", None),
        ("post", f"/cmk/programmes/{p}/reports/2025", None, "cmk_evaluation.create_reports", None),
        ("get", f"/cmk/reports/{w['report'].pk}", None, "cmk_evaluation.view_reports", None),
        (
            "get",
            f"/cmk/reports/{w['report'].pk}/report.xlsx",
            None,
            "cmk_evaluation.view_reports",
            None,
        ),
        (
            "get",
            f"/cmk/reports/{w['report'].pk}/report.pdf",
            None,
            "cmk_evaluation.view_reports",
            None,
        ),
        ("get", f"/cmk/programmes/{p}/cultuurkaart", None, "cmk_evaluation.view_money", None),
    ]


ROLE_NAMES = {
    "staff": RoleName.CMK_STAFF,
    "steering": RoleName.CMK_STEERING,
    "municipality": RoleName.CMK_MUNICIPALITY,
    "municipality_other": RoleName.CMK_MUNICIPALITY,
    "contact": RoleName.CMK_CONTACT,
    "contact_other": RoleName.CMK_CONTACT,
}


def _expected(action_name: str, who: str, own: bool, scope: str | None) -> int | None:
    action = permissions.get(action_name)
    if who == "admin":
        return None if action.admin else 403
    if who == "no_role" or not own:
        return 404
    role = ROLE_NAMES[who]
    if scope == "part" and who in ("contact_other", "municipality_other"):
        return 404  # another school's participation, another municipality's school
    return None if role in action.roles else 403


def test_role_endpoint_programme_matrix(api_as, two):
    world, users = two
    failures = []
    from django.db import transaction

    for who, user in users.items():
        api = api_as(user, clock=CLOCK)
        for tenant in ("a", "b"):
            for method, path, body, action, scope in _routes(world[tenant]):
                sid = transaction.savepoint()
                r = getattr(api, method)(path, body)
                transaction.savepoint_rollback(sid)
                want = _expected(action, who, tenant == "a", scope)
                got = r.status_code
                if want is None:
                    ok = got < 400 or (
                        got in (409, 422) and r.json().get("type") not in ("forbidden", "not-found")
                    )
                else:
                    ok = got == want
                if not ok:
                    failures.append(
                        f"{method.upper()} {path} as {who} ({tenant}): {got}, expected {want or 'allowed'}"
                    )
    assert failures == [], "\n".join(failures)


def test_anonymous_gets_401(api_as, two):
    world, _ = two
    for method, path, body, _action, _scope in _routes(world["a"]):
        assert getattr(api_as(None), method)(path, body).status_code == 401, path


def test_reports_of_another_programme_are_not_found(api_as, two):
    world, _ = two
    office_b = api_as(staff(world["b"]["programme"]))
    assert office_b.get(f"/cmk/reports/{world['a']['report'].pk}").status_code == 404
    assert FunderReport.objects.count() == 2


def test_results_and_money_over_the_api(api_as):
    programme = amstelland()
    part = participation(kind="vo")
    q25, q27 = questionnaire(year=2025), questionnaire(year=2027)
    submitted(q25, part, FULL)
    submitted(q27, part, {**FULL, "visie1": 4, "visie2": 4})
    r = api_as(contact(part)).get(f"/cmk/participations/{part.pk}/results")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["years"] == [2025, 2027]
    visie = next(p for p in body["pillars"] if p["pillar"] == "Visie")
    assert visie["levels"] == {"2025": 2.5, "2027": 4.0}
    assert visie["scenario"] == "secure" and visie["tips"]
    r = api_as(staff(programme)).get(f"/cmk/programmes/{programme.pk}/cultuurkaart")
    assert r.status_code == 200, r.content
    page = r.json()
    assert page["count"] == 1 and page["results"][0]["participation"] == str(part.pk)
    assert page["results"][0]["trend"]["pillars"][0]["levels"]["2027"] in (4.0, 4)
