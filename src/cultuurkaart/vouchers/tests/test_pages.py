"""The pages of individual budget and vouchers: the budget holder chooses students from the
roster (one by one or a whole class) and takes budget back; the student claims a voucher
and sees its code and QR code; the provider redeems by typing the code; the budget page shows
the pool."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.core import clock
from cultuurkaart.ledger.checks import problems
from cultuurkaart.vouchers.models import Assignment, Voucher, VoucherStatus

from .factories import SPEND_AT, school_with_pool, student, voucher_provider

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
    school, _programme, bh, _ = school_with_pool(without=3)
    a = student(school, group="2A")
    b = student(school, group="2A")
    c = student(school, group="3B")
    provider, person = voucher_provider(name="Theater De Kroon")
    return school, bh, (a, b, c), provider, person


@pytest.fixture(autouse=True)
def _spending_time():
    with clock.frozen(SPEND_AT):
        yield


def token(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def test_budget_holder_assigns_selected_students_and_takes_one_back(world):
    school, bh, ((pa, ma), (_pb, _mb), (pc, _mc)), _provider, _ = world
    client = client_for(bh)
    url = f"/school/{school.pk}/individueel-budget/"
    page = client.get(url).content.decode()
    assert f'value="{pa.pk}"' in page and 'data-select-all="person_ids"' in page
    response = client.post(
        url, {"person_ids": [pa.pk, pc.pk], "form_token": token(page)}, follow=True
    )
    assert "2 leerlingen hebben individueel budget gekregen" in response.content.decode()
    assert Assignment.objects.filter(withdrawn_at=None).count() == 2
    withdraw = Assignment.objects.get(membership=ma)
    client.post(url, {"withdraw": withdraw.pk})
    withdraw.refresh_from_db()
    assert withdraw.withdrawn_at is not None
    assert problems() == []


def test_a_whole_class_at_once_and_the_filter(world):
    school, bh, ((pa, _), (pb, _), (pc, _)), _provider, _ = world
    client = client_for(bh)
    url = f"/school/{school.pk}/individueel-budget/"
    page = client.get(url + "?klas=2A").content.decode()
    assert f'value="{pa.pk}"' in page and f'value="{pc.pk}"' not in page
    client.post(url + "?klas=2A", {"whole_class": "2A", "form_token": token(page)})
    assigned = set(
        Assignment.objects.filter(withdrawn_at=None).values_list("membership__person", flat=True)
    )
    assert assigned == {pa.pk, pb.pk}


def test_a_refusal_is_shown_and_nothing_is_assigned(world):
    school, bh, _people, _provider, _ = world
    from cultuurkaart.memberships.tests.factories import PersonFactory

    no_member = PersonFactory(school=school, first_name="Geenlid")
    client = client_for(bh)
    url = f"/school/{school.pk}/individueel-budget/"
    page = client.get(url).content.decode()
    response = client.post(
        url, {"person_ids": [no_member.pk], "form_token": token(page)}, follow=True
    )
    assert "geen actief lidmaatschap" in response.content.decode()
    assert "Geenlid" in response.content.decode()
    assert Assignment.objects.count() == 0


def test_docent_plus_may_not_open_the_assignment_page(world):
    school, *_ = world
    dp = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    assert client_for(dp).get(f"/school/{school.pk}/individueel-budget/").status_code == 403


def test_student_claims_and_provider_redeems_by_typing(world):
    school, bh, ((pa, ma), _b, _c), provider, person = world
    client_for(bh).post(f"/school/{school.pk}/individueel-budget/", {"person_ids": [pa.pk]})
    me = client_for(ma.user)
    page = me.get("/mijn-tegoedbonnen/?q=kroon").content.decode()
    assert "Theater De Kroon" in page and 'data-testid="claim-form"' in page
    page = me.post(
        "/mijn-tegoedbonnen/",
        {"provider_id": provider.pk, "form_token": token(page)},
        follow=True,
    ).content.decode()
    voucher = Voucher.objects.get()
    assert 'data-testid="voucher"' in page and "<svg" in page
    shown = re.search(r'data-testid="voucher-code">([^<]+)<', page).group(1)
    assert shown.replace("-", "") == voucher.code

    portal = client_for(person)
    redeem_page = portal.get(f"/aanbieder/{provider.pk}/tegoedbonnen/").content.decode()
    response = portal.post(
        f"/aanbieder/{provider.pk}/tegoedbonnen/",
        {"code": shown.lower(), "form_token": token(redeem_page)},
        follow=True,
    )
    assert "is verzilverd" in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REDEEMED
    again = portal.post(f"/aanbieder/{provider.pk}/tegoedbonnen/", {"code": shown}, follow=True)
    assert "al verzilverd" in again.content.decode()
    assert problems() == []


def test_budget_page_shows_the_individual_pool(world):
    school, bh, ((pa, _ma), _b, _c), _provider, _ = world
    client = client_for(bh)
    client.post(f"/school/{school.pk}/individueel-budget/", {"person_ids": [pa.pk]})
    page = client.get(f"/school/{school.pk}/budget/").content.decode()
    assert 'data-testid="individual-pool"' in page
    assert "Besteld zonder bijdrage school" in page and "Tegoedbonnen verzilverd" in page
