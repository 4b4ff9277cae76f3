"""The merge against the reference: ocdsmerge's fixtures and ocdskit compile's byte-exact outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocds_cdmx import merge
from ocds_cdmx.cli import main
from ocds_cdmx.merging import STRATEGIES
from ocds_cdmx.merging.compile import (
    compiled_release,
    compiled_release_fast,
    rules_from_schema,
    versioned_release,
    versioned_release_fast,
)

from .conftest import FIXTURES, OCDS

MERGE = FIXTURES / "merge"
OCDSKIT = MERGE / "ocdskit"
SCHEMAS = {"1.1": "release-schema-1__1__4.json", "1.0": "release-schema-1__0__3.json", "schema": "schema.json"}
SUFFIXES = ("-compiled.json", "-versioned.json", "-append.json", "-by-position.json")


def _cases() -> list:
    cases = []
    for folder, schema in SCHEMAS.items():
        for path in sorted((MERGE / folder).glob("*.json")):
            if path.name.endswith(SUFFIXES):
                continue
            for kind in ("compiled", "versioned"):
                expected = path.with_name(f"{path.stem}-{kind}.json")
                if expected.exists():
                    cases.append(pytest.param(path, expected, schema, kind, id=f"{folder}/{path.stem}-{kind}"))
    return cases


def _dumps(value) -> str:
    # Key order matters: the comparison is of the serialized text.
    return json.dumps(value, ensure_ascii=False)


def _sorted(releases: list[dict]) -> list[dict]:
    return sorted(releases, key=lambda r: r["date"]) if len(releases) > 1 else releases


@pytest.mark.parametrize(("path", "expected", "schema", "kind"), _cases())
def test_ocdsmerge_fixture(path: Path, expected: Path, schema: str, kind: str, tmp_path: Path):
    releases = json.loads(path.read_text(encoding="utf-8"))
    rules = rules_from_schema(json.loads((MERGE / schema).read_text(encoding="utf-8")))
    want = _dumps(json.loads(expected.read_text(encoding="utf-8")))
    ordered = _sorted(releases)
    slow, fast = (
        (compiled_release, compiled_release_fast) if kind == "compiled" else (versioned_release, versioned_release_fast)
    )
    assert _dumps(slow(ordered, rules)) == want
    assert _dumps(fast(ordered, rules)) == want
    # And through the API, from a file, as a user runs it.
    out = tmp_path / "records.json"
    result = merge(path, out, schema=MERGE / schema, versioned=kind == "versioned", upgrade=False, jobs=1)
    assert result.exit_code in (0, 1), result.input_errors
    record = json.loads(out.read_text(encoding="utf-8"))["records"][0]
    assert _dumps(record["compiledRelease" if kind == "compiled" else "versionedRelease"]) == want


@pytest.mark.parametrize(
    ("name", "strategy"),
    [
        ("identifier-merge-duplicate-id-append", "append"),
        ("identifier-merge-duplicate-id-by-position", "by-position"),
        ("identifier-merge-no-id-append", "append"),
    ],
)
def test_rule_override_fixture(name: str, strategy: str, tmp_path: Path):
    source = name.removesuffix("-by-position").removesuffix("-append")
    releases = json.loads((MERGE / "schema" / f"{source}.json").read_text(encoding="utf-8"))
    schema = json.loads((MERGE / "schema.json").read_text(encoding="utf-8"))
    rules = rules_from_schema(schema, {("nested", "array"): STRATEGIES[strategy]})
    want = _dumps(json.loads((MERGE / "schema" / f"{name}.json").read_text(encoding="utf-8")))
    # As the reference's test: the same releases twice. (``merge`` would drop the identical copies.)
    assert _dumps(compiled_release(releases + releases, rules)) == want
    assert _dumps(compiled_release_fast(releases + releases, rules)) == want
    # Through the API, with the copies given different ids so that they are kept.
    copies = [{**r, "id": r["id"] + "-copy"} for r in releases]
    doubled = tmp_path / "doubled.json"
    doubled.write_text(json.dumps(releases + copies), encoding="utf-8")
    out = tmp_path / "records.json"
    merge(doubled, out, schema=MERGE / "schema.json", rule_overrides={("nested", "array"): strategy}, jobs=1)
    record = json.loads(out.read_text(encoding="utf-8"))["records"][0]
    assert _dumps(record["compiledRelease"]) == want


# -- ocdskit compile, byte for byte ------------------------------------------------------------------------

REALDATA = [OCDSKIT / "realdata" / "release-package-1.json", OCDSKIT / "realdata" / "release-package-2.json"]
SCHEMA_1_0 = MERGE / "release-schema-1__0__3.json"


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, ["merge", *args, "--report", "none"])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], "record-package_package.json"),
        (["--versioned"], "record-package_versioned.json"),
        (["--linked-releases"], "record-package_linked-releases.json"),
    ],
)
def test_ocdskit_record_packages_byte_for_byte(options: list[str], expected: str):
    # These 2017 city packages declare no version (1.0): ocdskit merged them with the 1.0.3 rules.
    out = _cli(
        *map(str, REALDATA), "--schema", str(SCHEMA_1_0), "--no-upgrade", "--published-date", "", "--uri", "", *options
    )
    assert out == (OCDSKIT / "realdata" / expected).read_text(encoding="utf-8")


def test_ocdskit_compiled_releases_ascii():
    out = _cli(*map(str, REALDATA), "--schema", str(SCHEMA_1_0), "--no-upgrade", "--ascii", "--format", "jsonl")
    for line, name in zip(out.splitlines(), ("compiled-release-1.json", "compiled-release-2.json"), strict=True):
        compiled = json.loads(line)["compiledRelease"]
        expected = (OCDSKIT / "realdata" / name).read_text(encoding="utf-8")
        assert json.dumps(compiled, separators=(",", ":")) + "\n" == expected


def test_ocdskit_versioned_releases_ascii():
    out = _cli(*map(str, REALDATA), "--schema", str(SCHEMA_1_0), "--no-upgrade", "--versioned", "--format", "jsonl")
    for line, name in zip(out.splitlines(), ("versioned-release-1.json", "versioned-release-2.json"), strict=True):
        versioned = json.loads(line)["versionedRelease"]
        expected = (OCDSKIT / "realdata" / name).read_text(encoding="utf-8")
        assert json.dumps(versioned, separators=(",", ":")) + "\n" == expected


def _extension_schemas(tmp_path: Path) -> Path:
    """A schema directory with the additionalContactPoints extension, as the cache would hold it."""
    root = tmp_path / "schemas"
    root.mkdir()
    (root / "1__1__5").symlink_to(OCDS / "1__1__5")
    url = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_additionalContactPoints_extension/master/extension.json"
    folder = root / "extensions" / "ocds_additionalContactPoints_extension" / "master"
    folder.mkdir(parents=True)
    (root / "extensions" / "index.json").write_text(
        json.dumps({url: {"folder": "ocds_additionalContactPoints_extension/master"}}), encoding="utf-8"
    )
    (folder / "extension.json").write_text(
        json.dumps({"name": {"en": "Additional contact points"}, "schemas": ["release-schema.json"]}), encoding="utf-8"
    )
    patch = {
        "definitions": {
            "Organization": {
                "properties": {
                    "additionalContactPoints": {
                        "type": "array",
                        "items": {"$ref": "#/definitions/ContactPoint"},
                        "wholeListMerge": True,
                    }
                }
            }
        }
    }
    (folder / "release-schema.json").write_text(json.dumps(patch), encoding="utf-8")
    return root


def test_extensions_change_the_merge_rules(tmp_path: Path):
    package = OCDSKIT / "release-package_additional-contact-points.json"
    schema_dir = _extension_schemas(tmp_path)
    out = _cli(str(package), "--schema-dir", str(schema_dir), "--format", "jsonl")
    expected = (OCDSKIT / "compile_extensions.json").read_text(encoding="utf-8")
    assert json.dumps(json.loads(out)["compiledRelease"], separators=(",", ":")) + "\n" == expected


def test_without_the_extension_arrays_merge_by_id(tmp_path: Path):
    package = OCDSKIT / "release-package_additional-contact-points.json"
    result = CliRunner().invoke(main, ["merge", str(package), "--format", "jsonl", "--report", "json"])
    expected = (OCDSKIT / "compile_no-extensions.json").read_text(encoding="utf-8")
    assert json.dumps(json.loads(result.stdout)["compiledRelease"], separators=(",", ":")) + "\n" == expected
    report = json.loads(result.stderr)
    # The extension is not in ../shared: a warning that names it, and the rest goes on.
    assert [f["check"] for f in report["findings"] if f["severity"] == "warning"] == ["extension_unavailable"]
    assert "additionalContactPoints" in report["findings"][-1]["locations"][0]["value"]
    # Both releases have the id "1" with different contents: the reference merges both, we say so.
    assert any(f["check"] == "release_id_conflict" for f in report["findings"])
    assert result.exit_code == 1


def test_duplicate_ids_within_an_array_warn_as_the_reference_does():
    package = OCDSKIT / "release-package_warning.json"
    result = CliRunner().invoke(main, ["merge", str(package), "--format", "jsonl", "--report", "json"])
    expected = (OCDSKIT / "compile_warning.json").read_text(encoding="utf-8")
    assert json.dumps(json.loads(result.stdout)["compiledRelease"], separators=(",", ":")) + "\n" == expected
    report = json.loads(result.stderr)
    (finding,) = [f for f in report["findings"] if f["check"] == "duplicate_item_id"]
    assert finding["field"] == "parties"
    assert finding["locations"][0]["path"] == "ocds-213czf-1/parties"
    assert finding["locations"][0]["value"] == "1"
    assert result.exit_code == 0
