"""Every write of the memberships domain: codes, invitations, activation, memberships.

Locking order (always in this order, to avoid deadlocks): rosters.Person rows (by id) →
ActivationCode → Membership → DeletionRequest. Services own their transaction, write
their audit entry in it and send mail on commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from cultuurkaart.core import audit, clock
from cultuurkaart.rosters.constants import PersonStatus, RosterKind
from cultuurkaart.rosters.models import Person

from . import codes
from .constants import BatchStatus, MailStatus, MemberKind
from .exceptions import UnknownPerson
from .models import ActivationCode, Invitation, InvitationBatch
from .queries import chunked

ROSTER_TO_MEMBER = {
    RosterKind.STUDENTS: MemberKind.STUDENT,
    RosterKind.TEACHERS: MemberKind.TEACHER,
}
INVITABLE = (PersonStatus.NEW, PersonStatus.INVITED, PersonStatus.INACTIVE)
TEXT_FILTERS = ("first_name", "last_name", "email", "mobile", "group")


# --- codes -------------------------------------------------------------------------------


def _revoke_current(person_ids: Iterable[int], moment) -> int:
    revoked = 0
    for ids in chunked(person_ids):
        revoked += ActivationCode.objects.filter(
            person_id__in=ids, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=moment, code_encrypted="")
    return revoked


def revoke_codes_for_people(person_ids: Iterable[int], *, actor=None) -> int:
    """Void the unused codes of these people (removed from a roster, SPEC §3). Returns the
    number of codes revoked. Never touches memberships."""
    ids = [int(pk) for pk in person_ids]
    if not ids:
        return 0
    with transaction.atomic():
        revoked = _revoke_current(ids, clock.now())
        if revoked:
            audit.record(
                "memberships.codes.revoked",
                actor=actor,
                data={"codes": revoked, "people": len(ids)},
            )
    return revoked


def _new_codes(school, people: list[tuple[int, str]], *, batch, moment) -> list[ActivationCode]:
    """Revoke the people's current codes and create one fresh code each (bulk)."""
    _revoke_current([pk for pk, _ in people], moment)
    objects = []
    for person_id, roster_kind in people:
        raw = codes.generate()
        objects.append(
            ActivationCode(
                school_id=school.pk,
                person_id=person_id,
                kind=ROSTER_TO_MEMBER[roster_kind],
                code_hash=codes.digest(raw),
                code_encrypted=codes.encrypt(raw),
                batch=batch,
                created_at=moment,
            )
        )
    return ActivationCode.objects.bulk_create(objects, batch_size=2000)


def issue_code(person: Person, *, actor=None) -> str:
    """A fresh code for one person (the previous one stops working); returns the code."""
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        (code,) = _new_codes(
            person.school, [(person.pk, person.kind)], batch=None, moment=clock.now()
        )
        audit.record(
            "memberships.code.issued",
            actor=actor,
            obj=code,
            school_id=person.school_id,
            data={"person": person.pk},
        )
        return codes.decrypt(code.code_encrypted)


# --- invitations -------------------------------------------------------------------------


def _fallback_filter(qs, params: dict):
    for name in TEXT_FILTERS:
        value = (params.get(name) or "").strip()
        if value:
            qs = qs.filter(**{f"{name}__icontains": value})
    year = str(params.get("year") or "").strip()
    if year.isdigit():
        qs = qs.filter(year=int(year))
    q = (params.get("q") or "").strip()
    if q:
        from django.db.models import Q

        qs = qs.filter(
            Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
            | Q(group__icontains=q)
        )
    return qs


def select_people(school, *, kind=None, person_ids=None, statuses=None, filters=None):
    """The people a selection covers: explicit ids, or everyone (of `kind`) matching the
    roster list's filters and/or statuses. Unknown ids → UnknownPerson (no hint whether
    they exist at another school)."""
    qs = Person.objects.filter(school=school)
    if kind:
        qs = qs.filter(kind=kind)
    if person_ids is not None:
        ids = sorted({int(pk) for pk in person_ids})
        found = 0
        for chunk in chunked(ids):
            found += qs.filter(pk__in=chunk).count()
        if found != len(ids):
            raise UnknownPerson(
                "Some people are not on this school's roster.",
                errors=[
                    {
                        "field": "person_ids",
                        "code": "unknown-person",
                        "message": "Not on this school's roster.",
                    }
                ],
            )
        return qs, ids
    if filters:
        try:
            from cultuurkaart.rosters.queries import filter_people
        except ImportError:
            filter_people = None
        if filter_people is not None and kind:
            qs = filter_people(school, kind, filters)
        else:
            qs = _fallback_filter(qs, filters)
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    return qs, None


