"""Broken and hostile files get a clear Dutch refusal, never a crash or a memory blow-up."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from cultuurkaart.rosters import constants as C
from cultuurkaart.rosters.exceptions import UnreadableFile
from cultuurkaart.rosters.spreadsheet import OLE_MAGIC
from cultuurkaart.rosters.tests.factories import student_row, xlsx
from cultuurkaart.rosters.validation import validate_file


def refused(data: bytes, kind: str = "students") -> str:
    with pytest.raises(UnreadableFile) as info:
        validate_file(data, kind)
    assert info.value.type == "unreadable-file" and info.value.status == 422
    return info.value.message


def test_random_bytes():
    assert "geen Excel-bestand" in refused(os.urandom(5000))


def test_csv_is_not_a_spreadsheet():
    assert "geen Excel-bestand" in refused(b"Voornaam;Achternaam\nJan;Jansen\n")


def test_empty_file():
    assert "leeg" in refused(b"")


def test_workbook_without_any_cells():
    assert "leeg" in refused(xlsx([], header=[], above=0))


def test_template_without_people():
    assert "geen personen" in refused(xlsx([]))


def test_wrong_template():
    message = refused(xlsx([["a", "b"]], header=["Naam", "Adres"]))
    assert "niet het juiste sjabloon" in message


def test_missing_required_column_is_named():
    message = refused(xlsx([["Jan", "Jansen"]], header=["Voornaam", "Achternaam", "Klas"]))
    assert "'Locatienaam'" in message and "'Leerjaar'" in message


def test_student_file_uploaded_as_teachers_is_wrong_template():
    assert "Type" in refused(xlsx([student_row(1)]), "teachers")


def test_file_too_large(monkeypatch):
    monkeypatch.setattr(C, "MAX_FILE_BYTES", 1000)
    assert "te groot" in refused(xlsx([student_row(i) for i in range(100)]))


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(C, "MAX_ROWS", 10)
    assert "meer dan 10 rijen" in refused(xlsx([student_row(i) for i in range(11)]))


def test_far_away_cell_is_refused_before_parsing():
    buffer = io.BytesIO()
    import xlsxwriter

    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "Voornaam")
    sheet.write_string(1_000_000, 16000, "x")
    book.close()
    assert "rijen" in refused(buffer.getvalue()) or "kolommen" in refused(buffer.getvalue())


def _zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def test_zip_bomb_by_compression_ratio():
    bomb = _zip_with(
        {
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\x00" * (50 * 1024 * 1024),
        }
    )
    assert len(bomb) < 200_000
    assert "pakt uit" in refused(bomb)


def test_zip_bomb_by_total_size(monkeypatch):
    monkeypatch.setattr(C, "MAX_UNCOMPRESSED_BYTES", 100_000)
    data = xlsx([student_row(i) for i in range(2000)])
    assert "pakt uit" in refused(data)


def test_zip_that_lies_about_its_sizes():
    """A member whose real size exceeds its declared size is stopped while unpacking."""
    honest = _zip_with(
        {
            "xl/workbook.xml": b"<workbook/>",
            "xl/_rels/workbook.xml.rels": b"<Relationships/>",
            "xl/sharedStrings.xml": os.urandom(300_000).hex().encode(),
        }
    )
    # Shrink the declared size of sharedStrings.xml in both headers.
    zf = zipfile.ZipFile(io.BytesIO(honest))
    info = zf.getinfo("xl/sharedStrings.xml")
    real = info.file_size.to_bytes(4, "little")
    fake = (1000).to_bytes(4, "little")
    lying = honest.replace(real, fake)
    message = refused(lying)
    assert "pakt uit" in message or "beschadigd" in message


def test_docx_is_not_a_workbook():
    assert "geen Excel" in refused(_zip_with({"word/document.xml": b"<w/>"}))


def test_macro_workbook_is_refused():
    data = xlsx([student_row(1)])
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    members["xl/vbaProject.bin"] = b"\x00" * 100
    assert "macro" in refused(_zip_with(members))


def _ole(*names: str) -> bytes:
    """An OLE/CFB header followed by directory-entry names in UTF-16LE."""
    body = b"".join(n.encode("utf-16-le") + b"\x00\x00" for n in names)
    return OLE_MAGIC + b"\x00" * 504 + body + b"\x00" * 2048


def test_password_protected_xlsx_in_ole_container():
    assert "wachtwoord" in refused(_ole("EncryptionInfo", "EncryptedPackage"))


def test_xls_with_macros():
    assert "macro" in refused(_ole("Workbook", "_VBA_PROJECT_CUR"))


def test_broken_xls():
    assert "beschadigd" in refused(_ole("Workbook"))


def test_truncated_xlsx():
    data = xlsx([student_row(1)])
    message = refused(data[: len(data) // 2])
    assert "beschadigd" in message


def test_xls_far_away_cell_is_refused_before_parsing():
    """One cell at the last row and column of an .xls would make the parser allocate
    65,536 × 256 cells (more than 1 GB): the BIFF records are scanned first."""
    import struct

    from cultuurkaart.rosters.tests.factories import _ole_container, _record

    def bof(dt):
        return _record(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0, 1997, 0, 6))

    cells = _record(0x0204, struct.pack("<HHHHB", 0, 0, 0, 8, 1) + "Voornaam".encode("utf-16-le"))
    cells += _record(0x0203, struct.pack("<HHHd", 65535, 255, 0, 1.0))
    pad, eof = _record(0x0089, b"\x00" * 4000), _record(0x000A)

    def boundsheet(offset):
        return _record(0x0085, struct.pack("<IBBBB", offset, 0, 0, 1, 0) + b"S")

    head = len(bof(5)) + len(pad) + len(boundsheet(0)) + len(eof)
    stream = bof(5) + pad + boundsheet(head) + eof + bof(0x10) + cells + eof
    message = refused(_ole_container(stream))
    assert "ver buiten het sjabloon" in message and "IV" in message


def test_xlsx_large_area_is_refused(monkeypatch):
    monkeypatch.setattr(C, "MAX_CELLS", 100)
    assert "ver buiten het sjabloon" in refused(xlsx([student_row(i) for i in range(20)]))


def test_password_protected_xls():
    from cultuurkaart.rosters.tests.factories import xls

    assert "wachtwoord" in refused(xls([student_row(1)], encrypted=True))
