import pytest
from django.core import mail

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core.errors import Conflict, DomainError, ValidationFailed
from cultuurkaart.schools import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(school):
    return with_role(UserFactory(), RoleName.BOARD, school=school)


def test_board_replaces_the_budget_holder_who_loses_access_at_once(
    school, board, budget_holder, admin, api_as, django_capture_on_commit_callbacks
):
    change = services.request_budget_holder_change(
        school,
        {
            "name": "Nina Nieuw",
            "email": "nina@school.example",
            "replaces": budget_holder.pk,
            "confirm_mandate": True,
        },
        actor=board,
    )
    assert api_as(budget_holder).get(f"/schools/{school.pk}").status_code == 200  # until approved
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_budget_holder_change(change, approve=True, actor=admin)
    budget_holder.__dict__.pop("_role_cache", None)
    assert not budget_holder.has_school_role(school.pk, RoleName.BUDGET_HOLDER)
    assert api_as(budget_holder).get(f"/schools/{school.pk}").status_code == 404
    school.refresh_from_db()
    assert school.budget_holder_email == "nina@school.example"
    assert [u.email for u in services.current_budget_holders(school)] == ["nina@school.example"]
    assert any("nina@school.example" in m.to for m in mail.outbox)
    assert any(budget_holder.email in m.to for m in mail.outbox)


def test_an_extra_budget_holder_can_be_added(school, board, budget_holder, admin):
    change = services.request_budget_holder_change(
        school,
        {"name": "Extra", "email": "extra@school.example", "confirm_mandate": True},
        actor=board,
    )
    services.decide_budget_holder_change(change, approve=True, actor=admin)
    assert services.current_budget_holders(school).count() == 2


def test_only_the_board_may_request_and_the_mandate_is_required(school, board, budget_holder):
    with pytest.raises(DomainError):
        services.request_budget_holder_change(
            school,
            {"name": "X", "email": "x@school.example", "confirm_mandate": True},
            actor=budget_holder,
        )
    with pytest.raises(ValidationFailed) as exc:
        services.request_budget_holder_change(
            school, {"name": "X", "email": "x@school.example"}, actor=board
        )
    assert exc.value.errors[0]["field"] == "confirm_mandate"


def test_one_pending_request_at_a_time_and_decisions_are_final(school, board, admin):
    data = {"name": "X", "email": "x@school.example", "confirm_mandate": True}
    change = services.request_budget_holder_change(school, data, actor=board)
    with pytest.raises(Conflict):
        services.request_budget_holder_change(
            school, {**data, "email": "y@school.example"}, actor=board
        )
    with pytest.raises(ValidationFailed):
        services.decide_budget_holder_change(change, approve=False, actor=admin)  # reason required
    services.decide_budget_holder_change(
        change, approve=False, actor=admin, reason="Niet bevestigd"
    )
    with pytest.raises(Conflict):
        services.decide_budget_holder_change(change, approve=True, actor=admin)


def test_budget_holder_change_api(school, board, admin_api, api_as):
    response = api_as(board).post(
        f"/schools/{school.pk}/budget-holder-changes",
        {"name": "Nina", "email": "nina@school.example", "confirm_mandate": True},
    )
    assert response.status_code == 201
    change_id = response.json()["id"]
    assert (
        api_as(board).post(f"/admin/budget-holder-changes/{change_id}/approve").status_code == 403
    )
    response = admin_api.post(f"/admin/budget-holder-changes/{change_id}/approve")
    assert response.status_code == 200 and response.json()["status"] == "approved"
