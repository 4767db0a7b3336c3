"""Concurrent writes of one member on PostgreSQL (real threads): the portfolio row lock keeps
the school's maximum of open learning questions and the media quota."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cultuurkaart.dossier.models import Item, Media
from cultuurkaart.dossier.services import access, items, media
from cultuurkaart.ledger.tests.test_concurrency import run_threads

from .factories import dossier_school, student
from .test_media import jpeg_with_gps

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"
    ),
]


def test_concurrent_learning_questions_never_exceed_the_maximum():
    school = dossier_school()
    pupil = student(school)
    portfolio = access.portfolio_for(pupil)

    def create(i):
        return items.create_item(
            portfolio,
            {"type": "learning_question", "title": f"Vraag {i}", "occurred_on": "2024-03-01"},
            actor=pupil,
            school_id=school.pk,
        )

    results = run_threads(6, create)
    assert sum(1 for kind, _ in results if kind == "ok") == 3
    assert all(
        isinstance(r, items.TooManyOpenQuestions) for kind, r in results if kind == "error"
    ), results
    assert Item.objects.filter(portfolio=portfolio, type="learning_question").count() == 3


def test_concurrent_uploads_never_exceed_the_quota(settings):
    pupil = student(dossier_school())
    portfolio = access.portfolio_for(pupil)
    data = jpeg_with_gps()
    one = len(media._reencode(data)[0])
    settings.CK_DOSSIER_QUOTA_BYTES = one * 2 + 10

    def upload(i):
        return media.upload_media(portfolio, SimpleUploadedFile(f"{i}.jpg", data), actor=pupil)

    results = run_threads(5, upload)
    assert sum(1 for kind, _ in results if kind == "ok") == 2
    assert Media.objects.filter(portfolio=portfolio).count() == 2
