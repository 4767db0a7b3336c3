"""The funder report: one action freezes the figures (JSON + SHA-256); the workbook and the
PDF are rendered from the snapshot, so they stay the same after the records changed."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from cultuurkaart.cmk.models import Activity, Line, Meeting, MeetingAttendance
from cultuurkaart.core.models import AuditEntry

from .. import exports
from ..services import budget, reports
from .factories import amstelland, participation, staff

pytestmark = pytest.mark.django_db


def _records(programme):
    line_a = Line.objects.get(programme=programme, code="A")
    line_c = Line.objects.get(programme=programme, code="C")
    Activity.objects.create(
        programme=programme,
        line=line_a,
        title="Scholing",
        held_on=dt.date(2025, 3, 1),
        participants=20,
    )
    Activity.objects.create(
        programme=programme,
        line=line_c,
        title="Naschools",
        held_on=dt.date(2025, 9, 1),
        participants=35,
    )
    Activity.objects.create(
        programme=programme,
        line=line_c,
        title="Ander jaar",
        held_on=dt.date(2026, 1, 5),
        participants=99,
    )
    meeting = Meeting.objects.create(
        programme=programme,
        level="regional",
        topic="Netwerk",
        held_on=dt.date(2025, 5, 1),
        status="held",
    )
    MeetingAttendance.objects.create(meeting=meeting, organisation="School", people=12)
    MeetingAttendance.objects.create(meeting=meeting, organisation="Museum", people=3)


def _sheet_values(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    out = {}
    for ws in book.worksheets:
        out[ws.title] = [tuple(r) for r in ws.iter_rows(values_only=True)]
    return out


def test_snapshot_stays_the_same_after_the_data_changed():
    programme = amstelland()
    _records(programme)
    p = participation(kind="vo")
    office = staff()
    report = reports.create_report(programme, 2025, actor=office)
    f = report.figures
    assert report.sha256 == reports.digest(f) and reports.verify(report)
    lines = {a["line"][0]: a for a in f["activities"]}
    assert (lines["A"]["activities"], lines["A"]["participants"]) == (1, 20)
    assert (lines["C"]["activities"], lines["C"]["participants"]) == (1, 35)
    assert f["meetings"][0]["people"] == 15 and f["meetings"][0]["organisations"] == 2
    assert f["inkind_hours"]["po"] == 6650
    assert f["budget"]["totals"]["costs"]["planned"] == "279624.00"
    school = next(s for s in f["schools"] if s["participation"] == p.pk)
    assert school["track"] == "track-1" and school["step"] == 1 and school["sector"] == "vo"
    assert any(t["indicator"] for t in f["targets"])
    assert AuditEntry.objects.filter(action="cmk_evaluation.funder_report.created").exists()
    book_before = _sheet_values(exports.workbook(report))
    pdf_before = exports.pdf(report)
    assert pdf_before.startswith(b"%PDF")

    # the records change afterwards
    budget.set_budget(
        programme,
        2025,
        {"lines": [{"category": "activities", "planned": "1.00", "realised": "2.00"}]},
        actor=office,
    )
    Activity.objects.create(
        programme=programme,
        line=Line.objects.get(programme=programme, code="A"),
        title="Later",
        held_on=dt.date(2025, 11, 1),
        participants=500,
    )
    participation(kind="po")

    report.refresh_from_db()
    assert report.figures == f and reports.verify(report)
    assert _sheet_values(exports.workbook(report)) == book_before
    fresh = reports.create_report(programme, 2025, actor=office)
    assert fresh.sha256 != report.sha256
    assert (
        next(a for a in fresh.figures["activities"] if a["line"].startswith("A"))["participants"]
        == 520
    )


def test_workbook_has_the_sheets_and_figures():
    programme = amstelland()
    _records(programme)
    budget.set_budget(
        programme,
        2025,
        {
            "lines": [{"category": "coordination", "planned": "20705.00", "realised": "21000.50"}],
            "matching": [{"municipality": "Aalsmeer", "amount": "30000"}],
        },
        actor=None,
    )
    participation(kind="po", municipality="Amstelveen")
    report = reports.create_report(programme, 2025, actor=None)
    sheets = _sheet_values(exports.workbook(report))
    assert list(sheets) == [
        "Verantwoording",
        "Begroting",
        "Matching gemeenten",
        "Doelen",
        "Scholen",
        "Activiteiten",
        "Bijeenkomsten",
        "Uren in natura",
    ]
    coordination = next(r for r in sheets["Begroting"] if r[0] == "Coördinatiekosten")
    assert coordination[2:5] == (20705.0, 21000.5, 295.5)
    assert ("Aalsmeer", 30000.0, None) in sheets["Matching gemeenten"]
    assert sheets["Uren in natura"][1] == ("PO", 6650, None)
    assert sheets["Verantwoording"][4][1] == report.sha256
    assert len(sheets["Scholen"]) == 2


def test_formula_text_stays_text():
    programme = amstelland()
    line_a = Line.objects.get(programme=programme, code="A")
    Meeting.objects.create(
        programme=programme, level="regional", topic='=HYPERLINK("x")', held_on=dt.date(2025, 5, 1)
    )
    Activity.objects.create(
        programme=programme, line=line_a, title="x", held_on=dt.date(2025, 3, 1), participants=1
    )
    report = reports.create_report(programme, 2025, actor=None)
    book = openpyxl.load_workbook(io.BytesIO(exports.workbook(report)))
    cell = book["Bijeenkomsten"]["C2"]
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"
