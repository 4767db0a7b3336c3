"""Provider services. On this branch only what web orders need; the provider issue's
version (application, review, IBAN, revocation) replaces this file when merged."""

from __future__ import annotations

import datetime as dt

from .models import ProviderStatus


def may_create_weborders(provider, moment: dt.datetime) -> bool:
    """An accepted provider, or one whose revocation is announced but not yet effective
    (SPEC §7: until the effective date it remains an acceptant)."""
    return provider.status in (ProviderStatus.ACCEPTED, ProviderStatus.REVOCATION_ANNOUNCED)
