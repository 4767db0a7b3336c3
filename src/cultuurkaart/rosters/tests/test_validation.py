"""Every validation rule of SPEC §3, on files made in the test."""

from __future__ import annotations

import pytest

from cultuurkaart.rosters.tests.factories import TEACHER_HEADER, student_row, xlsx
from cultuurkaart.rosters.validation import validate_file


def errors_of(data: bytes, kind: str = "students"):
    result = validate_file(data, kind)
    return result, [(e["row"], e["column"], e["code"]) for e in result.errors]


def test_valid_file_is_green_and_rows_are_cleaned():
    data = xlsx(
        [
            student_row(
                1, first_name="  Zoe\u0308 ", email=" A.B@School.NL ", mobile="+31 6-1234 5678"
            )
        ]
    )
    result, errors = errors_of(data)
    assert errors == []
    assert result.valid and result.row_count == 1
    row = result.rows[0]
    assert row[0] == 5  # spreadsheet row: 3 rows above, header on row 4
    assert row[1] == "Zoë" and len(row[1]) == 3  # trimmed and NFC
    assert row[3] == "A.B@School.NL"
    assert row[4] == "+31612345678"
    assert row[6] == 2


@pytest.mark.parametrize(
    "field,column",
    [
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("location", "location"),
        ("year", "year"),
        ("group", "group"),
    ],
)
def test_required_fields(field, column):
    _, errors = errors_of(xlsx([student_row(1), student_row(2, **{field: "   "})]))
    assert errors == [(6, column, "required")]


def test_email_and_mobile_are_optional():
    _, errors = errors_of(xlsx([student_row(1, email="", mobile="")]))
    assert errors == []


@pytest.mark.parametrize(
    "email",
    [
        "geen-apenstaart.nl",
        "a@@b.nl",
        "a@b@c.nl",
        "@school.nl",
        "naam@school",
        "na am@school.nl",
        "naam@.nl",
        "naam@school.",
    ],
)
def test_email_format(email):
    _, errors = errors_of(xlsx([student_row(1, email=email)]))
    assert errors == [(5, "email", "email-invalid")]


@pytest.mark.parametrize(
    "email", ["a@b.nl", "voor.achter+tag@sub.school.example", "x_y@xn--bcher-kva.de"]
)
def test_email_format_accepts(email):
    assert errors_of(xlsx([student_row(1, email=email)]))[1] == []


def test_email_at_most_254_characters():
    long = "a" * 245 + "@school.nl"  # 255
    _, errors = errors_of(
        xlsx([student_row(1, email=long), student_row(2, email="a" * 244 + "@school.nl")])
    )
    assert errors == [(5, "email", "email-too-long")]


def test_email_unique_within_file_case_insensitive():
    result, errors = errors_of(
        xlsx([student_row(1, email="Jan@School.nl"), student_row(2, email="jan@school.NL")])
    )
    assert errors == [(6, "email", "email-duplicate")]
    assert "rij 5" in result.errors[0]["message"]


@pytest.mark.parametrize(
    "mobile", ["+31612345678", "+31 6 12 34 56 78", "+316-1234-5678", "+4915112345678"]
)
def test_mobile_e164_accepted(mobile):
    assert errors_of(xlsx([student_row(1, mobile=mobile)]))[1] == []


def test_mobile_starting_with_06_gets_its_own_error():
    result, errors = errors_of(xlsx([student_row(1, mobile="06-12345678")]))
    assert errors == [(5, "mobile", "mobile-national")]
    assert "+316" in result.errors[0]["message"]


@pytest.mark.parametrize(
    "mobile", ["+0612345678", "12345", "+31612345678901234", "tel +31612345678", 31612345678]
)
def test_mobile_invalid(mobile):
    _, errors = errors_of(xlsx([student_row(1, mobile=mobile)]))
    assert errors == [(5, "mobile", "mobile-invalid")]


@pytest.mark.parametrize("year", [1, 6, "3", 4.0])
def test_year_accepts_whole_numbers_1_to_6(year):
    _result, errors = errors_of(xlsx([student_row(1, year=year)]))
    assert errors == []


