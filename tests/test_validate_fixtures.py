"""Parity with the OCDS Data Review Tool (libcoveocds 0.17.0) on ../shared/fixtures/validate.

Every case's reference output lists problems by kind and place; `cdmx validate` must find the same
ones. Where the reference crashed, `cdmx validate` must explain and exit 2.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from click.testing import CliRunner

from ocds_cdmx.cli import main

from .conftest import FIXTURES

UNPACKAGED = {"cove_unpackaged_release"}
CASES = sorted(p.name for p in (FIXTURES / "validate").iterdir() if p.is_dir())
#: Cases the reference ran with an explicit schema version (PROVENANCE: "run with -s 1.1").
FORCED_VERSION = {"cove_badfile_all_validation_errors": "1.1"}
#: Cases whose data is OCDS 1.0 and that need the 1.0.3 schema.
NEEDS_1_0 = {"cove_valid_2_releases", "cove_invalid_2_releases", "lco_records_invalid_releases_1_0"}
#: Cases where the reference crashed, and the key of our explanation.
CRASHED = {
    "cove_latin1": "encoding",
    "cove_not_json": "json_syntax",
    "cove_version_with_patch": "version",
    "cove_version_unrecognized": "version",
}


def run(case: str, schema_dir=None) -> tuple[int, dict]:
    # --no-quality: the checks the reference does not have would change the exit code.
    args = ["validate", "--format", "json", "--max-locations", "0", "--lang", "en", "--no-quality"]
    if case in FORCED_VERSION:
        args += ["--schema-version", FORCED_VERSION[case]]
    if schema_dir:
        args += ["--schema-dir", str(schema_dir)]
    path = next((FIXTURES / "validate" / case).glob("input.*"))
    result = CliRunner().invoke(main, [*args, str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def ours(report: dict, checks: set[str]) -> list[dict]:
    return [f for f in report["findings"] if f["check"] in checks]


def schema_problems(report: dict) -> set[tuple[str, str, str]]:
    """(type, path, missing field) of our schema errors, in the reference's vocabulary."""
    found = set()
    for f in ours(
        report, {"schema", "unique_item_id", "unique_release_id", "unique_record_ocid", "records_mixed_releases"}
    ):
        kind = f["params"].get("type")
        missing = f["params"].get("field", "") if kind == "required" else ""
        for loc in f["locations"]:
            found.add((kind, loc["path"], missing))
    return found


def reference_problems(expected: dict) -> set[tuple[str, str, str]]:
    found = set()
    for e in expected.get("validation_errors") or []:
        missing = ""
        if e["type"] == "required":
            missing = e["description"].split("'")[1]
        found.add((e["type"], e["path"], missing))
    return found


@pytest.mark.parametrize("case", CASES)
def test_same_problems_as_the_review_tool(case, schema_dir_with_1_0, monkeypatch):
    # The reference ran without network, so without any extension: so do we here.
    monkeypatch.setenv("CDMX_SCHEMA_DIR", str(schema_dir_with_1_0))
    exit_file = FIXTURES / "validate" / case / "exit_code.txt"
    reference_exit = int(exit_file.read_text().strip())
    code, report = run(case)
    if case in CRASHED:
        assert reference_exit != 0
        assert code == 2
        assert [e["key"] for e in report["input_errors"]] == [CRASHED[case]]
        assert report["input_errors"][0]["message"]
        return
    if reference_exit != 0:
        # The reference crashed on an extension URL it could not parse. We warn about every
        # extension that cannot be read and validate the data anyway.
        assert case == "cove_record_invalid_extensions_offline"
        unavailable = ours(report, {"extension_unavailable"})
        urls = {loc["value"] for f in unavailable for loc in f["locations"]}
        assert "badprotocol://example.com" in urls
        assert code in (0, 1)
        return
    expected = json.loads((FIXTURES / "validate" / case / "expected.libcoveocds-0.17.0.json").read_text())
    if case in UNPACKAGED:
        # The reference validated a bare release as if it were a package, reporting the package's
        # missing fields (and its "version" as unknown); we validate it as the release it is.
        assert ours(report, {"not_packaged"})
        expected["validation_errors"] = [e for e in expected["validation_errors"] if e["path"] != ""]
    assert schema_problems(report) == reference_problems(expected)
    assert code == (1 if expected.get("validation_errors") or expected.get("additional_closed_codelist_values") else 0)

    # Fields not in the schema: the reference lists the topmost ones with their usage count.
    additional = defaultdict(int)
    for f in ours(report, {"additional_field"}):
        parent = "/" + f["field"].rsplit("/", 1)[0] if "/" in f["field"] else ""
        additional[(parent, f["params"]["field"])] += f["count"]
    reference_additional = {(a["path"], a["field"]): a["usage_count"] for a in expected.get("additional_fields") or []}
    if case in NEEDS_1_0:
        # Our 1.0 package schema is derived from 1.1's (see conftest), which has "version".
        reference_additional.pop(("", "version"), None)
    if case == "cove_many_jsonschema_keys_ext":
        # The reference takes "minimum2" for a child of "minimum" (it compares paths as strings).
        assert set(reference_additional) <= set(additional)
        assert all(field.endswith("2") for _, field in set(additional) - set(reference_additional))
    elif case not in UNPACKAGED:
        if case == "cove_extensions_offline":
            # "parties" is an object there, not an array: we report the type error and do not look
            # inside a value of the wrong type; the reference still lists the fields inside it.
            reference_additional.pop(("/releases/parties/details", "scale"))
        assert dict(additional) == reference_additional

    # Codelists: values outside each codelist, by field.
    for check, key in (
        ("closed_codelist", "additional_closed_codelist_values"),
        ("open_codelist", "additional_open_codelist_values"),
    ):
        found = defaultdict(set)
        for f in ours(report, {check}):
            found[f["field"]].add(f["params"]["code"])
        reference = {k: set(v["values"]) for k, v in (expected.get(key) or {}).items()}
        assert dict(found) == reference, check

    # Deprecated fields, objects in arrays without id, empty fields, OCID prefixes.
    deprecated = defaultdict(set)
    for f in ours(report, {"deprecated_field"}):
        for loc in f["locations"]:
            deprecated[f["params"]["field"]].add(loc["path"].rsplit("/", 1)[0])
    # The reference keeps, for each deprecated field name, the places of only one of the objects that
    # have it (the last sorted); we report them all, so its places are a subset of ours.
    reference_deprecated = {d["field"]: set(d["paths"]) for d in expected.get("deprecated_fields") or []}
    assert set(deprecated) == set(reference_deprecated)
    for name, paths in reference_deprecated.items():
        assert paths <= deprecated[name], name
    missing_ids = {loc["path"] for f in ours(report, {"missing_id"}) for loc in f["locations"]}
    assert missing_ids == set((expected.get("structure_warnings") or {}).get("missing_ids", []))
    empty = {loc["path"] for f in ours(report, {"empty_field"}) for loc in f["locations"]}
    reference_empty = {e["json_location"] for e in (expected.get("additional_checks") or {}).get("empty_field", [])}
    assert {p for p in empty if p.startswith(("releases/", "records/"))} == reference_empty
    prefixes = {(loc["value"], loc["path"]) for f in ours(report, {"ocid_prefix_format"}) for loc in f["locations"]}
    reference_prefixes = {
        tuple(p) for p in (expected.get("conformance_errors") or {}).get("ocds_prefixes_bad_format", [])
    }
    if case not in UNPACKAGED:  # the reference looks for OCIDs only inside packages
        assert prefixes == reference_prefixes

    stats = report["statistics"]
    assert stats["releases"] + stats["records"] >= expected["count"]
