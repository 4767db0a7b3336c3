"""Issue 12 point 7: a paid activity prompts reflection. An approved web order gives each
participating student exactly one draft visit item with a prompt; a reversal (or an
invalid check) takes an untouched draft away and marks an edited one."""

from __future__ import annotations

import pytest

from cultuurkaart.core import clock
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.dossier.models import Item
from cultuurkaart.dossier_transfer.models import Participant
from cultuurkaart.dossier_transfer.services import participants
from cultuurkaart.dossier_transfer.services.participants import select_participants
from cultuurkaart.memberships.tests.factories import PersonFactory
from cultuurkaart.weborders import services as weborders

from .factories import (
    SPEND_AT,
    budget_holder,
    funded_dossier_school,
    item,
    pending_weborder,
    student,
)

pytestmark = pytest.mark.django_db


def _person(user, school):
    return user.memberships.get(school=school).person


@pytest.fixture
def setup():
    school = funded_dossier_school()
    return {
        "school": school,
        "bh": budget_holder(school),
        "a": student(school, group="3B"),
        "b": student(school, group="3B"),
        "c": student(school, group="3C"),
        "weborder": pending_weborder(school),
    }


def _approve(s):
    with clock.frozen(SPEND_AT):
        return weborders.approve_weborder(s["weborder"], actor=s["bh"])


def _drafts(user):
    return list(Item.objects.filter(portfolio__owner=user, origin_key__startswith="weborder:"))


def test_approval_gives_each_participant_one_draft_visit_with_a_prompt(setup):
    s = setup
    PersonFactory(school=s["school"], group="3B")  # on the roster, no account: nothing
    select_participants(s["weborder"], groups=["3B"], person_ids=[], actor=s["bh"])
    assert Item.objects.count() == 0  # pending: nothing yet
    _approve(s)
    for user in (s["a"], s["b"]):
        (draft,) = _drafts(user)
        assert draft.type == "visit" and draft.is_draft
        assert draft.prompt.startswith("Je deed mee aan een culturele activiteit")
        assert draft.occurred_on == s["weborder"].activity_on
        assert draft.visit["provider"] == s["weborder"].provider.name
        assert draft.visit["activity"] == s["weborder"].description
        assert draft.school_id == s["school"].pk
        assert draft.origin_key == f"weborder:{s['weborder'].pk}"
        assert draft.visibility == "teachers"
    assert _drafts(s["c"]) == []
    assert Participant.objects.filter(weborder=s["weborder"]).count() == 2


def test_running_it_again_creates_nothing(setup):
    s = setup
    select_participants(s["weborder"], groups=["3B"], person_ids=[], actor=s["bh"])
    wo = _approve(s)
    participants.weborder_approved(wo)  # the hook once more
    select_participants(wo, groups=["3B"], person_ids=[], actor=s["bh"])  # and the selection
    with clock.frozen(SPEND_AT), pytest.raises(Conflict):
        weborders.approve_weborder(wo, actor=s["bh"])  # already decided
    assert len(_drafts(s["a"])) == 1 and len(_drafts(s["b"])) == 1
    assert Item.objects.count() == 2


def test_students_picked_one_by_one_and_a_class_together(setup):
    s = setup
    select_participants(
        s["weborder"], groups=["3C"], person_ids=[_person(s["a"], s["school"]).pk], actor=s["bh"]
    )
    _approve(s)
    assert len(_drafts(s["a"])) == 1 and len(_drafts(s["c"])) == 1
    assert _drafts(s["b"]) == []


def test_without_a_selection_approval_gives_nothing(setup):
    _approve(setup)
    assert Item.objects.count() == 0


def test_a_class_without_the_dossier_gets_nothing():
    school = funded_dossier_school(groups=("3B",))  # only class 3B has the dossier
    bh = budget_holder(school)
    inside, outside = student(school, group="3B"), student(school, group="4A")
    weborder = pending_weborder(school)
    select_participants(weborder, groups=["3B", "4A"], person_ids=[], actor=bh)
    with clock.frozen(SPEND_AT):
        weborders.approve_weborder(weborder, actor=bh)
    assert len(_drafts(inside)) == 1
    assert _drafts(outside) == []


