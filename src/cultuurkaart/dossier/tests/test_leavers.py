"""The leaver rule (SPEC §11, §14): offered an export when no longer on a roster, deleted
after the retention period (default 90 days) unless transferred or back on a roster."""

import datetime as dt

import pytest
from django.core import mail

from cultuurkaart.core import clock
from cultuurkaart.core.jobs import run as run_job
from cultuurkaart.dossier.models import Item, Media, Portfolio
from cultuurkaart.dossier.services import access, leavers
from cultuurkaart.memberships.models import Membership

from .factories import ItemFactory, dossier_school, student, teacher

pytestmark = pytest.mark.django_db
A = clock.AMSTERDAM
LEFT = dt.datetime(2024, 9, 1, 3, 0, tzinfo=A)


def _leaver():
    pupil = student(dossier_school())
    portfolio = access.portfolio_for(pupil)
    ItemFactory(portfolio=portfolio)
    Membership.objects.filter(user=pupil).update(person=None)  # roster erased on 31 August
    return pupil, portfolio


def _run(at, django_capture_on_commit_callbacks):
    with clock.frozen(at), django_capture_on_commit_callbacks(execute=True):
        return leavers.run()


def test_a_current_student_and_a_teacher_are_not_leavers(django_capture_on_commit_callbacks):
    school = dossier_school()
    access.portfolio_for(student(school))
    access.portfolio_for(teacher(school))
    assert _run(LEFT, django_capture_on_commit_callbacks) == {
        "marked": 0,
        "cleared": 0,
        "deleted": 0,
    }


def test_leaver_is_offered_an_export_and_deleted_after_90_days(
    django_capture_on_commit_callbacks,
):
    pupil, portfolio = _leaver()
    assert _run(LEFT, django_capture_on_commit_callbacks)["marked"] == 1
    portfolio.refresh_from_db()
    assert portfolio.left_roster_on == LEFT.date() and portfolio.export_offered_at
    assert [m.to for m in mail.outbox] == [[pupil.email]]
    assert "30-11-2024" in mail.outbox[0].body  # 1 September + 90 days
    # running again marks nothing and mails nothing (idempotent)
    assert _run(LEFT, django_capture_on_commit_callbacks)["marked"] == 0
    assert len(mail.outbox) == 1
    day_89 = LEFT + dt.timedelta(days=89)
    assert _run(day_89, django_capture_on_commit_callbacks)["deleted"] == 0
    day_90 = LEFT + dt.timedelta(days=90)
    assert _run(day_90, django_capture_on_commit_callbacks)["deleted"] == 1
    assert not Portfolio.objects.filter(pk=portfolio.pk).exists()
    assert not Item.objects.exists()


def test_the_period_is_a_setting(settings, django_capture_on_commit_callbacks):
    settings.CK_DOSSIER_LEAVER_RETENTION_DAYS = 10
    _leaver()
    _run(LEFT, django_capture_on_commit_callbacks)
    assert _run(LEFT + dt.timedelta(days=10), django_capture_on_commit_callbacks)["deleted"] == 1


def test_a_transferred_portfolio_is_kept(django_capture_on_commit_callbacks):
    _, portfolio = _leaver()
    _run(LEFT, django_capture_on_commit_callbacks)
    Portfolio.objects.filter(pk=portfolio.pk).update(transferred_at=LEFT + dt.timedelta(days=5))
    assert _run(LEFT + dt.timedelta(days=120), django_capture_on_commit_callbacks)["deleted"] == 0
    assert Portfolio.objects.filter(pk=portfolio.pk).exists()


def test_back_on_a_roster_clears_the_mark(django_capture_on_commit_callbacks):
    pupil, portfolio = _leaver()
    _run(LEFT, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(user=pupil)
    from cultuurkaart.memberships.tests.factories import PersonFactory

    membership.person = PersonFactory(school=membership.school)
    membership.save()
    assert _run(LEFT + dt.timedelta(days=20), django_capture_on_commit_callbacks)["cleared"] == 1
    assert _run(LEFT + dt.timedelta(days=120), django_capture_on_commit_callbacks)["deleted"] == 0
    portfolio.refresh_from_db()
    assert portfolio.left_roster_on is None


def test_deleting_removes_media_files(django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    _, portfolio = _leaver()
    name = default_storage.save("dossier/x/test.jpg", ContentFile(b"x"))
    Media.objects.create(
        portfolio=portfolio, kind="image", content_type="image/jpeg", size=1, sha256="0" * 64,
        file=name,
    )  # fmt: skip
    _run(LEFT, django_capture_on_commit_callbacks)
    _run(LEFT + dt.timedelta(days=90), django_capture_on_commit_callbacks)
    assert not default_storage.exists(name)


def test_the_job_runs_through_the_registry(admin_api):
    _leaver()
    response = admin_api.post(
        "/admin/jobs/dossier-leavers", {}, headers={"X-Clock": LEFT.isoformat()}
    )
    assert response.status_code == 200, response.content
    assert response.json()["marked"] == 1
    assert run_job  # the registry knows the job (also used by run_job --now)
