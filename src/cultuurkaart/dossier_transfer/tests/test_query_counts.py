"""Participants of a web order (page and API) take the same number of queries for 1 and
50 students (issue 14, point 3; inventory in docs/query-counts.md)."""

from __future__ import annotations

import pytest

from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.dossier.tests.factories import student
from cultuurkaart.dossier_transfer.services.participants import select_participants
from cultuurkaart.memberships.models import Membership

from .factories import budget_holder, funded_dossier_school, pending_weborder

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    school = funded_dossier_school()
    bh = budget_holder(school)
    return school, bh, pending_weborder(school)


def _chosen(school, bh, weborder):
    def add(n):
        for _ in range(n):
            student(school, group="5V")
        ids = list(
            Membership.objects.filter(school=school, person__isnull=False).values_list(
                "person_id", flat=True
            )
        )
        select_participants(weborder, groups=[], person_ids=ids, actor=bh)

    return add


def test_participants_page(world):
    school, bh, weborder = world
    client = page_client(bh)
    assert_flat(
        _chosen(school, bh, weborder),
        lambda: client.get(f"/school/{school.pk}/webbestellingen/{weborder.pk}/deelnemers/"),
        rows=lambda r: r.content.decode().count('name="person_ids"'),
    )


def test_api_participants(world, api_as):
    school, bh, weborder = world
    api = api_as(bh)
    assert_flat(
        _chosen(school, bh, weborder),
        lambda: api.get(f"/weborders/{weborder.pk}/participants"),
        rows=lambda r: len(r.json()["person_ids"]),
    )
