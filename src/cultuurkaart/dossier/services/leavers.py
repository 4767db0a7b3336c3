"""The leaver rule (SPEC §11, §14): a member who is on no school's roster any more is
offered an export, and the portfolio is deleted `CK_DOSSIER_LEAVER_RETENTION_DAYS` (default
90) days later unless it was transferred to another school (`Portfolio.transferred_at`, set
by dossier_transfer) or the member is back on a roster (the mark is cleared).

"On a roster" = an active membership (status active, not past its end date) that is linked
to a roster entry, or a teacher role at a school. Rosters are erased on 31 August (SPEC §3),
and students who stay activate again for the new year; the job runs daily, so a student
who re-activates within the retention period keeps everything (docs/decisions.md)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import Role
from cultuurkaart.core import audit, clock, mail
from cultuurkaart.memberships.constants import MembershipStatus
from cultuurkaart.memberships.models import Membership

from ..models import Media, Portfolio

# Hooks of other apps (dossier_transfer: the export offer link): f(portfolio) -> dict of
# extra mail context.
_OFFER_HOOKS: list = []


def register_offer_hook(hook) -> None:
    if hook not in _OFFER_HOOKS:
        _OFFER_HOOKS.append(hook)


def retention_days() -> int:
    return int(settings.CK_DOSSIER_LEAVER_RETENTION_DAYS)


def _on_roster(today: dt.date):
    member = Membership.objects.filter(
        user=OuterRef("owner"),
        status=MembershipStatus.ACTIVE,
        valid_until__gte=today,
        person__isnull=False,
    )
    staff = Role.objects.filter(
        user=OuterRef("owner"), role__in=[RoleName.TEACHER, RoleName.DOCENT_PLUS]
    )
    return Exists(member) | Exists(staff)


def deletion_due(portfolio: Portfolio) -> dt.date | None:
    if portfolio.left_roster_on is None or portfolio.transferred_at is not None:
        return None
    return portfolio.left_roster_on + dt.timedelta(days=retention_days())


def run() -> dict:
    """Job `dossier-leavers` (daily): mark new leavers and mail them the export offer;
    clear the mark of members back on a roster; delete portfolios whose period is over."""
    today = clock.today()
    marked = cleared = deleted = 0
    with transaction.atomic():
        annotated = Portfolio.objects.annotate(on_roster=_on_roster(today))
        cleared = annotated.filter(on_roster=True, left_roster_on__isnull=False).update(
            left_roster_on=None, export_offered_at=None
        )
        leavers = list(
            annotated.filter(on_roster=False, left_roster_on__isnull=True, transferred_at=None)
            .select_related("owner")
            .order_by("pk")
        )
        now = clock.now()
        for portfolio in leavers:
            portfolio.left_roster_on = today
            portfolio.export_offered_at = now
            portfolio.save(update_fields=["left_roster_on", "export_offered_at"])
            marked += 1
            owner = portfolio.owner
            if owner.is_active and owner.email and not owner.email.endswith(".invalid"):
                extra = {}
                for hook in _OFFER_HOOKS:
                    extra.update(hook(portfolio) or {})
                mail.send(
                    "dossier_leaver_offer",
                    [owner.email],
                    {"delete_on": today + dt.timedelta(days=retention_days()), **extra},
                    language=owner.language,
                )
        if marked or cleared:
            audit.record("dossier.leavers.marked", data={"marked": marked, "cleared": cleared})
    cutoff = today - dt.timedelta(days=retention_days())
    # Due: the period is over (not transferred); or the member had their data deleted
    # (memberships.carry_out_deletion deactivates the account): at once.
    due = Portfolio.objects.filter(
        Q(left_roster_on__lte=cutoff, transferred_at__isnull=True)
        | Q(owner__is_active=False, owner__email__endswith="@deleted.invalid")
    ).values_list("pk", flat=True)
    for pk in list(due):
        deleted += delete_portfolio(pk)
    return {"marked": marked, "cleared": cleared, "deleted": deleted}


def delete_portfolio(portfolio_id: int, *, actor=None) -> int:
    """Delete a portfolio with its items, media (files after the commit), consents and view
    log. Returns 1 when deleted, 0 when it was gone."""
    with transaction.atomic():
        portfolio = (
            Portfolio.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=portfolio_id)
            .first()
        )
        if portfolio is None:
            return 0
        names = [
            name
            for row in Media.objects.filter(portfolio=portfolio).values_list("file", "thumbnail")
            for name in row
            if name
        ]
        audit.record(
            "dossier.portfolio.deleted",
            actor=actor,
            obj=portfolio,
            data={"portfolio": portfolio.pk, "files": len(names)},
        )
        portfolio.delete()
        transaction.on_commit(lambda: [default_storage.delete(n) for n in names])
    return 1
