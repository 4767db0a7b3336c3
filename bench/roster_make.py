"""Make a filled-in student template with N rows (for the roster benchmarks)."""

from __future__ import annotations

import io
import random
import sys

import xlsxwriter


def make_students(
    n: int, *, seed: int = 1, changed: int = 0, moved: int = 0, school_kind: str = "vo"
) -> bytes:
    """A filled template: the header row on row 4 as the platform's template has it.
    `changed`: the first N rows get another name and e-mail (new people); `moved`: rows
    from 1,000 on move to another class (same people, updated)."""
    rnd = random.Random(seed)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("Leerlingen")
    sheet.write_string(0, 0, "Cultuurkaart – lijst van alle studenten")
    labels = ["Voornaam", "Achternaam", "E-mailadres", "Mobiel nummer", "Locatienaam"]
    labels += ["Studiejaar", "Opleiding"] if school_kind == "mbo" else ["Leerjaar", "Klas"]
    for col, label in enumerate(labels):
        sheet.write_string(3, col, label)
    firsts = ["Sanne", "Daan", "Emma", "Noah", "Julia", "Lucas", "Mila", "Sem", "Zoë", "Ömer"]
    for i in range(n):
        r = 4 + i
        tag = f"x{i}" if i < changed else ""
        sheet.write_string(r, 0, f"{firsts[i % 10]}{tag}")
        sheet.write_string(r, 1, f"Achternaam{i}")
        if i % 5:
            sheet.write_string(r, 2, f"student{i}{tag}@school{i % 7}.nl")
        if i % 3 == 0:
            sheet.write_string(r, 3, f"+316{rnd.randrange(10_000_000, 99_999_999)}")
        sheet.write_string(r, 4, "Hoofdlocatie")
        sheet.write_number(r, 5, 1 + i % 6)
        moved_tag = "X" if 1000 <= i < 1000 + moved else ""
        sheet.write_string(r, 6, f"{1 + i % 6}{'ABCDEF'[i % 6]}{moved_tag}")
    book.close()
    return buffer.getvalue()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    sys.stdout.buffer.write(make_students(count))
