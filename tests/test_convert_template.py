"""cdmx convert -m ocds-template against flattentool (pinned in constraints.txt), run in the same test on
the same input: CSV folders in flattentool's order, rows with an ocid but no id, booleans written 1/true,
hidden sheets; and the one difference on purpose, the "Meta" sheet."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import flattentool
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from ocds_cdmx.cli import main

from .conftest import OCDS, SHARED

SCHEMA = OCDS / "1__1__5" / "release-schema.json"
ROUNDTRIP = SHARED / "fixtures" / "convert" / "ocds_roundtrip_contract" / "flattened"


def _ours(source: Path, *options: str) -> tuple[dict, dict]:
    result = CliRunner().invoke(
        main, ["convert", str(source), "--no-validate", "--report", "json", "--schema-dir", str(OCDS), "--offline",
               "--published-date", "2024-10-16T00:00:00-06:00", *options],
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout), json.loads(result.stderr)


def _flattentool(source: Path, tmp_path: Path, **options) -> dict:
    out = tmp_path / "flattentool.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flattentool.unflatten(str(source), output_name=str(out), input_format="csv" if source.is_dir() else "xlsx",
                              root_list_path="releases", root_id="ocid", schema=str(SCHEMA), **options)  # fmt: skip
    return json.loads(out.read_text(encoding="utf-8"))


def _same(ours: dict, theirs: dict) -> None:
    # Same values and same key order.
    assert json.dumps(ours["releases"]) == json.dumps(theirs["releases"])


def test_a_csv_folder_is_read_in_flattentools_order(tmp_path):
    package, report = _ours(ROUNDTRIP)
    assert report["mapping"] == "ocds-template"  # picked: the headers are OCDS paths
    _same(package, _flattentool(ROUNDTRIP, tmp_path))
    # flattentool reads the files by name: the releases' keys start with the awards' sheet's.
    assert list(package["releases"][0])[:3] == ["ocid", "id", "awards"]


def _csv_folder(tmp_path: Path, rows: list[str]) -> Path:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "releases.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "awards.csv").write_text("ocid,id,awards/0/id,awards/0/title\nocds-x-1,r1,a1,Premio\n", encoding="utf-8")
    return folder


def test_rows_with_an_ocid_but_no_id_are_releases_of_their_own(tmp_path):
    folder = _csv_folder(tmp_path, [
        "ocid,id,date,tender/title",
        "ocds-x-1,,2020-02-01T00:00:00Z,Sin id uno",
        "ocds-x-1,r1,2020-01-01T00:00:00Z,Con id",
        "ocds-x-1,,2020-03-01T00:00:00Z,Sin id dos",
    ])  # fmt: skip
    package, report = _ours(folder)
    _same(package, _flattentool(folder, tmp_path))
    titles = [r.get("tender", {}).get("title") for r in package["releases"]]
    assert titles == ["Con id", "Sin id uno", "Sin id dos"]  # none of the values is dropped
    assert report["sheets"][-1]["converted"] == 3


@pytest.mark.parametrize("values", [["1", "0"], ["true", "false"], ["TRUE", "False"], ["yes", "no"]])
def test_booleans_as_flattentool_reads_them(values, tmp_path):
    folder = _csv_folder(tmp_path, ["ocid,id,tender/hasEnquiries",
                                    f"ocds-x-1,r1,{values[0]}", f"ocds-x-2,r2,{values[1]}"])  # fmt: skip
    package, report = _ours(folder)
    _same(package, _flattentool(folder, tmp_path))
    unreadable = [f for f in report["findings"] if f["check"] == "value_unreadable"]
    assert bool(unreadable) == (values[0] == "yes")  # kept as text, with a warning, as flattentool warns


def test_hidden_sheets_are_read_as_flattentool_reads_them(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "releases"
    sheet.append(["ocid", "id", "date"])
    sheet.append(["ocds-x-1", "r1", "2020-01-01T00:00:00Z"])
    hidden = book.create_sheet("tender")
    hidden.append(["ocid", "id", "tender/title"])
    hidden.append(["ocds-x-1", "r1", "En una hoja oculta"])
    hidden.sheet_state = "hidden"
    path = tmp_path / "plantilla.xlsx"
    book.save(path)
    package, _ = _ours(path)
    _same(package, _flattentool(path, tmp_path))
    assert package["releases"][0]["tender"]["title"] == "En una hoja oculta"


def test_difference_on_purpose_the_meta_sheet_is_not_read(tmp_path):
    """The Review Tool reads the "Meta" sheet as the package's metadata (flattentool's metatab); we take
    the metadata from the mapping and the options, and say that the sheet was not read."""
    book = Workbook()
    sheet = book.active
    sheet.title = "releases"
    sheet.append(["ocid", "id", "date"])
    sheet.append(["ocds-x-1", "r1", "2020-01-01T00:00:00Z"])
    meta = book.create_sheet("Meta")
    meta.append(["publisher/name", "Secretaría de Administración y Finanzas"])
    path = tmp_path / "con-meta.xlsx"
    book.save(path)
    package, report = _ours(path)
    theirs = _flattentool(path, tmp_path, metatab_name="Meta", metatab_vertical_orientation=True)
    _same(package, theirs)
    assert theirs["publisher"] == {"name": "Secretaría de Administración y Finanzas"}
    assert package["publisher"] != theirs["publisher"]
    (ignored,) = [f for f in report["findings"] if f["check"] == "sheet_ignored"]
    assert ignored["params"] == {"sheet": "Meta"} and ignored["severity"] == "warning"
