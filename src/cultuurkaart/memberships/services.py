"""Every write of the memberships domain: codes, invitations, activation, memberships.

Locking order (always in this order, to avoid deadlocks): rosters.Person rows (by id) →
ActivationCode → Membership → DeletionRequest. Services own their transaction, write
their audit entry in it and send mail on commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock
from cultuurkaart.core.calendar import add_working_days
from cultuurkaart.core.dispatch import dispatch
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.ratelimit import FailureLimiter
from cultuurkaart.core.transitions import allowed
from cultuurkaart.rosters.constants import PersonStatus, RosterKind
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools.constants import SchoolKind
from cultuurkaart.schools.models import School

from . import codes
from .calendar import last_erasure_moment
from .constants import (
    DELETION_WORKING_DAYS,
    PARENTAL_NOTICE_AGE,
    TRANSITIONS,
    BatchStatus,
    CodeRequestStatus,
    DeletionStatus,
    EndReason,
    MailStatus,
    MemberKind,
    MembershipStatus,
    ProgrammeMark,
)
from .exceptions import (
    AlreadyDecided,
    AlreadyMember,
    CodeUsed,
    InvalidCode,
    MembershipNotActive,
    NoProgramme,
    NotMbo,
    ParentalNoticeRequired,
    TeacherMembershipsExhausted,
    UnknownPerson,
    UnknownSchool,
)
from .models import (
    ActivationCode,
    CodeRequest,
    DeletionRequest,
    Invitation,
    InvitationBatch,
    Membership,
)
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
        Person.objects.select_for_update(of=("self",), no_key=True).filter(pk=person.pk).first()
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
    if (number := parse_id(year, max_digits=4)) is not None:
        qs = qs.filter(year=number)
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


def _selection_hash(actor, kind, person_ids, statuses, filters) -> str:
    import hashlib
    import json

    selection = {
        "actor": getattr(actor, "pk", None),
        "kind": kind or "",
        "ids": sorted({int(pk) for pk in person_ids}) if person_ids is not None else None,
        "statuses": sorted(statuses or []),
        "filters": {k: v for k, v in sorted((filters or {}).items()) if v not in ("", None, [])},
    }
    return hashlib.sha256(json.dumps(selection, sort_keys=True, default=str).encode()).hexdigest()


def _queue_invitations(batch: InvitationBatch) -> None:
    """One Invitation row (= one queued e-mail, or NO_EMAIL) per code of the batch, set-based
    (INSERT … SELECT; thousands of rows in one statement)."""
    from django.db import connection

    inv, code, person = (m._meta.db_table for m in (Invitation, ActivationCode, Person))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {inv} (batch_id, person_id, code_id, mail_status) "  # noqa: S608 - table names from _meta
            f"SELECT c.batch_id, c.person_id, c.id, "
            f"CASE WHEN p.email <> '' THEN %s ELSE %s END "
            f"FROM {code} c JOIN {person} p ON p.id = c.person_id WHERE c.batch_id = %s",
            [MailStatus.PENDING, MailStatus.NO_EMAIL, batch.pk],
        )


def invite_people(
    school,
    *,
    actor,
    kind: str | None = None,
    person_ids: Iterable[int] | None = None,
    statuses: Iterable[str] | None = None,
    filters: dict | None = None,
    double_submit_seconds: int = 0,
) -> InvitationBatch:
    """Invite a selection (SPEC §4): every person without an active membership gets a fresh
    single-use code (earlier unused codes stop working) and, with an e-mail address, one
    invitation e-mail, sent by a background task. Active members are skipped and counted.

    A click with a key (the API's Idempotency-Key, the page's form token) is made idempotent
    by the caller with `core.idempotency`. Without one, `double_submit_seconds` (web forms)
    treats the same person repeating the same selection within that many seconds as a
    double submit of the same click and returns the first batch.
    """
    fingerprint = _selection_hash(actor, kind, person_ids, statuses, filters)
    if double_submit_seconds:
        existing = InvitationBatch.objects.filter(
            school=school,
            selection_hash=fingerprint,
            created_at__gte=clock.now() - dt.timedelta(seconds=double_submit_seconds),
        ).first()
        if existing is not None:
            return existing
    qs, ids = select_people(
        school, kind=kind, person_ids=person_ids, statuses=statuses, filters=filters
    )
    moment = clock.now()
    with transaction.atomic():
        batch = InvitationBatch.objects.create(
            school=school,
            kind=kind or "",
            created_by=actor,
            created_at=moment,
            selection_hash=fingerprint,
        )
        rows: list[tuple[int, str, str, str]] = []
        if ids is not None:
            for chunk in chunked(ids):
                rows.extend(
                    qs.filter(pk__in=chunk)
                    .select_for_update(of=("self",), no_key=True)
                    .order_by("pk")
                    .values_list("pk", "kind", "status", "email")
                )
        else:
            rows = list(
                qs.select_for_update(of=("self",), no_key=True)
                .order_by("pk")
                .values_list("pk", "kind", "status", "email")
            )
        invite = [(pk, k) for pk, k, status, _ in rows if status != PersonStatus.ACTIVE]
        with_email = sum(
            1 for _, _, status, email in rows if status != PersonStatus.ACTIVE and email
        )
        _new_codes(school, invite, batch=batch, moment=moment)
        _queue_invitations(batch)
        for chunk in chunked(pk for pk, _ in invite):
            Person.objects.filter(pk__in=chunk, status__in=INVITABLE).update(
                status=PersonStatus.INVITED, updated_at=moment
            )
        batch.invited = len(invite)
        batch.skipped = len(rows) - len(invite)
        batch.to_mail = with_email
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

            dispatch(
                tasks.send_invitation_mails,
                batch.pk,
                background=batch.to_mail > tasks.THREAD_THRESHOLD,
            )
    return batch


def _activation_link(code: str) -> str:
    """The invitation link. The code travels in the URL fragment, which browsers never send
    to the server, so it never appears in access logs (decision W5)."""
    from django.conf import settings
    from django.urls import reverse

    return f"{settings.CK_SITE_URL}{reverse('portals:activate')}#code={code}"


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
        status=BatchStatus.RUNNING, updated_at=clock.now()
    )
    batch = InvitationBatch.objects.select_related("school").get(pk=batch_id)
    school_name = batch.school.name
    activate_url = _site_url("portals:activate")
    while True:
        with transaction.atomic():
            claimed = list(
                Invitation.objects.select_for_update(of=("self",), no_key=True, skip_locked=True)
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
                        "activate_url": activate_url,
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
            updated_at=moment,
        )
    InvitationBatch.objects.filter(pk=batch_id).exclude(status=BatchStatus.DONE).update(
        status=BatchStatus.DONE, finished_at=clock.now(), updated_at=clock.now()
    )
    batch.refresh_from_db()
    return batch


BATCH_STALE = dt.timedelta(minutes=10)


def resume_stale_batches() -> dict:
    """Invitation batches whose sending died with its process (kill -9, a deploy, a lost
    thread): queued or running and not moved for `BATCH_STALE` (job
    `resume-invitation-batches`, decision NS-4).

    Rows a dead process had claimed (SENDING) may or may not have been mailed: they become
    FAILED and are never mailed again (at most one mail per invitation; the school sees them
    as failed and can invite those people again). The rest (PENDING) is sent by dispatching
    the batch again. → {"resumed": batches sent again, "unknown": rows marked failed}."""
    from django.db.models import F

    from . import tasks

    cutoff = clock.now() - BATCH_STALE
    resumed = unknown = 0
    stale = InvitationBatch.objects.filter(
        status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING], updated_at__lt=cutoff
    ).order_by("pk")
    for batch in stale:
        with transaction.atomic():
            # Claim it (a second sweep at the same moment finds it moved on).
            if not InvitationBatch.objects.filter(pk=batch.pk, updated_at=batch.updated_at).update(
                updated_at=clock.now()
            ):
                continue
            lost = Invitation.objects.filter(batch_id=batch.pk, mail_status=MailStatus.SENDING)
            n = lost.update(mail_status=MailStatus.FAILED)
            if n:
                InvitationBatch.objects.filter(pk=batch.pk).update(failed=F("failed") + n)
            unknown += n
            if Invitation.objects.filter(
                batch_id=batch.pk, mail_status=MailStatus.PENDING
            ).exists():
                dispatch(tasks.send_invitation_mails, batch.pk, background=True)
                resumed += 1
            else:
                InvitationBatch.objects.filter(pk=batch.pk).update(
                    status=BatchStatus.DONE, finished_at=clock.now()
                )
    return {"resumed": resumed, "unknown": unknown}


# --- activation --------------------------------------------------------------------------

# Failed activations (unknown, malformed, replaced or used codes) per client and per code.
# 15 per 15 minutes: within API.md's bounds (429 after at most 20, never before 10).
activation_client_limiter = FailureLimiter("activation-client", limit=15, window=15 * 60)
activation_code_limiter = FailureLimiter("activation-code", limit=10, window=15 * 60)


# --- teacher memberships the school ordered -------------------------------------------

# How many teacher memberships a school may have in a programme (None: no limit). The
# orders domain registers the function (it knows the orders; memberships must not import
# it): `register_teacher_allowance(fn)`, from OrdersConfig.ready().
_teacher_allowance: Callable[[Any, Any], int | None] | None = None


def register_teacher_allowance(fn: Callable[[Any, Any], int | None]) -> None:
    global _teacher_allowance
    _teacher_allowance = fn


def teacher_allowance(school, programme) -> int | None:
    return _teacher_allowance(school, programme) if _teacher_allowance else None


def _check_teacher_allowance(school, programme) -> None:
    """A teacher membership beyond the number the school ordered (free ones included) is
    refused at activation (decision M8-7). Called under the school's row lock, so two
    concurrent activations cannot both take the last one."""
    allowed = teacher_allowance(school, programme)
    if allowed is None:
        return
    used = Membership.objects.filter(
        school=school, programme=programme, kind=MemberKind.TEACHER
    ).count()
    if used >= allowed:
        raise TeacherMembershipsExhausted(
            _(
                "Je school heeft geen docentlidmaatschappen meer over. Vraag de budgethouder "
                "om extra docentlidmaatschappen bij te bestellen."
            )
        )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Age in full years on `day` (a 29 February birthday counts from 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def choose_programme(school, day: dt.date):
    """The programme a membership activated on `day` belongs to (docs/activation-codes.md):
    of the school's programmes of its kind whose membership period still runs, the one
    whose ordering started last (the current school year), else the one that runs longest.
    When none runs any more, the school's latest programme: API.md knows no refusal for
    this, and the membership then carries that programme's (past) end date and expires."""
    programmes = [p for p in school.programmes.all() if p.kind == school.kind] or list(
        school.programmes.all()
    )
    if not programmes:
        raise NoProgramme("The school has no programme.")
    running = [p for p in programmes if p.membership_valid_until >= day]
    if not running:
        return max(programmes, key=lambda p: (p.membership_valid_until, p.pk))
    started = [p for p in running if p.order_from <= day]
    if started:
        return max(started, key=lambda p: (p.order_from, p.membership_valid_until, p.pk))
    return max(running, key=lambda p: (p.membership_valid_until, p.pk))


