"""`released_feedback(user)`: what the portfolio export takes from the teaching part."""

from __future__ import annotations

import pytest

from cultuurkaart.core import clock
from cultuurkaart.teaching.services import assignments as service
from cultuurkaart.teaching.services import notes
from cultuurkaart.teaching.services.exports import released_feedback

from .factories import DAY, NOW, dossier_school, make_assignment, person_of, student, teacher

pytestmark = pytest.mark.django_db

RUBRIC = {"criteria": [{"name": "Onderzoek", "levels": ["begin", "sterk"]}]}


def test_only_released_feedback_of_the_member_and_never_notes():
    school = dossier_school()
    t, ann, bob = teacher(school), student(school), student(school)
    with clock.frozen(NOW):
        a = make_assignment(school, t, title="Toneel", rubric=RUBRIC)
        b = make_assignment(school, t, title="Dans")
        sa = service.submit(a, person_of(ann), ann, text="x", actor=ann)
        sb = service.submit(b, person_of(ann), ann, text="y", actor=ann)
        sbob = service.submit(a, person_of(bob), bob, text="z", actor=bob)
        service.give_feedback(
            sa, comment="Vrijgegeven", grade="7", rubric={"Onderzoek": "sterk"}, actor=t
        )
        service.give_feedback(sb, comment="VERBORGEN", actor=t)
        service.give_feedback(sbob, comment="VAN-BOB", actor=t)
        notes.add_note(school, person_of(ann), "PRIVENOTITIE", actor=t)
        assert released_feedback(ann) == []
    with clock.frozen(NOW + DAY):
        service.release(a, [person_of(ann).pk], actor=t)
        # a later change stays the teacher's until released again
        service.give_feedback(sa, comment="NIEUW-ONVRIJ", grade="9", actor=t)
    rows = released_feedback(ann)
    feedback = sa.feedback
    assert rows == [
        {
            "key": f"ck:fb:{feedback.pk}",
            "school": a.school.name,
            "assignment_title": "Toneel",
            "submitted_at": sa.submitted_at.isoformat(),
            "released_at": (NOW + DAY).isoformat(),
            "comment": "Vrijgegeven",
            "grade": "7",
            "rubric": [{"criterion": "Onderzoek", "level": "sterk"}],
            "attempt": 1,
            "late": False,
            "item_ids": [],
        }
    ]
    # ids and the school's name may hold any digit; the secrets are checked in the rest
    text = repr([{k: v for k, v in r.items() if k not in ("key", "school")} for r in rows])
    for secret in ("VERBORGEN", "VAN-BOB", "PRIVENOTITIE", "NIEUW-ONVRIJ", "9"):
        assert secret not in text.replace(sa.submitted_at.isoformat(), "").replace(
            (NOW + DAY).isoformat(), ""
        )
