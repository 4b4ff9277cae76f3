"""The versioned-release schema of a package with extensions, against ocdsextensionregistry's."""

from __future__ import annotations

import itertools
import json
import warnings

import pytest
from ocdsextensionregistry.versioned_release_schema import get_versioned_release_schema

from ocds_cdmx.schema import SchemaStore, load_profile
from ocds_cdmx.schema.profile import versioned_release_schema

from .conftest import AGENCY, OCDS

EXTENSIONS = sorted(json.loads((OCDS / "extensions" / "index.json").read_text(encoding="utf-8")))


def _reference(schema: dict, tag: str) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_versioned_release_schema(schema, tag)


def test_core_schema_equals_the_library_and_the_standard_file():
    release = json.loads((OCDS / "1__1__5" / "release-schema.json").read_text(encoding="utf-8"))
    ours = versioned_release_schema(release, "1__1__5")
    assert ours == _reference(release, "1__1__5")


@pytest.mark.parametrize("url", EXTENSIONS, ids=lambda u: u.split("/")[4])
def test_each_extension_equals_the_library(url: str):
    profile = load_profile(SchemaStore(OCDS, offline=True), "1.1", [url])
    assert all(status.applied for status in profile.extensions)
    assert profile.versioned_release_schema == _reference(profile.release_schema, "1__1__5")


def test_all_extensions_together_equal_the_library():
    for combination in itertools.combinations(EXTENSIONS, 3):
        profile = load_profile(SchemaStore(OCDS, offline=True), "1.1", list(combination))
        assert profile.versioned_release_schema == _reference(profile.release_schema, "1__1__5")
    profile = load_profile(SchemaStore(OCDS, offline=True), "1.1", EXTENSIONS)
    schema = profile.versioned_release_schema
    assert schema == _reference(profile.release_schema, "1__1__5")
    assert "bids" in schema["properties"]  # the bid extension's field, versioned


def test_the_quick_starts_records_validate(tmp_path):
    """The README's quick start: convert the sample, merge it with --versioned, validate: no problem,
    and the bid extension's ``bids`` in the versioned release is in the schema."""
    from click.testing import CliRunner

    from ocds_cdmx.cli import main

    from .conftest import ROOT

    package, records = tmp_path / "saf-2024T3.json", tmp_path / "records.json"
    runner = CliRunner()
    sample = str(ROOT / "samples" / "A121Fr30B_2024T3.xlsx")
    assert (
        runner.invoke(
            main, ["convert", sample, "-m", "transparencia-adjudicaciones", *AGENCY, "-o", str(package)]
        ).exit_code
        == 0
    )
    assert runner.invoke(main, ["merge", str(package), "--versioned", "-o", str(records)]).exit_code == 0
    assert "bids" in json.loads(records.read_text(encoding="utf-8"))["records"][0]["versionedRelease"]
    result = runner.invoke(main, ["validate", "--ocid-prefix", "ocds-87sd3t", str(records), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["errors"] == 0 and report["warnings"] == 0, report["findings"]