def _field_error(field: str, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


def _clean_activation(data: dict, today: dt.date) -> dict:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from cultuurkaart.accounts.models import User

    errors = []
    first = " ".join(str(data.get("first_name") or "").split())
    last = " ".join(str(data.get("last_name") or "").split())
    if not first:
        errors.append(_field_error("first_name", "required", _("Vul je voornaam in.")))
    elif len(first) > 100:
        errors.append(_field_error("first_name", "too-long", _("Je voornaam is te lang.")))
    if not last:
        errors.append(_field_error("last_name", "required", _("Vul je achternaam in.")))
    elif len(last) > 150:
        errors.append(_field_error("last_name", "too-long", _("Je achternaam is te lang.")))
    birth = data.get("birth_date")
    if isinstance(birth, str):
        try:
            birth = dt.date.fromisoformat(birth.strip())
        except ValueError:
            birth = None
    if not isinstance(birth, dt.date):
        errors.append(
            _field_error(
                "birth_date", "invalid", _("Vul je geboortedatum in, bijvoorbeeld 14-03-2010.")
            )
        )
    elif birth > today or age_on(birth, today) > 120:
        errors.append(
            _field_error("birth_date", "invalid", _("Deze geboortedatum kan niet kloppen."))
        )
    email = str(data.get("email") or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors.append(_field_error("email", "invalid", _("Vul een geldig e-mailadres in.")))
    password = str(data.get("password") or "")
    try:
        validate_password(password, user=User(email=email, name=f"{first} {last}"))
    except ValidationError as exc:
        errors.append(_field_error("password", "weak", " ".join(exc.messages)))
    if data.get("accept_terms") is not True:
        errors.append(
            _field_error(
                "accept_terms",
                "required",
                _("Je moet akkoord gaan met de voorwaarden en de privacyverklaring."),
            )
        )
    if errors:
        raise ValidationFailed(_("Niet alles is goed ingevuld."), errors=errors)
    return {
        "first_name": first,
        "last_name": last,
        "birth_date": birth,
        "email": email,
        "password": password,
        "parents_informed": data.get("parents_informed") is True,
    }


def _find_code(code: str) -> ActivationCode | None:
    row = ActivationCode.objects.filter(code_hash__in=codes.digests(code)).first()
    if row is not None and codes.matches(code, row.code_hash):
        return row
    return None


def _refuse(row: ActivationCode | None) -> None:
    if row is None or row.revoked_at is not None or row.person_id is None:
        raise InvalidCode(_("Deze code bestaat niet of is vervangen door een nieuwe code."))
    if row.used_at is not None:
        raise CodeUsed(_("Deze code is al gebruikt."))


def check_code(raw: str | None, *, client: str) -> ActivationCode:
    """Look up a code entered or followed on the activation page (rate-limited): the
    current code, or InvalidCode / CodeUsed / RateLimited."""
    activation_client_limiter.check(client)
    code = codes.normalise(raw)
    if code is None:
        activation_client_limiter.fail(client)
        raise InvalidCode(_("Deze code bestaat niet of is vervangen door een nieuwe code."))
    code_key = codes.digest(code)
    activation_code_limiter.check(code_key)
    row = _find_code(code)
    try:
        _refuse(row)
    except (InvalidCode, CodeUsed):
        activation_client_limiter.fail(client)
        activation_code_limiter.fail(code_key)
        raise
    return row


def activate(raw_code: str | None, data: dict, *, client: str) -> Membership:
    """Activate a membership with a code (SPEC §4, API.md POST /activations).

    Order of answers: rate limit (429) → unknown/malformed/replaced code (404) → used
    (409) → field errors (422) → under 16 without parents informed (422). Concurrent
    submissions of one code: the Person and code rows are locked (Person → code order);
    the second sees the code used (409), and the one-to-one code→membership constraint
    backs this up.
    """
    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.core import mail, terms
    from cultuurkaart.core.models import TermsKind

    row = check_code(raw_code, client=client)
    today = clock.today()
    cleaned = _clean_activation(data, today)
    if (
        age_on(cleaned["birth_date"], today) < PARENTAL_NOTICE_AGE
        and not cleaned["parents_informed"]
    ):
        raise ParentalNoticeRequired(
            _("Je bent jonger dan 16. Vink aan dat je ouders of verzorgers het weten."),
            errors=[
                _field_error(
                    "parents_informed",
                    "required",
                    _("Vink aan dat je ouders of verzorgers het weten."),
                )
            ],
        )
    try:
        with transaction.atomic():
            if row.kind == MemberKind.TEACHER:
                # Lock order school → person → code (as the non-payment cancellation,
                # which locks the school before it ends memberships): the school row
                # serialises teacher activations for the allowance check.
                School.objects.select_for_update(of=("self",), no_key=True).filter(
                    pk=row.school_id
                ).first()
            Person.objects.select_for_update(of=("self",), no_key=True).filter(
                pk=row.person_id
            ).first()
            row = (
                ActivationCode.objects.select_for_update(of=("self",), no_key=True)
                .select_related("school")
                .get(pk=row.pk)
            )
            try:
                _refuse(row)
            except (InvalidCode, CodeUsed):
                activation_client_limiter.fail(client)
                raise
            school = row.school
            # An address that already has an account gets the membership on that account,
            # whatever password was typed, and the same answer as a new address (issue 8
            # point 5, decision L7): the typed password is never set on an existing
            # account; its owner is told by e-mail and signs in with their own password.
            user = User.objects.filter(email__iexact=cleaned["email"]).first()
            existing_account = user is not None
            if user is None:
                user = User.objects.create_user(
                    cleaned["email"],
                    cleaned["password"],
                    name=f"{cleaned['first_name']} {cleaned['last_name']}",
                )
            else:
                user.check_password(cleaned["password"])  # same hashing cost as a new account
            if Membership.objects.filter(
                user=user, school=school, kind=row.kind, status=MembershipStatus.ACTIVE
            ).exists():
                raise AlreadyMember(_("Je hebt al een actieve Cultuurkaart van deze school."))
            programme = choose_programme(school, today)
            if row.kind == MemberKind.TEACHER:
                _check_teacher_allowance(school, programme)
            moment = clock.now()
            membership = Membership.objects.create(
                user=user,
                school=school,
                person_id=row.person_id,
                programme=programme,
                activation_code=row,
                kind=row.kind,
                mark=ProgrammeMark.MBO_CULTUURKAART
                if programme.kind == SchoolKind.MBO
                else ProgrammeMark.CULTUURKAART,
                first_name=cleaned["first_name"],
                last_name=cleaned["last_name"],
                birth_date=cleaned["birth_date"],
                parents_informed=cleaned["parents_informed"],
                valid_until=programme.membership_valid_until,
                activated_at=moment,
                pass_key=secrets.token_urlsafe(24),
            )
            row.used_at = moment
            row.code_encrypted = ""
            row.save(update_fields=["used_at", "code_encrypted"])
            Person.objects.filter(pk=row.person_id).update(
                status=PersonStatus.ACTIVE, updated_at=moment
            )
            accounts.grant_role(
                user,
                RoleName.STUDENT if row.kind == MemberKind.STUDENT else RoleName.TEACHER,
                school=school,
            )
            terms.record_consents(membership, [TermsKind.TERMS, TermsKind.PRIVACY], user=user)
            audit.record(
                "memberships.membership.activated",
                actor=user,
                obj=membership,
                school_id=school.pk,
                data={"person": row.person_id, "code": row.pk, "programme": programme.code},
            )
            mail.send(
                "activation_confirmed",
                [user.email],
                {
                    "first_name": membership.first_name,
                    "school_name": school.name,
                    "valid_until": membership.valid_until,
                    "mark": membership.get_mark_display(),
                    "pass_url": _site_url("portals:my_pass"),
                    "existing_account": existing_account,
                    "reset_url": _site_url("accounts:password_reset"),
                },
                language=user.language,
            )
    except IntegrityError as exc:  # a concurrent activation of the same code won the race
        raise CodeUsed(_("Deze code is al gebruikt.")) from exc
    return membership


def _site_url(name: str, **kwargs) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.CK_SITE_URL + reverse(name, kwargs=kwargs or None)


# --- pass --------------------------------------------------------------------------------

_PASS_SALT = "cultuurkaart.memberships.pass"


def pass_token(membership: Membership) -> str:
    """The token in the pass's QR code: the membership's random key, signed."""
    return signing.Signer(salt=_PASS_SALT).sign(membership.pass_key)


def membership_for_pass_token(token: str) -> Membership | None:
    try:
        key = signing.Signer(salt=_PASS_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Membership.objects.filter(pass_key=key).select_related("school").first()


def pass_verification_url(membership: Membership) -> str:
    return _site_url("portals:verify_pass", token=pass_token(membership))


# --- ending memberships ------------------------------------------------------------------


def _end_memberships(ids: list[int], reason: str, *, actor=None, notify: bool) -> int:
    """Set these active memberships inactive; roster status inactive; Docent+ lapses."""
    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import Role
    from cultuurkaart.core import mail

    if not ids:
        return 0
    moment = clock.now()
    ended = 0
    for chunk in chunked(ids):
        rows = list(
            Membership.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk__in=chunk, status=MembershipStatus.ACTIVE)
            .select_related("user", "school")
        )
        rows = [m for m in rows if allowed(TRANSITIONS, m.status, MembershipStatus.INACTIVE)]
        if not rows:
            continue
        Membership.objects.filter(pk__in=[m.pk for m in rows]).update(
            status=MembershipStatus.INACTIVE, ended_at=moment, end_reason=reason
        )
        person_ids = [m.person_id for m in rows if m.person_id]
        Person.objects.filter(pk__in=person_ids, status=PersonStatus.ACTIVE).update(
            status=PersonStatus.INACTIVE, updated_at=moment
        )
        for membership in rows:
            if membership.kind != MemberKind.TEACHER or membership.user is None:
                continue
            still_teacher = Membership.objects.filter(
                user=membership.user_id,
                school=membership.school_id,
                kind=MemberKind.TEACHER,
                status=MembershipStatus.ACTIVE,
            ).exists()
            if (
                not still_teacher
                and Role.objects.filter(
                    user=membership.user_id, school=membership.school_id, role=RoleName.DOCENT_PLUS
                ).exists()
            ):
                accounts.revoke_role(
                    membership.user, RoleName.DOCENT_PLUS, school=membership.school, actor=actor
                )
        if notify:
            for membership in rows:
                if membership.user is not None:
                    mail.send(
                        "membership_ended",
                        [membership.user.email],
                        {
                            "first_name": membership.first_name,
                            "school_name": membership.school.name,
                            "reason": EndReason(reason).label,
                        },
                        language=membership.user.language,
                    )
        ended += len(rows)
    return ended


def end_membership(membership: Membership, *, reason: str = EndReason.MISUSE, actor) -> Membership:
    """Early end of one membership by the platform admin (misuse, SPEC §4)."""
    with transaction.atomic():
        if _end_memberships([membership.pk], reason, actor=actor, notify=True):
            audit.record(
                "memberships.membership.ended",
                actor=actor,
                obj=membership,
                school_id=membership.school_id,
                data={"reason": reason},
            )
    membership.refresh_from_db()
    return membership


def end_school_memberships(school, *, reason: str = EndReason.SCHOOL_ENDED, actor) -> int:
    """Early end of every active membership of a school (withdrawal, cancelled registration)."""
    with transaction.atomic():
        ids = list(
            Membership.objects.filter(school=school, status=MembershipStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ended = _end_memberships(ids, reason, actor=actor, notify=True)
        audit.record(
            "memberships.school_memberships.ended",
            actor=actor,
            obj=school,
            school_id=school.pk,
            data={"ended": ended, "reason": reason},
        )
    return ended


def restore_school_memberships(school, *, ended_since, actor) -> int:
    """Reactivate the memberships that ending the school's memberships at or after
    `ended_since` (the non-payment cancellation) made inactive, when the cancellation is
    undone (SPEC §5). Memberships whose end date has passed meanwhile stay inactive, and
    so does one whose member holds another active membership of the school and kind; a
    lapsed Docent+ designation is not restored (the budget holder designates again).
    Audit-logged."""
    with transaction.atomic():
        today = clock.today()
        rows = list(
            Membership.objects.select_for_update(of=("self",), no_key=True)
            .filter(
                school=school,
                status=MembershipStatus.INACTIVE,
                end_reason=EndReason.SCHOOL_ENDED,
                ended_at__gte=ended_since,
                valid_until__gte=today,
            )
            .order_by("pk")
        )
        active = set(
            Membership.objects.filter(school=school, status=MembershipStatus.ACTIVE).values_list(
                "user_id", "kind"
            )
        )
        restored = []
        for membership in rows:
            if not allowed(TRANSITIONS, membership.status, MembershipStatus.ACTIVE):
                continue
            if membership.user_id is None or (membership.user_id, membership.kind) in active:
                continue
            active.add((membership.user_id, membership.kind))
            restored.append(membership)
        ids = [m.pk for m in restored]
        for chunk in chunked(ids):
            Membership.objects.filter(pk__in=chunk).update(
                status=MembershipStatus.ACTIVE, ended_at=None, end_reason=""
            )
        person_ids = [m.person_id for m in restored if m.person_id]
        for chunk in chunked(person_ids):
            Person.objects.filter(pk__in=chunk, status=PersonStatus.INACTIVE).update(
                status=PersonStatus.ACTIVE, updated_at=clock.now()
            )
        audit.record(
            "memberships.school_memberships.restored",
            actor=actor,
            obj=school,
            school_id=school.pk,
            data={"restored": len(ids), "ended_since": ended_since.isoformat()},
        )
    return len(ids)


def expire_memberships(*, actor=None) -> int:
    """Memberships whose end date has passed become inactive (job `expire-memberships`)."""
    today = clock.today()
    with transaction.atomic():
        ids = list(
            Membership.objects.filter(status=MembershipStatus.ACTIVE, valid_until__lt=today)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        expired = _end_memberships(ids, EndReason.EXPIRED, actor=actor, notify=False)
        if expired:
            audit.record("memberships.memberships.expired", actor=actor, data={"expired": expired})
    return expired


# --- Docent+ -----------------------------------------------------------------------------


def designate_docent_plus(school, membership: Membership, *, actor) -> None:
    """The budget holder makes a teacher with an active membership Docent+ (SPEC §1)."""
    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName

    with transaction.atomic():
        membership = Membership.objects.select_for_update(of=("self",), no_key=True).get(
            pk=membership.pk
        )
        if (
            membership.school_id != school.pk
            or membership.kind != MemberKind.TEACHER
            or membership.status != MembershipStatus.ACTIVE
            or membership.user is None
        ):
            raise MembershipNotActive(
                _("Alleen een docent met een actief lidmaatschap kan Docent+ worden.")
            )
        accounts.grant_role(membership.user, RoleName.DOCENT_PLUS, school=school, actor=actor)
        audit.record(
            "memberships.docent_plus.designated",
            actor=actor,
            obj=membership,
            school_id=school.pk,
            data={"user": membership.user_id},
        )


def withdraw_docent_plus(school, user, *, actor) -> int:
    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName

    with transaction.atomic():
        removed = accounts.revoke_role(user, RoleName.DOCENT_PLUS, school=school, actor=actor)
        if removed:
            audit.record(
                "memberships.docent_plus.withdrawn",
                actor=actor,
                obj=user,
                school_id=school.pk,
                data={"user": user.pk},
            )
    return removed


# --- deletion requests -------------------------------------------------------------------


def request_deletion(user, *, actor=None) -> DeletionRequest:
    """A member asks to delete their data; due within 15 working days (SPEC §4)."""
    with transaction.atomic():
        existing = (
            DeletionRequest.objects.select_for_update(of=("self",), no_key=True)
            .filter(user=user, status=DeletionStatus.PENDING)
            .first()
        )
        if existing is not None:
            return existing
        request = DeletionRequest.objects.create(
            user=user,
            requested_at=clock.now(),
            due_on=add_working_days(clock.today(), DELETION_WORKING_DAYS),
        )
        audit.record(
            "memberships.deletion.requested",
            actor=actor or user,
            obj=request,
            data={"user": user.pk},
        )
        from cultuurkaart.core import mail

        latest = Membership.objects.filter(user=user).order_by("-activated_at").first()
        mail.send(
            "deletion_requested",
            [user.email],
            {"first_name": latest.first_name if latest else "", "due_on": request.due_on},
            language=user.language,
        )
    return request


def carry_out_deletion(request: DeletionRequest, *, actor=None) -> bool:
    """Delete the member's data: the account is anonymised and closed, passes become
    invalid and lose name and date of birth, the roster link goes. Ledger entries keep only
    ids (pseudonymised). A confirmation e-mail goes to the old address."""
    from django.contrib.sessions.models import Session

    from cultuurkaart.accounts.models import ApiToken, Role, User
    from cultuurkaart.core import mail

    with transaction.atomic():
        request = DeletionRequest.objects.select_for_update(of=("self",), no_key=True).get(
            pk=request.pk
        )
        if request.status != DeletionStatus.PENDING:
            return False
        moment = clock.now()
        # FOR UPDATE (not NO KEY): the unique e-mail address and pass keys are rewritten.
        user = User.objects.select_for_update(of=("self",)).filter(pk=request.user_id).first()
        if user is not None:
            address, language, first_name = user.email, user.language, ""
            memberships = list(Membership.objects.select_for_update(of=("self",)).filter(user=user))
            if memberships:
                first_name = memberships[0].first_name
            active = [m.pk for m in memberships if m.status == MembershipStatus.ACTIVE]
            _end_memberships(active, EndReason.DELETED, actor=actor, notify=False)
            Membership.objects.filter(pk__in=[m.pk for m in memberships]).update(
                first_name="",
                last_name="",
                birth_date=None,
                user=None,
                person=None,
                pass_key=Concat(Value("deleted-"), Cast("id", CharField())),
            )
            CodeRequest.objects.filter(email__iexact=address).delete()
            Role.objects.filter(user=user).delete()
            ApiToken.objects.filter(user=user).delete()
            user.email = f"deleted-{user.pk}@deleted.invalid"
            user.name = ""
            user.is_active = False
            user.set_unusable_password()
            user.save(update_fields=["email", "name", "is_active", "password"])
            _drop_sessions(Session, user.pk)
            mail.send("deletion_done", [address], {"first_name": first_name}, language=language)
        request.status = DeletionStatus.DONE
        request.done_at = moment
        request.save(update_fields=["status", "done_at"])
        audit.record(
            "memberships.deletion.carried_out",
            actor=actor,
            obj=request,
            data={"user": request.user_id},
        )
    return True


def _drop_sessions(session_model, user_id: int) -> None:
    from django.conf import settings

    if "db" not in settings.SESSION_ENGINE:
        return
    for session in session_model.objects.filter(expire_date__gt=clock.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            session.delete()


def process_deletion_requests(*, actor=None) -> int:
    """Carry out every pending deletion request (job `process-deletion-requests`, daily);
    a request is thus done on the first run after it arrives, well before `due_on`."""
    done = 0
    for request in DeletionRequest.objects.filter(status=DeletionStatus.PENDING).order_by("pk"):
        done += carry_out_deletion(request, actor=actor)
    return done


# --- MBO code requests -------------------------------------------------------------------

code_request_limiter = FailureLimiter("code-request-client", limit=10, window=60 * 60)


def request_code(data: dict, *, client: str) -> CodeRequest:
    """An MBO student or teacher registers for a code (SPEC §4, 002 §5.4.2). Every request
    counts towards the per-client limit (10 per hour)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from cultuurkaart.core import mail
    from cultuurkaart.schools.constants import SchoolStatus
    from cultuurkaart.schools.models import School

    code_request_limiter.check(client)
    code_request_limiter.fail(client)
    errors = []
    number = str(data.get("school_number") or "").strip()
    kind = data.get("kind") or RosterKind.STUDENTS
    first = " ".join(str(data.get("first_name") or "").split())
    last = " ".join(str(data.get("last_name") or "").split())
    email = str(data.get("email") or "").strip().lower()
    if kind not in RosterKind.values:
        errors.append(_field_error("kind", "invalid", _("Kies student of docent.")))
    if not first or len(first) > 100:
        errors.append(_field_error("first_name", "required", _("Vul je voornaam in.")))
    if not last or len(last) > 150:
        errors.append(_field_error("last_name", "required", _("Vul je achternaam in.")))
    try:
        validate_email(email)
    except ValidationError:
        errors.append(_field_error("email", "invalid", _("Vul een geldig e-mailadres in.")))
    if errors:
        raise ValidationFailed(_("Niet alles is goed ingevuld."), errors=errors)
    school = School.objects.filter(school_number=number, status=SchoolStatus.ACTIVE).first()
    if school is None:
        raise UnknownSchool(
            _("Er is geen deelnemende school met dit CJP-schoolnummer."),
            errors=[
                _field_error(
                    "school_number",
                    "unknown-school",
                    _("Er is geen deelnemende school met dit CJP-schoolnummer."),
                )
            ],
        )
    if school.kind != SchoolKind.MBO:
        raise NotMbo(
            _("Alleen studenten en docenten van een mbo-school kunnen zelf een code aanvragen."),
            errors=[
                _field_error(
                    "school_number",
                    "not-mbo",
                    _("Vraag je code aan je school; alleen mbo-scholen doen mee."),
                )
            ],
        )
    with transaction.atomic():
        request = CodeRequest.objects.create(
            school=school,
            kind=kind,
            first_name=first,
            last_name=last,
            email=email,
            created_at=clock.now(),
        )
        audit.record("memberships.code_request.received", obj=request, school_id=school.pk)
        mail.send(
            "code_request_received", [email], {"first_name": first, "school_name": school.name}
        )
        mail.send(
            "code_request_for_school",
            _budget_holder_addresses(school),
            {
                "school_name": school.name,
                "worklist_url": _site_url("portals:school_code_requests", school_id=school.pk),
            },
        )
    return request


def _budget_holder_addresses(school) -> list[str]:
    """Every budget holder of the school (SPEC §1: mail "to the budget holder" goes to all)."""
    from cultuurkaart.schools.services import budget_holder_emails

    return budget_holder_emails(school)


def matching_people_for(requests: list[CodeRequest], *, limit: int = 10) -> dict[int, list]:
    """Roster entries that could be the requester of each request (same school and kind,
    e-mail or full name), in one query: request id → up to `limit` people. The code-request
    page lists every pending request with its matches."""
    from django.db.models import Q

    if not requests:
        return {}
    wanted = Q()
    for r in requests:
        wanted |= Q(school=r.school_id, kind=r.kind) & (
            Q(email__iexact=r.email)
            | Q(first_name__iexact=r.first_name, last_name__iexact=r.last_name)
        )
    people = list(Person.objects.filter(wanted))

    def matches(r: CodeRequest, p: Person) -> bool:
        return (p.school_id, p.kind) == (r.school_id, r.kind) and (
            p.email.casefold() == r.email.casefold()
            or (
                p.first_name.casefold() == r.first_name.casefold()
                and p.last_name.casefold() == r.last_name.casefold()
            )
        )

    return {r.pk: [p for p in people if matches(r, p)][:limit] for r in requests}


def confirm_code_request(request: CodeRequest, person: Person, *, actor) -> CodeRequest:
    """The school confirms the request against its roster: a fresh code for that person,
    e-mailed to the address the requester gave."""
    from cultuurkaart.core import mail

    with transaction.atomic():
        Person.objects.select_for_update(of=("self",), no_key=True).filter(pk=person.pk).first()
        request = CodeRequest.objects.select_for_update(of=("self",), no_key=True).get(
            pk=request.pk
        )
        if request.status != CodeRequestStatus.PENDING:
            raise AlreadyDecided(_("Deze aanvraag is al afgehandeld."))
        if person.school_id != request.school_id or person.kind != request.kind:
            raise UnknownPerson(
                _("Deze persoon staat niet op de juiste lijst van de school."),
                errors=[_field_error("person_id", "unknown-person", _("Niet op de lijst."))],
            )
        if person.status == PersonStatus.ACTIVE:
            raise AlreadyMember(_("Deze persoon heeft al een actief lidmaatschap."))
        moment = clock.now()
        (code,) = _new_codes(request.school, [(person.pk, person.kind)], batch=None, moment=moment)
        raw = codes.decrypt(code.code_encrypted)
        Person.objects.filter(pk=person.pk, status__in=INVITABLE).update(
            status=PersonStatus.INVITED, updated_at=moment
        )
        request.status = CodeRequestStatus.CONFIRMED
        request.person = person
        request.decided_at = moment
        request.decided_by = actor
        request.save(update_fields=["status", "person", "decided_at", "decided_by"])
        audit.record(
            "memberships.code_request.confirmed",
            actor=actor,
            obj=request,
            school_id=request.school_id,
            data={"person": person.pk, "code": code.pk},
        )
        mail.send(
            "invitation",
            [request.email],
            {
                "first_name": request.first_name,
                "school_name": request.school.name,
                "code": codes.display(raw),
                "link": _activation_link(raw),
                "activate_url": _site_url("portals:activate"),
            },
        )
    return request


def reject_code_request(request: CodeRequest, *, actor) -> CodeRequest:
    from cultuurkaart.core import mail

    with transaction.atomic():
        request = CodeRequest.objects.select_for_update(of=("self",), no_key=True).get(
            pk=request.pk
        )
        if request.status != CodeRequestStatus.PENDING:
            raise AlreadyDecided(_("Deze aanvraag is al afgehandeld."))
        request.status = CodeRequestStatus.REJECTED
        request.decided_at = clock.now()
        request.decided_by = actor
        request.save(update_fields=["status", "decided_at", "decided_by"])
        audit.record(
            "memberships.code_request.rejected",
            actor=actor,
            obj=request,
            school_id=request.school_id,
        )
        mail.send(
            "code_request_rejected",
            [request.email],
            {"first_name": request.first_name, "school_name": request.school.name},
        )
    return request


# --- 31 August erasure -------------------------------------------------------------------


def erase_rosters(*, actor=None) -> dict:
    """Erase roster entries and unused codes (SPEC §3, §14), job `erase-rosters`.

    Erases what existed at the last 31 August 23:59:59 (Europe/Amsterdam) at or before now:
    rosters.Person rows created by then, every unused code created by then, and code
    requests received by then. Memberships, passes, used codes (hash only), budgets and
    everything financial stay; their link to the roster entry becomes empty. Idempotent.
    """
    cutoff = last_erasure_moment(clock.now())
    with transaction.atomic():
        people = Person.objects.filter(created_at__lte=cutoff)
        schools = people.values("school_id").distinct().count()
        count = people.count()
        person_ids = people.values("pk")
        Membership.objects.filter(person__in=person_ids).update(person=None)
        unused = ActivationCode.objects.filter(used_at__isnull=True, created_at__lte=cutoff)
        codes_erased = unused.count()
        Invitation.objects.filter(person__in=person_ids).delete()
        unused.delete()
        ActivationCode.objects.filter(person__in=person_ids).update(person=None)
        CodeRequest.objects.filter(created_at__lte=cutoff).delete()
        ids = list(people.order_by("pk").values_list("pk", flat=True))
        for chunk in chunked(ids, 2000):
            Person.objects.filter(pk__in=chunk).delete()
        audit.record(
            "memberships.rosters.erased",
            actor=actor,
            data={
                "schools": schools,
                "people": count,
                "codes": codes_erased,
                "cutoff": cutoff.isoformat(),
            },
        )
    return {"schools": schools, "people": count}