@pytest.mark.parametrize("year", [0, 7, "2a", 2.5, "twee", -1])
def test_year_rejects_others(year):
    _, errors = errors_of(xlsx([student_row(1, year=year)]))
    assert errors == [(5, "year", "year-invalid")]


def test_every_error_is_listed_with_row_and_column():
    rows = [
        student_row(1, first_name="", mobile="0612345678"),
        student_row(2),
        student_row(3, year=9, email="x"),
    ]
    result, errors = errors_of(xlsx(rows))
    assert errors == [
        (5, "first_name", "required"),
        (5, "mobile", "mobile-national"),
        (7, "email", "email-invalid"),
        (7, "year", "year-invalid"),
    ]
    assert result.error_count == 4 and not result.valid
    assert all(e["message"] for e in result.errors)


def test_empty_rows_between_people_are_skipped_and_rows_keep_their_number():
    result, errors = errors_of(xlsx([student_row(1), [], student_row(3, group="")]))
    assert result.row_count == 2
    assert errors == [(7, "group", "required")]


def test_mbo_headers_studiejaar_and_opleiding():
    header = [
        "Voornaam",
        "Achternaam",
        "E-mailadres",
        "Mobiel nummer",
        "Locatienaam",
        "Studiejaar",
        "Opleiding",
    ]
    result, errors = errors_of(xlsx([student_row(1)], header=header))
    assert errors == [] and result.row_count == 1


def test_columns_may_be_in_another_order_and_header_on_first_row():
    header = ["Klas", "Leerjaar", "Locatienaam", "Achternaam", "Voornaam"]
    result, errors = errors_of(xlsx([["1A", 1, "Hoofd", "Jansen", "Piet"]], header=header, above=0))
    assert errors == []
    assert result.rows[0][1:3] == ("Piet", "Jansen") and result.rows[0][0] == 2


def test_teacher_type():
    rows = [
        ["Jan", "Jansen", "", "Docent"],
        ["Els", "Bos", "", "onderwijsondersteunend personeel"],
        ["Kim", "Li", "", "Conciërge"],
        ["Bo", "Ek", "", ""],
    ]
    result, errors = errors_of(xlsx(rows, header=TEACHER_HEADER), "teachers")
    assert errors == [(7, "type", "type-invalid"), (8, "type", "required")]
    assert [r[8] for r in result.rows[:2]] == ["teacher", "support"]


def test_anonymous_rows_are_accepted():
    rows = [
        ["Leerling 1", "achternaam1", "", "", "Hoofd", 1, "1A"],
        ["Leerling 2", "achternaam2", "", "", "Hoofd", 1, "1A"],
    ]
    result, errors = errors_of(xlsx(rows))
    assert errors == [] and result.row_count == 2


def test_formula_cells_are_errors_and_never_evaluated():
    data = xlsx([student_row(1), student_row(2)], formulas={(5, 1): '=HYPERLINK("http://x","y")'})
    _result, errors = errors_of(data)
    assert errors == [(6, "last_name", "formula")]


def test_text_that_looks_like_a_formula_stays_text():
    result, errors = errors_of(xlsx([student_row(1, first_name="=1+1")]))
    assert errors == [] and result.rows[0][1] == "=1+1"


def test_xls_files_are_read_like_xlsx():
    from cultuurkaart.rosters.tests.factories import xls

    result, errors = errors_of(xls([student_row(1), student_row(2, mobile="0612345678", year=9)]))
    assert errors == [(6, "mobile", "mobile-national"), (6, "year", "year-invalid")]
    assert result.rows[0][1:4] == ("Voornaam1", "Achternaam1", "leerling1@school.example")
    assert result.rows[0][6] == 2


def test_xls_formula_cells_are_errors():
    from cultuurkaart.rosters.tests.factories import xls

    _, errors = errors_of(xls([student_row(1, year=None)], formulas={(4, 5): 2}))
    assert errors == [(5, "year", "formula")]
