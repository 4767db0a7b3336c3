"""Requests and proposals (issue 11 points 6, 7 and 9; docs/marketplace.md "Requests")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail as outbox

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock, jobs
from cultuurkaart.core.errors import Conflict
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.marketplace.constants import (
    REQUEST_TRANSITIONS,
    OfferStatus,
    ProposalStatus,
    RequestStatus,
    Side,
)
from cultuurkaart.marketplace.models import OfferRequest
from cultuurkaart.marketplace.services import requests as service
from cultuurkaart.marketplace.tests.factories import make_offer, provider_person
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.constants import WebOrderStatus
from cultuurkaart.weborders.models import WebOrder
from cultuurkaart.weborders.tests.factories import SPEND_AT, fund

R = RequestStatus
NOW = SPEND_AT  # Monday 4 March 2024, 10:00 Amsterdam, inside vo-2024's spending window
CLOCK = NOW.isoformat()
STARTS = "2024-04-10T13:30:00+02:00"


@pytest.fixture
def party(db, api_as):
    """A school with a budget holder and a Docent+, a provider with a person, a published
    offer; API clients for each at NOW."""
    school = SchoolFactory()
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    dp = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    provider, person = provider_person()
    offer = make_offer(provider, status=OfferStatus.PUBLISHED)

    class P:
        pass

    p = P()
    p.school, p.bh, p.dp, p.provider, p.person, p.offer = school, bh, dp, provider, person, offer
    p.bh_api = api_as(bh, clock=CLOCK)
    p.dp_api = api_as(dp, clock=CLOCK)
    p.provider_api = api_as(person, clock=CLOCK)
    return p


def provider_side(p) -> set[str]:
    return {p.person.email, p.provider.contact_email}


def body(school, **overrides) -> dict:
    data = {
        "school_id": str(school.pk),
        "preferred_dates": ["2024-04-10"],
        "students": 25,
        "teachers": 2,
        "level": "vo-havo",
        "message": "Wij willen graag met 4 havo komen.",
    }
    data.update(overrides)
    return data


def send(p, api=None, **overrides) -> OfferRequest:
    response = (api or p.bh_api).post(f"/offers/{p.offer.pk}/requests", body(p.school, **overrides))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "sent"
    return OfferRequest.objects.get(pk=response.json()["id"])


def propose(p, r, amount="250.00", students=25) -> dict:
    response = p.provider_api.post(
        f"/requests/{r.pk}/proposals",
        {"starts_at": STARTS, "students": students, "amount": amount, "description": "Hamlet"},
    )
    assert response.status_code == 201, response.content
    return response.json()


def accepted(p) -> tuple[OfferRequest, dict]:
    r = send(p)
    proposal = propose(p, r)
    response = p.bh_api.post(f"/requests/{r.pk}/accept", {"proposal_id": proposal["id"]})
    assert response.json() == {"id": str(r.pk), "status": "accepted"}
    return r, proposal


# --- sending ----------------------------------------------------------------------------------


def test_a_budget_holder_and_a_docent_plus_send_a_request_the_provider_is_mailed(
    party, django_capture_on_commit_callbacks
):
    p = party
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = send(p)
    assert (r.school, r.offer, r.provider, r.created_by) == (p.school, p.offer, p.provider, p.bh)
    assert r.preferred_dates == ["2024-04-10"] and r.students == 25 and r.level.code == "vo-havo"
    assert [set(m.to) for m in outbox.outbox] == [provider_side(p)]
    assert "Nieuwe aanvraag" in outbox.outbox[0].subject
    assert AuditEntry.objects.filter(action="marketplace.request.sent", object_id=str(r.pk))
    send(p, api=p.dp_api, preferred_dates=["2024-05-10"])


def test_the_school_comes_from_the_callers_roles_not_from_the_body(party, api_as):
    p = party
    other = SchoolFactory()
    assert p.bh_api.post(f"/offers/{p.offer.pk}/requests", body(other)).status_code == 404
    board = with_role(UserFactory(), RoleName.BOARD, school=p.school)
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=p.school)
    for user in (board, teacher):
        response = api_as(user, clock=CLOCK).post(f"/offers/{p.offer.pk}/requests", body(p.school))
        assert response.status_code == 403
    assert p.provider_api.post(f"/offers/{p.offer.pk}/requests", body(p.school)).status_code == 404
    assert not OfferRequest.objects.exists()


def test_only_a_published_offer_can_be_requested(party):
    p = party
    hidden = make_offer(p.provider, status=OfferStatus.HIDDEN)
    assert p.bh_api.post(f"/offers/{hidden.pk}/requests", body(p.school)).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("students", 0),
        ("message", ""),
        ("preferred_dates", ["2024-04-10", "2024-04-11", "2024-04-12", "2024-04-13"]),
        ("preferred_dates", ["2024-03-01"]),  # before today
        ("period", {"from": "2024-05-01", "until": "2024-04-01"}),
        ("level", "no-such-level"),
    ],
)
def test_each_field_is_checked(party, field, value):
    response = party.bh_api.post(
        f"/offers/{party.offer.pk}/requests", body(party.school, **{field: value})
    )
    assert response.status_code == 422, response.content


def test_a_duplicate_request_needs_confirmation(party):
    p = party
    first = send(p, preferred_dates=[], period={"from": "2024-04-01", "until": "2024-04-30"})
    url = f"/offers/{p.offer.pk}/requests"
    response = p.dp_api.post(url, body(p.school, preferred_dates=["2024-04-10"]))
    assert response.status_code == 409
    assert response.json()["type"] == "duplicate-request"
    # other dates: no duplicate
    send(p, api=p.dp_api, preferred_dates=["2024-06-10"])
    # confirmed: sent, and the audit names the duplicate
    second = send(p, preferred_dates=["2024-04-10"], confirm_duplicate=True)
    entry = AuditEntry.objects.get(action="marketplace.request.sent", object_id=str(second.pk))
    assert entry.data["duplicate_of"] == [first.pk]
    # a closed request is no duplicate
    p.bh_api.post(f"/requests/{first.pk}/withdraw", {})
    p.bh_api.post(f"/requests/{second.pk}/withdraw", {})
    send(p, preferred_dates=["2024-04-10"])


def test_without_dates_a_request_overlaps_every_other(party):
    p = party
    send(p, preferred_dates=[])
    response = p.bh_api.post(f"/offers/{p.offer.pk}/requests", body(p.school))
    assert response.json()["type"] == "duplicate-request"


# --- thread and unread counts ----------------------------------------------------------------


def test_messages_move_the_request_into_conversation_and_mail_the_other_party(
    party, django_capture_on_commit_callbacks
):
    p = party
    r = send(p)
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = p.bh_api.post(f"/requests/{r.pk}/messages", {"text": "Kan het ook in mei?"})
    assert response.status_code == 201 and response.json()["request_status"] == "sent"
    assert [set(m.to) for m in outbox.outbox] == [provider_side(p)]
    assert service.unread_count(provider=p.provider) == 1
    assert service.unread_count(school=p.school) == 0
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = p.provider_api.post(f"/requests/{r.pk}/messages", {"text": "Ja, dat kan."})
    assert response.json()["request_status"] == "in_conversation"
    assert set(outbox.outbox[0].to) == {p.bh.email, p.school.budget_holder_email}
    assert service.unread_count(provider=p.provider) == 0  # answering reads the thread
    assert service.unread_count(school=p.school) == 1
    detail = p.dp_api.get(f"/requests/{r.pk}").json()
    assert detail["unread"] == 1
    assert [m["side"] for m in detail["messages"]] == ["school", "provider"]
    assert service.unread_count(school=p.school) == 0  # reading marks it read
    listed = p.bh_api.get(f"/requests?school={p.school.pk}").json()
    assert [(x["id"], x["unread"]) for x in listed["results"]] == [(str(r.pk), 0)]
    assert p.provider_api.get("/requests").json()["results"][0]["id"] == str(r.pk)
    history = [h["action"] for h in detail["history"]]
    assert history == ["sent", "in_conversation"]


def test_a_closed_request_takes_no_messages(party):
    p = party
    r = send(p)
    p.bh_api.post(f"/requests/{r.pk}/withdraw", {})
    response = p.provider_api.post(f"/requests/{r.pk}/messages", {"text": "Toch?"})
    assert response.status_code == 409 and response.json()["type"] == "request-closed"


# --- proposals ----------------------------------------------------------------------------------


def test_only_the_latest_proposal_can_be_accepted_and_an_accepted_one_stays(party):
    p = party
    r = send(p)
    first = propose(p, r, amount="300.00")
    second = propose(p, r, amount="250.00")
    assert (first["version"], second["version"]) == (1, 2)
    r.refresh_from_db()
    assert r.status == R.PROPOSED
    statuses = dict(r.proposals.values_list("version", "status"))
    assert statuses == {1: ProposalStatus.SUPERSEDED, 2: ProposalStatus.OPEN}
    response = p.bh_api.post(f"/requests/{r.pk}/accept", {"proposal_id": first["id"]})
    assert response.status_code == 409 and response.json()["type"] == "proposal-superseded"
    response = p.bh_api.post(f"/requests/{r.pk}/accept", {"proposal_id": second["id"]})
    assert response.json()["status"] == "accepted"
    again = p.bh_api.post(f"/requests/{r.pk}/accept", {"proposal_id": second["id"]})
    assert again.status_code == 409 and again.json()["type"] == "invalid-transition"
    # a new proposal after acceptance reopens the agreement; the accepted one is unchanged
    third = propose(p, r, amount="275.00")
    r.refresh_from_db()
    assert r.status == R.PROPOSED
    accepted_one = r.proposals.get(pk=second["id"])
    assert (accepted_one.status, accepted_one.amount) == (ProposalStatus.ACCEPTED, Decimal("250"))
    detail = p.bh_api.get(f"/requests/{r.pk}").json()
    assert [x["status"] for x in detail["proposals"]] == ["superseded", "accepted", "open"]
    assert detail["proposals"][-1]["id"] == third["id"]


def test_the_school_cannot_propose_and_the_provider_cannot_accept(party):
    p = party
    r = send(p)
    response = p.bh_api.post(
        f"/requests/{r.pk}/proposals",
        {"starts_at": STARTS, "students": 25, "amount": "250.00", "description": "x"},
    )
    assert response.status_code == 404
    proposal = propose(p, r)
    response = p.provider_api.post(f"/requests/{r.pk}/accept", {"proposal_id": proposal["id"]})
    assert response.status_code == 404
    assert p.provider_api.post(f"/requests/{r.pk}/withdraw", {}).status_code == 404


def test_a_proposal_in_the_past_is_refused(party):
    p = party
    r = send(p)
    response = p.provider_api.post(
        f"/requests/{r.pk}/proposals",
        {
            "starts_at": "2024-03-01T10:00:00+01:00",
            "students": 2,
            "amount": "1.00",
            "description": "x",
        },
    )
    assert response.status_code == 422


# --- the state machine ------------------------------------------------------------------------


ALL = list(RequestStatus)


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_the_state_machine_allows_exactly_its_table(party, current, target):
    """Every pair of statuses through the one transition helper: allowed moves pass, every
    other move is 409 `invalid-transition`."""
    from cultuurkaart.core.transitions import transition

    r = send(party)
    r.status = current
    allowed = target in REQUEST_TRANSITIONS.get(current, ())
    if allowed:
        transition(r, target, REQUEST_TRANSITIONS)
        assert r.status == target
    else:
        with pytest.raises(Conflict) as caught:
            transition(r, target, REQUEST_TRANSITIONS)
        assert caught.value.type == "invalid-transition"


def test_the_table_is_spec_10():
    assert {
        R.SENT: {R.IN_CONVERSATION, R.PROPOSED, R.DECLINED, R.WITHDRAWN, R.EXPIRED},
        R.IN_CONVERSATION: {R.PROPOSED, R.DECLINED, R.WITHDRAWN},
        R.PROPOSED: {R.PROPOSED, R.ACCEPTED, R.DECLINED, R.WITHDRAWN},
        R.ACCEPTED: {R.ORDERED, R.PROPOSED, R.CANCELLED},
        R.ORDERED: {R.ACCEPTED},
    } == REQUEST_TRANSITIONS


@pytest.mark.parametrize("status", [R.DECLINED, R.WITHDRAWN, R.EXPIRED, R.CANCELLED, R.ORDERED])
def test_the_services_refuse_moves_from_closed_and_ordered_requests(party, status):
    p = party
    r = send(p)
    OfferRequest.objects.filter(pk=r.pk).update(status=status)
    calls = [
        p.provider_api.post(
            f"/requests/{r.pk}/proposals",
            {"starts_at": STARTS, "students": 2, "amount": "1.00", "description": "x"},
        ),
        p.bh_api.post(f"/requests/{r.pk}/decline", {"reason": "Geen tijd"}),
        p.bh_api.post(f"/requests/{r.pk}/withdraw", {}),
    ]
    for response in calls:
        assert response.status_code == 409, response.content
        assert response.json()["type"] == "invalid-transition"
    r.refresh_from_db()
    assert r.status == status


def test_decline_by_either_party_with_a_reason_and_every_step_audited(
    party, django_capture_on_commit_callbacks
):
    p = party
    r = send(p)
    assert p.provider_api.post(f"/requests/{r.pk}/decline", {"reason": ""}).status_code == 422
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = p.provider_api.post(f"/requests/{r.pk}/decline", {"reason": "Volgeboekt"})
    assert response.json()["status"] == "declined"
    r.refresh_from_db()
    assert (r.closed_reason, r.closed_by_side) == ("Volgeboekt", Side.PROVIDER)
    assert "Volgeboekt" in outbox.outbox[0].body
    r2 = send(p, preferred_dates=["2024-06-01"])
    assert p.bh_api.post(f"/requests/{r2.pk}/decline", {"reason": "Te duur"}).status_code == 200
    actions = list(
        AuditEntry.objects.filter(object_type="marketplace.offerrequest")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "marketplace.request.sent",
        "marketplace.request.declined",
        "marketplace.request.sent",
        "marketplace.request.declined",
    ]


def test_cancel_only_an_agreement(party):
    p = party
    r, _ = accepted(p)
    with clock.frozen(NOW):
        service.cancel_request(r, Side.SCHOOL, "Gaat niet door", actor=p.bh)
    r.refresh_from_db()
    assert r.status == R.CANCELLED
    r2 = send(p, preferred_dates=["2024-06-01"])
    with clock.frozen(NOW), pytest.raises(Conflict):
        service.cancel_request(r2, Side.SCHOOL, "x", actor=p.bh)


# --- from agreement to web order ---------------------------------------------------------------


def test_the_provider_creates_the_web_order_once(party):
    p = party
    r, _ = accepted(p)
    response = p.provider_api.post(f"/requests/{r.pk}/weborder", {})
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["amount"], out["students"], out["description"]) == ("250.00", 25, "Hamlet")
    assert out["request_id"] == str(r.pk) and out["status"] == "pending"
    assert dt.datetime.fromisoformat(out["activity_at"]) == dt.datetime.fromisoformat(STARTS)
    r.refresh_from_db()
    assert r.status == R.ORDERED and str(r.weborder_id) == out["id"]
    again = p.provider_api.post(f"/requests/{r.pk}/weborder", {})
    assert again.status_code == 200 and again.json()["id"] == out["id"]
    assert WebOrder.objects.count() == 1
    assert p.bh_api.get(f"/requests/{r.pk}").json()["weborder"] == out["id"]


def test_a_web_order_needs_an_accepted_request(party):
    p = party
    r = send(p)
    propose(p, r)
    response = p.provider_api.post(f"/requests/{r.pk}/weborder", {})
    assert response.status_code == 409 and response.json()["type"] == "request-not-accepted"
    assert p.bh_api.post(f"/requests/{r.pk}/weborder", {}).status_code == 404
    assert not WebOrder.objects.exists()


def test_raising_the_amount_sends_the_request_back_to_proposed(party):
    p = party
    r, _ = accepted(p)
    response = p.provider_api.post(f"/requests/{r.pk}/weborder", {"amount": "300.00"})
    assert response.status_code == 202 and response.json()["status"] == "proposed"
    assert not WebOrder.objects.exists()
    r.refresh_from_db()
    latest = r.proposals.order_by("-version").first()
    assert (r.status, latest.version, latest.amount, latest.status) == (
        R.PROPOSED,
        2,
        Decimal("300.00"),
        ProposalStatus.OPEN,
    )
    p.bh_api.post(f"/requests/{r.pk}/accept", {"proposal_id": str(latest.pk)})
    out = p.provider_api.post(f"/requests/{r.pk}/weborder", {}).json()
    assert out["amount"] == "300.00"
    # a lower amount is a web order at once
    r2, _ = accepted_for_dates(p, "2024-06-01")
    low = p.provider_api.post(f"/requests/{r2.pk}/weborder", {"amount": "200.00"})
    assert low.status_code == 201 and low.json()["amount"] == "200.00"


def accepted_for_dates(p, day):
    r = send(p, preferred_dates=[day])
    proposal = propose(p, r)
    p.bh_api.post(f"/requests/{r.pk}/accept", {"proposal_id": proposal["id"]})
    return r, proposal


def test_a_rejected_web_order_returns_the_request_to_accepted_with_the_reason(party):
    p = party
    r, _ = accepted(p)
    wo_id = p.provider_api.post(f"/requests/{r.pk}/weborder", {}).json()["id"]
    response = p.bh_api.post(f"/weborders/{wo_id}/reject", {"reason": "Verkeerde klas"})
    assert response.status_code == 200, response.content
    r.refresh_from_db()
    assert (r.status, r.weborder_ended_reason) == (R.ACCEPTED, "Verkeerde klas")
    detail = p.bh_api.get(f"/requests/{r.pk}").json()
    assert detail["weborder_status"] == "rejected"
    assert detail["weborder_ended_reason"] == "Verkeerde klas"
    assert "weborder_ended" in [h["action"] for h in detail["history"]]
    # a new web order can now be made (the rejected one is not live)
    again = p.provider_api.post(f"/requests/{r.pk}/weborder", {})
    assert again.status_code == 201 and again.json()["id"] != wo_id


def test_a_withdrawn_web_order_also_returns_the_request(party):
    p = party
    r, _ = accepted(p)
    with clock.frozen(NOW):
        weborder, created = service.create_weborder_for(r, actor=p.person)
        weborders.withdraw_weborder(weborder, actor=p.person)
    r.refresh_from_db()
    assert created and r.status == R.ACCEPTED


def test_an_approved_web_order_keeps_the_request_ordered(party):
    p = party
    fund(p.school, school_amount="1000.00")
    r, _ = accepted(p)
    wo_id = p.provider_api.post(f"/requests/{r.pk}/weborder", {}).json()["id"]
    assert p.bh_api.post(f"/weborders/{wo_id}/approve", {}).status_code == 200
    r.refresh_from_db()
    assert r.status == R.ORDERED
    assert WebOrder.objects.get(pk=wo_id).status == WebOrderStatus.APPROVED


# --- reminder and expiry -----------------------------------------------------------------------


def test_reminder_after_5_and_expiry_after_10_working_days_idempotent(
    party, django_capture_on_commit_callbacks
):
    p = party
    r = send(p)  # Monday 4 March 2024
    answered = send(p, preferred_dates=["2024-06-01"])
    p.provider_api.post(f"/requests/{answered.pk}/messages", {"text": "Wij kijken ernaar."})

    def run(day):
        outbox.outbox.clear()
        moment = dt.datetime.combine(day, dt.time(7, 0), tzinfo=clock.AMSTERDAM)
        with clock.frozen(moment), django_capture_on_commit_callbacks(execute=True):
            return jobs.run("expire-requests", {})

    assert run(dt.date(2024, 3, 8)) == {"reminded": 0, "expired": 0}  # 4 working days
    assert run(dt.date(2024, 3, 9)) == {"reminded": 0, "expired": 0}  # Saturday
    assert run(dt.date(2024, 3, 11)) == {"reminded": 1, "expired": 0}  # 5th working day
    assert [set(m.to) for m in outbox.outbox] == [provider_side(p)]
    assert "Herinnering" in outbox.outbox[0].subject
    assert run(dt.date(2024, 3, 11)) == {"reminded": 0, "expired": 0}  # idempotent
    assert run(dt.date(2024, 3, 15)) == {"reminded": 0, "expired": 0}  # 9 working days
    assert run(dt.date(2024, 3, 18)) == {"reminded": 0, "expired": 1}  # 10th working day
    assert run(dt.date(2024, 3, 18)) == {"reminded": 0, "expired": 0}
    r.refresh_from_db()
    answered.refresh_from_db()
    assert r.status == R.EXPIRED and answered.status == R.IN_CONVERSATION
    assert AuditEntry.objects.filter(action="marketplace.request.expired", object_id=str(r.pk))


def test_the_working_days_are_settings(party, settings):
    settings.CK_REQUEST_REMINDER_WORKING_DAYS = 1
    settings.CK_REQUEST_EXPIRY_WORKING_DAYS = 2
    send(party)
    with clock.frozen(dt.datetime(2024, 3, 5, 7, 0, tzinfo=clock.AMSTERDAM)):
        assert jobs.run("expire-requests", {}) == {"reminded": 1, "expired": 0}
    with clock.frozen(dt.datetime(2024, 3, 6, 7, 0, tzinfo=clock.AMSTERDAM)):
        assert jobs.run("expire-requests", {}) == {"reminded": 0, "expired": 1}


# --- isolation (point 9) ----------------------------------------------------------------------


def test_requests_and_messages_are_visible_only_to_the_parties(party, api_as):
    p = party
    r = send(p)
    p.bh_api.post(f"/requests/{r.pk}/messages", {"text": "Geheim"})
    other_school = SchoolFactory()
    strangers = [
        with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=other_school),
        with_role(UserFactory(), RoleName.DOCENT_PLUS, school=other_school),
        provider_person()[1],
    ]
    for user in strangers:
        api = api_as(user, clock=CLOCK)
        assert api.get(f"/requests/{r.pk}").status_code == 404
        assert api.post(f"/requests/{r.pk}/messages", {"text": "x"}).status_code == 404
        assert api.post(f"/requests/{r.pk}/decline", {"reason": "x"}).status_code == 404
        assert str(r.pk) not in api.get("/requests").content.decode()
    assert p.bh_api.get(f"/requests?school={other_school.pk}").status_code == 404
    assert p.provider_api.get(f"/requests?school={p.school.pk}").status_code == 404
    # the school's teachers and the board are no party either
    for role in (RoleName.TEACHER, RoleName.BOARD):
        user = with_role(UserFactory(), role, school=p.school)
        assert api_as(user, clock=CLOCK).get(f"/requests/{r.pk}").status_code == 403
    assert r.messages.count() == 1
