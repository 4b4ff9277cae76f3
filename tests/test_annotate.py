"""``cdmx convert … --annotate``: the officer's workbook with each problem on its cell, and a first sheet
that lists them, for every bundled sample, the real transparency workbooks and a damaged workbook.

Each test reads what to expect from the conversion's own JSON report (every location, with its cell) and
looks for it in the annotated copy with openpyxl: the cell filled in its severity's colour, a comment with
the problem, a line in the list. The original files are hashed before and after."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from ocds_cdmx.cli import main
from ocds_cdmx.io.workbook import Workbook
from ocds_cdmx.report.annotate import FILLS
from ocds_cdmx.report.messages import finding_text

from .conftest import AGENCY, REAL, ROOT

SAMPLES = ROOT / "samples"
#: Every sample a data officer converts on its own (the others are the second files of the agency mappings).
ALONE = sorted(
    p.name
    for p in SAMPLES.iterdir()
    if p.suffix in (".xlsx", ".xls", ".csv") and "paaaps" not in p.name and not p.name.startswith(("avance", "clc"))
)
CASES = [
    *[([SAMPLES / name], []) for name in ALONE],
    ([SAMPLES / "A121Fr30B_2024T3.xlsx", SAMPLES / "paaaps-2024.xlsx", SAMPLES / "clc-2024T3.csv"], ["-m", "finanzas"]),
    ([SAMPLES / "A121Fr30A_2024T3.xlsx", SAMPLES / "avance-obras-2024T3.xlsx"], ["-m", "obras"]),
    ([SAMPLES / "28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", SAMPLES / "SEDEMA_paaaps-2024.xlsx"], ["-m", "sedema"]),
    *[([path], []) for path in sorted((REAL / "pnt").glob("*.xlsx"))],
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def annotate(tmp_path: Path, files: list[Path], extra: list[str], lang: str = "es") -> tuple[dict, Path, object]:
    """Convert with --annotate and --report json; (report, annotated path, CliRunner result)."""
    before = {f: digest(f) for f in files}
    out, annotated = tmp_path / "out.json", tmp_path / "revisado.xlsx"
    # Generic mappings name no buyer: the workbook's agency is given, as a data officer would.
    agency = [] if "-m" in extra else list(AGENCY)
    args = ["convert", *map(str, files), *extra, *agency, "-o", str(out), "--annotate", str(annotated)]
    result = CliRunner().invoke(main, [*args, "--report", "json", "--lang", lang])
    assert result.exit_code in (0, 1), (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert {f: digest(f) for f in files} == before, "the original workbook was modified"
    return json.loads(result.stderr), annotated, result


def problems(report: dict) -> list[tuple[dict, dict]]:
    """(group, location) for every error and warning of the conversion and of its validation."""
    groups = report["findings"] + ((report["validation"] or {}).get("findings") or [])
    return [(g, loc) for g in groups if g["severity"] in ("error", "warning") for loc in g["locations"] or [{}]]


def colour(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:] if cell.fill is not None and cell.fill.fill_type == "solid" else ""


def title_of(sheet: str, book) -> str:
    """The sheet's title in the copy: its name, cut to Excel's 31 characters for a CSV file."""
    return sheet if sheet in book.sheetnames else sheet[:31]


def check_annotated(report: dict, annotated: Path, main_file: Path, lang: str) -> int:
    """Every problem of the report on its cell and in the list; returns how many cells were checked."""
    book = openpyxl.load_workbook(annotated)
    listing = book.worksheets[0]
    assert listing.title == ("Problemas" if lang == "es" else "Problems")
    assert book.active.title == listing.title
    assert listing.freeze_panes == "A2"
    header = [c.value for c in listing[1]]
    assert listing.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{listing.max_row}"
    names = {h: i for i, h in enumerate(header)}
    sheet_col = names["Hoja" if lang == "es" else "Sheet"]
    cell_col = names["Celda" if lang == "es" else "Cell"]
    problem_col = names["Problema" if lang == "es" else "Problem"]
    lines = {(r[sheet_col], r[cell_col], r[problem_col]) for r in listing.iter_rows(min_row=2, values_only=True)}
    checked = 0
    expected_lines = set()
    for group, loc in problems(report):
        title, _ = finding_text(group["check"], group["params"], group["field"], lang, loc.get("value"))
        if not loc.get("sheet") or Path(loc["file"]).resolve() != main_file.resolve():
            expected_lines.add(title)
            continue
        ref = loc.get("cell") or f"A{loc['row']}"
        name = title_of(loc["sheet"], book)
        cell = book[name][ref]
        # A cell with an error and a warning takes the error's colour.
        allowed = {FILLS["error"]} if group["severity"] == "error" else {FILLS["warning"], FILLS["error"]}
        assert colour(cell) in allowed, (loc, group["check"])
        assert cell.comment is not None and title in cell.comment.text, (loc, group["check"])
        assert (name, ref, title) in lines, (loc, group["check"])
        checked += 1
    assert expected_lines <= {line[2] for line in lines}
    return checked


def same_values(original: Path, annotated: Path) -> None:
    """The copy holds the original's values, sheet by sheet, cell by cell."""
    copy = openpyxl.load_workbook(annotated)
    with Workbook(original) as book:
        for sheet in book.sheets():
            target = copy[title_of(sheet.name, copy)]
            for number, values in sheet.rows():
                for index, value in enumerate(values, 1):
                    if value is None:
                        continue
                    got = target.cell(row=number, column=index).value
                    if target.cell(row=number, column=index).data_type == "f":
                        continue  # a formula stays a formula; calamine gives its cached value
                    if isinstance(value, str):
                        value = value.strip()
                        got = str(got).strip() if got is not None else None
                    elif isinstance(value, float) and isinstance(got, int | float):
                        assert abs(got - value) < 1e-6
                        continue
                    if hasattr(got, "date") and not hasattr(value, "date"):
                        continue  # a date cell that calamine gives as its serial number
                    assert got == value, (sheet.name, number, index)


