"""Programmes, the DUO registry, school registration and settings: every write."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy
from email_validator import EmailNotValidError, validate_email
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core import audit, clock, mail, permissions, terms
from cultuurkaart.core.errors import Conflict, DomainError, ValidationFailed
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.models import TermsKind
from cultuurkaart.core.money import (
    CENT,
    MAX_AMOUNT,
    MAX_NATIONAL_TOTAL,
    ZERO,
    MoneyError,
    parse_money,
)
from cultuurkaart.core.transitions import transition

from .constants import PROVINCES, TRANSITIONS, LocationKind, SchoolKind, SchoolStatus
from .models import (
    BudgetHolderChange,
    ChangeStatus,
    Location,
    Programme,
    RegistryCount,
    RegistryImport,
    School,
    SchoolNumberSequence,
)

REGISTRATION_CONSENTS = [
    TermsKind.TERMS,
    TermsKind.PRIVACY,
    TermsKind.CORRECTNESS,
    TermsKind.MANDATE,
]


class UnknownLocation(DomainError):
    type = "unknown-location"
    status = 422
    title = "Unknown location"


class RegistryFileError(DomainError):
    type = "invalid-registry-file"
    status = 422
    title = "The registry file cannot be imported"


# --- helpers ----------------------------------------------------------------------------


def _transition(school: School, status: str) -> None:
    transition(school, status, TRANSITIONS, noun=gettext_lazy("een school"))


def clean_email(value: Any, field: str, errors: list[dict]) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        errors.append({"field": field, "code": "required", "message": "Vul een e-mailadres in."})
        return ""
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors.append(
            {"field": field, "code": "invalid-email", "message": "Dit is geen geldig e-mailadres."}
        )
        return value


def clean_text(
    value: Any, field: str, errors: list[dict], *, required: bool = True, max_length: int = 200
) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        errors.append({"field": field, "code": "required", "message": "Dit veld is verplicht."})
    elif len(value) > max_length:
        errors.append(
            {"field": field, "code": "too-long", "message": f"Maximaal {max_length} tekens."}
        )
    return value[:max_length]


def clean_iban(value: Any, field: str, errors: list[dict]) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        return ""
    try:
        return IBAN(value).compact
    except SchwiftyException:
        errors.append({"field": field, "code": "invalid-iban", "message": "Dit IBAN klopt niet."})
        return value


# --- programmes -------------------------------------------------------------------------

PROGRAMME_DATE_FIELDS = ["order_from", "order_until", "roster_after", "spend_from", "spend_until"]
RATE_FIELDS = {
    "ocw": "rate_ocw",
    "school": "rate_school",
    "admin_fee": "rate_admin_fee",
    "teacher_fee": "rate_teacher_fee",
    "voucher": "rate_voucher",
    "dossier": "rate_dossier",
}


def save_programme(data: dict[str, Any], *, actor, programme: Programme | None = None) -> Programme:
    """Create or update a programme from already-typed data (dates, Decimals)."""
    errors: list[dict] = []
    code = data.get("code") or (programme.code if programme else "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,39}", code or ""):
        errors.append(
            {
                "field": "code",
                "code": "invalid",
                "message": "Gebruik kleine letters, cijfers en streepjes.",
            }
        )
    elif (
        Programme.objects.filter(code=code).exclude(pk=programme.pk if programme else None).exists()
    ):
        errors.append({"field": "code", "code": "duplicate", "message": "Deze code bestaat al."})
    if data.get("kind") not in SchoolKind.values:
        errors.append({"field": "kind", "code": "invalid", "message": "Kies vo of mbo."})
    if not (data.get("name") or "").strip():
        errors.append({"field": "name", "code": "required", "message": "Dit veld is verplicht."})
    rates = data.get("rates") or {}
    rates = dict(rates)
    for key in ["ocw", "school", "admin_fee", "teacher_fee", "voucher", "dossier"]:
        value = rates.get(key)
        if value is None:
            if key != "dossier":
                errors.append(
                    {
                        "field": f"rates.{key}",
                        "code": "required",
                        "message": "Vul een bedrag van 0 of meer in.",
                    }
                )
            continue
        try:
            rates[key] = parse_money(value, minimum=ZERO, maximum=MAX_AMOUNT)
        except MoneyError as exc:
            errors.append({"field": f"rates.{key}", "code": exc.code, "message": exc.message})
    free_count = rates.get("teacher_free_count") or 0
    if (
        not isinstance(free_count, int)
        or isinstance(free_count, bool)
        or not (0 <= free_count <= 1_000_000)
    ):
        errors.append(
            {
                "field": "rates.teacher_free_count",
                "code": "invalid",
                "message": "Vul een heel getal van 0 of meer in.",
            }
        )
    if data.get("ocw_total") is not None:
        try:
            data = {
                **data,
                "ocw_total": parse_money(
                    data["ocw_total"], minimum=CENT, maximum=MAX_NATIONAL_TOTAL, allow_zero=False
                ),
            }
        except MoneyError as exc:
            errors.append({"field": "ocw_total", "code": exc.code, "message": exc.message})
    max_orders = data.get("max_orders")
    if max_orders is not None and (
        not isinstance(max_orders, int)
        or isinstance(max_orders, bool)
        or not 0 <= max_orders <= 1000
    ):
        errors.append(
            {
                "field": "max_orders",
                "code": "invalid",
                "message": "Vul een heel getal van 0 tot en met 1000 in, of laat leeg.",
            }
        )
    for field in PROGRAMME_DATE_FIELDS:
        if data.get(field) is None:
            errors.append({"field": field, "code": "required", "message": "Vul een datum in."})
    for field in [
        *PROGRAMME_DATE_FIELDS,
        "teacher_free_before",
        "membership_until",
        "register_from",
        "register_until",
    ]:
        value = data.get(field)
        if value is not None and (not isinstance(value, dt.date) or not clock.is_sane_date(value)):
            errors.append(
                {
                    "field": field,
                    "code": "date-out-of-range",
                    "message": "Kies een datum tussen 01-01-2000 en 31-12-2100.",
                }
            )
    for start, end in (("order_from", "order_until"), ("spend_from", "spend_until")):
        if data.get(start) and data.get(end) and data[start] > data[end]:
            errors.append(
                {"field": end, "code": "before-start", "message": "Einde ligt vóór het begin."}
            )
    if errors:
        raise ValidationFailed("The programme is not valid.", errors=errors)
    with transaction.atomic():
        obj = programme or Programme()
        obj.code = code
        obj.kind = data["kind"]
        obj.name = data["name"].strip()
        for key, attr in RATE_FIELDS.items():
            if rates.get(key) is not None:
                setattr(obj, attr, rates[key])
        obj.teacher_free_count = int(rates.get("teacher_free_count") or 0)
        obj.teacher_free_before = data.get("teacher_free_before")
        for field in PROGRAMME_DATE_FIELDS:
            setattr(obj, field, data[field])
        obj.membership_until = data.get("membership_until")
        obj.register_from = data.get("register_from")
        obj.register_until = data.get("register_until")
        obj.ocw_total = data.get("ocw_total")
        obj.max_orders = data.get("max_orders")
        obj.save()
        audit.record(
            "schools.programme." + ("updated" if programme else "created"), actor=actor, obj=obj
        )
    return obj


# --- DUO registry -------------------------------------------------------------------------

# Column names of DUO's open-data files (case-insensitive) → our field. Columns DUO
# publishes that we do not use are listed as ignored; anything else is refused, so a
# changed file format is noticed instead of silently mis-read.
REGISTRY_COLUMNS = {
    "brin nummer": "brin",
    "brinnummer": "brin",
    "instellingscode": "brin",
    "vestigingsnummer": "code",
    "vestigingscode": "code",
    "brinvestigingsnummer": "code",
    "onderwijslocatiecode": "code",
    "rio locatiecode": "code",
    "locatiecode": "code",
    "vestigingsnaam": "name",
    "instellingsnaam vestiging": "name",
    "onderwijslocatienaam": "name",
    "locatienaam": "name",
    "naam": "name",
    "postcode": "postcode",
    "postcode vestiging": "postcode",
    "gemeentenaam": "municipality",
    "gemeente": "municipality",
    "gemeentenaam vestiging": "municipality",
    "provincie": "province",
    "provincie vestiging": "province",
    "totaal aantal leerlingen": "students",
    "aantal leerlingen": "students",
    "totaal": "students",
    "aantal studenten": "students",
    "totaal aantal studenten": "students",
}
IGNORED_COLUMNS = {
    "straatnaam",
    "huisnummer-toevoeging",
    "plaatsnaam",
    "plaatsnaam vestiging",
    "gemeentenummer",
    "telefoonnummer",
    "internetadres",
    "denominatie",
    "bevoegd gezag nummer",
    "onderwijsstructuur",
    "peildatum",
    "kvk-nummer",
    "instellingsnaam",
}
MAX_REGISTRY_BYTES = 20 * 1024 * 1024
POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}\s?[A-Za-z]{2}$")


@dataclass
class RegistryRow:
    code: str
    name: str
    postcode: str
    municipality: str
    province: str
    students: int | None


def parse_registry_file(content: bytes) -> list[RegistryRow]:
    if len(content) > MAX_REGISTRY_BYTES:
        raise RegistryFileError("The file is larger than 20 MB.")
    if not content.strip():
        raise RegistryFileError("The file is empty.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise RegistryFileError("The file is not a text (CSV) file.") from exc
    if "\x00" in text:
        raise RegistryFileError("The file is not a text (CSV) file.")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise RegistryFileError("The file has no header row.") from exc
    names = [h.strip().strip('"').lower() for h in header]
    unknown = [h for h in names if h and h not in REGISTRY_COLUMNS and h not in IGNORED_COLUMNS]
    if unknown:
        raise RegistryFileError(
            "Unknown columns: " + ", ".join(unknown) + ". Expected DUO's open-data columns.",
            errors=[
                {"column": h, "code": "unknown-column", "message": "Onbekende kolom."}
                for h in unknown
            ],
        )
    index = {REGISTRY_COLUMNS[h]: i for i, h in enumerate(names) if h in REGISTRY_COLUMNS}
    missing = [f for f in ["code", "name", "students"] if f not in index]
    if missing:
        raise RegistryFileError("Missing columns for: " + ", ".join(missing) + ".")
    rows: list[RegistryRow] = []
    errors: list[dict] = []
    seen: set[str] = set()
    try:
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(names):
                errors.append(
                    {"row": number, "code": "column-count", "message": "Wrong number of columns."}
                )
                continue

            def cell(field: str, rec=record) -> str:
                return rec[index[field]].strip() if field in index else ""

            code = cell("code").upper().replace(" ", "")
            if "brin" in index and len(code) <= 2:
                code = cell("brin").upper() + code.zfill(2)
            if not re.fullmatch(r"[0-9A-Z]{4,12}", code):
                errors.append(
                    {
                        "row": number,
                        "column": "code",
                        "code": "invalid",
                        "message": "Invalid location code.",
                    }
                )
                continue
            if code in seen:
                errors.append(
                    {
                        "row": number,
                        "column": "code",
                        "code": "duplicate",
                        "message": "Code occurs twice.",
                    }
                )
                continue
            seen.add(code)
            raw = cell("students").replace(".", "")
            if raw.startswith("<") or raw == "":
                students = None  # DUO publishes small counts as "<5": unknown, never 0
            elif (count := parse_id(raw, max_digits=9)) is not None:
                students = count
            else:
                errors.append(
                    {
                        "row": number,
                        "column": "students",
                        "code": "invalid",
                        "message": "Not a count.",
                    }
                )
                continue
            postcode = cell("postcode").upper().replace(" ", "")
            if postcode and not POSTCODE_RE.match(postcode):
                errors.append(
                    {
                        "row": number,
                        "column": "postcode",
                        "code": "invalid",
                        "message": "Invalid postcode.",
                    }
                )
                continue
            name = cell("name")
            if not name:
                errors.append(
                    {
                        "row": number,
                        "column": "name",
                        "code": "required",
                        "message": "Name missing.",
                    }
                )
                continue
            rows.append(
                RegistryRow(
                    code,
                    name[:200],
                    postcode,
                    cell("municipality")[:100],
                    cell("province")[:40],
                    students,
                )
            )
    except csv.Error as exc:
        raise RegistryFileError(f"The file is not valid CSV: {exc}.") from exc
    if errors:
        raise RegistryFileError(
            f"{len(errors)} rows cannot be read; nothing was imported.", errors=errors[:500]
        )
    if not rows:
        raise RegistryFileError("The file holds no locations.")
    return rows


def import_registry(content: bytes, *, kind: str, actor=None, filename: str = "") -> RegistryImport:
    """Import a DUO open-data file: all rows or nothing. Upserts locations by code."""
    if kind not in SchoolKind.values:
        raise RegistryFileError("Choose the kind of file: vo or mbo.")
    rows = parse_registry_file(content)
    with transaction.atomic():
        record = RegistryImport.objects.create(
            kind=kind, filename=filename[:200], rows=len(rows), imported_by=actor
        )
        existing = {
            loc.code: loc for loc in Location.objects.filter(code__in=[r.code for r in rows])
        }
        moment = clock.now()
        to_create, to_update = [], []
        for row in rows:
            loc = existing.get(row.code)
            if loc is None:
                loc = Location(code=row.code, kind=kind)
                to_create.append(loc)
            else:
                to_update.append(loc)
            loc.name, loc.postcode, loc.municipality = row.name, row.postcode, row.municipality
            loc.province, loc.students, loc.last_import, loc.updated_at = (
                row.province,
                row.students,
                record,
                moment,
            )
        Location.objects.bulk_create(to_create, batch_size=1000)
        Location.objects.bulk_update(
            to_update,
            [
                "name",
                "postcode",
                "municipality",
                "province",
                "students",
                "last_import",
                "updated_at",
            ],
            batch_size=1000,
        )
        located = {
            loc.code: loc.pk for loc in Location.objects.filter(code__in=[r.code for r in rows])
        }
        RegistryCount.objects.bulk_create(
            [
                RegistryCount(
                    registry_import=record, location_id=located[r.code], students=r.students
                )
                for r in rows
            ],
            batch_size=1000,
        )
        record.created, record.updated = len(to_create), len(to_update)
        record.save(update_fields=["created", "updated"])
        audit.record(
            "schools.registry.imported",
            actor=actor,
            obj=record,
            data={"created": record.created, "updated": record.updated},
        )
    return record


def upsert_location(data: dict[str, Any], *, actor=None) -> tuple[Location, bool]:
    errors: list[dict] = []
    code = str(data.get("code") or "").upper().replace(" ", "")
    if not re.fullmatch(r"[0-9A-Z]{4,12}", code):
        errors.append({"field": "code", "code": "invalid", "message": "Ongeldige locatiecode."})
    if data.get("kind") not in LocationKind.values:
        errors.append(
            {"field": "kind", "code": "invalid", "message": "Kies vo, mbo, po, sbo of institution."}
        )
    name = clean_text(data.get("name"), "name", errors)
    postcode = str(data.get("postcode") or "").upper().replace(" ", "")
    if postcode and not POSTCODE_RE.match(postcode):
        errors.append({"field": "postcode", "code": "invalid", "message": "Ongeldige postcode."})
    province = (data.get("province") or "").strip()
    if province and province not in PROVINCES:
        errors.append({"field": "province", "code": "invalid", "message": "Onbekende provincie."})
    students = data.get("students")
    if students is not None and (not isinstance(students, int) or students < 0):
        errors.append(
            {"field": "students", "code": "invalid", "message": "Vul een aantal van 0 of meer in."}
        )
    if errors:
        raise ValidationFailed("The location is not valid.", errors=errors)
    with transaction.atomic():
        loc, created = Location.objects.update_or_create(
            code=code,
            defaults={
                "kind": data["kind"],
                "name": name,
                "postcode": postcode,
                "municipality": (data.get("municipality") or "").strip()[:100],
                "province": province,
                "students": students,
                "updated_at": clock.now(),
            },
        )
        audit.record(
            "schools.location." + ("created" if created else "updated"), actor=actor, obj=loc
        )
    return loc, created


def find_locations(query: str, *, limit: int = 20):
    """Find registry locations by code or postcode (SPEC §2)."""
    q = (query or "").strip().upper().replace(" ", "")
    if len(q) < 4:
        return Location.objects.none()
    # PO, SBO and institutions are in the registry for CmK only: they never register a school.
    locations = Location.objects.filter(kind__in=SchoolKind.values)
    if POSTCODE_RE.match(q) or re.fullmatch(r"[1-9][0-9]{3}", q):
        return locations.filter(postcode__startswith=q)[:limit]
    return locations.filter(code__startswith=q)[:limit]


# --- registration -----------------------------------------------------------------------


def register_school(data: dict[str, Any], *, actor=None) -> School:
    """A board (or delegate) registers a school; it waits for the platform admin."""
    errors: list[dict] = []
    codes = [data.get("location_code"), *list(data.get("location_codes") or [])]
    codes = [str(c).strip().upper().replace(" ", "") for c in codes if c]
    if not codes:
        errors.append(
            {"field": "location_code", "code": "required", "message": "Kies een locatie."}
        )
    programme = Programme.objects.filter(code=data.get("programme") or "").first()
    if programme is None:
        errors.append({"field": "programme", "code": "unknown", "message": "Kies een programma."})
    elif not programme.is_registration_open(clock.today()):
        errors.append(
            {
                "field": "programme",
                "code": "registration-closed",
                "message": "Aanmelden voor dit programma is gesloten.",
            }
        )
    board = data.get("board") or {}
    holder = data.get("budget_holder") or {}
    directie = data.get("directie") or {}
    board_name = clean_text(board.get("name"), "board.name", errors)
    board_email = clean_email(board.get("email"), "board.email", errors)
    holder_name = clean_text(holder.get("name"), "budget_holder.name", errors)
    holder_email = clean_email(holder.get("email"), "budget_holder.email", errors)
    if directie.get("name") or directie.get("email"):
        directie_name = clean_text(directie.get("name"), "directie.name", errors)
        directie_email = clean_email(directie.get("email"), "directie.email", errors)
    else:
        directie_name, directie_email = board_name, board_email
    invoice_email = clean_email(data.get("invoice_email"), "invoice_email", errors)
    invoice_address = clean_text(
        data.get("invoice_address"), "invoice_address", errors, required=False, max_length=500
    )
    refund_iban = clean_iban(data.get("refund_iban"), "refund_iban", errors)
    if data.get("accept_terms") is not True:
        errors.append(
            {
                "field": "accept_terms",
                "code": "required",
                "message": "Accepteer de voorwaarden en bevestig de verklaringen.",
            }
        )
    if codes:
        locations = list(Location.objects.filter(code__in=codes))
        found = {loc.code for loc in locations}
        missing = [c for c in codes if c not in found]
        if missing:
            raise UnknownLocation(
                "Location not found in the DUO registry: " + ", ".join(missing),
                errors=[
                    {
                        "field": "location_code",
                        "code": "unknown-location",
                        "message": f"Locatie {c} is onbekend.",
                    }
                    for c in missing
                ],
            )
        kinds = {loc.kind for loc in locations}
        if len(kinds) > 1:
            errors.append(
                {
                    "field": "location_codes",
                    "code": "mixed-kinds",
                    "message": "VO- en MBO-locaties kunnen niet samen.",
                }
            )
        if programme and kinds and programme.kind not in kinds:
            errors.append(
                {
                    "field": "programme",
                    "code": "wrong-kind",
                    "message": "Dit programma hoort niet bij dit soort school.",
                }
            )
        taken = Location.objects.filter(
            code__in=codes, schools__status__in=[SchoolStatus.PENDING, SchoolStatus.ACTIVE]
        ).values_list("code", flat=True)
        for code in taken:
            errors.append(
                {
                    "field": "location_code",
                    "code": "location-taken",
                    "message": f"Locatie {code} is al aangemeld.",
                }
            )
    if errors:
        raise ValidationFailed("The registration is incomplete.", errors=errors)
    with transaction.atomic():
        school = School.objects.create(
            name=locations[0].name,
            kind=locations[0].kind,
            board_name=board_name,
            board_email=board_email,
            directie_name=directie_name,
            directie_email=directie_email,
            budget_holder_name=holder_name,
            budget_holder_email=holder_email,
            invoice_email=invoice_email,
            invoice_address=invoice_address,
            refund_iban=refund_iban,
            registered_at=clock.now(),
        )
        school.locations.set(locations)
        school.programmes.add(programme)
        terms.record_consents(school, REGISTRATION_CONSENTS, user=actor)
        audit.record("schools.school.registered", actor=actor, obj=school, school_id=school.pk)
        mail.send("registration_received", [board_email, holder_email], {"school": school})
    return school


def _check_digit(number: str) -> str:
    """Luhn check digit, so a mistyped school number is caught when a provider enters it."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_school_number(value: str) -> bool:
    return bool(re.fullmatch(r"\d{7}", value or "")) and _check_digit(value[:6]) == value[6]


