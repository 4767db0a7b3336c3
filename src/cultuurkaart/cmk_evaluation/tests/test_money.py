"""Money meets monitoring: a participating VO school's Cultuurkaart figures (ordered,
spent, web orders by discipline) next to its track and questionnaire trend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cultuurkaart.cmk.models import Participation, Track
from cultuurkaart.core import clock
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.marketplace.models import OfferRequest, Term
from cultuurkaart.marketplace.tests.factories import make_offer
from cultuurkaart.orders.constants import InvoiceKind, OrderKind, OrderStatus
from cultuurkaart.orders.models import BudgetOrder, Invoice
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.models import Programme as KaartProgramme
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory
from cultuurkaart.weborders.models import WebOrder

from ..services import money
from .factories import amstelland, participation, questionnaire, submitted

pytestmark = pytest.mark.django_db

AT = dt.datetime(2025, 3, 4, 10, tzinfo=clock.AMSTERDAM)


def vo_2025() -> KaartProgramme:
    base = KaartProgramme.objects.get(code="vo-2024")
    base.pk = None
    base.code = "vo-2025"
    base.spend_from = dt.date(2025, 1, 1)
    base.spend_until = dt.date(2025, 12, 31)
    base.follows = None
    base.save()
    return base


def weborder(school, programme, amount, status="approved", offer=None):
    wo = WebOrder.objects.create(
        provider=offer.provider if offer else ProviderFactory(),
        school=school,
        programme=programme,
        amount=Decimal(amount),
        students=10,
        activity_at=AT,
        activity_on=AT.date(),
        description="Voorstelling",
        status=status,
    )
    if offer is not None:
        OfferRequest.objects.create(
            offer=offer,
            provider=offer.provider,
            school=school,
            students=10,
            message="m",
            weborder=wo,
        )
    return wo


def order(school, programme, *, with_=200, without=20, total="3300.00"):
    o = BudgetOrder.objects.create(
        school=school,
        programme=programme,
        kind=OrderKind.INITIAL,
        status=OrderStatus.APPROVED,
        with_contribution=with_,
        without_contribution=without,
        duo_count=300,
        submitted_at=AT,
        objection_deadline=AT,
    )
    Invoice.objects.create(
        number=f"F{o.pk:06d}",
        year=2025,
        sequence=o.pk,
        kind=InvoiceKind.BUDGET_ORDER,
        school=school,
        programme=programme,
        order=o,
        recipient_name="School",
        issued_on=AT.date(),
        issued_at=AT,
        due_on=AT.date(),
        subtotal=Decimal(total),
        total=Decimal(total),
    )
    return o


def test_vo_school_figures_next_to_track_and_trend():
    programme = amstelland()
    kaart = vo_2025()
    loc = LocationFactory(kind="vo", municipality="Amstelveen")
    school = SchoolFactory(kind="vo", locations=[loc])
    track = Track.objects.get(programme=programme, code="track-2", is_current=True)
    p = Participation.objects.create(
        programme=programme,
        location=loc,
        municipality=programme.municipalities.get(name="Amstelveen"),
        track=track,
        current_step=track.steps.get(number=3),
        joined_on=dt.date(2025, 1, 10),
        new_school=True,
    )
    order(school, kaart)
    disciplines = list(Term.objects.filter(vocabulary="discipline").order_by("code")[:2])
    theatre = make_offer(status=OfferStatus.PUBLISHED)
    theatre.disciplines.set([disciplines[0]])
    mixed = make_offer(status=OfferStatus.PUBLISHED)
    mixed.disciplines.set(disciplines)
    weborder(school, kaart, "100.00", offer=theatre)
    weborder(school, kaart, "50.00", offer=mixed)  # split over its two disciplines
    weborder(school, kaart, "30.00")  # without a request: no discipline
    weborder(school, kaart, "999.00", status="rejected")  # holds no money
    weborder(school, kaart, "500.00", status="reversed")
    old = KaartProgramme.objects.get(code="vo-2024")
    weborder(school, old, "777.00")  # before the CmK programme
    submitted(questionnaire(year=2025), p, {"visie1": 2, "visie2": 2, "samen1": 3, "regio1": 4})
    participation(kind="po")  # a PO school is not listed

    rows = money.overview(programme)
    assert [r["participation"] for r in rows] == [p.pk]
    row = rows[0]
    assert (row["track"], row["step"], row["cultuurkaart"]) == ("track-2", 3, True)
    assert [y["year"] for y in row["years"]] == [2025]
    y = row["years"][0]
    assert y["students"] == 220 and y["ordered"] == "3300.00"
    assert y["spent"] == "180.00" and y["weborders"] == 3
    assert y["spent_share"] == "0.05"
    amounts = {d["discipline"]: d["amount"] for d in y["disciplines"]}
    assert amounts == {disciplines[0].code: "125.00", disciplines[1].code: "25.00", "-": "30.00"}
    assert row["trend"]["years"] == [2025]
    assert {x["pillar"] for x in row["trend"]["pillars"]} == {"Visie", "Samenwerking"}


def test_vo_school_without_cultuurkaart_account():
    p = participation(kind="vo")
    rows = money.overview(amstelland())
    row = next(r for r in rows if r["participation"] == p.pk)
    assert row["cultuurkaart"] is False and row["years"] == []
