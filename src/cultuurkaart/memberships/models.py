"""Activation codes, invitations, memberships, code requests and deletion requests.

Personal data held here: the member's own name and date of birth on the membership (shown
on their pass, never to the school), the e-mail address on a code request (until the
school decides or the 31 August erasure). Roster data stay in rosters.Person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock
from cultuurkaart.rosters.constants import RosterKind

from .constants import (
    BatchStatus,
    CodeRequestStatus,
    DeletionStatus,
    EndReason,
    MailStatus,
    MemberKind,
    MembershipStatus,
    ProgrammeMark,
)


class InvitationBatch(models.Model):
    """One click on "uitnodigen": the people it covers and the progress of its e-mails.

    The click is idempotent through `core.idempotency` (the API's Idempotency-Key, the page's
    form token): the same click submitted twice maps to the same batch, so nobody gets two
    mails for one click.
    """

    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="invitation_batches"
    )
    kind = models.CharField(max_length=10, choices=RosterKind.choices, blank=True)
    # Fingerprint of (who, what selection): a repeat from a page without a form token within
    # a minute is the same click (double submit) and returns this batch.
    selection_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    invited = models.PositiveIntegerField(default=0)  # fresh codes issued
    skipped = models.PositiveIntegerField(default=0)  # active members, not invited
    to_mail = models.PositiveIntegerField(default=0)  # invited people with an e-mail address
    mailed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Heartbeat of the sending: moved by every chunk. A queued or running batch that has not
    # moved for a while died with its process (`resume-invitation-batches`, issue 14 point 4).
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "selection_hash", "created_at"])]

    def __str__(self) -> str:
        return f"InvitationBatch {self.pk}"

    @property
    def processed(self) -> int:
        return self.mailed + self.failed

    @property
    def progress_percent(self) -> int:
        if not self.to_mail:
            return 100
        return min(100, round(100 * self.processed / self.to_mail))


class ActivationCode(models.Model):
    """A single-use activation code. Found by keyed hash; the value is kept encrypted only
    while it is current (unused and not revoked), for the school's list and export."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="activation_codes"
    )
    person = models.ForeignKey(
        "rosters.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activation_codes",
    )
    kind = models.CharField(max_length=10, choices=MemberKind.choices)
    code_hash = models.CharField(max_length=64, unique=True)
    code_encrypted = models.TextField(blank=True)
    batch = models.ForeignKey(
        InvitationBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="codes"
    )
    created_at = models.DateTimeField(default=clock.now)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one current code per person: a new invitation revokes the old one.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True, person__isnull=False),
                name="one_current_code_per_person",
            )
        ]
        indexes = [models.Index(fields=["school", "used_at", "revoked_at"])]

    def __str__(self) -> str:
        return f"ActivationCode {self.pk}"  # never the code

    @property
    def is_current(self) -> bool:
        return self.used_at is None and self.revoked_at is None


class Invitation(models.Model):
    """One person invited in one batch; the mail status moves away from PENDING once."""

    batch = models.ForeignKey(InvitationBatch, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(
        "rosters.Person", on_delete=models.CASCADE, related_name="invitations"
    )
    code = models.ForeignKey(
        ActivationCode, null=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    mail_status = models.CharField(
        max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING
    )
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "person"], name="one_invitation_per_click")
        ]
        indexes = [models.Index(fields=["batch", "mail_status"])]

    def __str__(self) -> str:
        return f"Invitation {self.pk}"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=MembershipStatus.ACTIVE)

    def of_school(self, school):
        return self.filter(school=school)


class Membership(models.Model):
    """A CJP membership (the digital pass). Outlives the roster entry (person SET_NULL)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="memberships"
    )
    person = models.ForeignKey(
        "rosters.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
    )
    programme = models.ForeignKey(
        "schools.Programme", on_delete=models.PROTECT, related_name="memberships"
    )
    activation_code = models.OneToOneField(
        ActivationCode,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="membership",
    )
    kind = models.CharField(max_length=10, choices=MemberKind.choices)
    mark = models.CharField(max_length=20, choices=ProgrammeMark.choices)
    # The member's own details for the pass; never shown to the school.
    first_name = models.CharField(_("voornaam"), max_length=100, blank=True)
    last_name = models.CharField(_("achternaam"), max_length=150, blank=True)
    birth_date = models.DateField(_("geboortedatum"), null=True, blank=True)
    parents_informed = models.BooleanField(default=False)
    valid_until = models.DateField(_("geldig tot en met"))
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    activated_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    pass_key = models.CharField(max_length=40, unique=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-activated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "kind"],
                condition=Q(status="active", user__isnull=False),
                name="one_active_membership_per_school_and_kind",
            )
        ]
        indexes = [
            models.Index(fields=["school", "kind", "status"]),
            models.Index(fields=["status", "valid_until"]),
        ]

    def __str__(self) -> str:
        return f"Membership {self.pk}"

    def is_valid_on(self, day) -> bool:
        return self.status == MembershipStatus.ACTIVE and day <= self.valid_until


class CodeRequest(models.Model):
    """An MBO student's or teacher's own request for a code (SPEC §4, 002 §5.4.2); the
    school confirms it against its roster."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="code_requests"
    )
    kind = models.CharField(max_length=10, choices=RosterKind.choices)
    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(_("achternaam"), max_length=150)
    email = models.CharField(_("e-mailadres"), max_length=254)
    status = models.CharField(
        max_length=10, choices=CodeRequestStatus.choices, default=CodeRequestStatus.PENDING
    )
    person = models.ForeignKey(
        "rosters.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"CodeRequest {self.pk}"


class DeletionRequest(models.Model):
    """A member's request to delete their data, carried out within 15 working days."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deletion_requests",
    )
    requested_at = models.DateTimeField(default=clock.now)
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=DeletionStatus.choices, default=DeletionStatus.PENDING
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="one_pending_deletion_request",
            )
        ]

    def __str__(self) -> str:
        return f"DeletionRequest {self.pk}"
