"""The web-order pages: school list and decisions, provider create/withdraw, back-office check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.core import clock
from cultuurkaart.ledger import queries as ledger_queries
from cultuurkaart.ledger.checks import problems
from cultuurkaart.schools.tests.factories import programme
from cultuurkaart.weborders.models import WebOrder

from .factories import SPEND_AT, WebOrderFactory, funded_school, provider_person

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    if user.requires_two_factor():
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


@pytest.fixture
def world():
    school = funded_school(school_amount="100.00", ocw="50.00")
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    provider, person = provider_person()
    return school, bh, provider, person


@pytest.fixture(autouse=True)
def _spending_time():
    with clock.frozen(SPEND_AT):
        yield


def test_school_home_and_list_show_pending_weborders_with_the_duplicate_warning(world):
    school, bh, provider, _ = world
    a = WebOrderFactory(school=school, provider=provider)
    WebOrderFactory(school=school, provider=provider)
    client = client_for(bh)
    home = client.get(f"/school/{school.pk}/").content.decode()
    assert 'data-testid="pending-weborders"' in home and "2 webbestellingen wachten" in home
    page = client.get(f"/school/{school.pk}/webbestellingen/").content.decode()
    assert f'data-weborder="{a.pk}"' in page
    assert page.count('data-testid="duplicate"') == 2
    assert 'name="ids"' in page and "Selectie goedkeuren" in page


def test_one_action_in_the_list_approves(world):
    school, bh, provider, _ = world
    wo = WebOrderFactory(school=school, provider=provider, amount=Decimal("120.00"))
    response = client_for(bh).post(
        f"/school/{school.pk}/webbestellingen/beslissen/",
        {"ids": [wo.pk], "decision": "approve", "confirm": "1"},
    )
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.status == "approved"
    assert (wo.split_school, wo.split_ocw) == (Decimal("100.00"), Decimal("20.00"))
    assert problems() == []


def test_several_at_once_with_a_confirmation_step(world):
    school, bh, provider, _ = world
    rows = [
        WebOrderFactory(school=school, provider=provider, amount=Decimal(a))
        for a in ("60.00", "70.00", "40.00")
    ]
    client = client_for(bh)
    ids = [w.pk for w in rows]
    confirm = client.get(
        f"/school/{school.pk}/webbestellingen/beslissen/", {"ids": ids, "decision": "approve"}
    )
    assert confirm.status_code == 200
    assert "Bevestigen: goedkeuren" in confirm.content.decode()
    assert WebOrder.objects.filter(status="pending").count() == 3  # nothing done yet
    response = client.post(
        f"/school/{school.pk}/webbestellingen/beslissen/",
        {"ids": ids, "decision": "approve", "confirm": "1"},
        follow=True,
    )
    # 150.00 available: 60 + 70 fit, 40 does not and stays pending with a message
    statuses = {w.pk: WebOrder.objects.get(pk=w.pk).status for w in rows}
    assert statuses == {ids[0]: "approved", ids[1]: "approved", ids[2]: "pending"}
    assert "2 webbestelling(en) goedgekeurd" in response.content.decode()
    assert ledger_queries.balances(school, programme())["ocw"] == Decimal("20.00")


def test_reject_several_needs_a_reason(world):
    school, bh, provider, _ = world
    rows = [WebOrderFactory(school=school, provider=provider) for _ in range(2)]
    client = client_for(bh)
    url = f"/school/{school.pk}/webbestellingen/beslissen/"
    data = {"ids": [w.pk for w in rows], "decision": "reject", "confirm": "1"}
    assert client.post(url, data).status_code == 200  # the form again, with the error
    assert WebOrder.objects.filter(status="rejected").count() == 0
    client.post(url, {**data, "reason": "Niet afgesproken"})
    assert (
        WebOrder.objects.filter(status="rejected", rejection_reason="Niet afgesproken").count() == 2
    )


def test_docent_plus_sees_the_list_but_cannot_decide(world):
    school, _, provider, _ = world
    wo = WebOrderFactory(school=school, provider=provider)
    dp = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    client = client_for(dp)
    page = client.get(f"/school/{school.pk}/webbestellingen/").content.decode()
    assert f'data-weborder="{wo.pk}"' in page and 'name="ids"' not in page
    response = client.post(
        f"/school/{school.pk}/webbestellingen/beslissen/",
        {"ids": [wo.pk], "decision": "approve", "confirm": "1"},
    )
    assert response.status_code == 403
    assert WebOrder.objects.get(pk=wo.pk).status == "pending"


def test_another_schools_weborder_cannot_be_decided_from_this_school(world):
    school, bh, provider, _ = world
    foreign = WebOrderFactory(provider=provider)  # another school
    client_for(bh).post(
        f"/school/{school.pk}/webbestellingen/beslissen/",
        {"ids": [foreign.pk], "decision": "approve", "confirm": "1"},
    )
    assert WebOrder.objects.get(pk=foreign.pk).status == "pending"


def test_provider_creates_with_a_check_step_and_duplicate_warning(world):
    school, _, provider, person = world
    client = client_for(person)
    data = {
        "provider": provider.pk,
        "school_number": school.school_number,
        "amount": "85,50",
        "students": "30",
        "activity_on": "2024-03-20",
        "activity_time": "13:30",
        "description": "Workshop theater",
    }
    check = client.post("/aanbieder/weborders/nieuw/", data)
    assert check.status_code == 200 and "Webbestelling versturen" in check.content.decode()
    assert 'data-testid="duplicate-warning"' not in check.content.decode()
    assert not WebOrder.objects.exists()
    confirm = {**data, "confirm": "1", "client_token": "click-1"}
    assert client.post("/aanbieder/weborders/nieuw/", confirm).status_code == 302
    # a double click (the same form token) creates nothing more
    assert client.post("/aanbieder/weborders/nieuw/", confirm).status_code == 302
    wo = WebOrder.objects.get()
    assert wo.amount == Decimal("85.50") and wo.school == school and wo.provider == provider
    again = client.post("/aanbieder/weborders/nieuw/", data).content.decode()
    assert 'data-testid="duplicate-warning"' in again
    listing = client.get("/aanbieder/weborders/").content.decode()
    assert f'data-weborder="{wo.pk}"' in listing
    unknown = client.post("/aanbieder/weborders/nieuw/", {**data, "school_number": "000"})
    assert "Er is geen school met dit CJP-schoolnummer" in unknown.content.decode()


def test_provider_withdraws_own_pending_only(world):
    school, _, provider, person = world
    own = WebOrderFactory(school=school, provider=provider)
    other = WebOrderFactory(school=school)
    client = client_for(person)
    assert client.get(f"/aanbieder/weborders/{other.pk}/intrekken/").status_code == 404
    assert client.post(f"/aanbieder/weborders/{own.pk}/intrekken/").status_code == 302
    assert WebOrder.objects.get(pk=own.pk).status == "withdrawn"


def test_backoffice_checks_valid_and_invalid(world, admin):
    school, bh, provider, _ = world
    rows = [
        WebOrderFactory(school=school, provider=provider, amount=Decimal(a))
        for a in ("10.00", "20.00")
    ]
    bh_client = client_for(bh)
    bh_client.post(
        f"/school/{school.pk}/webbestellingen/beslissen/",
        {"ids": [w.pk for w in rows], "decision": "approve", "confirm": "1"},
    )
    client = client_for(admin)
    page = client.get("/backoffice/webbestellingen/").content.decode()
    assert all(f'data-weborder="{w.pk}"' in page for w in rows)
    filtered = client.get("/backoffice/webbestellingen/", {"min": "15"}).content.decode()
    assert f'data-weborder="{rows[0].pk}"' not in filtered
    client.post(f"/backoffice/webbestellingen/{rows[0].pk}/", {"action": "valid"})
    assert WebOrder.objects.get(pk=rows[0].pk).status == "checked"
    no_reason = client.post(f"/backoffice/webbestellingen/{rows[1].pk}/", {"action": "invalid"})
    assert no_reason.status_code == 200
    client.post(
        f"/backoffice/webbestellingen/{rows[1].pk}/", {"action": "invalid", "reason": "Fraude"}
    )
    assert WebOrder.objects.get(pk=rows[1].pk).status == "invalid"
    assert ledger_queries.balances(school, programme())["school"] == Decimal("90.00")
    client.post(f"/backoffice/webbestellingen/{rows[0].pk}/", {"action": "reverse"})
    assert WebOrder.objects.get(pk=rows[0].pk).status == "reversed"
    assert ledger_queries.balances(school, programme())["school"] == Decimal("100.00")
    assert problems() == []


def test_export_page_downloads_excel(world):
    school, bh, provider, _ = world
    WebOrderFactory(school=school, provider=provider)
    response = client_for(bh).get(f"/school/{school.pk}/webbestellingen/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_lists_take_a_fixed_number_of_queries(world, admin):
    """No query per web order on the school list, the provider list and the worklist: the
    same number of queries for 1 and for 13 web orders."""
    school, bh, provider, person = world
    pages = (
        (client_for(bh), f"/school/{school.pk}/webbestellingen/?status=all"),
        (client_for(person), "/aanbieder/weborders/"),
        (client_for(admin), "/backoffice/webbestellingen/"),
    )

    def measure():
        counts = []
        for client, url in pages:
            client.get(url)  # warm the session and permission caches
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    WebOrderFactory(school=school, provider=provider, status="approved", decided_at=SPEND_AT)
    few = measure()
    for _ in range(12):
        WebOrderFactory(school=school, provider=provider, status="approved", decided_at=SPEND_AT)
    assert measure() == few
    assert max(few) <= 14


def test_school_list_approved_filter_includes_paid_out_weborders(world):
    school, bh, provider, _person = world
    paid = WebOrderFactory(school=school, provider=provider, status="paid_out", amount="42.50")
    rejected = WebOrderFactory(school=school, provider=provider, status="rejected")
    client = client_for(bh)
    page = client.get(f"/school/{school.pk}/webbestellingen/?status=approved")
    html = page.content.decode()
    assert f'data-weborder="{paid.pk}"' in html and "Uitbetaald" in html
    assert f'data-weborder="{rejected.pk}"' not in html


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nl", "Dit kan niet bij een webbestelling met de status &#x27;Goedgekeurd&#x27;."),
        ("en", "This is not possible for a web order with the status &#x27;Approved&#x27;."),
    ],
)
def test_withdrawing_a_decided_weborder_is_refused_in_the_persons_language(world, language, text):
    school, _bh, provider, person = world
    person.language = language
    person.save(update_fields=["language"])
    approved = WebOrderFactory(school=school, provider=provider, status="approved")
    client = client_for(person)
    page = client.post(f"/aanbieder/weborders/{approved.pk}/intrekken/", follow=True)
    html = page.content.decode()
    assert text in html
    assert "cannot become" not in html
    assert WebOrder.objects.get(pk=approved.pk).status == "approved"


def test_provider_weborder_form_is_english_for_an_english_account(world):
    _school, _bh, _provider, person = world
    person.language = "en"
    person.save(update_fields=["language"])
    html = client_for(person).get("/aanbieder/weborders/nieuw/").content.decode()
    for label in ("Amount (euro)", "Date of the activity", "Time of the activity"):
        assert label in html
    assert "Request number (optional)" in html and "Bedrag (euro)" not in html


def test_school_list_says_when_nothing_waits_for_approval(world):
    school, bh, _provider, _person = world
    html = client_for(bh).get(f"/school/{school.pk}/webbestellingen/").content.decode()
    assert "Er wachten geen webbestellingen op goedkeuring." in html


def test_rows_rendered_in_python_escape_text_and_link_each_row(world, admin):
    """The tables of portals/templatetags/weborder_tables.py (decision BN9-5): a provider's
    text is escaped, each row's actions point at its own web order, the worklist keeps the
    chosen provider selected and its paging links keep the filters (URL-encoded)."""
    school, bh, provider, person = world
    provider.name = 'Theater <b>"De Kom"</b> & zn'
    provider.save(update_fields=["name"])
    pending = WebOrderFactory(
        school=school, provider=provider, description="<script>alert(1)</script> les"
    )
    page = client_for(bh).get(f"/school/{school.pk}/webbestellingen/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; les" in page
    assert "Theater &lt;b&gt;&quot;De Kom&quot;&lt;/b&gt; &amp; zn" in page
    assert f'id="sel-{pending.pk}"' in page and f'name="ids" value="{pending.pk}"' in page
    assert f"?decision=reject&amp;ids={pending.pk}" in page
    assert page.count('name="csrfmiddlewaretoken"') >= 2  # the row's approve form has one
    provider_page = client_for(person).get("/aanbieder/weborders/").content.decode()
    assert f'href="/aanbieder/weborders/{pending.pk}/intrekken/"' in provider_page
    assert f"({school.school_number})" in provider_page

    approved = [
        WebOrderFactory(school=school, provider=provider, status="approved", decided_at=SPEND_AT)
        for _ in range(51)
    ]
    worklist = client_for(admin).get(
        "/backoffice/webbestellingen/", {"provider": provider.pk, "min": "1"}
    )
    text = worklist.content.decode()
    assert f'<option value="{provider.pk}" selected>Theater &lt;b&gt;' in text
    assert f'href="/backoffice/webbestellingen/{approved[0].pk}/"' in text
    assert f"?provider={provider.pk}&amp;min=1&amp;page=2" in text
