"""Messages that misled a data officer, each now saying what is wrong (issue: reports one can work from)."""

from __future__ import annotations

import importlib
import io
import json
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from ocds_cdmx import validate
from ocds_cdmx.cli import main
from ocds_cdmx.core.findings import Findings, Key
from ocds_cdmx.report.jsonreport import result_as_dict
from ocds_cdmx.report.text import _write_groups, write_text

from .conftest import ROOT
from .test_convert import _column, _convert, _edit

SAMPLES = ROOT / "samples"


def _package(tmp_path: Path, releases: list[dict], name: str = "p.json") -> Path:
    path = tmp_path / name
    package = {"uri": "https://datos.cdmx.gob.mx/ocds/p.json", "version": "1.1", "publishedDate":
               "2024-10-16T00:00:00-06:00", "publisher": {"name": "SAF"}, "releases": releases}  # fmt: skip
    path.write_text(json.dumps(package), encoding="utf-8")
    return path


def _release(n: int = 1, **fields) -> dict:
    return {"ocid": f"ocds-87sd3t-{n}", "id": f"r{n}", "date": "2024-03-01T00:00:00-06:00", "tag": ["award"],
            "initiationType": "tender", "buyer": {"name": "Secretaría de prueba"}, **fields}  # fmt: skip


def _groups(result, check: str) -> list[dict]:
    return [g for g in result_as_dict(result, "en")["findings"] if g["check"] == check]


