"""What of the teaching part may leave the platform with the student (issue 12 point 8):
released feedback only. Private notes, unreleased feedback (and a teacher's unreleased
changes to released feedback) never do; this module reads only `Feedback.released_*`."""

from __future__ import annotations

from cultuurkaart.core import clock

from ..models import Feedback


def released_feedback(user) -> list[dict]:
    """The member's released feedback, oldest submission first: [{"assignment_title",
    "submitted_at", "released_at", "comment", "grade", "rubric": [{"criterion", "level"}],
    "attempt", "late"}] (datetimes ISO 8601 in Europe/Amsterdam)."""
    rows = (
        Feedback.objects.filter(submission__student=user, released_at__isnull=False)
        .select_related("submission__assignment")
        .order_by("submission__submitted_at", "pk")
    )
    out = []
    for fb in rows:
        sub = fb.submission
        out.append(
            {
                "assignment_title": sub.assignment.title,
                "submitted_at": sub.submitted_at.astimezone(clock.AMSTERDAM).isoformat(),
                "released_at": fb.released_at.astimezone(clock.AMSTERDAM).isoformat(),
                "comment": fb.released_comment,
                "grade": fb.released_grade,
                "rubric": [
                    {"criterion": name, "level": level}
                    for name, level in sorted(fb.released_rubric.items())
                ],
                "attempt": sub.attempt,
                "late": sub.late,
            }
        )
    return out