def _next_school_number() -> str:
    seq, _ = SchoolNumberSequence.objects.select_for_update(
        of=("self",), no_key=True
    ).get_or_create(pk=1)
    seq.last += 1
    seq.save(update_fields=["last"])
    base = str(seq.last)
    return base + _check_digit(base)


def approve_school(school: School, *, actor) -> School:
    """Accept a registration: issue the school number, give the budget holder the role."""
    with transaction.atomic():
        # FOR UPDATE (not NO KEY): the unique school number is set.
        school = School.objects.select_for_update(of=("self",)).get(pk=school.pk)
        _transition(school, SchoolStatus.ACTIVE)
        school.school_number = _next_school_number()
        school.decided_at = clock.now()
        school.save()
        holder, _ = accounts.get_or_create_user(
            school.budget_holder_email, name=school.budget_holder_name
        )
        accounts.grant_role(holder, RoleName.BUDGET_HOLDER, school=school, actor=actor)
        board, _ = accounts.get_or_create_user(school.board_email, name=school.board_name)
        accounts.grant_role(board, RoleName.BOARD, school=school, actor=actor)
        audit.record("schools.school.approved", actor=actor, obj=school, school_id=school.pk)
        for user, template in (
            (holder, "school_approved_budget_holder"),
            (board, "school_approved_board"),
        ):
            link = accounts.password_set_link(user) if not user.has_usable_password() else None
            mail.send(
                template,
                [user.email],
                {"school": school, "user": user, "password_link": link},
                language=user.language,
            )
    return school


