"""The dossier API (API.md "Dossier"): opt-in, the member's own timeline and items,
learning questions, consent, a student's portfolio for teachers with the view log."""

import datetime as dt

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, admin_user, with_role
from cultuurkaart.core import clock
from cultuurkaart.dossier.models import Enablement, Item, PortfolioView
from cultuurkaart.dossier.services import access
from cultuurkaart.memberships.models import Membership
from cultuurkaart.orders.models import BudgetOrder
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import ItemFactory, dossier_school, student, teacher

pytestmark = pytest.mark.django_db


def _item(api, **overrides):
    body = {
        "type": "post",
        "title": "Museumbezoek",
        "body": "<p>Mooi</p>",
        "occurred_on": "2024-03-01",
        "competencies": ["reflecteren"],
    }
    body.update(overrides)
    return api.post("/me/portfolio/items", body)


# --- opt-in -----------------------------------------------------------------------------------


def test_admin_enables_and_disables_the_dossier(api_as):
    school = SchoolFactory()
    admin = api_as(admin_user())
    response = admin.post(f"/admin/schools/{school.pk}/dossier", {"enabled": True})
    assert response.status_code == 200, response.content
    assert response.json()["enabled"] and response.json()["whole_school"]
    again = admin.post(f"/admin/schools/{school.pk}/dossier", {"enabled": True})
    assert again.status_code == 200 and Enablement.objects.filter(school=school).count() == 1
    off = admin.post(f"/admin/schools/{school.pk}/dossier", {"enabled": False})
    assert off.json()["enabled"] is False and not access.is_enabled(school)


def test_admin_enables_one_class_with_a_setting(api_as):
    school = SchoolFactory()
    admin = api_as(admin_user())
    response = admin.post(
        f"/admin/schools/{school.pk}/dossier",
        {"enabled": True, "group": "3B", "max_open_questions": 1},
    )
    body = response.json()
    assert (body["whole_school"], body["groups"], body["max_open_questions"]) == (
        False,
        ["3B"],
        1,
    )
    assert access.is_enabled(school, "3B") and not access.is_enabled(school, "1A")


def test_admin_sees_the_schools_interest_from_its_budget_order(api_as):
    school = SchoolFactory()
    BudgetOrder.objects.create(
        school=school,
        programme=school.programmes.get(),
        kind="initial",
        status="submitted",
        with_contribution=10,
        without_contribution=0,
        duo_count=10,
        dossier_interest=True,
        submitted_at=clock.now(),
        objection_deadline=clock.now(),
    )
    response = api_as(admin_user()).get(f"/admin/schools/{school.pk}/dossier")
    assert response.json()["dossier_interest"] is True


def test_only_the_admin_enables(api_as):
    school = dossier_school()
    bh = UserFactory()
    with_role(bh, RoleName.BUDGET_HOLDER, school=school)
    assert (
        api_as(bh).post(f"/admin/schools/{school.pk}/dossier", {"enabled": False}).status_code
        == 403
    )
    assert (
        api_as(admin_user()).post("/admin/schools/999999/dossier", {"enabled": True}).status_code
        == 404
    )


def test_everything_is_404_without_the_dossier(api_as):
    school = SchoolFactory()  # not enabled
    pupil = student(school)
    api = api_as(pupil)
    assert api.get("/me/portfolio/items").status_code == 404
    assert _item(api).status_code == 404
    person_id = Membership.objects.get(user=pupil).person_id
    response = api_as(teacher(school)).get(f"/schools/{school.pk}/students/{person_id}/portfolio")
    assert response.status_code == 404
    assert api_as(None).get("/me/portfolio/items").status_code == 401


def test_a_class_without_the_dossier_is_404_for_its_students(api_as):
    school = dossier_school(groups=("3B",))
    assert api_as(student(school, group="1A")).get("/me/portfolio/items").status_code == 404
    assert api_as(student(school, group="3B")).get("/me/portfolio/items").status_code == 200


