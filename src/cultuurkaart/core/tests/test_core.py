import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from cultuurkaart.core import audit, clock, jobs, money
from cultuurkaart.core.errors import NotFound, RateLimited
from cultuurkaart.core.ratelimit import FailureLimiter


def test_quantize_rounds_half_up_and_refuses_floats():
    assert money.quantize(Decimal("6.165")) == Decimal("6.17")
    assert money.quantize(Decimal("-6.165")) == Decimal("-6.17")
    assert money.quantize("2.5") == Decimal("2.50")
    with pytest.raises(TypeError):
        money.quantize(1.1)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("123.45", True),
        ("10", True),
        ("1.234", False),
        ("abc", False),
        ("NaN", False),
        ("Infinity", False),
    ],
)
def test_parse_money(value, ok):
    if ok:
        assert money.parse_money(value) == Decimal(value).quantize(Decimal("0.01"))
    else:
        with pytest.raises(ValueError):
            money.parse_money(value)


def test_dutch_money_format():
    assert money.format_eur(Decimal("1234.5")) == "€\u00a01.234,50"
    assert money.format_eur(Decimal("-0.05")) == "€\u00a0-0,05"
    assert money.format_eur(Decimal("1000000")) == "€\u00a01.000.000,00"
    assert money.to_api(Decimal("5.5")) == "5.50"


def test_clock_override_and_amsterdam_dates():
    moment = clock.parse("2024-03-31T23:30:00+00:00")  # already 1 April in Amsterdam (CEST)
    with clock.frozen(moment):
        assert clock.now() == moment
        assert clock.today() == dt.date(2024, 4, 1)
    assert clock.now() != moment
    naive = clock.parse("2024-01-10T12:00:00")
    assert naive.utcoffset() == dt.timedelta(hours=1)
    assert clock.end_of_day(dt.date(2024, 7, 1)).isoformat() == "2024-07-01T23:59:59+02:00"


def test_failure_limiter_blocks_after_the_limit_with_retry_after():
    limiter = FailureLimiter("test", limit=3, window=60)
    for _ in range(3):
        limiter.check("k")
        limiter.fail("k")
    with pytest.raises(RateLimited) as exc:
        limiter.check("k")
    assert 0 < exc.value.retry_after <= 61
    assert exc.value.headers["Retry-After"] == str(exc.value.retry_after)
    limiter.check("other")  # per key
    limiter.reset("k")
    limiter.check("k")


@pytest.mark.django_db
def test_audit_record_has_no_anonymous_actor_and_keeps_ids(school):
    from django.contrib.auth.models import AnonymousUser

    entry = audit.record(
        "schools.school.viewed",
        actor=AnonymousUser(),
        obj=school,
        school_id=school.pk,
        data={"count": 3},
    )
    assert entry.actor is None
    assert (entry.object_type, entry.object_id, entry.school_id) == (
        "schools.school",
        str(school.pk),
        school.pk,
    )


def test_unknown_job_is_not_found():
    with pytest.raises(NotFound):
        jobs.run("no-such-job")


def test_clock_override_is_refused_at_start_up_when_debug_is_off():
    env = {
        **os.environ,
        "DEBUG": "0",
        "CK_ALLOW_CLOCK_OVERRIDE": "1",
        "SECRET_KEY": "x" * 60,
        "DJANGO_SETTINGS_MODULE": "cultuurkaart.conf.settings",
    }
    result = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "CK_ALLOW_CLOCK_OVERRIDE=1 is refused" in result.stderr


def test_every_scheduled_job_exists():
    from cultuurkaart.conf.celery import app

    scheduled = {
        entry["args"][0]
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "cultuurkaart.run_job"
    }
    assert scheduled <= set(jobs.names())
    assert {
        "close-objection-periods",
        "cancel-unpaid",
        "erase-rosters",
        "expire-memberships",
    } <= scheduled


@pytest.mark.django_db
def test_celery_task_runs_a_job_eagerly():
    from cultuurkaart.core.tasks import run_job

    result = run_job.delay("close-objection-periods").get()
    assert "closed" in result
