"""Shared fixtures: the schemas of ../shared/ocds, offline, for every test."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CDMX_SHARED", ROOT.parent / "shared"))
OCDS = SHARED / "ocds"
FIXTURES = SHARED / "fixtures"
REAL = SHARED / "data" / "real"
MAPPINGS = ROOT / "ocds_cdmx" / "conversion" / "mappings"


@pytest.fixture(autouse=True)
def offline_schemas(monkeypatch, tmp_path_factory):
    """Point every test at ../shared/ocds, never at the network or the user's cache."""
    monkeypatch.setenv("CDMX_SCHEMA_DIR", str(OCDS))
    monkeypatch.setenv("CDMX_OFFLINE", "1")
    monkeypatch.setenv("CDMX_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def schema_dir_with_1_0(tmp_path_factory) -> Path:
    """A schema directory with 1.1.5 and a 1.0.3 made from the merge fixtures' 1.0.3 release schema.

    ../shared has no 1.0.3 package schemas: they are derived from the 1.1.5 ones by pointing their
    $ref at the 1.0.3 release schema, which is what differs between the two for validation.
    """
    root = tmp_path_factory.mktemp("schemas")
    shutil.copytree(OCDS / "1__1__5", root / "1__1__5")
    target = root / "1__0__3"
    target.mkdir()
    shutil.copy(FIXTURES / "merge" / "release-schema-1__0__3.json", target / "release-schema.json")
    shutil.copytree(OCDS / "1__1__5" / "codelists", target / "codelists")
    for name in ("release-package-schema.json", "record-package-schema.json"):
        text = (OCDS / "1__1__5" / name).read_text(encoding="utf-8").replace("1__1__5", "1__0__3")
        (target / name).write_text(text, encoding="utf-8")
    shutil.copy(
        FIXTURES / "merge" / "versioned-release-validation-schema-1__0__3.json",
        target / "versioned-release-validation-schema.json",
    )
    json.loads((target / "release-schema.json").read_text(encoding="utf-8"))
    return root
