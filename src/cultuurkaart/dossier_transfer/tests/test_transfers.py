"""In-platform transfer (issue 12 point 8, "if time allows"; decision DT-9): a one-time code
made by the owner, entered by a teacher of the receiving school."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.storage import default_storage

from cultuurkaart.core import clock
from cultuurkaart.core.errors import NotFound
from cultuurkaart.dossier.models import Item, Media, Portfolio
from cultuurkaart.dossier.tests.factories import dossier_school
from cultuurkaart.dossier_transfer.exceptions import InvalidTransferCode
from cultuurkaart.dossier_transfer.models import PortfolioTransfer
from cultuurkaart.dossier_transfer.services import transfers
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import add_media, item, png, student, teacher
from .test_pages import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def moving():
    old, new = dossier_school(), dossier_school()
    leaver = student(old)
    first = item(leaver, title="Fotoproject", occurred_on=dt.date(2023, 10, 1), creeren=2)
    add_media(first, png(), alt="Foto")
    item(leaver, title="Notitie voor mezelf", visibility="private")
    return {"old": old, "new": new, "leaver": leaver, "teacher": teacher(new)}


def _person(user, school):
    return user.memberships.get(school=school).person


def test_a_code_copies_the_portfolio_into_a_new_account(moving):
    m = moving
    _, code = transfers.create_code(m["leaver"])
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert PortfolioTransfer.objects.get().code_hash != code  # only the hash is kept
    newcomer = student(m["new"])  # a new account at the new school
    result = transfers.accept(
        m["new"], _person(newcomer, m["new"]).pk, code.lower(), actor=m["teacher"]
    )
    assert result == {"imported": 2, "skipped": 0, "same_account": False}
    copy = Item.objects.get(portfolio__owner=newcomer, title="Fotoproject")
    assert copy.occurred_on == dt.date(2023, 10, 1) and copy.creeren == 2
    assert copy.provenance["source"] == "transfer"
    (media,) = Media.objects.filter(item=copy)
    with default_storage.open(media.file, "rb") as handle:
        assert handle.read() == png()
    # the code is used up; the old portfolio is not marked (it follows the leaver rule)
    with pytest.raises(InvalidTransferCode):
        transfers.accept(m["new"], _person(newcomer, m["new"]).pk, code, actor=m["teacher"])
    assert Portfolio.objects.get(owner=m["leaver"]).transferred_at is None


def test_the_same_account_takes_the_portfolio_over(moving):
    m = moving
    _, code = transfers.create_code(m["leaver"])
    # the student now also studies at the new school with the same account
    from cultuurkaart.memberships.constants import MemberKind, ProgrammeMark
    from cultuurkaart.memberships.models import Membership
    from cultuurkaart.memberships.tests.factories import PersonFactory

    person = PersonFactory(school=m["new"], group="4A")
    Membership.objects.create(
        user=m["leaver"],
        school=m["new"],
        person=person,
        programme=m["new"].programmes.first(),
        kind=MemberKind.STUDENT,
        mark=ProgrammeMark.CULTUURKAART,
        valid_until=dt.date(2099, 7, 31),
        pass_key="transfer-same-account",
    )
    with clock.frozen(dt.datetime(2024, 9, 2, 9, 0, tzinfo=clock.AMSTERDAM)):
        result = transfers.accept(m["new"], person.pk, code, actor=m["teacher"])
    assert result == {"imported": 0, "skipped": 2, "same_account": True}
    portfolio = Portfolio.objects.get(owner=m["leaver"])
    assert portfolio.transferred_at is not None
    assert portfolio.items.count() == 2  # nothing copied


def test_wrong_expired_or_replaced_codes_are_refused(moving):
    m = moving
    newcomer = student(m["new"])
    pid = _person(newcomer, m["new"]).pk
    with pytest.raises(InvalidTransferCode) as refused:
        transfers.accept(m["new"], pid, "AAAA-BBBB-CCCC", actor=m["teacher"])
    assert refused.value.type == "invalid-transfer-code" and refused.value.status == 422
    with clock.frozen(dt.datetime(2024, 3, 1, 9, 0, tzinfo=clock.AMSTERDAM)):
        _, old_code = transfers.create_code(m["leaver"])
        _, code = transfers.create_code(m["leaver"])  # replaces the unused one
    replaced_at = dt.datetime(2024, 3, 10, 9, 0, tzinfo=clock.AMSTERDAM)
    with clock.frozen(replaced_at), pytest.raises(InvalidTransferCode):
        transfers.accept(m["new"], pid, old_code, actor=m["teacher"])
    fortnight = dt.datetime(2024, 3, 15, 9, 0, tzinfo=clock.AMSTERDAM)  # 14 days on
    with clock.frozen(fortnight), pytest.raises(InvalidTransferCode):
        transfers.accept(m["new"], pid, code, actor=m["teacher"])
    assert Item.objects.filter(portfolio__owner=newcomer).count() == 0


def test_only_members_make_codes_and_only_roster_students_receive(moving):
    m = moving
    with pytest.raises(NotFound):
        transfers.create_code(student(SchoolFactory()))
    _, code = transfers.create_code(m["leaver"])
    with pytest.raises(NotFound):  # the leaver is not on the new school's roster
        transfers.accept(m["new"], _person(m["leaver"], m["old"]).pk, code, actor=m["teacher"])


def test_transfer_api_and_pages(moving, api_as):
    m = moving
    made = api_as(m["leaver"]).post("/me/portfolio/transfers")
    assert made.status_code == 201 and set(made.json()) == {"code", "expires_at"}
    newcomer = student(m["new"])
    pid = str(_person(newcomer, m["new"]).pk)
    api = api_as(m["teacher"])
    url = f"/schools/{m['new'].pk}/portfolio-transfers"
    got = api.post(url, {"code": made.json()["code"], "person_id": pid})
    assert got.status_code == 201 and got.json() == {
        "imported": 2,
        "skipped": 0,
        "same_account": False,
    }
    again = api.post(url, {"code": made.json()["code"], "person_id": pid})
    assert again.status_code == 422 and again.json()["type"] == "invalid-transfer-code"
    assert api_as(teacher(m["old"])).post(url, {"code": "x", "person_id": pid}).status_code == 404
    # pages: the student makes a code (shown once), the teacher enters it
    client = client_for(m["leaver"])
    shown = client.post("/mijn-dossier/export/", {"action": "transfer"}, follow=True)
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", shown.content.decode()).group(0)
    other = student(m["new"])
    done = client_for(m["teacher"]).post(
        f"/school/{m['new'].pk}/dossier/import/",
        {"form": "transfer", "code-person_id": _person(other, m["new"]).pk, "code-code": code},
        follow=True,
    )
    assert "2 onderdelen geïmporteerd, 0 waren er al." in done.content.decode()
