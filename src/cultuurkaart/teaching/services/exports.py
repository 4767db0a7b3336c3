"""What of the teaching part may leave the platform with the student (issue 12 point 8):
released feedback only. Private notes, unreleased feedback (and a teacher's unreleased
changes to released feedback) never do; this module reads only `Feedback.released_*`."""

from __future__ import annotations

from cultuurkaart.core import clock

from ..models import Feedback, SubmissionFile


def released_feedback(user) -> list[dict]:
    """The member's released feedback, oldest submission first: [{"key", "school",
    "assignment_title", "submitted_at", "released_at", "comment", "grade", "rubric":
    [{"criterion", "level"}], "attempt", "late", "item_ids"}] (datetimes ISO 8601 in
    Europe/Amsterdam). `key` is "ck:fb:<feedback id>"; `school` the name of the school that
    released it; `item_ids` the dossier items whose media were submitted (the export turns
    them into item keys). No teacher's name (decision DT-4)."""
    from cultuurkaart.dossier.models import Media

    rows = list(
        Feedback.objects.filter(submission__student=user, released_at__isnull=False)
        .select_related("submission__assignment__school")
        .order_by("submission__submitted_at", "pk")
    )
    media_ids: dict[int, list[int]] = {}
    for sub_id, media_id in SubmissionFile.objects.filter(
        submission_id__in=[fb.submission_id for fb in rows], source_media_id__isnull=False
    ).values_list("submission_id", "source_media_id"):
        media_ids.setdefault(sub_id, []).append(media_id)
    items = dict(
        Media.objects.filter(
            pk__in=[m for ids in media_ids.values() for m in ids],
            portfolio__owner=user,
            item__isnull=False,
        ).values_list("pk", "item_id")
    )
    out = []
    for fb in rows:
        sub = fb.submission
        item_ids = list(dict.fromkeys(items[m] for m in media_ids.get(sub.pk, []) if m in items))
        out.append(
            {
                "key": f"ck:fb:{fb.pk}",
                "school": sub.assignment.school.name,
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
                "item_ids": item_ids,
            }
        )
    return out
