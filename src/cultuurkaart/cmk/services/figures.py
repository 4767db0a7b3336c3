"""The programme's dashboard figures are cached per programme (aggregates only: counts per
track step, municipality, line and level; no names of people, no minutes), keyed by
`Programme.figures_token`. Every save or delete of a record behind them (participations,
tracks and steps, activities and their schools, meetings, conversations, actions,
municipalities, lines) gives the programme a new random token in the same transaction, so a
cached entry is never read after a change: a rolled-back change restores the old token
together with the old data, and a random token is never reused.

The signal receivers (`connect`, called from `CmkConfig.ready`) catch every ORM save and
delete, also those outside the services; queryset `update()` and `bulk_create` send no
signals, so the services that use them for these models call `changed()` themselves."""

from __future__ import annotations

import uuid

from django.db.models.signals import m2m_changed, post_delete, post_save

_WATCHED = (
    ("Participation", "programme_id"),
    ("Activity", "programme_id"),
    ("Meeting", "programme_id"),
    ("Municipality", "programme_id"),
    ("Line", "programme_id"),
    ("Track", "programme_id"),
    ("TrackStep", "track__programme_id"),
    ("Conversation", "participation__programme_id"),
    ("Action", "participation__programme_id"),
)


def changed(programme_id: int | None) -> None:
    """Records behind the programme's figures changed: a new token (same transaction)."""
    from ..models import Programme

    if programme_id:
        Programme.objects.filter(pk=programme_id).update(figures_token=uuid.uuid4().hex)


def token(programme) -> str:
    """The current token (read, not taken from a possibly older programme instance)."""
    from ..models import Programme

    return (
        Programme.objects.filter(pk=programme.pk).values_list("figures_token", flat=True).first()
        or ""
    )


def _programme_id(instance, path: str) -> int | None:
    if path == "programme_id":
        return instance.programme_id
    if path == "track__programme_id":
        from ..models import Track

        return (
            Track.objects.filter(pk=instance.track_id)
            .values_list("programme_id", flat=True)
            .first()
        )
    from ..models import Participation

    return (
        Participation.objects.filter(pk=instance.participation_id)
        .values_list("programme_id", flat=True)
        .first()
    )


def connect() -> None:
    from django.apps import apps

    for name, path in _WATCHED:
        model = apps.get_model("cmk", name)

        def receiver(sender, instance, raw=False, _path=path, **kwargs):
            if raw:  # fixtures
                return
            changed(_programme_id(instance, _path))

        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"cmk-figures-s-{name}")
        post_delete.connect(
            receiver, sender=model, weak=False, dispatch_uid=f"cmk-figures-d-{name}"
        )

    activity = apps.get_model("cmk", "Activity")

    def schools_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action.startswith("post_"):  # an activity or a participation: same programme
            changed(instance.programme_id)

    m2m_changed.connect(
        schools_changed,
        sender=activity.participations.through,
        weak=False,
        dispatch_uid="cmk-figures-m2m",
    )
