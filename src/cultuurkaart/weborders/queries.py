"""Read side of web orders: visibility, the likely-duplicate flag, worklists."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet

from cultuurkaart.core import clock

from .constants import LIVE, WebOrderStatus
from .models import WebOrder


def with_duplicate_flag(qs: QuerySet) -> QuerySet:
    """Annotate `likely_duplicate`: another live web order of the same provider for the same
    school with the same amount and activity date exists (SPEC §8). One EXISTS subquery on
    the (provider, school, amount, activity_on) index, no query per row."""
    others = WebOrder.objects.filter(
        provider=OuterRef("provider"),
        school=OuterRef("school"),
        amount=OuterRef("amount"),
        activity_on=OuterRef("activity_on"),
        status__in=LIVE,
    ).exclude(pk=OuterRef("pk"))
    return qs.annotate(likely_duplicate=Exists(others))


def for_school(school) -> QuerySet:
    return with_duplicate_flag(
        WebOrder.objects.filter(school=school).select_related("provider", "programme")
    ).order_by("-created_at", "-id")


def for_provider(provider_id: int) -> QuerySet:
    return with_duplicate_flag(
        WebOrder.objects.filter(provider_id=provider_id).select_related("school", "programme")
    ).order_by("-created_at", "-id")


def pending_for_school(school) -> QuerySet:
    return for_school(school).filter(status=WebOrderStatus.PENDING)


def check_worklist(
    *,
    provider: int | None = None,
    school: int | None = None,
    min_amount=None,
    max_amount=None,
    older_than_days: int | None = None,
) -> QuerySet:
    """Approved web orders awaiting the admin's check: likely duplicates first, then the
    oldest approval first."""
    # prefetch_related, not select_related: the sort (on the duplicate flag) and the page
    # limit then run on the web orders alone, and only the page's providers, schools and
    # programmes are read (three fixed queries), not a join over the whole worklist.
    qs = with_duplicate_flag(
        WebOrder.objects.filter(status=WebOrderStatus.APPROVED).prefetch_related(
            "provider", "school", "programme"
        )
    )
    if provider:
        qs = qs.filter(provider_id=provider)
    if school:
        qs = qs.filter(school_id=school)
    if min_amount is not None:
        qs = qs.filter(amount__gte=min_amount)
    if max_amount is not None:
        qs = qs.filter(amount__lte=max_amount)
    if older_than_days:
        qs = qs.filter(decided_at__lte=clock.now() - dt.timedelta(days=older_than_days))
    return qs.order_by("-likely_duplicate", "decided_at", "id")


def is_likely_duplicate(
    *, provider_id: int, school_id: int, amount, activity_on, exclude: int | None = None
) -> bool:
    qs = WebOrder.objects.filter(
        provider_id=provider_id,
        school_id=school_id,
        amount=amount,
        activity_on=activity_on,
        status__in=LIVE,
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()
