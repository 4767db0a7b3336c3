"""core.idempotency: key + body hash → the first response for 24 h; another body → 409."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cultuurkaart.accounts.models import User
from cultuurkaart.accounts.tests.factories import UserFactory
from cultuurkaart.core import clock
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.idempotency import run_once
from cultuurkaart.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2024, 3, 4, 10, 0, tzinfo=clock.AMSTERDAM)


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return 201, {"n": self.calls}


def once(user, key, payload, compute, scope="test"):
    return run_once(user=user, scope=scope, key=key, payload=payload, compute=compute)


def test_same_key_and_body_returns_the_first_response_and_does_the_work_once():
    user, work = UserFactory(), Counter()
    with clock.frozen(T0):
        first = once(user, "k1", {"amount": "10.00"}, work)
        again = once(user, "k1", {"amount": "10.00"}, work)
    assert first == again == (201, {"n": 1})
    assert work.calls == 1


def test_the_body_hash_ignores_key_order():
    user, work = UserFactory(), Counter()
    once(user, "k1", {"a": 1, "b": 2}, work)
    assert once(user, "k1", {"b": 2, "a": 1}, work) == (201, {"n": 1})


def test_same_key_with_another_body_is_a_409_idempotency_conflict():
    user, work = UserFactory(), Counter()
    once(user, "k1", {"amount": "10.00"}, work)
    with pytest.raises(Conflict) as caught:
        once(user, "k1", {"amount": "20.00"}, work)
    assert caught.value.type == "idempotency-conflict" and caught.value.status == 409
    assert work.calls == 1


def test_no_key_means_no_idempotency():
    user, work = UserFactory(), Counter()
    once(user, None, {}, work)
    once(user, "  ", {}, work)
    assert work.calls == 2
    assert not IdempotencyRecord.objects.exists()


def test_keys_are_per_user_and_per_scope():
    alice, bob, work = UserFactory(), UserFactory(), Counter()
    once(alice, "k1", {}, work)
    once(bob, "k1", {}, work)
    once(alice, "k1", {}, work, scope="other")
    assert work.calls == 3


def test_after_24_hours_the_key_is_new_again_and_old_records_go():
    user, work = UserFactory(), Counter()
    with clock.frozen(T0):
        once(user, "k1", {}, work)
        once(user, "old", {}, work)
    with clock.frozen(T0 + dt.timedelta(hours=24, seconds=1)):
        assert once(user, "k1", {"other": "body"}, work) == (201, {"n": 3})
    assert not IdempotencyRecord.objects.filter(key="old").exists()


def test_a_failed_request_leaves_no_record_so_a_retry_runs():
    user, work = UserFactory(), Counter()

    def failing():
        raise ValidationFailed("no")

    with pytest.raises(ValidationFailed):
        once(user, "k1", {}, failing)
    assert not IdempotencyRecord.objects.exists()
    assert once(user, "k1", {}, work) == (201, {"n": 1})


def test_an_overlong_key_is_refused_not_cut():
    user, work = UserFactory(), Counter()
    with pytest.raises(ValidationFailed):
        once(user, "x" * 201, {}, work)
    assert work.calls == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_to_core_keeps_the_payment_records():
    """orders/0003 renames the table: a payment retried right after the upgrade replays."""
    executor = MigrationExecutor(connection)
    accounts = ("accounts", "0003_token_expiry_and_session_version")  # the user model as now
    before = [("orders", "0002_status_labels"), ("core", "0002_terms"), accounts]
    after = [
        ("orders", "0003_move_idempotency_record_to_core"),
        ("core", "0003_idempotency_record"),
        accounts,
    ]
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        user_model = old_apps.get_model("accounts", "User")
        user = user_model.objects.create(email="admin@example.org", name="A")
        # The former helper's body hash (api/orders.py before issue 8).
        payload = {"invoice": "3", "amount": "50.00", "paid_on": "2023-10-20"}
        old_hash = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode())
        old_apps.get_model("orders", "IdempotencyRecord").objects.create(
            user=user,
            key="k1",
            scope="invoice-payment",
            body_hash=old_hash.hexdigest(),
            status=201,
            response={"id": "7"},
            created_at=clock.now(),
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new_apps = executor.loader.project_state(after).apps
        record = new_apps.get_model("core", "IdempotencyRecord").objects.get(key="k1")
        assert (record.scope, record.status, record.response) == (
            "invoice-payment",
            201,
            {"id": "7"},
        )

        def pay_again():
            raise AssertionError("a retry across the upgrade must replay, not pay again")

        retry = run_once(
            user=User.objects.get(pk=user.pk),
            scope="invoice-payment",
            key="k1",
            payload=payload,
            compute=pay_again,
        )
        assert retry == (201, {"id": "7"})
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_have_one_effect():
    """PostgreSQL: six requests with one key at the same moment: one does the work, the
    others wait on the key and replay its answer."""
    import threading

    from django.db import connection as main

    from cultuurkaart.core.models import AuditEntry

    if main.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent connections)")
    user = UserFactory()
    barrier = threading.Barrier(6)
    answers: list = []

    def compute():
        entry = AuditEntry.objects.create(at=clock.now(), action="test.effect.done")
        return 201, {"id": entry.pk}

    def request():
        from django.db import connection as own

        try:
            barrier.wait()
            answers.append(once(user, "same", {"a": 1}, compute))
        finally:
            own.close()

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 6
    assert len({body["id"] for _, body in answers}) == 1
    assert AuditEntry.objects.filter(action="test.effect.done").count() == 1
