"""A new programme year (issue 10 point 5; SPEC §2, §14; 002 §2.1.2): services.

- `copy_programme`: the admin copies a programme to the next year in one action: the same
  rates, every date one year later (`add_months_clamped`, so 29 February becomes 28
  February), the code and name with their years counted up. The copy is then edited on
  the programme page like any other. A second copy to the same year is refused (409
  `programme-exists`); the unique code is the last guard against two at once.
- `announce_ordering` (job `announce-ordering`, daily): once a programme's ordering period
  has started, every active school registered for the programme it follows stays
  registered (the new programme is added to its registration) and its budget holder and
  board are e-mailed, once per programme and school (`ProgrammeAnnouncement`), to check
  the school's data, upload the new roster and order.

Rosters and memberships are untouched here: memberships keep the end date of the programme
they were activated in (`expire-memberships`), rosters are erased after 31 August
(`erase-rosters`), whatever programmes exist.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation

from cultuurkaart.core import audit, clock, mail, wording
from cultuurkaart.core.calendar import add_months_clamped
from cultuurkaart.core.errors import Conflict

from .constants import SchoolStatus
from .models import Programme, ProgrammeAnnouncement, School

DATE_FIELDS = [
    "register_from",
    "register_until",
    "order_from",
    "order_until",
    "roster_after",
    "teacher_free_before",
    "spend_from",
    "spend_until",
    "membership_until",
]
COPIED_FIELDS = [
    "kind",
    "rate_ocw",
    "rate_school",
    "rate_admin_fee",
    "rate_teacher_fee",
    "teacher_free_count",
    "rate_voucher",
    "rate_dossier",
    "ocw_total",
    "max_orders",
]
YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


class ProgrammeExists(Conflict):
    type = "programme-exists"
    title = "The programme exists already"


def _next_years(text: str, years: int) -> str:
    return YEAR.sub(lambda m: str(int(m.group(1)) + years), text)


def preview_copy(programme: Programme, *, years: int = 1) -> dict[str, Any]:
    """What `copy_programme` would make: code, name and the shifted dates."""
    dates = {
        field: add_months_clamped(value, 12 * years) if value is not None else None
        for field in DATE_FIELDS
        for value in [getattr(programme, field)]
    }
    code = _next_years(programme.code, years)
    name = _next_years(programme.name, years)
    if code == programme.code:  # no year in the code: name it after the spending year
        code = f"{programme.code[:34]}-{dates['spend_from'].year}"
    if name == programme.name:
        name = f"{programme.name[:114]} {dates['spend_from'].year}"
    return {"code": code, "name": name, "dates": dates}


def _refusal(programme: Programme, preview: dict[str, Any]) -> str | None:
    spend_year = preview["dates"]["spend_from"].year
    if Programme.objects.filter(code=preview["code"]).exists():
        return f"Er is al een programma met code {preview['code']}."
    if Programme.objects.filter(follows=programme).exists():
        return f"{programme.code} is al naar een volgend jaar gekopieerd."
    same_year = Programme.objects.filter(
        kind=programme.kind, spend_from=preview["dates"]["spend_from"]
    ).exclude(pk=programme.pk)
    if same_year.exists():
        return f"Er is al een {programme.kind}-programma dat besteedbaar is vanaf {spend_year}."
    return None


def copy_programme(programme: Programme, *, actor, years: int = 1) -> Programme:
    """Copy `programme` to the next year (see the module text); 409 `programme-exists`."""
    preview = preview_copy(programme, years=years)
    refusal = _refusal(programme, preview)
    if refusal:
        raise ProgrammeExists(refusal)
    copy = Programme(
        code=preview["code"],
        name=preview["name"],
        follows=programme,
        created_at=clock.now(),
        **{field: getattr(programme, field) for field in COPIED_FIELDS},
        **preview["dates"],
    )
    try:
        with transaction.atomic():
            copy.save()
            audit.record(
                "schools.programme.copied",
                actor=actor,
                obj=copy,
                data={"from": programme.code, "to": copy.code},
            )
    except IntegrityError as exc:  # the same copy made at the same moment
        raise ProgrammeExists(f"Er is al een programma met code {preview['code']}.") from exc
    return copy


# --- the call to order -----------------------------------------------------------------


def previous_programme(programme: Programme) -> Programme | None:
    """The programme this one follows: the one it was copied from, else the latest
    programme of the same kind whose spending ended before this one's begins."""
    if programme.follows_id:
        return programme.follows
    return (
        Programme.objects.filter(kind=programme.kind, spend_until__lt=programme.spend_from)
        .order_by("-spend_until", "-pk")
        .first()
    )


def _language(email: str) -> str:
    from cultuurkaart.accounts.models import User

    user = User.objects.filter(email__iexact=email).only("language").first()
    return user.language if user is not None and user.language else "nl"


def _announce(programme: Programme, school: School, *, actor) -> bool:
    recipients = sorted(
        {e.strip().lower() for e in (school.budget_holder_email, school.board_email) if e}
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProgrammeAnnouncement.objects.create(
                    programme=programme, school=school, recipients=recipients, sent_at=clock.now()
                )
        except IntegrityError:
            return False  # announced already (the unique pair is the last guard)
        school.programmes.add(programme)  # the registration carries over
        for address in recipients:
            language = _language(address)
            with translation.override(language):
                learners = wording.learners(school)
            context = {"school": school, "programme": programme, "learners": learners}
            mail.send("ordering_open", [address], context, language=language)
        audit.record(
            "schools.ordering.announced",
            actor=actor,
            obj=school,
            school_id=school.pk,
            data={"programme": programme.code, "recipients": len(recipients)},
        )
    return True


def announce_ordering(*, actor=None) -> dict[str, int]:
    """Job `announce-ordering` (see the module text) → {"programmes", "schools"}: the
    programmes whose call went out in this run and the schools written to."""
    today = clock.today()
    programmes = schools = 0
    open_now = Programme.objects.filter(order_from__lte=today, order_until__gte=today)
    for programme in open_now.order_by("order_from", "pk"):
        previous = previous_programme(programme)
        if previous is None:
            continue
        candidates = (
            School.objects.filter(status=SchoolStatus.ACTIVE, programmes=previous)
            .exclude(announcements__programme=programme)
            .order_by("pk")
        )
        sent = sum(1 for school in candidates if _announce(programme, school, actor=actor))
        if sent:
            programmes += 1
            schools += sent
    return {"programmes": programmes, "schools": schools}
