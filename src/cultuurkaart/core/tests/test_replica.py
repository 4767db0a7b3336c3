"""The read-replica router (issue 14 point 5, decision NS-6): off by default; with a replica
configured only the reads of views marked `reads_from_replica` go there, never a read inside
a transaction, never a write, never a migration."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction

from cultuurkaart.core import replica
from cultuurkaart.core.replica import ReplicaRouter, reads_from_replica
from cultuurkaart.schools.models import School

router = ReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(replica, "configured", lambda: True)


def route():
    return router.db_for_read(School)


def test_the_router_is_installed_and_idle_without_a_replica():
    assert "cultuurkaart.core.replica.ReplicaRouter" in settings.DATABASE_ROUTERS
    assert "replica" not in settings.DATABASES  # the test settings have none
    assert reads_from_replica(route)() is None


@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_only_marked_views_read_the_replica_and_never_inside_a_transaction(with_replica):
    assert route() is None  # an unmarked view: the primary
    assert reads_from_replica(route)() == "replica"
    assert route() is None  # the mark ends with the view

    @reads_from_replica
    def deciding_view():
        with transaction.atomic():
            return route()

    assert deciding_view() is None  # reads inside a transaction see its writes: the primary


def test_writes_and_migrations_stay_on_the_primary(with_replica):
    assert reads_from_replica(lambda: router.db_for_write(School))() is None
    assert router.allow_migrate("replica", "schools") is False
    assert router.allow_migrate("default", "schools") is True


def test_the_exports_are_marked():
    from cultuurkaart.portals import views_payouts, views_weborders

    for view in (
        views_weborders.school_export,
        views_payouts.provider_export,
        views_payouts.provider_weborders_export,
    ):
        assert getattr(view, "reads_from_replica", False), view
