"""Issue 13 gap (docs/cmk-evaluation.md): the municipalities' matching per year (planned and
realised, integer cents) over the service, the API and the pages; audited with before and
after; programme staff only (another programme: 404)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cultuurkaart.cmk.tests import factories as f
from cultuurkaart.cmk_evaluation.models import Matching
from cultuurkaart.cmk_evaluation.services import budget
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(db):
    world = {}
    for key, prog in (("a", f.amstelland()), ("b", f.second_programme())):
        mun = prog.municipalities.order_by("name").first()
        part = f.participation(prog, municipality_name=mun.name)
        world[key] = {
            "programme": prog,
            "municipality": mun,
            "staff": f.staff(prog),
            "steering": f.steering(prog),
            "municipal": f.municipal(mun),
            "contact": f.contact(part),
        }
    return world


def test_the_service_sets_planned_and_realised_in_cents_and_audits(two):
    a = two["a"]
    prog, staff = a["programme"], a["staff"]
    names = list(prog.municipalities.order_by("name").values_list("name", flat=True))
    budget.set_matching(prog, 2026, [{"municipality": names[0], "amount": "25000.50"}], actor=staff)
    budget.set_matching(
        prog,
        2026,
        [
            {"municipality": names[0], "realised": "24999.99"},
            {"municipality": names[1], "amount": 7},
        ],
        actor=staff,
    )
    row = Matching.objects.get(budget__year=2026, municipality__name=names[0])
    assert (row.planned_cents, row.realised_cents) == (2_500_050, 2_499_999)
    entries = list(
        AuditEntry.objects.filter(action="cmk_evaluation.matching.changed").order_by("pk")
    )
    assert [e.actor_id for e in entries] == [staff.pk, staff.pk]
    assert entries[0].data["changes"] == [
        {
            "municipality": row.municipality_id,
            "before": {"planned": None, "realised": None},
            "after": {"planned": 2_500_050, "realised": None},
        }
    ]
    assert entries[1].data["changes"][0]["before"] == {"planned": 2_500_050, "realised": None}
    # the same figures again: no change, no audit entry
    budget.set_matching(prog, 2026, [{"municipality": names[0], "amount": "25000.50"}], actor=staff)
    assert AuditEntry.objects.filter(action="cmk_evaluation.matching.changed").count() == 2
    table = budget.matching_table(prog)
    year = next(y for y in table["years"] if y["year"] == 2026)
    assert year["total"] == "25007.50" and year["realised_total"] == "24999.99"
    assert year["matching"][0] == {
        "municipality": names[0],
        "municipality_id": str(row.municipality_id),
        "amount": "25000.50",
        "realised": "24999.99",
    }
    # the budget summary (and so the funder report) reads the same rows
    assert budget.summary(prog, 2026)["matching_total"] == "25007.50"


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([{"municipality": "Haarlem", "amount": "1"}], "matching[0].municipality"),
        ([{"municipality": "Amstelveen", "amount": "-1"}], "matching[0].amount"),
        ([{"municipality": "Amstelveen", "amount": "1.005"}], "matching[0].amount"),
        ([{"municipality": "Amstelveen", "realised": "veel"}], "matching[0].realised"),
        (
            [{"municipality": "Amstelveen", "amount": "1"}, {"municipality": "amstelveen"}],
            "matching[1].municipality",
        ),
    ],
)
def test_invalid_matching_is_refused_with_field_errors(two, rows, field):
    with pytest.raises(ValidationFailed) as exc:
        budget.set_matching(two["a"]["programme"], 2025, rows, actor=None)
    assert field in {e["field"] for e in exc.value.errors}
    assert not Matching.objects.exists()


def test_a_year_outside_the_programme_is_refused(two):
    with pytest.raises(ValidationFailed):
        budget.set_matching(
            two["a"]["programme"], 2029, [{"municipality": "Amstelveen"}], actor=None
        )


def test_the_api_puts_and_gets_the_matching(api_as, two):
    a = two["a"]
    prog = a["programme"]
    api = api_as(a["staff"])
    mun = a["municipality"]
    r = api.put(
        f"/cmk/programmes/{prog.pk}/matching/2027",
        {"matching": [{"municipality": str(mun.pk), "amount": "1000.00", "realised": "900.10"}]},
    )
    assert r.status_code == 200, r.content
    year = next(y for y in r.json()["years"] if y["year"] == 2027)
    cell = next(m for m in year["matching"] if m["municipality"] == mun.name)
    assert (cell["amount"], cell["realised"]) == ("1000.00", "900.10")
    assert api.get(f"/cmk/programmes/{prog.pk}/matching").json() == r.json()
    bad = api.put(
        f"/cmk/programmes/{prog.pk}/matching/2027",
        {"matching": [{"municipality": mun.name, "amount": "abc"}]},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "matching[0].amount"
    assert api.put(f"/cmk/programmes/{prog.pk}/matching/2027", {}).status_code == 422
    outside = api.put(
        f"/cmk/programmes/{prog.pk}/matching/2030",
        {"matching": [{"municipality": mun.name, "amount": "1"}]},
    )
    assert outside.status_code == 422


def test_only_the_programmes_staff_changes_the_matching(api_as, admin, two):
    a, b = two["a"], two["b"]
    body = {"matching": [{"municipality": a["municipality"].name, "amount": "5"}]}
    url = f"/cmk/programmes/{a['programme'].pk}/matching/2025"
    for role in ("steering", "municipal", "contact"):
        assert api_as(a[role]).put(url, body).status_code == 403, role
    assert api_as(admin).put(url, body).status_code == 403
    # reading: staff, steering group and the admin (as the budget); not a school
    assert api_as(a["steering"]).get(
        f"/cmk/programmes/{a['programme'].pk}/matching"
    ).status_code == (200)
    assert api_as(a["contact"]).get(
        f"/cmk/programmes/{a['programme'].pk}/matching"
    ).status_code == (403)
    other = f"/cmk/programmes/{b['programme'].pk}/matching/2025"
    for role in ("staff", "steering", "municipal", "contact"):
        r = api_as(a[role]).put(
            other, {"matching": [{"municipality": b["municipality"].name, "amount": "5"}]}
        )
        assert r.status_code == 404, role
    assert not Matching.objects.exists()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_matching_pages(two):
    a = two["a"]
    prog = a["programme"]
    c = client_for(a["staff"])
    page = c.get(reverse("portals:cmk_eval_matching", args=[prog.pk]))
    assert page.status_code == 200
    edit_url = reverse("portals:cmk_eval_matching_edit", args=[prog.pk, 2025])
    assert edit_url.encode() in page.content
    form = c.get(edit_url)
    assert form.status_code == 200
    count = prog.municipalities.count()
    data = {f"amount_{i}": "" for i in range(count)}
    data["amount_0"] = "12.345"
    bad = c.post(edit_url, data)
    assert bad.status_code == 422 and b'aria-invalid="true"' in bad.content
    data["amount_0"] = "33705,00"
    data["realised_0"] = "30000"
    ok = c.post(edit_url, data)
    assert ok.status_code == 302
    row = Matching.objects.get(budget__programme=prog, budget__year=2025)
    assert (row.planned_cents, row.realised_cents) == (3_370_500, 3_000_000)
    assert c.get(reverse("portals:cmk_eval_matching_edit", args=[prog.pk, 2030])).status_code == 404


def test_the_matching_pages_are_for_staff(two, admin):
    a, b = two["a"], two["b"]
    own_edit = reverse("portals:cmk_eval_matching_edit", args=[a["programme"].pk, 2025])
    other_edit = reverse("portals:cmk_eval_matching_edit", args=[b["programme"].pk, 2025])
    for role in ("steering", "municipal", "contact"):
        c = client_for(a[role])
        assert c.get(own_edit).status_code == 403, role
        assert c.post(own_edit, {"amount_0": "1"}).status_code == 403, role
        assert c.get(other_edit).status_code == 404, role
    assert client_for(a["staff"]).post(other_edit, {"amount_0": "1"}).status_code == 404
    assert client_for(admin).post(own_edit, {"amount_0": "1"}).status_code == 403
    view = reverse("portals:cmk_eval_matching", args=[a["programme"].pk])
    assert client_for(a["steering"]).get(view).status_code == 200
    assert client_for(a["contact"]).get(view).status_code == 403
    assert not Matching.objects.exists()
