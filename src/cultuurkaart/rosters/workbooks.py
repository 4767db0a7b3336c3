"""Excel files written by the platform: the upload templates and the roster export.

Written with xlsxwriter. Every text cell of the export goes through `write_string` with
the quote-prefix format when it starts with a formula trigger (= + - @ tab CR), so a name
such as `=HYPERLINK(...)` stays text in Excel, also after editing the cell.
"""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from .constants import PersonStatus, RosterKind, TeacherType
from .validation import header_label

TEMPLATE_ROWS = 20_000  # rows that carry the drop-downs and input hints
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def template_filename(kind: str) -> str:
    return "template_leerlingen.xlsx" if kind == RosterKind.STUDENTS else "template_docenten.xlsx"


def _column_specs(kind: str, school_kind: str) -> list[dict]:
    mbo = school_kind == "mbo"
    if kind == RosterKind.STUDENTS:
        return [
            {
                "name": "first_name",
                "width": 18,
                "note": _("Verplicht"),
                "hint": _(
                    "Voornaam van de student, bijvoorbeeld Sanne. Anoniem mag ook: Leerling 1."
                ),
            },
            {
                "name": "last_name",
                "width": 22,
                "note": _("Verplicht"),
                "hint": _("Achternaam met tussenvoegsel, bijvoorbeeld de Vries."),
            },
            {
                "name": "email",
                "width": 30,
                "note": _("Optioneel"),
                "hint": _(
                    "E-mailadres voor de uitnodiging. Leeg laten als de school de activatiecodes zelf uitdeelt."
                ),
            },
            {
                "name": "mobile",
                "width": 18,
                "note": _("Optioneel, +31612345678"),
                "hint": _("Internationaal: +316… in plaats van 06…"),
                "text": True,
            },
            {
                "name": "location",
                "width": 24,
                "note": _("Verplicht"),
                "hint": _("Naam van de schoollocatie, vrije tekst."),
            },
            {
                "name": "year",
                "width": 12,
                "note": _("Verplicht, 1 t/m 6"),
                "hint": _("Kies 1 tot en met 6."),
                "list": ["1", "2", "3", "4", "5", "6"],
            },
            {
                "name": "group",
                "width": 20,
                "note": _("Verplicht"),
                "hint": _("Naam van de opleiding.")
                if mbo
                else _("Naam van de klas, bijvoorbeeld 2B."),
            },
        ]
    return [
        {
            "name": "first_name",
            "width": 18,
            "note": _("Verplicht"),
            "hint": _("Voornaam, bijvoorbeeld Jan."),
        },
        {
            "name": "last_name",
            "width": 22,
            "note": _("Verplicht"),
            "hint": _("Achternaam met tussenvoegsel."),
        },
        {
            "name": "email",
            "width": 30,
            "note": _("Optioneel"),
            "hint": _("E-mailadres voor de uitnodiging."),
        },
        {
            "name": "type",
            "width": 32,
            "note": _("Verplicht"),
            "hint": _("Kies Docent of Onderwijsondersteunend personeel."),
            "list": ["Docent", "Onderwijsondersteunend personeel"],
        },
    ]