def reject_school(school: School, *, reason: str, actor) -> School:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "A reason is required.",
            errors=[{"field": "reason", "code": "required", "message": "Geef een reden."}],
        )
    with transaction.atomic():
        school = School.objects.select_for_update(of=("self",), no_key=True).get(pk=school.pk)
        _transition(school, SchoolStatus.REJECTED)
        school.rejection_reason = reason[:2000]
        school.decided_at = clock.now()
        school.save()
        audit.record("schools.school.rejected", actor=actor, obj=school, school_id=school.pk)
        mail.send(
            "school_rejected",
            [school.board_email, school.budget_holder_email],
            {"school": school, "reason": school.rejection_reason},
        )
    return school


SETTINGS_FIELDS = [
    "directie_name",
    "directie_email",
    "invoice_email",
    "invoice_address",
    "refund_iban",
]


def update_school_settings(school: School, data: dict[str, Any], *, actor) -> School:
    """The budget holder keeps the school's contacts and invoice data up to date."""
    errors: list[dict] = []
    cleaned = {
        "directie_name": clean_text(data.get("directie_name"), "directie_name", errors),
        "directie_email": clean_email(data.get("directie_email"), "directie_email", errors),
        "invoice_email": clean_email(data.get("invoice_email"), "invoice_email", errors),
        "invoice_address": clean_text(
            data.get("invoice_address"), "invoice_address", errors, required=False, max_length=500
        ),
        "refund_iban": clean_iban(data.get("refund_iban"), "refund_iban", errors),
    }
    if errors:
        raise ValidationFailed("The settings are not valid.", errors=errors)
    with transaction.atomic():
        school = School.objects.select_for_update(of=("self",), no_key=True).get(pk=school.pk)
        changed = [f for f in SETTINGS_FIELDS if getattr(school, f) != cleaned[f]]
        for field in changed:
            setattr(school, field, cleaned[field])
        if changed:
            school.save(update_fields=changed)
            audit.record(
                "schools.settings.updated",
                actor=actor,
                obj=school,
                school_id=school.pk,
                data={"fields": changed},
            )
    return school


