"""Factories and small spreadsheet builders for roster tests."""

from __future__ import annotations

import io

import factory
import xlsxwriter

from cultuurkaart.rosters.constants import PersonStatus, RosterKind
from cultuurkaart.rosters.models import Person
from cultuurkaart.schools.tests.factories import SchoolFactory

STUDENT_HEADER = [
    "Voornaam",
    "Achternaam",
    "E-mailadres",
    "Mobiel nummer",
    "Locatienaam",
    "Leerjaar",
    "Klas",
]
TEACHER_HEADER = ["Voornaam", "Achternaam", "E-mailadres", "Type"]


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    school = factory.SubFactory(SchoolFactory)
    kind = RosterKind.STUDENTS
    first_name = factory.Sequence(lambda n: f"Persoon{n}")  # never equal to student_row()
    last_name = factory.Sequence(lambda n: f"Achternaam{n}")
    email = factory.Sequence(lambda n: f"leerling{n}@school.example")
    mobile = ""
    location = "Hoofdlocatie"
    year = 2
    group = "2B"
    status = PersonStatus.NEW


def student_row(n: int, **over) -> list:
    row = {
        "first_name": f"Voornaam{n}",
        "last_name": f"Achternaam{n}",
        "email": f"leerling{n}@school.example",
        "mobile": "",
        "location": "Hoofdlocatie",
        "year": 2,
        "group": "2B",
    }
    row.update(over)
    return [
        row["first_name"],
        row["last_name"],
        row["email"],
        row["mobile"],
        row["location"],
        row["year"],
        row["group"],
    ]


def xlsx(
    rows: list[list],
    header: list | None = None,
    *,
    above: int = 3,
    formulas: dict | None = None,
    encrypted: bool = False,
) -> bytes:
    """A workbook like a filled-in template: `above` explanation rows, the header row,
    then `rows`. `formulas` maps (row0, col0) → formula text written as a real formula."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    sheet = book.add_worksheet("Leerlingen")
    if above:
        sheet.write_string(0, 0, "Cultuurkaart – lijst")
    hdr = STUDENT_HEADER if header is None else header
    for col, label in enumerate(hdr):
        sheet.write_string(above, col, label)
    for r, row in enumerate(rows, start=above + 1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, value)
    for (r, c), text in (formulas or {}).items():
        sheet.write_formula(r, c, text, None, "x")
    book.close()
    return buffer.getvalue()


def _record(kind: int, body: bytes = b"") -> bytes:
    import struct

    return struct.pack("<HH", kind, len(body)) + body


def xls(
    rows: list[list],
    header: list | None = None,
    *,
    above: int = 3,
    formulas: dict | None = None,
    encrypted: bool = False,
) -> bytes:
    """A minimal Excel 97-2003 (.xls, BIFF8 in an OLE container) workbook with the same
    layout as `xlsx()`: text cells as LABEL records, numbers as NUMBER records, and
    `formulas` {(row0, col0): cached number} as FORMULA records (=value)."""
    import struct

    def label(r, c, text):
        data = str(text).encode("utf-16-le")
        return _record(0x0204, struct.pack("<HHHHB", r, c, 0, len(str(text)), 1) + data)

    def number(r, c, value):
        return _record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))

    cells = []
    if above:
        cells.append(label(0, 0, "Cultuurkaart – lijst"))
    for c, text in enumerate(STUDENT_HEADER if header is None else header):
        cells.append(label(above, c, text))
    for r, row in enumerate(rows, start=above + 1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            cells.append(
                number(r, c, value) if isinstance(value, int | float) else label(r, c, value)
            )
    for (r, c), value in (formulas or {}).items():
        rgce = struct.pack("<BH", 0x1E, int(value))  # ptgInt
        body = struct.pack("<HHHdHIH", r, c, 0, float(value), 0, 0, len(rgce)) + rgce
        cells.append(_record(0x0006, body))
    bof_globals = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 1997, 0, 0x0006))
    codepage = _record(0x0042, struct.pack("<H", 1200))
    if encrypted:  # a FILEPASS record (RC4) right after BOF, as Excel writes it
        codepage = _record(0x002F, struct.pack("<HHH", 1, 1, 1) + b"\x00" * 48) + codepage
    name = "Leerlingen"
    padding = _record(0x0089, b"\x00" * 4000)  # an ignored record: keep the stream ≥ 4096 bytes
    eof = _record(0x000A)

    def boundsheet(offset):
        return _record(
            0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 0) + name.encode("latin-1")
        )

    head_len = len(bof_globals) + len(codepage) + len(padding) + len(boundsheet(0)) + len(eof)
    max_row = above + len(rows) + 1
    sheet = (
        _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 1997, 0, 0x0006))
        + _record(0x0200, struct.pack("<IIHHH", 0, max_row, 0, 10, 0))
        + b"".join(cells)
        + eof
    )
    stream = bof_globals + codepage + padding + boundsheet(head_len) + eof + sheet
    return _ole_container(stream)


def _ole_container(stream: bytes) -> bytes:
    import struct

    sector = 512
    free, end, fatsect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    padded = stream + b"\x00" * (-len(stream) % sector)
    n_stream = len(padded) // sector
    fat = [fatsect, end] + [2 + i + 1 for i in range(n_stream - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108

    def entry(name, kind, child, start, size):
        raw = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(raw), kind, 1, free, free, child)
            + b"\x00" * 16
            + b"\x00" * 4
            + b"\x00" * 16
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, free, 2, len(stream))
    directory += entry("", 0, free, 0, 0) * 2
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + padded
