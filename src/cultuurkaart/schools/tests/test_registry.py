from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from cultuurkaart.schools import services
from cultuurkaart.schools.models import Location, RegistryCount, RegistryImport

SAMPLES = Path(settings.BASE_DIR) / "data" / "duo"
HEADER = "BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;POSTCODE;GEMEENTENAAM;PROVINCIE;TOTAAL AANTAL LEERLINGEN\n"

pytestmark = pytest.mark.django_db


def test_sample_vo_file_imports_all_rows_and_keeps_small_counts_unknown():
    record = services.import_registry(
        (SAMPLES / "vo_vestigingen_sample.csv").read_bytes(), kind="vo"
    )
    assert (record.rows, record.created, record.updated) == (8, 8, 0)
    assert Location.objects.get(code="00AA01").students == 1240
    assert Location.objects.get(code="04HK00").students is None  # "<5" is unknown, never 0
    assert RegistryCount.objects.filter(registry_import=record).count() == 8


def test_sample_mbo_file_imports():
    record = services.import_registry(
        (SAMPLES / "mbo_locaties_sample.csv").read_bytes(), kind="mbo"
    )
    assert record.created == 5
    loc = Location.objects.get(code="111D001")
    assert (loc.kind, loc.students) == ("mbo", None)


def test_second_import_updates_and_keeps_history():
    services.import_registry((SAMPLES / "vo_vestigingen_sample.csv").read_bytes(), kind="vo")
    changed = HEADER + "00AA;00AA01;Het Amstel Lyceum;1012AB;Amsterdam;Noord-Holland;1300\n"
    record = services.import_registry(changed.encode(), kind="vo")
    assert (record.created, record.updated) == (0, 1)
    assert Location.objects.get(code="00AA01").students == 1300
    assert RegistryImport.objects.count() == 2
    history = RegistryCount.objects.filter(location__code="00AA01").order_by(
        "registry_import__imported_at", "id"
    )
    assert [c.students for c in history] == [1240, 1300]


def test_brin_plus_two_digit_number_is_combined():
    content = HEADER + "12AB;3;Vestiging;1012AB;Amsterdam;Noord-Holland;100\n"
    services.import_registry(content.encode(), kind="vo")
    assert Location.objects.filter(code="12AB03").exists()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a text"),
        (b"FOO;BAR\n1;2\n", "Unknown columns"),
        ((HEADER + "00AA;00AA01;X;1012AB;A;Noord-Holland;veel\n").encode(), "nothing was imported"),
        # "1²".isdigit() is true but int() refuses it: a field error, not a crash.
        ((HEADER + "00AA;00AA01;X;1012AB;A;Noord-Holland;1²\n").encode(), "nothing was imported"),
        ((HEADER + "00AA;00AA01;X;1012AB;A;Noord-Holland;١٢\n").encode(), "nothing was imported"),
        ((HEADER + "00AA;00AA01;X;1012AB;A;Noord-Holland\n").encode(), "nothing was imported"),
        (HEADER.encode(), "no locations"),
    ],
)
def test_broken_files_are_refused_with_a_clear_error(content, fragment):
    with pytest.raises(services.RegistryFileError) as exc:
        services.import_registry(content, kind="vo")
    assert fragment in exc.value.message


def test_a_bad_row_imports_nothing_at_all():
    content = (
        HEADER
        + "00AA;00AA01;Goed;1012AB;A;Noord-Holland;10\n00AA;00AA02;Fout;1012AB;A;Noord-Holland;x\n"
    )
    with pytest.raises(services.RegistryFileError) as exc:
        services.import_registry(content.encode(), kind="vo")
    assert exc.value.errors[0]["row"] == 3
    assert not Location.objects.exists()
    assert not RegistryImport.objects.exists()


def test_management_command_imports_and_reports_errors(tmp_path):
    call_command("import_registry", str(SAMPLES / "vo_vestigingen_sample.csv"), "--kind", "vo")
    assert Location.objects.count() == 8
    bad = tmp_path / "bad.csv"
    bad.write_text("FOO;BAR\n")
    with pytest.raises(CommandError, match="Unknown columns"):
        call_command("import_registry", str(bad), "--kind", "vo")


def test_find_locations_by_code_or_postcode():
    services.import_registry((SAMPLES / "vo_vestigingen_sample.csv").read_bytes(), kind="vo")
    assert {loc.code for loc in services.find_locations("00aa")} == {"00AA01", "00AA02"}
    assert [loc.code for loc in services.find_locations("3511 aa")] == ["01BC00"]
    assert list(services.find_locations("00")) == []
