"""Every agency its mapping and every release its buyer; `cdmx mappings check` reports every problem at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocds_cdmx.cli import main
from ocds_cdmx.conversion.mapping import load

from .conftest import OCDS, ROOT

SAMPLES = ROOT / "samples"
AGENCIES = {
    # mapping: (agency key, buyer id, the sample files)
    "finanzas": ("SAF", "CDMX-SAF", ["A121Fr30B_2024T3.xlsx", "paaaps-2024.xlsx", "clc-2024T3.csv"]),
    "oficialia-mayor": ("OM", "CDMX-SAF-DGRMSG", ["OM_28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", "OM_paaaps-2024.xlsx"]),
    "obras": ("SOBSE", "CDMX-SOBSE", ["A121Fr30A_2024T3.xlsx", "avance-obras-2024T3.xlsx", "SOBSE_paaaps-2024.xlsx"]),
    "sepi": ("SEPI", "CDMX-SEPI", ["SEPI_28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", "SEPI_paaaps-2024.xlsx"]),
    "sedema": ("SEDEMA", "CDMX-SEDEMA", ["28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", "SEDEMA_paaaps-2024.xlsx"]),
    "proteccion-civil": ("SGIRPC", "CDMX-SGIRPC",
                         ["SGIRPC_28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", "SGIRPC_paaaps-2024.xlsx"]),
}  # fmt: skip


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args])
    return result.exit_code, result.stdout, result.stderr


def _convert(*args: str) -> tuple[int, dict, dict | None]:
    code, out, err = _run("convert", *args, "--report", "json", "--lang", "en", "--schema-dir", str(OCDS), "--offline")
    return code, json.loads(err), json.loads(out) if out.strip().startswith("{") else None


def test_mappings_list_shows_the_six_agencies_and_the_generic_formats():
    code, out, _ = _run("mappings", "list")
    assert code == 0
    listed = {line.split()[0] for line in out.splitlines()}
    assert set(AGENCIES) <= listed and {"transparencia-2024", "transparencia-adjudicaciones"} <= listed


@pytest.mark.parametrize("mapping", sorted(AGENCIES))
def test_each_agency_converts_its_sample_with_its_buyer_and_its_programme(mapping):
    key, buyer, files = AGENCIES[mapping]
    code, report, package = _convert(*(str(SAMPLES / f) for f in files), "-m", mapping)
    assert code == 0, report["input_errors"]
    assert report["validation"]["errors"] == 0
    assert not [f for f in report["findings"] if f["check"] in ("essential_missing", "essential_column_missing")]
    releases = package["releases"]
    assert releases and all(r["buyer"]["id"] == buyer for r in releases)
    assert all(any(p["id"] == buyer and "buyer" in p["roles"] for p in r["parties"]) for r in releases)
    assert all(r["ocid"].startswith(f"ocds-87sd3t-{key}-") for r in releases)
    assert not any(f"-{key}-{key}-" in r["ocid"] for r in releases)  # a key already in the expediente: once
    planning = [r for r in releases if r["tag"] == ["planning"]]
    assert planning and all(r["planning"]["budget"]["budgetBreakdown"] for r in planning)
    checked = CliRunner().invoke(main, ["validate", "-", "--format", "json"], input=json.dumps(package))
    assert checked.exit_code == 0 and "buyer_missing" not in checked.stdout


def test_renamed_agencies_keep_their_old_names_and_are_found_by_them():
    assert load("sederec").data["agency"]["key"] == "SEPI"
    assert load("spc").data["agency"]["name"] == "Secretaría de Gestión Integral de Riesgos y Protección Civil"
    assert [f["key"] for f in load("finanzas").data["agency"]["former"]] == ["SEFIN"]


def test_an_agency_mapping_reads_every_layout():
    for sample in ("A121Fr30A_2024T3.xlsx", "a69_f28_b_2023T2.xlsx", "LGTA70FXXVIIIB_2017T2.xlsx"):
        code, report, package = _convert(str(SAMPLES / sample), "-m", "sedema", "--no-validate")
        assert code == 0 and report["mapping"] == "sedema", sample
        assert {r["buyer"]["id"] for r in package["releases"]} == {"CDMX-SEDEMA"}


def test_without_a_buyer_convert_stops_and_says_how_to_give_one(tmp_path: Path):
    out = tmp_path / "out.json"
    code, report, _ = _convert(str(SAMPLES / "28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx"), "-o", str(out))
    assert code == 2 and not out.exists()
    (error,) = report["input_errors"]
    assert error["key"] == "buyer_missing" and "--agency" in error["message"] and "-m sedema" in error["message"]


def test_any_other_agency_in_one_step():
    code, report, package = _convert(
        str(SAMPLES / "A121Fr30B_2024T3.xlsx"), "--agency", "Alcaldía Coyoacán", "--agency-key", "COY"
    )
    assert code == 0 and report["mapping"] == "transparencia-adjudicaciones"
    assert {r["buyer"]["id"] for r in package["releases"]} == {"CDMX-COY"}
    assert package["publisher"] == {"name": "Alcaldía Coyoacán"}
    assert all(r["ocid"].startswith("ocds-87sd3t-COY-SAF-DGRMSG-") for r in package["releases"])


def test_an_agency_block_in_a_small_yaml_extending_a_bundled_mapping(tmp_path: Path):
    mine = tmp_path / "coyoacan.yaml"
    mine.write_text(
        "extends: transparencia-2024\nagency:\n  name: Alcaldía Coyoacán\n  key: COY\n"
        "ocid: {prefix: ocds-87sd3t, template: '{agency}-{expediente}'}\n",
        encoding="utf-8",
    )
    code, report, package = _convert(str(SAMPLES / "a69_f28_a_2023T2.xlsx"), "-m", str(mine), "--no-validate")
    assert code == 0 and report["layout"]["format"] == "52273"
    # A name (and key) is enough: the agency is the buyer.
    assert {(r["buyer"]["id"], r["buyer"]["name"]) for r in package["releases"]} == {("CDMX-COY", "Alcaldía Coyoacán")}


def test_the_filing_body_column_gives_the_buyer():
    code, _, package = _convert(str(SAMPLES / "28_LGT_Art_70_Fr_XXVIII_2024T3_exportacion.csv"), "--no-validate")
    assert code == 0
    assert {r["buyer"]["name"] for r in package["releases"]} == {"Secretaría del Medio Ambiente"}


def test_validate_warns_about_releases_without_a_buyer(tmp_path: Path):
    release = {"ocid": "ocds-87sd3t-X-1", "id": "1", "date": "2024-01-01T00:00:00-06:00", "tag": ["tender"],
               "initiationType": "tender", "tender": {"id": "1"}}  # fmt: skip
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"uri": "https://datos.cdmx.gob.mx/p.json", "publishedDate": "2024-01-01T00:00:00Z", "version": "1.1",
                                "publisher": {"name": "x"}, "releases": [release]}))  # fmt: skip
    code, out, _ = _run("validate", str(path), "--format", "json", "--lang", "es")
    assert code == 0  # a warning
    (finding,) = [f for f in json.loads(out)["findings"] if f["check"] == "buyer_missing"]
    assert finding["severity"] == "warning" and "comprador" in finding["title"]


def test_mappings_check_reports_every_problem_at_once_with_the_closest(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        """extends: transparencia-adjudicaciones
agency: {name: X, key: X}
ocid:
  prefix: ocds-87sd3t
  template: "{agency}-{expedente}"
