"""Private notes and unreleased feedback never reach the student (issue 12 points 4 and 6):
role × channel. Channels: the pages, the API, e-mail, and what the export takes
(`released_feedback`). Positive controls show the same checks find the text where it may be."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from conftest import ApiClient
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.core import clock
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services import notes
from cultuurkaart.teaching.services.exports import released_feedback

from .factories import DAY, NOW, dossier_school, make_assignment, person_of, student, teacher

pytestmark = pytest.mark.django_db

NOTE = "NOTITIE-GEHEIM-7731"
DRAFT = "FEEDBACK-ONVRIJ-4410"
RELEASED = "FEEDBACK-VRIJ-2208"


def _client(user):
    from django_otp import DEVICE_ID_SESSION_KEY

    client = Client()
    client.force_login(user)
    if user.requires_two_factor():
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


@pytest.fixture
def world():
    school = dossier_school()
    t = teacher(school)
    ann, classmate = student(school), student(school)
    with clock.frozen(NOW), TestCase.captureOnCommitCallbacks(execute=True):
        a = make_assignment(school, t, title="Opdracht één")
        b = make_assignment(school, t, title="Opdracht twee")
        sa = service.submit(a, person_of(ann), ann, text="werk a", actor=ann)
        sb = service.submit(b, person_of(ann), ann, text="werk b", actor=ann)
        service.give_feedback(sa, comment=RELEASED, actor=t)
        service.release(a, actor=t)
        service.give_feedback(sa, comment=RELEASED + " " + DRAFT, actor=t)  # changed later
        service.give_feedback(sb, comment=DRAFT, grade="4", actor=t)
        notes.add_note(school, person_of(ann), NOTE, actor=t)
    other_school = dossier_school()
    people = {
        "student": ann,
        "classmate": classmate,
        "teacher": t,
        "teacher_other_school": teacher(other_school),
        "budget_holder": with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school),
        "admin": with_role(UserFactory(), RoleName.ADMIN),
        "provider": with_role(UserFactory(), RoleName.PROVIDER, provider=ProviderFactory()),
    }
    return {
        "school": school,
        "a": a,
        "b": b,
        "sa": sa,
        "sb": sb,
        "ann": ann,
        **people,
        "people": people,
    }


def _pages(w):
    s, ann = w["school"].pk, person_of(w["ann"]).pk
    return {
        "my_assignments": reverse("portals:my_assignments"),
        "my_assignment_a": reverse("portals:my_assignment", kwargs={"assignment_id": w["a"].pk}),
        "my_assignment_b": reverse("portals:my_assignment", kwargs={"assignment_id": w["b"].pk}),
        "my_growth": reverse("portals:my_growth"),
        "student_page": reverse(
            "portals:school_dossier_growth", kwargs={"school_id": s, "student_id": ann}
        ),
        "notes_page": reverse(
            "portals:school_dossier_notes", kwargs={"school_id": s, "student_id": ann}
        ),
        "submission_b": reverse(
            "portals:school_dossier_submission",
            kwargs={"school_id": s, "submission_id": w["sb"].pk},
        ),
    }


def _api(w):
    s, ann = w["school"].pk, person_of(w["ann"]).pk
    return {
        "me_assignments": "/me/assignments",
        "notes": f"/schools/{s}/students/{ann}/notes",
        "submissions_b": f"/assignments/{w['b'].pk}/submissions",
        "overview": f"/schools/{s}/dossier/overview",
    }


# Who may read what: (role, channel key) → which secrets may appear. Everything else: none.
MAY_READ = {
    ("teacher", "notes_page"): {NOTE},
    ("teacher", "notes"): {NOTE},
    ("teacher", "submission_b"): {DRAFT},
    ("teacher", "submissions_b"): {DRAFT},
}
SECRETS = (NOTE, DRAFT)


@pytest.mark.parametrize(
    "role",
    [
        "student",
        "classmate",
        "teacher",
        "teacher_other_school",
        "budget_holder",
        "admin",
        "provider",
    ],
)
def test_role_by_channel(world, role):
    user = world["people"][role]
    client = _client(user)
    api = ApiClient(user, clock=NOW.isoformat())
    seen = {}
    with clock.frozen(NOW + DAY):
        for key, url in _pages(world).items():
            response = client.get(url, headers={"X-Clock": (NOW + DAY).isoformat()})
            seen[key] = (response.status_code, response.content.decode())
        for key, path in _api(world).items():
            response = api.get(path)
            seen[key] = (response.status_code, response.content.decode())
    for key, (status, body) in seen.items():
        allowed = MAY_READ.get((role, key), set())
        for secret in SECRETS:
            if secret in allowed:
                assert secret in body, f"{role} {key}: the control must find {secret}"
            else:
                assert secret not in body, f"{role} sees {secret} on {key} ({status})"
    if role == "student":
        # the released text is there, in the page and the API
        assert RELEASED in seen["my_assignment_a"][1] and RELEASED in seen["me_assignments"][1]
        assert seen["notes"][0] == 403 and seen["notes_page"][0] == 403
    if role in ("teacher_other_school", "provider", "classmate"):
        assert seen["notes"][0] in (403, 404)
        assert seen["notes_page"][0] in (403, 404)


def test_the_export_channel(world):
    rows = released_feedback(world["ann"])
    text = repr(rows)
    assert RELEASED in text
    assert NOTE not in text and DRAFT not in text and "Opdracht twee" not in text
    assert released_feedback(world["classmate"]) == []


def test_the_email_channel(world):
    """Every e-mail sent while notes were written, feedback given and released: none holds
    a note or unreleased feedback (the release e-mail names only the assignment)."""
    mail.outbox.clear()
    with clock.frozen(NOW + DAY), TestCase.captureOnCommitCallbacks(execute=True):
        notes.add_note(world["school"], person_of(world["ann"]), NOTE, actor=world["teacher"])
        service.give_feedback(world["sb"], comment=DRAFT, actor=world["teacher"])
        service.release(world["a"], actor=world["teacher"])  # a's working copy holds DRAFT...
    # ...so releasing it makes that text released: the student's e-mail still names only
    # the assignment.
    assert [m.to for m in mail.outbox] == [[world["ann"].email]]
    for message in mail.outbox:
        content = message.subject + message.body
        assert NOTE not in content and DRAFT not in content and RELEASED not in content
        assert "Opdracht één" in content