def build_template(kind: str, school_kind: str = "vo") -> bytes:
    """The upload template: data sheet first (title, instructions, column notes, header
    row on row 4, data from row 5), then an instructions sheet."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title_fmt = book.add_format({"bold": True, "font_size": 14, "font_color": "#154273"})
    note_fmt = book.add_format(
        {"italic": True, "font_color": "#4a4f55", "text_wrap": True, "valign": "top"}
    )
    header_fmt = book.add_format({"bold": True, "bg_color": "#dfe6ee", "border": 1})
    text_fmt = book.add_format({"num_format": "@"})
    students = kind == RosterKind.STUDENTS
    sheet = book.add_worksheet(_("Leerlingen") if students else _("Docenten"))
    specs = _column_specs(kind, school_kind)
    sheet.write_string(
        0,
        0,
        _("Cultuurkaart – lijst van alle studenten")
        if students
        else _("Cultuurkaart – lijst van alle docenten en medewerkers"),
        title_fmt,
    )
    sheet.write_string(
        1,
        0,
        _(
            "Vul vanaf rij 5 één persoon per rij in. Laat de kopregel (rij 4) staan. Zie het tabblad Uitleg."
        ),
    )
    sheet.set_row(2, 30)
    first_data = 4
    last_data = first_data + TEMPLATE_ROWS - 1
    for col, spec in enumerate(specs):
        label = header_label(kind, spec["name"], school_kind)
        sheet.write_string(2, col, spec["note"], note_fmt)
        sheet.write_string(3, col, label, header_fmt)
        sheet.set_column(col, col, spec["width"], text_fmt if spec.get("text") else None)
        validation = {
            "input_title": label[:32],
            "input_message": spec["hint"][:255],
        }
        if "list" in spec:
            validation.update(
                {
                    "validate": "list",
                    "source": spec["list"],
                    "error_title": _("Ongeldige waarde")[:32],
                    "error_message": spec["hint"][:255],
                }
            )
        else:
            validation["validate"] = "any"
        if spec["name"] == "email":
            validation = {
                **validation,
                "validate": "custom",
                "value": f'=ISNUMBER(FIND("@",{chr(65 + col)}{first_data + 1}))',
                "error_type": "warning",
                "error_title": _("E-mailadres?")[:32],
                "error_message": _("Een e-mailadres bevat een @, bijvoorbeeld naam@school.nl."),
                "ignore_blank": True,
            }
        sheet.data_validation(first_data, col, last_data, col, validation)
    sheet.freeze_panes(first_data, 0)

    help_sheet = book.add_worksheet(_("Uitleg"))
    help_sheet.set_column(0, 0, 110)
    lines = [
        _("Zo vult u dit sjabloon in"),
        "",
        _(
            "1. Zet op het eerste tabblad iedereen die recht heeft op een Cultuurkaart, één persoon per rij, vanaf rij 5."
        ),
        _(
            "2. Laat de kopregel (rij 4) ongewijzigd. Voeg geen kolommen toe en gebruik geen formules."
        ),
        _(
            "3. Een upload vervangt de hele lijst: wie niet in het bestand staat, wordt van de lijst gehaald."
        ),
        _("4. Mobiele nummers internationaal: +31612345678 (niet 0612345678)."),
        _(
            "5. Anoniem werken mag: bijvoorbeeld 'Leerling 1' en 'achternaam1' zonder e-mailadres. U deelt de activatiecodes dan zelf uit."
        ),
        _(
            "6. Sla het bestand op als Excel-werkmap (.xlsx) of Excel 97-2003 (.xls), zonder wachtwoord."
        ),
        _("7. Controleer het bestand eerst met de knop 'Controleren' en upload het daarna."),
    ]
    if students:
        lines.append(
            _(
                "Kolom Studiejaar/Opleiding (MBO) of Leerjaar/Klas (VO): een heel getal van 1 tot en met 6 en de naam van de opleiding of klas."
            )
        )
    else:
        lines.append(_("Kolom Type: Docent of Onderwijsondersteunend personeel."))
    bold = book.add_format({"bold": True, "font_size": 13})
    for index, line in enumerate(lines):
        help_sheet.write_string(index, 0, line, bold if index == 0 else None)
    book.close()
    return buffer.getvalue()


def _safe(sheet, row: int, col: int, value: str, quoted) -> None:
    if value and value.startswith(FORMULA_TRIGGERS):
        sheet.write_string(row, col, value, quoted)
    elif value:
        sheet.write_string(row, col, value)


def export_people(
    rows, kind: str, *, school_kind: str = "vo", codes: dict[int, str] | None = None
) -> bytes:
    """The roster as Excel. `rows` yields tuples from `queries.EXPORT_COLUMNS`."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    header_fmt = book.add_format({"bold": True, "bg_color": "#dfe6ee"})
    quoted = book.add_format({"quote_prefix": True})
    students = kind == RosterKind.STUDENTS
    sheet = book.add_worksheet(_("Leerlingen") if students else _("Docenten"))
    statuses = dict(PersonStatus.choices)
    types = dict(TeacherType.choices)
    if students:
        names = ["first_name", "last_name", "email", "mobile", "location", "year", "group"]
    else:
        names = ["first_name", "last_name", "email", "type"]
    headers = [header_label(kind, n, school_kind) for n in names] + [_("Status")]
    if codes is not None:
        headers.append(_("Activatiecode"))
    for col, label in enumerate(headers):
        sheet.write_string(0, col, label, header_fmt)
    widths = [18, 22, 30, 16, 22, 10, 18] if students else [18, 22, 30, 30]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    r = 0
    for r, person in enumerate(rows, start=1):
        pid, first, last, email, mobile, location, year, group, teacher_type, status = person
        values = (
            [first, last, email, mobile, location, None, group]
            if students
            else [first, last, email, str(types.get(teacher_type, teacher_type))]
        )
        for col, value in enumerate(values):
            if value is not None:
                _safe(sheet, r, col, value, quoted)
        if students and year is not None:
            sheet.write_number(r, 5, year)
        col = len(values)
        sheet.write_string(r, col, str(statuses.get(status, status)))
        if codes is not None and pid in codes:
            _safe(sheet, r, col + 1, codes[pid], quoted)
    sheet.autofilter(0, 0, max(r, 1), len(headers) - 1)
    book.close()
    return buffer.getvalue()
