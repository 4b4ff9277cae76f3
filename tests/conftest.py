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
#: The buyer of the generic mappings' conversions (no release goes without one).
AGENCY = ("--agency", "Agencia de prueba")


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


# --- cdmx site: the bundled samples' records and their site, built once per session -----------------


def make_sample_records(folder: Path) -> Path:
    """The bundled samples of both agencies, converted and merged as the README's commands do."""
    from ocds_cdmx import convert, merge

    folder.mkdir(parents=True, exist_ok=True)
    saf, obras = folder / "saf.json", folder / "obras.json"
    common = {"schema_dir": str(OCDS), "offline": True, "published_date": "2024-10-16T00:00:00-06:00"}
    files = [
        ROOT / "samples" / "A121Fr30B_2024T3.xlsx",
        ROOT / "samples" / "paaaps-2024.xlsx",
        ROOT / "samples" / "clc-2024T3.csv",
    ]
    assert convert(files, "finanzas", saf, **common).exit_code == 0
    files = [ROOT / "samples" / "A121Fr30A_2024T3.xlsx", ROOT / "samples" / "avance-obras-2024T3.xlsx"]
    assert convert(files, "obras", obras, **common).exit_code == 0
    records = folder / "records.json"
    result = merge([saf, obras], records, versioned=True, schema_dir=str(OCDS), offline=True)
    assert result.exit_code == 0, result.findings
    return records


@pytest.fixture(scope="session")
def sample_records(tmp_path_factory) -> Path:
    return make_sample_records(tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="session")
def sample_site(sample_records, tmp_path_factory) -> Path:
    from ocds_cdmx import build_site

    out = tmp_path_factory.mktemp("sitio")
    result = build_site(sample_records, out, jobs=1)
    assert result.exit_code == 0, result.input_errors
    return out


#: The nights of the publications the site is built from (Mexico City's time, as cdmx publish dates them).
SITE_NIGHTS = ("2024-10-16T02:00:00-06:00", "2024-10-17T02:00:00-06:00")


def publish_samples(folder: Path, night: str = SITE_NIGHTS[0]) -> Path:
    """The bundled samples published as the README's command does (``samples/publicacion.yaml``: the
    output and its store beside the copy of ``samples/``); the publication directory (a symbolic link to
    the night's build, as ``cdmx publish`` leaves it)."""
    from ocds_cdmx import publish

    samples = folder / "samples"
    if not samples.is_dir():
        shutil.copytree(ROOT / "samples", samples, ignore=shutil.ignore_patterns("*.py"))
    result = publish(samples / "publicacion.yaml", night=night, jobs=1, schema_dir=str(OCDS), offline=True)
    assert result.exit_code == 0, result
    return folder / "publicacion"


def published_records(publication: Path) -> list[dict]:
    """Every record of a publication, read from its record files (not with the site's code)."""
    records = []
    for path in sorted((publication / "records").glob("*.json")):
        (record,) = json.loads(path.read_text(encoding="utf-8"))["records"]
        records.append(record)
    return records


@pytest.fixture(scope="session")
def sample_publication(tmp_path_factory) -> Path:
    return publish_samples(tmp_path_factory.mktemp("publicacion"))


@pytest.fixture(scope="session")
def publication_site(sample_publication) -> Path:
    from ocds_cdmx import build_site

    out = sample_publication.parent / "sitio"
    result = build_site(sample_publication, out, jobs=1)
    assert result.exit_code == 0, result.input_errors
    return out


@pytest.fixture(params=["records", "publication"])
def built(request) -> tuple[Path, list[dict]]:
    """A site and the records it was built from: from ``cdmx merge --versioned``'s file, and from a
    real ``cdmx publish`` of the same samples."""
    from .site_expect import load_records

    if request.param == "records":
        return request.getfixturevalue("sample_site"), load_records(request.getfixturevalue("sample_records"))
    publication = request.getfixturevalue("sample_publication")
    return request.getfixturevalue("publication_site"), published_records(publication)