def invite_people(
    school,
    *,
    actor,
    kind: str | None = None,
    person_ids: Iterable[int] | None = None,
    statuses: Iterable[str] | None = None,
    filters: dict | None = None,
    client_token: str | None = None,
) -> InvitationBatch:
    """Invite a selection (SPEC §4): every person without an active membership gets a fresh
    single-use code (earlier unused codes stop working) and, with an e-mail address, one
    invitation e-mail, sent by a background task. Active members are skipped and counted.

    `client_token` identifies the click: submitting it again returns the first batch.
    """
    token = (client_token or "").strip()[:64] or secrets.token_hex(16)
    existing = InvitationBatch.objects.filter(school=school, client_token=token).first()
    if existing is not None:
        return existing
    qs, ids = select_people(
        school, kind=kind, person_ids=person_ids, statuses=statuses, filters=filters
    )
    moment = clock.now()
    try:
        with transaction.atomic():
            batch = InvitationBatch.objects.create(
                school=school,
                kind=kind or "",
                client_token=token,
                created_by=actor,
                created_at=moment,
            )
            rows: list[tuple[int, str, str, str]] = []
            if ids is not None:
                for chunk in chunked(ids):
                    rows.extend(
                        qs.filter(pk__in=chunk)
                        .select_for_update()
                        .order_by("pk")
                        .values_list("pk", "kind", "status", "email")
                    )
            else:
                rows = list(
                    qs.select_for_update()
                    .order_by("pk")
                    .values_list("pk", "kind", "status", "email")
                )
            invite = [(pk, k) for pk, k, status, _ in rows if status != PersonStatus.ACTIVE]
            with_email = {
                pk for pk, _, status, email in rows if status != PersonStatus.ACTIVE and email
            }
            new_codes = _new_codes(school, invite, batch=batch, moment=moment)
            Invitation.objects.bulk_create(
                [
                    Invitation(
                        batch=batch,
                        person_id=code.person_id,
                        code=code,
                        mail_status=MailStatus.PENDING
                        if code.person_id in with_email
                        else MailStatus.NO_EMAIL,
                    )
                    for code in new_codes
                ],
                batch_size=2000,
            )
            for chunk in chunked(pk for pk, _ in invite):
                Person.objects.filter(pk__in=chunk, status__in=INVITABLE).update(
                    status=PersonStatus.INVITED, updated_at=moment
                )
            batch.invited = len(invite)
            batch.skipped = len(rows) - len(invite)
            batch.to_mail = len(with_email)
            if not batch.to_mail:
                batch.status = BatchStatus.DONE
                batch.finished_at = moment
            batch.save()
            audit.record(
                "memberships.invitations.created",
                actor=actor,
                obj=batch,
                school_id=school.pk,
                data={"invited": batch.invited, "skipped": batch.skipped, "to_mail": batch.to_mail},
            )
            if batch.to_mail:
                from . import tasks

                transaction.on_commit(lambda: tasks.enqueue_invitation_mails(batch.pk))
    except IntegrityError:
        # The same click arrived twice at once: the other request created the batch.
        existing = InvitationBatch.objects.filter(school=school, client_token=token).first()
        if existing is None:
            raise
        return existing
    return batch


def _activation_link(code: str) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.CK_SITE_URL + reverse("portals:activate_code", kwargs={"code": code})


def send_invitation_mails(batch_id: int, *, chunk_size: int = 500) -> InvitationBatch:
    """Send the pending e-mails of a batch over one SMTP connection per chunk.

    Each invitation row is claimed (PENDING → SENDING, rows locked with SKIP LOCKED on
    PostgreSQL; SQLite serialises writers) before its mail is built, and is never put back
    to PENDING: a re-run or a second worker cannot mail anyone twice (at-most-once). A code
    replaced by a later invitation is not mailed (REPLACED).
    """
    from django.db.models import F

    from cultuurkaart.core import mail

    InvitationBatch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING
    )
    batch = InvitationBatch.objects.select_related("school").get(pk=batch_id)
    school_name = batch.school.name
    while True:
        with transaction.atomic():
            claimed = list(
                Invitation.objects.select_for_update(skip_locked=True)
                .filter(batch_id=batch_id, mail_status=MailStatus.PENDING)
                .order_by("pk")
                .values_list("pk", flat=True)[:chunk_size]
            )
            if not claimed:
                break
            Invitation.objects.filter(pk__in=claimed, mail_status=MailStatus.PENDING).update(
                mail_status=MailStatus.SENDING
            )
        rows = Invitation.objects.filter(pk__in=claimed).values_list(
            "pk",
            "person__email",
            "person__first_name",
            "code__code_encrypted",
            "code__used_at",
            "code__revoked_at",
        )
        messages, sending, replaced = [], [], []
        for pk, email, first_name, token, used_at, revoked_at in rows:
            if not token or used_at is not None or revoked_at is not None or not email:
                replaced.append(pk)
                continue
            code = codes.decrypt(token)
            messages.append(
                mail.build(
                    "invitation",
                    [email],
                    {
                        "first_name": first_name,
                        "school_name": school_name,
                        "code": codes.display(code),
                        "link": _activation_link(code),
                    },
                )
            )
            sending.append(pk)
        ok = True
        if messages:
            try:
                mail.send_many(messages)
            except Exception:  # SMTP down: these rows stay FAILED, never re-sent twice
                ok = False
        moment = clock.now()
        if sending:
            Invitation.objects.filter(pk__in=sending).update(
                mail_status=MailStatus.SENT if ok else MailStatus.FAILED,
                mailed_at=moment if ok else None,
            )
        if replaced:
            Invitation.objects.filter(pk__in=replaced).update(mail_status=MailStatus.REPLACED)
        InvitationBatch.objects.filter(pk=batch_id).update(
            mailed=F("mailed") + (len(sending) if ok else 0),
            failed=F("failed") + (0 if ok else len(sending)) + len(replaced),
        )
    InvitationBatch.objects.filter(pk=batch_id).exclude(status=BatchStatus.DONE).update(
        status=BatchStatus.DONE, finished_at=clock.now()
    )
    batch.refresh_from_db()
    return batch
