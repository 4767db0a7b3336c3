"""Roster import benchmark (issue 3): a 50,000-row student file.

    DATABASE_URL=postgres://... uv run python manage.py migrate
    DATABASE_URL=postgres://... uv run python bench/roster_bench.py [rows]

Pins this process to one CPU core and reports, for the same file:
  parse only (python-calamine, the floor) · validation · validation + full replace into
  an empty roster · the same file again with 1,000 changed rows · the list page query
  (filter + count + one page) and the Excel export on the result · peak memory (RSS).
Uses its own throw-away school; it removes it at the end.
"""

from __future__ import annotations

import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cultuurkaart.conf.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from roster_make import make_students  # noqa: E402

from cultuurkaart.rosters import queries, services, workbooks  # noqa: E402
from cultuurkaart.rosters.models import Person  # noqa: E402
from cultuurkaart.rosters.validation import validate_file  # noqa: E402
from cultuurkaart.schools.models import Location, School  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, func, results: dict):
    start = time.perf_counter()
    value = func()
    results[label] = time.perf_counter() - start
    print(f"{label:<48} {results[label]:7.3f} s   (peak RSS {peak_mb():.0f} MB)", flush=True)
    return value


def main(rows: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import python_calamine as pc

    print(f"database: {connection.vendor}; rows: {rows}; python process on one core")
    first = make_students(rows, seed=1)
    second = make_students(rows, seed=1, changed=1000)
    third = make_students(rows, seed=1, changed=1000, moved=1000)
    print(f"file: {len(first) / 1e6:.1f} MB .xlsx")
    location = Location.objects.create(code="BENCH01", kind="vo", name="Bench")
    school = School.objects.create(
        name="Bench school",
        kind="vo",
        board_name="b",
        board_email="b@x.nl",
        directie_name="d",
        directie_email="d@x.nl",
        budget_holder_name="h",
        budget_holder_email="h@x.nl",
        invoice_email="i@x.nl",
    )
    school.locations.add(location)
    results: dict[str, float] = {}
    try:
        timed(
            "parse only (calamine, the floor)",
            lambda: (
                pc.CalamineWorkbook.from_filelike(io.BytesIO(first))
                .get_sheet_by_index(0)
                .to_python(skip_empty_area=False)
            ),
            results,
        )
        result = timed("validation", lambda: validate_file(first, "students"), results)
        assert result.valid and result.row_count == rows, result.errors[:3]

        def upload(data):
            checked = validate_file(data, "students")
            assert checked.valid
            return services.replace_roster(school, "students", checked.rows, actor=None)

        summary = timed("validation + full replace (empty roster)", lambda: upload(first), results)
        print("   ", {k: summary[k] for k in ("added", "kept", "removed")})
        summary = timed("second upload, 1,000 rows changed", lambda: upload(second), results)
        print("   ", {k: summary[k] for k in ("added", "kept", "removed", "updated")})
        summary = timed("third upload, 1,000 rows moved class", lambda: upload(third), results)
        print("   ", {k: summary[k] for k in ("added", "kept", "removed", "updated")})
        summary = timed("fourth upload, identical file", lambda: upload(third), results)
        print("   ", {k: summary[k] for k in ("added", "kept", "removed", "updated")})

        def list_page():
            qs, _ = queries.sorted_people(
                queries.filter_people(
                    school, "students", {"status": ["new", "invited"], "year": "3"}
                ),
                "last_name",
            )
            return qs.count(), list(qs[1000:1050])

        timed("list: filter + count + page 21 (year, 2 statuses)", list_page, results)

        def export():
            rows_ = list(
                Person.objects.filter(school=school, kind="students").values_list(
                    *queries.EXPORT_COLUMNS
                )
            )
            return workbooks.export_people(rows_, "students", codes={})

        data = timed("export to Excel (all rows)", export, results)
        print(f"    export size {len(data) / 1e6:.1f} MB")
        print(f"peak RSS of the process: {peak_mb():.0f} MB")
    finally:
        Person.objects.filter(school=school).delete()
        school.roster_uploads.all().delete()
        school.delete()
        location.delete()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
