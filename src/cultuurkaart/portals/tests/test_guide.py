"""The budget holder's pages after the manual (001): the menu and its words, the school
home page that guides the year in order for each role, and the Producten page."""

import datetime as dt
import re

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.core import clock
from cultuurkaart.memberships import services as memberships
from cultuurkaart.memberships.tests.factories import activated, teacher
from cultuurkaart.orders import services as orders
from cultuurkaart.orders.tests.factories import VO_ORDER_AT, order_data, ready_school, with_roster
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

pytestmark = pytest.mark.django_db

ORDER_AT = "2023-10-02T10:00:00+02:00"  # inside vo-2024's ordering period
LATER = "2023-10-20T10:00:00+02:00"


def client_for(user, at: str = ORDER_AT) -> Client:
    client = Client(headers={"X-Clock": at})
    client.force_login(user)
    if user.requires_two_factor():
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


def guide_of(client, school):
    response = client.get(f"/school/{school.pk}/")
    assert response.status_code == 200
    return response.context["guide"], response.content.decode()


def states(guide) -> dict[str, str]:
    return {step.key: step.state for step in guide.steps}


def test_budget_holder_home_walks_the_year_in_order_from_real_data():
    school = SchoolFactory(locations=[LocationFactory(students=3)])
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    client = client_for(bh)

    guide, html = guide_of(client, school)
    assert [s.key for s in guide.steps] == ["roster", "invitations", "order", "pay", "spend"]
    assert re.findall(r'data-step="(\w+)"', html) == [s.key for s in guide.steps]
    assert states(guide) == {
        "roster": "next",
        "invitations": "open",
        "order": "open",
        "pay": "open",
        "spend": "open",
    }
    assert guide.next_step.action_url == f"/school/{school.pk}/studenten/uploaden/"
    assert "De lijst is nog leeg." in guide.steps[0].lines

    with_roster(school, students=3)
    guide, _html = guide_of(client, school)
    assert states(guide)["roster"] == "done"
    assert guide.next_step.key == "invitations"
    assert "Nog niet uitgenodigd: 3." in " ".join(guide.next_step.lines)

    memberships.invite_people(
        school, actor=None, person_ids=Person.objects.values_list("pk", flat=True)
    )
    guide, _html = guide_of(client, school)
    assert states(guide)["invitations"] == "done"
    assert guide.next_step.key == "order"
    assert guide.next_step.action_url == f"/school/{school.pk}/producten/"

    with clock.frozen(VO_ORDER_AT):
        order = orders.submit_order(
            school, order_data(with_contribution=3, without_contribution=0), actor=None
        )
    guide, _html = guide_of(client, school)
    assert states(guide)["order"] == "done"
    assert guide.next_step.key == "pay"
    assert "bezwaartermijn" in " ".join(guide.next_step.lines)

    admin = with_role(UserFactory(), RoleName.ADMIN)
    with clock.frozen(VO_ORDER_AT + dt.timedelta(days=10)):
        invoice = orders.approve_order(order, actor=admin)
    guide, html = guide_of(client_for(bh, LATER), school)
    assert guide.next_step.key == "pay"
    assert invoice.number in html and "€\u00a033,00" in html  # 3 × € 11,00 still to pay

    with clock.frozen(VO_ORDER_AT + dt.timedelta(days=12)):
        orders.register_payment(invoice, str(invoice.total), "2023-10-13", actor=admin)
    guide, html = guide_of(client_for(bh, LATER), school)
    assert states(guide) == dict.fromkeys(states(guide), "done")
    assert guide.next_step is None
    assert "Beschikbaar collectief budget: €\u00a049,50." in html  # 3 × (11,00 + 5,50)


def test_each_role_sees_its_own_next_step():
    school = ready_school(duo=3)  # roster uploaded, nobody invited yet
    docent_plus = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    board = with_role(UserFactory(), RoleName.BOARD, school=school)
    with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)

    guide, _html = guide_of(client_for(docent_plus), school)
    assert guide.perspective == RoleName.DOCENT_PLUS
    assert guide.next_step.key == "invitations"
    assert guide.next_step.action_url.startswith(f"/school/{school.pk}/studenten/")
    order_step = next(s for s in guide.steps if s.key == "order")
    assert order_step.state == "waiting" and order_step.state_label == "Taak van de budgethouder"

    guide, _html = guide_of(client_for(board), school)
    assert guide.perspective == RoleName.BOARD
    assert guide.next_step.key == "pay"  # the board's own step; the rest is the holder's
    assert not guide.board_url  # a budget holder exists

    member = activated(teacher(school))
    guide, html = guide_of(client_for(member.user), school)
    assert guide.perspective == RoleName.TEACHER
    assert guide.next_step is None
    assert guide.own_pass_url == "/mijn-pas/" and 'href="/mijn-pas/"' in html


def test_board_without_budget_holder_is_asked_to_name_one():
    school = SchoolFactory()
    board = with_role(UserFactory(), RoleName.BOARD, school=school)
    guide, html = guide_of(client_for(board), school)
    assert guide.board_url == f"/school/{school.pk}/budgethouder/"
    assert "nog geen budgethouder" in html


def test_menu_follows_the_manual_and_says_leerlingen_in_vo_and_studenten_in_mbo():
    vo, mbo = ready_school(kind="vo"), ready_school(kind="mbo", duo=20)
    for school, word, other in ((vo, "leerlingen", "studenten"), (mbo, "studenten", "leerlingen")):
        bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
        client = client_for(bh)
        html = client.get(f"/school/{school.pk}/").content.decode()
        menu = html[html.index('<nav class="side"') : html.index("</nav>")]
        labels = re.findall(r'<a href="[^"]+"(?: aria-current="page")?>([^<]+)</a>', menu)
        assert labels[:4] == ["Overzicht", "Producten", "Bestellingen", f"Beheer {word}"]
        assert labels.index("Instellingen") > labels.index("Beheer docenten")
        assert f"Beheer {other}" not in html
        assert f"{word.capitalize()} volgens DUO" in html
        roster = client.get(f"/school/{school.pk}/studenten/").content.decode()
        assert f"<h1>Beheer {word}</h1>" in roster
        assert "Validatietool" in roster and "Uitnodiging versturen" in roster
        upload = client.get(f"/school/{school.pk}/studenten/uploaden/").content.decode()
        assert "Valideer bestand" in upload
        orders_page = client.get(f"/school/{school.pk}/bestellingen/").content.decode()
        assert f"{word.capitalize()} volgens DUO" in orders_page


def test_products_page_orders_the_budget_then_supplements():
    school = ready_school(duo=3)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    client = client_for(bh)
    html = client.get(f"/school/{school.pk}/producten/").content.decode()
    assert "Cultuurkaart-budget" in html
    assert f"/school/{school.pk}/bestellingen/nieuw/?programme=vo-2024&amp;kind=initial" in html
    assert "Per leerling met bijdrage school" in html and "€\u00a011,00" in html
    with clock.frozen(VO_ORDER_AT):
        orders.submit_order(
            school, order_data(with_contribution=3, without_contribution=0), actor=None
        )
    html = client.get(f"/school/{school.pk}/producten/").content.decode()
    assert "kind=initial" not in html and "kind=supplementary" in html
    docent_plus = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    assert client_for(docent_plus).get(f"/school/{school.pk}/producten/").status_code == 403


def test_products_page_sends_to_the_validation_tool_while_the_list_is_empty():
    school = SchoolFactory()
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    html = client_for(bh).get(f"/school/{school.pk}/producten/").content.decode()
    assert "kind=initial" not in html
    assert f'href="/school/{school.pk}/studenten/uploaden/"' in html
