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
    rows: list[list], header: list | None = None, *, above: int = 3, formulas: dict | None = None
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