@pytest.mark.parametrize("how", ["reverse", "invalid", "corrected after payout"])
def test_money_back_removes_untouched_drafts_and_marks_edited_ones(setup, admin, how):
    s = setup
    mine = item(s["a"], title="Mijn eigen bericht")  # not from the web order: untouched by this
    select_participants(s["weborder"], groups=["3B"], person_ids=[], actor=s["bh"])
    wo = _approve(s)
    (edited,) = _drafts(s["a"])
    edited.body = "<p>Het was mooi.</p>"
    edited.edited_by_owner_at = clock.now()
    edited.save()
    with clock.frozen(SPEND_AT):
        if how == "reverse":
            weborders.reverse_weborder(wo, reason="Dubbel", actor=admin)
        elif how == "invalid":
            weborders.check_weborder(wo, valid=False, reason="Geen voorstelling", actor=admin)
        else:  # paid, then found wrong (payouts.services.correct_paid_weborder)
            from cultuurkaart.payouts import services as payouts

            weborders.check_weborder(wo, valid=True, actor=admin)
            payouts.create_payout_batch(actor=admin)
            payouts.correct_paid_weborder(wo, reason="Geen voorstelling", actor=admin)
    assert _drafts(s["b"]) == []  # untouched: gone
    (kept,) = _drafts(s["a"])
    assert kept.pk == edited.pk and kept.activity_cancelled
    assert kept.body == "<p>Het was mooi.</p>"
    mine.refresh_from_db()
    assert not mine.activity_cancelled


def test_a_valid_check_and_a_rejection_leave_the_drafts_alone(setup, admin):
    s = setup
    select_participants(s["weborder"], groups=["3B"], person_ids=[], actor=s["bh"])
    wo = _approve(s)
    with clock.frozen(SPEND_AT):
        weborders.check_weborder(wo, valid=True, actor=admin)
    assert len(_drafts(s["a"])) == 1 and not _drafts(s["a"])[0].activity_cancelled


def test_after_approval_the_selection_only_grows_and_newcomers_get_their_draft(setup):
    s = setup
    select_participants(s["weborder"], groups=["3B"], person_ids=[], actor=s["bh"])
    wo = _approve(s)
    summary = select_participants(wo, groups=["3C"], person_ids=[], actor=s["bh"])
    assert summary["class_names"] == ["3B", "3C"]  # 3B stays
    assert summary["participants"] == 3 and summary["drafts"] == 3
    assert len(_drafts(s["c"])) == 1


def test_a_rejected_weborder_takes_no_selection(setup):
    s = setup
    with clock.frozen(SPEND_AT):
        weborders.reject_weborder(s["weborder"], "Niet afgesproken", actor=s["bh"])
    with pytest.raises(Conflict):
        select_participants(s["weborder"], groups=["3B"], person_ids=[], actor=s["bh"])


def test_unknown_classes_and_other_schools_students_are_refused(setup):
    s = setup
    other = funded_dossier_school()
    stranger = student(other, group="3B")
    with pytest.raises(ValidationFailed) as refused:
        select_participants(
            s["weborder"],
            groups=["9Z"],
            person_ids=[_person(stranger, other).pk],
            actor=s["bh"],
        )
    assert {e["field"] for e in refused.value.errors} == {"class_names", "person_ids"}
    assert participants.selection_of(s["weborder"]) is None


def test_a_student_without_a_class_needs_the_whole_school_enabled():
    school = funded_dossier_school(groups=("3B",))
    bh = budget_holder(school)
    loose = student(school, group="")  # no class on the roster
    weborder = pending_weborder(school)
    select_participants(weborder, groups=[], person_ids=[_person(loose, school).pk], actor=bh)
    with clock.frozen(SPEND_AT):
        weborders.approve_weborder(weborder, actor=bh)
    assert _drafts(loose) == []


def _approval_queries(n: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    school = funded_dossier_school()
    bh = budget_holder(school)
    for _ in range(n):
        student(school, group="5V")
    weborder = pending_weborder(school)
    select_participants(weborder, groups=["5V"], person_ids=[], actor=bh)
    with CaptureQueriesContext(connection) as queries, clock.frozen(SPEND_AT):
        weborders.approve_weborder(weborder, actor=bh)
    assert Item.objects.filter(origin_key=f"weborder:{weborder.pk}").count() == n
    return len(queries)


def test_the_drafts_take_a_fixed_number_of_queries_whatever_the_class_size():
    _approval_queries(1)  # warm-up (first-use caches)
    assert _approval_queries(3) == _approval_queries(40)