def case_id(value: list) -> str:
    return "+".join(p.name if isinstance(p, Path) else p for p in value) or "auto"


@pytest.mark.parametrize(("files", "extra"), CASES, ids=case_id)
def test_every_problem_is_on_its_cell_and_in_the_list(tmp_path, files, extra):
    report, annotated, _ = annotate(tmp_path, files, extra)
    check_annotated(report, annotated, files[0], "es")
    same_values(files[0], annotated)


def damaged(tmp_path: Path) -> Path:
    """A sample with problems that the conversion finds (an amount in words, a date that does not exist)
    and that only the validation of the package finds (a generic RFC, a contract that ends before it starts)."""
    path = tmp_path / "danado.xlsx"
    shutil.copy(SAMPLES / "A121Fr30B_2024T3.xlsx", path)
    book = openpyxl.load_workbook(path)
    sheet = book["Reporte de Formatos"]
    sheet["U8"] = "doce mil pesos"
    sheet["S10"] = "31/02/2024"
    sheet["O9"] = "XAXX010101000"
    sheet["AC9"] = "20/10/2024"
    book.save(path)
    return path


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_damaged_workbook_shows_conversion_and_validation_problems_in_two_colours(tmp_path, lang):
    path = damaged(tmp_path)
    report, annotated, result = annotate(tmp_path, [path], [], lang)
    assert result.exit_code == 1
    checked = check_annotated(report, annotated, path, lang)
    book = openpyxl.load_workbook(annotated)
    sheet = book["Reporte de Formatos"]
    assert colour(sheet["U8"]) == FILLS["error"]  # read by the conversion: not a number
    assert colour(sheet["S10"]) == FILLS["error"]
    assert colour(sheet["O9"]) == FILLS["warning"]  # found by the validation: a generic RFC
    assert colour(sheet["AC9"]) == FILLS["error"] or colour(sheet["AD9"]) == FILLS["error"]  # period reversed
    assert colour(sheet["B8"]) == ""  # a cell without problems is left as it was
    fix = "Cómo corregirlo" if lang == "es" else "How to fix it"
    assert fix in sheet["U8"].comment.text
    listing = book.worksheets[0]
    values = [r for r in listing.iter_rows(min_row=2, values_only=True) if r[2] == "U8"]
    assert values and values[0][4] == "doce mil pesos"  # the value as the cell shows it
    link = listing.cell(row=2, column=3).hyperlink
    assert link is not None and link.location.endswith(f"!{listing.cell(row=2, column=3).value}")
    assert checked >= 4
    # Everything else of the workbook is kept: its sheets, in order, after the list.
    assert book.sheetnames[1:] == openpyxl.load_workbook(path).sheetnames
    same_values(path, annotated)
    line = "Libro con los problemas marcados" if lang == "es" else "Annotated workbook"
    plain = CliRunner().invoke(main, ["convert", str(path), *AGENCY, "-o", str(tmp_path / "o.json"), "--annotate",
                                      str(tmp_path / "b.xlsx"), "--lang", lang])  # fmt: skip
    assert line in plain.stderr


