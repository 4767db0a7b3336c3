"""Versioned terms and the consent records made when someone accepts them."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import clock
from .errors import DomainError
from .models import Consent, TermsVersion


def current(kind: str) -> TermsVersion:
    version = (
        TermsVersion.objects.filter(kind=kind, effective_on__lte=clock.today())
        .order_by("-effective_on", "-id")
        .first()
    )
    if version is None:
        raise DomainError(f"No published version of {kind}.", type="terms-missing", status=500)
    return version


def record_consents(subject: models.Model, kinds: list[str], *, user=None) -> list[Consent]:
    ct = ContentType.objects.get_for_model(subject)
    moment = clock.now()
    return [
        Consent.objects.create(
            terms=current(kind),
            accepted_at=moment,
            user=user,
            subject_type=ct,
            subject_id=str(subject.pk),
        )
        for kind in kinds
    ]


def consents_for(subject: models.Model):
    ct = ContentType.objects.get_for_model(subject)
    return Consent.objects.filter(subject_type=ct, subject_id=str(subject.pk)).select_related(
        "terms"
    )
