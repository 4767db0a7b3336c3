"""Reading the feedback that came along from an earlier school (decision DT-4).

`CarriedFeedback` rows are read-only. Who sees them follows the portfolio's own rules: the
owner sees all of them; the student's dossier teachers see only those linked to an item they
may see (an item visible to teachers, not a draft), so feedback on a private item, or not
linked to any item, stays with the student (and travels on with their next export)."""

from __future__ import annotations

from cultuurkaart.dossier.constants import Visibility

from ..models import CarriedFeedback

TEACHER_VISIBLE = [v for v in Visibility.values if v != Visibility.PRIVATE]


def _ordered(qs):
    return qs.select_related("item").order_by("-released_at", "-pk")


def of_owner(portfolio) -> list[CarriedFeedback]:
    return list(_ordered(CarriedFeedback.objects.filter(portfolio=portfolio)))


def of_item(item) -> list[CarriedFeedback]:
    return list(_ordered(CarriedFeedback.objects.filter(item=item)))


def for_teachers(portfolio) -> list[CarriedFeedback]:
    return list(
        _ordered(
            CarriedFeedback.objects.filter(
                portfolio=portfolio,
                item__visibility__in=TEACHER_VISIBLE,
                item__is_draft=False,
            )
        )
    )


def has_any(portfolio) -> bool:
    return CarriedFeedback.objects.filter(portfolio=portfolio).exists()