def test_the_annotated_copy_never_replaces_the_original(tmp_path):
    path = damaged(tmp_path)
    before = digest(path)
    for target in (path, tmp_path / "." / "danado.xlsx"):
        result = CliRunner().invoke(main, ["convert", str(path), *AGENCY, "-o", str(tmp_path / "o.json"), "--annotate",
                                           str(target), "--lang", "en"])  # fmt: skip
        assert result.exit_code == 2
        assert "never modified" in result.stderr
    result = CliRunner().invoke(
        main, ["convert", str(path), *AGENCY, "--annotate", str(tmp_path / "r.csv"), "--lang", "es"]
    )
    assert result.exit_code == 2 and ".xlsx" in result.stderr
    assert digest(path) == before
    assert not (tmp_path / "o.json").exists()


def test_a_csv_becomes_a_workbook_with_its_sheet_and_values(tmp_path):
    source = SAMPLES / "28_LGT_Art_70_Fr_XXVIII_2024T3_exportacion.csv"
    report, annotated, _ = annotate(tmp_path, [source], [], "en")
    book = openpyxl.load_workbook(annotated)
    # A sheet title has at most 31 characters: the CSV's name is cut to fit.
    assert book.sheetnames == ["Problems", source.stem[:31]]
    assert check_annotated(report, annotated, source, "en") > 0


def test_a_very_large_workbook_is_copied_as_values_with_the_same_marks(tmp_path, monkeypatch):
    """Above LARGE_XML the copy is streamed (openpyxl would hold it whole): the same marks and list."""
    from ocds_cdmx.report import annotate as module

    monkeypatch.setattr(module, "LARGE_XML", 0)
    path = damaged(tmp_path)
    report, annotated, _ = annotate(tmp_path, [path], [], "es")
    assert check_annotated(report, annotated, path, "es") >= 4
    same_values(path, annotated)
    book = openpyxl.load_workbook(annotated)
    assert book.sheetnames[1:] == openpyxl.load_workbook(path).sheetnames
    assert [s.sheet_state for s in book.worksheets[1:]] == [
        s.sheet_state for s in openpyxl.load_workbook(path).worksheets
    ]
    listing = book.worksheets[0]
    link = listing.cell(row=2, column=3).hyperlink
    assert link is not None and link.ref == "C2" and link.location.endswith(f"!{listing.cell(row=2, column=3).value}")
    values = [r for r in listing.iter_rows(min_row=2, values_only=True) if r[2] == "U8"]
    assert values and values[0][4] == "doce mil pesos"


@pytest.mark.parametrize("large", [False, True])
def test_a_workbook_with_its_own_problemas_sheet_keeps_it(tmp_path, monkeypatch, large):
    from ocds_cdmx.report import annotate as module

    if large:
        monkeypatch.setattr(module, "LARGE_XML", 0)
    path = damaged(tmp_path)
    book = openpyxl.load_workbook(path)
    book.create_sheet("Problemas")["A1"] = "notas del enlace"
    book.save(path)
    report, annotated, _ = annotate(tmp_path, [path], [], "es")
    copy = openpyxl.load_workbook(annotated)
    assert copy.sheetnames[0] == "Problemas~2" and copy["Problemas"]["A1"].value == "notas del enlace"
    assert check_annotated_named(report, annotated, path, "Problemas~2") >= 4


def check_annotated_named(report: dict, annotated: Path, main_file: Path, listing: str) -> int:
    book = openpyxl.load_workbook(annotated)
    count = 0
    for _, loc in problems(report):
        if loc.get("sheet") and Path(loc["file"]).resolve() == main_file.resolve():
            cell = book[loc["sheet"]][loc.get("cell") or f"A{loc['row']}"]
            assert colour(cell) in (FILLS["error"], FILLS["warning"]) and cell.comment is not None
            count += 1
    assert book.worksheets[0].title == listing
    return count


def test_a_folder_of_csv_files_is_not_annotated(tmp_path):
    folder = tmp_path / "hojas"
    folder.mkdir()
    run = CliRunner().invoke(
        main, ["convert", str(folder), *AGENCY, "--annotate", str(tmp_path / "r.xlsx"), "--lang", "en"]
    )
    assert run.exit_code == 2 and "folder" in run.stderr and not (tmp_path / "r.xlsx").exists()


def test_a_real_template_keeps_its_drop_down_lists_and_catalog_sheets(tmp_path):
    source = sorted((REAL / "pnt").glob("*59483*.xlsx"))[0]
    _, annotated, _ = annotate(tmp_path, [source], [], "es")
    original, copy = openpyxl.load_workbook(source), openpyxl.load_workbook(annotated)
    for sheet in original.worksheets:
        theirs = copy[sheet.title]
        assert theirs.sheet_state == sheet.sheet_state
        lists = [(v.sqref, v.formula1) for v in sheet.data_validations.dataValidation]
        assert [(v.sqref, v.formula1) for v in theirs.data_validations.dataValidation] == lists
    assert sum(len(s.data_validations.dataValidation) for s in copy.worksheets) >= 10