def _cli(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def test_an_empty_array_is_not_valid_as_an_empty_package_is_not(tmp_path):
    empty, package = tmp_path / "vacio.json", tmp_path / "paquete.json"
    empty.write_text("[]", encoding="utf-8")
    package.write_text('{"releases": []}', encoding="utf-8")
    out = _cli("--lang", "en", str(empty))
    assert out.exit_code == 1
    assert "No problems found" not in out.output and "Not valid" in out.output
    assert "empty list" in out.output
    assert _cli(str(package)).exit_code == 1
    # An array with a package in it is still fine.
    full = tmp_path / "lleno.json"
    full.write_text(json.dumps([{"version": "1.1", "releases": [_release()]}]), encoding="utf-8")
    assert not _groups(validate(full), "empty_array")


def _party(rfc: str, **identifier) -> dict:
    return {"id": "P1", "name": "Proveedora del Centro S.A. de C.V.", "roles": ["supplier"],
            "identifier": {"scheme": "MX-RFC", "id": rfc, **identifier}}  # fmt: skip


def test_an_rfc_in_lower_case_is_said_to_be_in_lower_case(tmp_path):
    releases = [
        _release(1, parties=[_party("spt1204173z2")]),
        _release(2, parties=[_party("DUPM0331AP5")]),
        _release(3, parties=[_party("1234567890123")]),
        _release(4, parties=[_party("SPT1204173Z2")]),
    ]
    result = validate(_package(tmp_path, releases))
    by_value = {g["locations"][0]["value"]: g for g in _groups(result, "rfc_format")}
    assert set(by_value) == {"spt1204173z2", "DUPM0331AP5", "1234567890123"}
    lower = by_value["spt1204173z2"]
    assert lower["title"] == "RFC in lower case" and "characters" not in lower["title"]
    assert "SPT1204173Z2" in lower["advice"]
    assert by_value["DUPM0331AP5"]["title"] == "Not a valid RFC (11 characters)"
    # The right length but not letters–date–characters: not told its length is wrong.
    assert by_value["1234567890123"]["title"].startswith("Not a valid RFC: its 13 characters are not")
    es = result_as_dict(result, "es")["findings"]
    assert any(g["title"] == "RFC en minúsculas" for g in es)


def test_a_missing_scheme_is_shown_at_the_id_it_lacks_a_scheme_for(tmp_path):
    release = _release(parties=[{"id": "B", "name": "SEFIN", "roles": ["buyer"], "identifier": {"id": "GDF9712054NA"}}])
    (group,) = _groups(validate(_package(tmp_path, [release])), "identifier_no_scheme")
    location = group["locations"][0]
    assert location["path"] == "releases/0/parties/0/identifier/id" and location["value"] == "GDF9712054NA"
    assert "its id" in group["title"]


def test_a_blank_expediente_is_reported_at_its_own_cell(tmp_path):
    label = "Número de expediente, folio o nomenclatura que lo identifique"

    def clear(sheet, _):
        sheet.cell(10, _column(sheet, label)).value = None

    _, report, _ = _convert(_edit(tmp_path, clear))
    (finding,) = [f for f in report["findings"] if f["check"] == "row_without_ocid"]
    location = finding["locations"][0]
    assert location["label"] == label and location["row"] == 10
    assert location["label"] != "Ejercicio"


def _cut_names(n: int) -> list[dict]:
    full_a, full_b = "COMUNIC@RTE & CONSULTING SA DE CV", "CONSTRUCTORA Y ARRENDADORA DEL VALLE SA DE CV"
    releases = []
    for i in range(n):
        parties = [
            {"id": "A", "name": full_a, "roles": ["supplier"], "identifier": {"scheme": "MX-RFC", "id": "CCO1204173Z2"}},
            {"id": "B", "name": full_b, "roles": ["supplier"], "identifier": {"scheme": "MX-RFC", "id": "CAV1204173Z2"}},
        ]  # fmt: skip
        suppliers = [
            {"id": "A", "name": full_a[:32], "identifier": {"scheme": "MX-RFC", "id": "CCO1204173Z2"}},
            {"id": "B", "name": full_b[:30], "identifier": {"scheme": "MX-RFC", "id": "CAV1204173Z2"}},
        ]
        releases.append(_release(i, parties=parties, awards=[{"id": "1", "suppliers": suppliers}]))
    return releases


def test_a_name_cut_short_is_reported_once_per_party(tmp_path, monkeypatch):
    path = _package(tmp_path, _cut_names(332))
    groups = _groups(validate(path, jobs=1), "name_truncated")
    assert sum(g["count"] for g in groups) == 2
    assert {g["locations"][0]["value"] for g in groups} == {
        "COMUNIC@RTE & CONSULTING SA DE C",
        "CONSTRUCTORA Y ARRENDADORA DEL",
    }
    assert {g["locations"][0]["path"] for g in groups} == {"releases/0/awards/0/suppliers/0/name",
                                                          "releases/0/awards/0/suppliers/1/name"}  # fmt: skip
    # The same when worker processes check the releases.
    engine = importlib.import_module("ocds_cdmx.validation.engine")
    monkeypatch.setattr(engine, "BATCH", 20)
    monkeypatch.setattr(engine, "PARALLEL_AFTER", 40)
    assert sum(g["count"] for g in _groups(engine.validate(path, jobs=2), "name_truncated")) == 2
    # Nor is the reference reported as named differently than its party: it is the same name, cut.
    assert not _groups(validate(path, jobs=1), "party_name_differs")


def test_a_wrong_ocid_is_reported_once(tmp_path):
    path = _package(tmp_path, [{**_release(), "ocid": "OCDS-87SD3T-1"}])
    with_prefix = validate(path, ocid_prefix="ocds-87sd3t")
    assert [g["locations"][0]["value"] for g in _groups(with_prefix, "ocid_prefix_registered")] == ["OCDS-87SD3T-1"]
    assert not _groups(with_prefix, "ocid_prefix_format")
    # Without a registered prefix to compare with, the format is what is wrong.
    assert _groups(validate(path), "ocid_prefix_format")


def test_a_spreadsheet_given_to_validate_is_sent_to_convert(tmp_path):
    for sample in ("A121Fr30B_2024T3.xlsx", "A121Fr30B_2024T3.xls", "A121Fr30B_2024T3_descarga.csv"):
        out = _cli("--lang", "en", str(SAMPLES / sample))
        assert out.exit_code == 2
        assert "cdmx convert" in out.output and "--encoding" not in out.output, out.output
    # Named .json, a workbook is still told what it is.
    disguised = tmp_path / "datos.json"
    disguised.write_bytes((SAMPLES / "A121Fr30B_2024T3.xlsx").read_bytes())
    out = _cli("--lang", "es", str(disguised))
    assert out.exit_code == 2 and "hoja de cálculo" in out.output and "--encoding" not in out.output


def _plain(write) -> str:
    buffer = io.StringIO()
    write(Console(file=buffer, force_terminal=False, width=200, highlight=False))
    return buffer.getvalue()


def test_no_stray_comma_when_a_problem_has_no_field():
    findings = Findings()
    for _ in range(13):
        findings.add("nothing_to_report", (Key("ocds-87sd3t-1"), " "), None)
    for lang, times in (("en", "(13 times)"), ("es", "(13 veces)")):
        out = _plain(lambda console, lang=lang: _write_groups(findings, lang, console, False))
        assert times in out and "(," not in out and "( ," not in out


def test_counts_take_the_singular_for_one(tmp_path):
    path = _package(tmp_path, [_release(parties=[_party("spt1204173z2")])])
    result = validate(path)
    en = _plain(lambda console: write_text(result, "en", console))
    es = _plain(lambda console: write_text(result, "es", console))
    assert "Valid: 0 errors, 1 warning in 1 release/record (1 source)." in en
    assert "(releases/parties/identifier/id, 1 time)" in en
    assert "Válido: 0 errores, 1 advertencia en 1 entrega/registro (1 fuente)." in es
    assert "1 vez)" in es
    for wrong in ("1 times", "1 sources", "1 warnings"):
        assert wrong not in en
    for wrong in ("1 veces", "1 fuentes", "1 advertencias", "1 entregas"):
        assert wrong not in es
    two = validate([path, _package(tmp_path, [_release(2)], "q.json")])
    assert "in 2 releases/records (2 sources)" in _plain(lambda console: write_text(two, "en", console))