# --- budget holder replacement ---------------------------------------------------------


def budget_holder_emails(school: School) -> list[str]:
    """Every budget holder's address (SPEC §1: mail "to the budget holder" goes to all of
    them), plus the address named at registration or in the last approved change."""
    addresses = set(
        current_budget_holders(school).filter(is_active=True).values_list("email", flat=True)
    )
    if school.budget_holder_email:
        addresses.add(school.budget_holder_email.lower())
    return sorted(addresses)


def current_budget_holders(school: School):
    from cultuurkaart.accounts.models import User

    return User.objects.filter(roles__school=school, roles__role=RoleName.BUDGET_HOLDER).order_by(
        "email"
    )


def request_budget_holder_change(
    school: School, data: dict[str, Any], *, actor
) -> BudgetHolderChange:
    """The board (or its delegate) names a budget holder and confirms the mandate."""

    if not permissions.allows(actor, "schools.change_budget_holder", school_id=school.pk):
        raise DomainError(
            "Only the school board may appoint the budget holder.", type="forbidden", status=403
        )
    if school.status != SchoolStatus.ACTIVE:
        raise DomainError(
            "The school's registration is not active.", type="registration-not-active"
        )
    errors: list[dict] = []
    name = clean_text(data.get("name"), "name", errors)
    email = clean_email(data.get("email"), "email", errors)
    replaces = None
    if data.get("replaces"):
        replaces = current_budget_holders(school).filter(pk=data["replaces"]).first()
        if replaces is None:
            errors.append(
                {
                    "field": "replaces",
                    "code": "unknown",
                    "message": "Kies een huidige budgethouder.",
                }
            )
    if data.get("confirm_mandate") is not True:
        errors.append(
            {
                "field": "confirm_mandate",
                "code": "required",
                "message": "Bevestig dat het bevoegd gezag de budgethouder mandateert.",
            }
        )
    if (
        not errors
        and current_budget_holders(school).filter(email__iexact=email).exists()
        and replaces is None
    ):
        errors.append(
            {
                "field": "email",
                "code": "already-budget-holder",
                "message": "Dit is al een budgethouder.",
            }
        )
    if errors:
        raise ValidationFailed("The request is incomplete.", errors=errors)
    with transaction.atomic():
        School.objects.select_for_update(of=("self",), no_key=True).get(pk=school.pk)
        if school.budget_holder_changes.filter(status=ChangeStatus.PENDING).exists():
            raise Conflict("A request is already waiting for CJP.", type="change-pending")
        change = BudgetHolderChange.objects.create(
            school=school, requested_by=actor, name=name, email=email, replaces=replaces
        )
        terms.record_consents(change, [TermsKind.MANDATE], user=actor)
        audit.record(
            "schools.budget_holder_change.requested", actor=actor, obj=change, school_id=school.pk
        )
    return change


