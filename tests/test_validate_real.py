"""Mexico City's real data: every file checked without a traceback, and its known defects reported."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import threading

import pytest
from click.testing import CliRunner

from ocds_cdmx import validate
from ocds_cdmx.cli import main
from ocds_cdmx.schema import SchemaStore, load_profile

from .conftest import OCDS, REAL, ROOT

REAL_FILES = sorted(p for p in REAL.rglob("*.json"))
CDMX = REAL / "cdmx"


def checks(result) -> dict[str, set]:
    found: dict[str, set] = {}
    for g in result.findings.groups.values():
        found.setdefault(g.check, set()).update(loc.value for loc in g.locations if loc.value is not None)
    return found


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: str(p.relative_to(REAL)))
def test_every_real_file_is_checked_without_traceback(path):
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--lang", "es", str(path)])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.output
    report = json.loads(result.output)
    assert result.exit_code in (0, 1, 2)
    if result.exit_code == 2:
        assert report["input_errors"][0]["message"]


def test_known_defects_are_reported():
    result = validate(
        [str(CDMX / "portal-api-2017-via-ocdskit" / "release-package-1.json"), str(CDMX / "sefin-2015-newdata")],
        ocid_prefix="ocds-87sd3t",
    )
    found = checks(result)
    # Upper-case prefix, against the registered lower-case one.
    assert "OCDS-87SD3T-AD-SF-DRM-063-2015" in found["ocid_prefix_registered"]
    # Once: the error says the prefix it must have, no warning about its format besides.
    assert "OCDS-87SD3T-AD-SF-DRM-063-2015" not in found.get("ocid_prefix_format", set())
    # OCDS 1.0 without "version".
    assert any(
        g.params.get("type") == "required" and g.params.get("field") == "version"
        for g in result.findings.groups.values()
    )
    # Custom fields.
    additional = {g.params["field"] for g in result.findings.groups.values() if g.check == "additional_field"}
    assert {"amountyear", "valueyear", "exchangeRate"} <= additional
    # Identifiers without scheme; postal codes that lost their leading zero; names cut short.
    assert "GDF9712054NA" in found["identifier_no_scheme"]
    assert "6720" in found["postal_code_format"]
    assert "COMUNIC@RTE & CONSULTING SA DE C" in found["name_truncated"]
    # Releases tagged "tender" that carry awards and contracts.
    assert "tender" in found["tag_inconsistent"]
    # The directory also holds a listing committed truncated: it is reported, the rest still checked.
    assert [e.source.rsplit("/", 1)[-1] for e in result.input_errors] == ["_listarcontratos_SEFIN_2015.json"]
    assert result.exit_code == 2


def test_invalid_dates_and_placeholders_are_reported():
    result = validate(str(CDMX / "sefin-2015-data"))
    found = checks(result)
    dates = {
        v
        for g in result.findings.groups.values()
        if g.params.get("type") == "date-time"
        for v in [loc.value for loc in g.locations]
    }
    assert any(isinstance(v, str) and ".-06:00" in v for v in dates) or dates
    trailing = [e for e in result.input_errors if getattr(e, "key", "") == "json_syntax"]
    assert trailing, "OCDS-87SD3T-SEFIN-DRM-A-015-2015.json has a trailing comma"
    assert trailing[0].params["line"] > 1
    assert found  # the other files were still validated


def test_placeholder_text_and_1970_dates(tmp_path):
    release = {
        "ocid": "ocds-87sd3t-1", "id": "1", "date": "1970-01-01T00:00:00-06:00", "tag": ["tender"],
        "initiationType": "tender", "tender": {"id": "t", "title": "No Capturado", "description": "por definir"},
        "buyer": {"name": "AUTORIZACIÃ“N"},
    }  # fmt: skip
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"version": "1.1", "releases": [release]}, ensure_ascii=False), encoding="utf-8")
    found = checks(validate(str(path)))
    assert found["placeholder_text"] == {"No Capturado", "por definir"}
    assert found["placeholder_date"] == {"1970-01-01T00:00:00-06:00"}
    assert found["mojibake"] == {"AUTORIZACIÃ“N"}


def test_latin1_file_gets_the_encoding_hint_and_reads_with_encoding():
    path = CDMX / "portal-api-2017-via-ocdskit" / "release-package_encoding-iso-8859-1.json"
    result = CliRunner().invoke(main, ["validate", "--lang", "en", str(path)])
    assert result.exit_code == 2
    assert "--encoding latin-1" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["validate", "--encoding", "latin-1", "--format", "json", str(path)])
    assert result.exit_code in (0, 1)
    utf8 = CliRunner().invoke(
        main, ["validate", "--format", "json", str(path.with_name("release-package_encoding-utf-8.json"))]
    )
    assert json.loads(result.output)["statistics"] == json.loads(utf8.output)["statistics"]


def test_concatenated_arrays_and_stray_line_get_line_and_column():
    result = CliRunner().invoke(
        main, ["validate", "--lang", "es", str(CDMX / "sobse-2016-portal-sample" / "ListadoContratos.json")]
    )
    assert result.exit_code == 2
    assert "línea" in result.output and "columna" in result.output


def test_gzip_jsonl_and_stdin_give_the_same_findings(tmp_path):
    package = json.loads((CDMX / "portal-api-2017-via-ocdskit" / "release-package-1.json").read_text(encoding="utf-8"))
    gz = tmp_path / "p.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(package).encode()))
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in package["releases"]), encoding="utf-8")
    plain = validate(str(CDMX / "portal-api-2017-via-ocdskit" / "release-package-1.json"))
    zipped = validate(str(gz))
    assert {k: g.count for k, g in plain.findings.groups.items()} == {
        k: g.count for k, g in zipped.findings.groups.items()
    }
    lines = validate(str(jsonl))
    assert lines.statistics.releases == 2
    stdin = CliRunner().invoke(main, ["validate", "--format", "json", "-"], input=json.dumps(package))
    assert json.loads(stdin.output)["statistics"]["releases"] == 2


def test_metadata_after_the_releases_is_read(tmp_path):
    release = json.loads((CDMX / "portal-api-2017-via-ocdskit" / "release-package-1.json").read_text(encoding="utf-8"))[
        "releases"
    ][0]
    path = tmp_path / "late.json"
    path.write_text('{"releases": [' + json.dumps(release) + '], "version": "1.0.0"}', encoding="utf-8")
    result = validate(str(path))
    assert result.exit_code == 2  # the version that comes after the releases is still honoured


def test_registered_prefix_is_exact(tmp_path):
    path = tmp_path / "p.json"
    releases = [
        {
            "ocid": "ocds-87sd3t-SAF-1",
            "id": "1",
            "date": "2024-01-01T00:00:00-06:00",
            "tag": ["planning"],
            "initiationType": "tender",
        },
        {
            "ocid": "ocds-87sd3tx-2",
            "id": "1",
            "date": "2024-01-01T00:00:00-06:00",
            "tag": ["planning"],
            "initiationType": "tender",
        },
    ]
    path.write_text(json.dumps({"version": "1.1", "releases": releases}), encoding="utf-8")
    found = checks(validate(str(path), ocid_prefix="ocds-87sd3t"))
    assert found["ocid_prefix_registered"] == {"ocds-87sd3tx-2"}


def test_references_and_rfcs(tmp_path):
    release = {
        "ocid": "ocds-87sd3t-1", "id": "1", "date": "2024-01-01T00:00:00-06:00", "tag": ["contract"],
        "initiationType": "tender", "buyer": {"id": "CDMX-SAF", "name": "SAF"},
        "parties": [
            {"id": "CDMX-SAF", "name": "SAF", "roles": ["buyer"]},
            {"id": "MX-RFC-XAXX010101000", "name": "Público", "identifier": {"scheme": "MX-RFC", "id": "XAXX010101000"}, "roles": ["supplier"]},
            {"id": "MX-RFC-ABC12", "name": "Corto", "identifier": {"scheme": "MX-RFC", "id": "ABC12"}, "roles": ["tenderer"]},
        ],
        "awards": [{"id": "a1", "date": "2024-02-01T00:00:00-06:00", "suppliers": [{"id": "MX-RFC-NOPE", "name": "x"}],
                    "value": {"amount": -5, "currency": "MXN"}}],
        "contracts": [{"id": "c1", "awardID": "a2", "dateSigned": "2024-01-15T00:00:00-06:00",
                       "period": {"startDate": "2024-03-01T00:00:00-06:00", "endDate": "2024-02-01T00:00:00-06:00"},
                       "value": {"amount": 5, "currency": "USD"}}],
    }  # fmt: skip
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"version": "1.1", "releases": [release]}), encoding="utf-8")
    found = checks(validate(str(path)))
    assert found["party_missing"] == {"MX-RFC-NOPE"}
    assert found["award_missing"] == {"a2"}
    assert found["rfc_generic"] == {"XAXX010101000"}
    assert found["rfc_format"] == {"ABC12"}
    assert found["negative_amount"] == {-5}
    assert "period_reversed" in found and "mixed_currencies" in found


def test_extensions_are_applied_offline(tmp_path):
    url = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_partyDetails_scale_extension/master/extension.json"
    profile = load_profile(SchemaStore(OCDS, offline=True), "1.1", [url])
    assert profile.extensions[0].applied
    assert "scale" in profile.release_schema["definitions"]["Organization"]["properties"]["details"]["properties"]
    assert "partyScale.csv" in profile.codelists


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


def test_download_fills_the_cache_from_a_local_server(tmp_path, monkeypatch):
    handler = functools.partial(_Quiet, directory=str(OCDS))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.delenv("CDMX_SCHEMA_DIR")
        monkeypatch.setenv("CDMX_OFFLINE", "0")
        monkeypatch.setenv("CDMX_SCHEMA_URL", f"http://127.0.0.1:{server.server_port}/")
        cache = tmp_path / "cache"
        monkeypatch.setenv("CDMX_CACHE_DIR", str(cache))
        result = CliRunner().invoke(main, ["schema", "fetch"])
        assert result.exit_code == 0, result.output
        assert (cache / "1__1__5" / "release-schema.json").is_file()
        assert (cache / "1__1__5" / "codelists" / "currency.csv").is_file()
        # Then offline, from the cache alone.
        monkeypatch.setenv("CDMX_OFFLINE", "1")
        where = CliRunner().invoke(main, ["schema", "where"])
        assert "cache" in where.output and "MISSING" not in where.output
        ok = CliRunner().invoke(
            main, ["validate", str(CDMX / "portal-api-2017-via-ocdskit" / "release-package-2.json")]
        )
        assert ok.exit_code in (0, 1)
    finally:
        server.shutdown()


def test_missing_schema_offline_is_explained(tmp_path, monkeypatch):
    monkeypatch.delenv("CDMX_SCHEMA_DIR")
    result = CliRunner().invoke(
        main, ["validate", "--lang", "en", str(CDMX / "portal-api-2017-via-ocdskit" / "release-package-2.json")]
    )
    assert result.exit_code == 2
    assert "cdmx schema fetch" in result.output


def test_a_worker_process_does_not_change_the_result(tmp_path, monkeypatch):
    import importlib
    import sys

    from ocds_cdmx.report.jsonreport import result_as_dict

    validate_module = importlib.import_module("ocds_cdmx.validation.engine")

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import iter_releases

    releases = list(iter_releases(700, seed=3))
    for i, release in enumerate(releases):
        if i % 7 == 0:
            release["date"] = "ayer"  # schema errors spread over every batch
        if i % 11 == 0 and "tender" in release:
            release["tender"]["procurementMethod"] = "por definir"
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"version": "1.1", "releases": releases}), encoding="utf-8")
    monkeypatch.setattr(validate_module, "BATCH", 25)
    monkeypatch.setattr(validate_module, "PARALLEL_AFTER", 50)
    one = result_as_dict(validate_module.validate(path, jobs=1, max_locations=500), "en")
    before = validate_module.worker_batches
    two = result_as_dict(validate_module.validate(path, jobs=2, max_locations=500), "en")
    assert one == two
    assert one["errors"] >= 100
    assert validate_module.worker_batches > before  # a worker did take part