release_date:
  tendr: [fecha_contrato]
parties:
  - roles:
      - buyer
      - procuringEntty
    name: [adjudicado_razon_social]
sheets:
  - name: paaaps
    sheet: {names: [PAAAPS]}
    ocid: "{expediente}"
    columns:
      expediente: {label: Número de expediente, use: "liga"}
""",
        encoding="utf-8",
    )
    code, _, err = _run("mappings", "check", str(bad), "--lang", "es", "--schema-dir", str(OCDS), "--offline")
    assert code == 1
    lines = err.splitlines()
    assert any(f"{bad}:5:" in x and "¿quiso decir `expediente`?" in x for x in lines), err
    assert any(f"{bad}:7:" in x and "`tender`" in x for x in lines), err
    assert any(f"{bad}:11:" in x and "`procuringEntity`" in x for x in lines), err
    assert any(f"{bad}:16:" in x and "paaaps" in x for x in lines), err
    code, _, err = _run("mappings", "check", str(bad), "--lang", "en", "--schema-dir", str(OCDS), "--offline")
    assert "Did you mean `expediente`?" in err


def test_a_mappings_problems_cross_processes_with_their_words():
    import pickle

    from ocds_cdmx.core.errors import MappingError, Problem
    from ocds_cdmx.report.messages import input_error_text

    problem = Problem("check_unknown_stage", "x: unknown stage `tendr`", where="x", value="tendr", choices="tender",
                      closest="tender")  # fmt: skip
    error = pickle.loads(pickle.dumps(MappingError(source="m.yaml", problems=[(3, problem)])))
    assert "línea 3: x: etapa desconocida `tendr`" in input_error_text(error, "es")
    assert "¿quiso decir `tender`?" in input_error_text(error, "es")


def test_mappings_check_names_the_closest_type_and_field(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "extends: transparencia-adjudicaciones\ncolumns:\n  materia:\n    label: Materia (catálogo)\n"
        "    field: tender/mainProcurementCategori\n    type: strng\n",
        encoding="utf-8",
    )
    code, _, err = _run("mappings", "check", str(bad), "--lang", "es", "--schema-dir", str(OCDS), "--offline")
    assert code == 1
    assert f"{bad}:5: materia: tender/mainProcurementCategori no es un campo de OCDS" in err
    assert "¿quiso decir `tender/mainProcurementCategory`?" in err
    assert f"{bad}:6: materia: tipo desconocido 'strng'" in err and "¿quiso decir `string`?" in err


def test_an_agency_key_alone_is_a_usage_error():
    code, _, err = _run("convert", str(SAMPLES / "A121Fr30B_2024T3.xlsx"), "--agency-key", "COY", "--lang", "en")
    assert code == 2 and "--agency-key goes with --agency" in err