def decide_budget_holder_change(change, *, approve: bool, actor, reason: str = ""):
    """Approve: the new budget holder gets the role (and an e-mail); a replaced one loses
    access at once. Reject: with a reason, e-mailed to the board."""

    if not approve and not (reason or "").strip():
        raise ValidationFailed(
            "A reason is required.",
            errors=[{"field": "reason", "code": "required", "message": "Geef een reden."}],
        )
    with transaction.atomic():
        school = School.objects.select_for_update(of=("self",), no_key=True).get(
            pk=change.school_id
        )
        change = BudgetHolderChange.objects.select_for_update(of=("self",), no_key=True).get(
            pk=change.pk
        )
        if change.status != ChangeStatus.PENDING:
            raise Conflict("This request has been decided already.", type="already-decided")
        change.decided_at, change.decided_by = clock.now(), actor
        board_emails = list(
            school.roles.filter(role=RoleName.BOARD).values_list("user__email", flat=True)
        ) or [school.board_email]
        if not approve:
            change.status = ChangeStatus.REJECTED
            change.rejection_reason = reason.strip()[:2000]
            change.save()
            audit.record(
                "schools.budget_holder_change.rejected",
                actor=actor,
                obj=change,
                school_id=school.pk,
            )
            mail.send(
                "budget_holder_change_rejected", board_emails, {"school": school, "change": change}
            )
            return change
        change.status = ChangeStatus.APPROVED
        change.save()
        user, _ = accounts.get_or_create_user(change.email, name=change.name)
        accounts.grant_role(user, RoleName.BUDGET_HOLDER, school=school, actor=actor)
        if change.replaces_id:
            accounts.revoke_role(
                change.replaces, RoleName.BUDGET_HOLDER, school=school, actor=actor
            )
        school.budget_holder_name, school.budget_holder_email = change.name, change.email
        school.save(update_fields=["budget_holder_name", "budget_holder_email"])
        audit.record(
            "schools.budget_holder_change.approved",
            actor=actor,
            obj=change,
            school_id=school.pk,
            data={"user": user.pk, "replaced": change.replaces_id},
        )
        link = accounts.password_set_link(user) if not user.has_usable_password() else None
        mail.send(
            "school_approved_budget_holder",
            [user.email],
            {"school": school, "user": user, "password_link": link},
            language=user.language,
        )
        recipients = board_emails + ([change.replaces.email] if change.replaces_id else [])
        mail.send("budget_holder_change_approved", recipients, {"school": school, "change": change})
    return change