# --- items and timeline -----------------------------------------------------------------------


def test_create_item_defaults_to_teachers_and_sanitises_the_body(api_as):
    school = dossier_school()
    api = api_as(student(school))
    response = _item(
        api, body='<p onclick="x()">Hoi<script>alert(1)</script><a href="javascript:x">a</a></p>'
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["visibility"] == "teachers"
    assert "script" not in body["body"] and "onclick" not in body["body"]
    assert "javascript" not in body["body"]
    assert body["competencies"] == ["reflecteren"]
    assert body["competency_levels"] == {"reflecteren": 1, "onderzoeken": 0, "creeren": 0}
    assert body["school_year"] == "2023-2024"
    assert Item.objects.get(pk=body["id"]).school_id == school.pk


def test_unknown_competency_and_type_are_refused(api_as):
    api = api_as(student(dossier_school()))
    assert _item(api, competencies=["zingen"]).status_code == 422
    assert _item(api, type="essay").status_code == 422
    assert _item(api, competency_levels={"creeren": 4}).status_code == 422
    ok = _item(api, competencies=[], competency_levels={"creeren": 3})
    assert ok.json()["competencies"] == ["creeren"]


def test_reflection_keeps_a_copy_of_the_prompt(api_as):
    api = api_as(student(dossier_school()))
    response = _item(api, type="reflection", prompt="Wat viel je op?")
    assert response.json()["prompt"] == "Wat viel je op?"


def test_visit_keeps_activity_place_provider(api_as):
    api = api_as(student(dossier_school()))
    visit = {"activity": "Nachtwacht", "place": "Amsterdam", "provider": "Rijksmuseum"}
    response = _item(api, type="visit", visit=visit)
    assert response.json()["visit"] == visit


def test_timeline_newest_first_with_filters_and_paging(api_as):
    pupil = student(dossier_school())
    api = api_as(pupil)
    portfolio = access.portfolio_for(pupil)
    ItemFactory(portfolio=portfolio, occurred_on=dt.date(2023, 7, 31), title="oud")
    ItemFactory(portfolio=portfolio, occurred_on=dt.date(2023, 8, 1), title="nieuw jaar")
    ItemFactory(
        portfolio=portfolio, occurred_on=dt.date(2024, 2, 1), title="product", type="product",
        creeren=2,
    )  # fmt: skip
    titles = [r["title"] for r in api.get("/me/portfolio/items").json()["results"]]
    assert titles == ["product", "nieuw jaar", "oud"]
    year = api.get("/me/portfolio/items?school_year=2023-2024").json()
    assert [r["title"] for r in year["results"]] == ["product", "nieuw jaar"]
    assert api.get("/me/portfolio/items?type=product").json()["count"] == 1
    assert api.get("/me/portfolio/items?competency=creeren").json()["count"] == 1
    page = api.get("/me/portfolio/items?page=2&page_size=2").json()
    assert page["count"] == 3 and [r["title"] for r in page["results"]] == ["oud"]
    assert api.get("/me/portfolio/items?competency=zingen").status_code == 422
    assert api.get("/me/portfolio/items?school_year=2023").status_code == 422


def test_patch_and_delete_only_own_items(api_as):
    school = dossier_school()
    pupil, other = student(school), student(school)
    item_id = _item(api_as(pupil)).json()["id"]
    response = api_as(pupil).patch(f"/me/portfolio/items/{item_id}", {"title": "Nieuw"})
    assert response.status_code == 200 and response.json()["title"] == "Nieuw"
    assert Item.objects.get(pk=item_id).edited_by_owner_at is not None
    assert api_as(other).patch(f"/me/portfolio/items/{item_id}", {"title": "x"}).status_code == 404
    assert api_as(other).delete(f"/me/portfolio/items/{item_id}").status_code == 404
    assert api_as(pupil).delete(f"/me/portfolio/items/{item_id}").status_code == 204
    assert not Item.objects.filter(pk=item_id).exists()


def test_a_draft_is_placed_by_the_owner_and_cannot_become_a_draft_again(api_as):
    pupil = student(dossier_school())
    item = ItemFactory(portfolio=access.portfolio_for(pupil), is_draft=True, type="visit")
    api = api_as(pupil)
    assert (
        api.patch(f"/me/portfolio/items/{item.pk}", {"is_draft": False}).json()["is_draft"] is False
    )
    assert api.patch(f"/me/portfolio/items/{item.pk}", {"is_draft": True}).status_code == 422


# --- learning questions -----------------------------------------------------------------------


def test_learning_question_lifecycle_needs_a_reflection_to_close(api_as):
    pupil = student(dossier_school())
    api = api_as(pupil)
    question = _item(api, type="learning_question", title="Hoe werkt licht?").json()
    assert question["lq_status"] == "open"
    close = f"/me/portfolio/learning-questions/{question['id']}/close"
    refused = api.post(close, {})
    assert refused.status_code == 422 and refused.json()["type"] == "reflection-required"
    post = _item(api).json()
    assert api.post(close, {"reflection_id": post["id"]}).json()["type"] == "reflection-required"
    reflection = _item(
        api, type="reflection", learning_question_id=question["id"], prompt="Wat leerde je?"
    ).json()
    assert Item.objects.get(pk=question["id"]).lq_status == "in_progress"
    closed = api.post(close, {"reflection_id": reflection["id"]})
    assert closed.status_code == 200 and closed.json()["lq_status"] == "closed"
    twice = api.post(close, {"reflection_id": reflection["id"]})
    assert twice.status_code == 409 and twice.json()["type"] == "invalid-transition"


def test_closing_with_someone_elses_or_a_draft_reflection_is_refused(api_as):
    school = dossier_school()
    pupil, other = student(school), student(school)
    question = _item(api_as(pupil), type="learning_question").json()
    theirs = _item(api_as(other), type="reflection").json()
    draft = ItemFactory(portfolio=access.portfolio_for(pupil), type="reflection", is_draft=True)
    close = f"/me/portfolio/learning-questions/{question['id']}/close"
    for reflection_id in (theirs["id"], str(draft.pk), "abc"):
        response = api_as(pupil).post(close, {"reflection_id": reflection_id})
        assert response.status_code == 422 and response.json()["type"] == "reflection-required"


def test_patch_cannot_close_a_question(api_as):
    api = api_as(student(dossier_school()))
    question = _item(api, type="learning_question").json()
    response = api.patch(f"/me/portfolio/items/{question['id']}", {"lq_status": "closed"})
    assert response.status_code == 422 and response.json()["type"] == "reflection-required"
    moved = api.patch(f"/me/portfolio/items/{question['id']}", {"lq_status": "in_progress"})
    assert moved.json()["lq_status"] == "in_progress"
    back = api.patch(f"/me/portfolio/items/{question['id']}", {"lq_status": "open"})
    assert back.status_code == 409


def test_open_learning_questions_are_capped_per_school(api_as):
    school = dossier_school()
    api = api_as(student(school))
    ids = [_item(api, type="learning_question").json()["id"] for _ in range(3)]
    fourth = _item(api, type="learning_question")
    assert fourth.status_code == 409 and fourth.json()["type"] == "too-many-open-questions"
    reflection = _item(api, type="reflection").json()
    api.post(
        f"/me/portfolio/learning-questions/{ids[0]}/close", {"reflection_id": reflection["id"]}
    )
    assert _item(api, type="learning_question").status_code == 201  # a closed one frees a place
    Enablement.objects.filter(school=school).update(max_open_questions=5)
    assert _item(api, type="learning_question").status_code == 201


# --- consent ----------------------------------------------------------------------------------


def test_under_16_a_parent_consents_and_revoking_resets_items(api_as, settings):
    pupil = student(dossier_school(), birth_date=dt.date(2010, 5, 4))
    api = api_as(pupil, clock="2024-03-04T10:00:00+01:00")
    refused = _item(api, visibility="school")
    assert refused.status_code == 422 and refused.json()["type"] == "consent-required"
    own = api.post("/me/portfolio/consent", {"given_by": "student"})
    assert own.status_code == 422 and own.json()["type"] == "parent-consent-required"
    nameless = api.post("/me/portfolio/consent", {"given_by": "parent"})
    assert nameless.status_code == 422
    given = api.post("/me/portfolio/consent", {"given_by": "parent", "parent_name": "J. de Vries"})
    assert given.status_code == 201 and given.json()["given"] is True
    shown = _item(api, visibility="school").json()
    revoked = api.delete("/me/portfolio/consent")
    assert revoked.json()["given"] is False
    assert Item.objects.get(pk=shown["id"]).visibility == "class"


@pytest.mark.parametrize(
    ("born", "needs_parent"),
    [
        (dt.date(2008, 3, 4), False),  # 16 today
        (dt.date(2008, 3, 5), True),  # 16 tomorrow
        (None, True),  # unknown: a parent
    ],
)
def test_the_age_boundary_for_own_consent(api_as, born, needs_parent):
    api = api_as(student(dossier_school(), birth_date=born), clock="2024-03-04T10:00:00+01:00")
    assert api.get("/me/portfolio/consent").json()["needs_parent"] is needs_parent
    response = api.post("/me/portfolio/consent", {"given_by": "student"})
    assert response.status_code == (422 if needs_parent else 201)


# --- teachers: a student's portfolio and the view log ----------------------------------------


def _person_id(user):
    return Membership.objects.get(user=user).person_id


def test_teacher_sees_only_items_shown_to_teachers_and_the_view_is_logged(api_as):
    school = dossier_school()
    pupil = student(school)
    portfolio = access.portfolio_for(pupil)
    ItemFactory(portfolio=portfolio, title="geheim", visibility="private")
    ItemFactory(portfolio=portfolio, title="concept", is_draft=True)
    ItemFactory(portfolio=portfolio, title="voor docenten")
    ItemFactory(portfolio=portfolio, title="klas", visibility="class")
    teacher_user = teacher(school)
    url = f"/schools/{school.pk}/students/{_person_id(pupil)}/portfolio"
    response = api_as(teacher_user).get(url)
    assert response.status_code == 200
    assert sorted(r["title"] for r in response.json()["results"]) == ["klas", "voor docenten"]
    log = PortfolioView.objects.get()
    assert (log.viewer, log.school, log.channel) == (teacher_user, school, "api")


def test_who_else_may_not_see_a_students_portfolio(api_as):
    school, other = dossier_school(), dossier_school()
    pupil = student(school)
    url = f"/schools/{school.pk}/students/{_person_id(pupil)}/portfolio"
    assert api_as(teacher(other)).get(url).status_code == 404
    assert api_as(student(school)).get(url).status_code == 403
    assert api_as(admin_user()).get(url).status_code == 403
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    assert api_as(bh).get(url).status_code == 403
    teacher_user = teacher(school)
    assert (
        api_as(teacher_user).get(f"/schools/{school.pk}/students/999999/portfolio").status_code
        == 404
    )
    assert not PortfolioView.objects.exists()


def test_the_school_lists_the_view_log(api_as):
    school = dossier_school()
    pupil = student(school)
    teacher_user = teacher(school, name="Mevrouw Jansen")
    api_as(teacher_user).get(f"/schools/{school.pk}/students/{_person_id(pupil)}/portfolio")
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    response = api_as(bh).get(f"/schools/{school.pk}/dossier/views")
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["viewer_name"] == "Mevrouw Jansen"
    assert row["student_person_id"] == str(_person_id(pupil))
    assert api_as(teacher_user).get(f"/schools/{school.pk}/dossier/views").status_code == 403