def cancel_registration(
    school: School, *, reason: str, actor=None, data: dict | None = None
) -> bool:
    """Cancel an active registration (e.g. unpaid initial order, SPEC §5). Returns False when
    the school was not active. Callers end the school's memberships (SPEC §4 Early end)."""
    return _move_registration(
        school,
        SchoolStatus.ACTIVE,
        SchoolStatus.CANCELLED,
        "schools.school.cancelled",
        reason=reason,
        actor=actor,
        data=data,
    )


def reinstate_registration(
    school: School, *, reason: str, actor=None, data: dict | None = None
) -> bool:
    """Undo a cancellation of the registration (a payment dated before the non-payment
    cancellation was registered later, SPEC §5). Returns False when the school was not
    cancelled. Callers restore the memberships the cancellation ended."""
    return _move_registration(
        school,
        SchoolStatus.CANCELLED,
        SchoolStatus.ACTIVE,
        "schools.school.reinstated",
        reason=reason,
        actor=actor,
        data=data,
    )


def _move_registration(
    school: School, source: str, target: str, audit_action: str, *, reason, actor, data
) -> bool:
    """Move the registration from `source` to `target` under the school's row lock, audited;
    False (and nothing changed) when it is not in `source`."""
    with transaction.atomic():
        locked = School.objects.select_for_update(of=("self",), no_key=True).get(pk=school.pk)
        if locked.status != source:
            return False
        _transition(locked, target)
        locked.save(update_fields=["status"])
        audit.record(
            audit_action,
            actor=actor,
            obj=locked,
            school_id=locked.pk,
            data={"reason": reason, **(data or {})},
        )
    school.status = locked.status
    return True
