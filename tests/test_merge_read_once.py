"""cdmx merge reads each source once, and twice only when a package has keys after its releases."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ocds_cdmx import merge
from ocds_cdmx.io import jsonin

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import iter_releases

PUBLISHED = "2024-06-30T00:00:00-06:00"


def _write(path: Path, package: dict, order: list[str]) -> Path:
    path.write_text(json.dumps({key: package[key] for key in order}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("jobs", [1, 2])
def test_keys_after_the_releases(tmp_path: Path, monkeypatch, jobs: int):
    releases = list(iter_releases(60, seed=5))
    package = {
        "uri": "https://datos.cdmx.gob.mx/ocds/noche.json",
        "version": "1.1",
        "publisher": {"name": "Gobierno de la Ciudad de México"},
        "publishedDate": "2024-01-01T00:00:00-06:00",
        "releases": releases,
    }
    first = _write(tmp_path / "first.json", package, ["uri", "version", "publisher", "publishedDate", "releases"])
    last = _write(tmp_path / "last.json", package, ["releases", "uri", "version", "publisher", "publishedDate"])
    calls: list[bool] = []
    real = jsonin.iter_documents

    def counting(*args, **kwargs):
        calls.append(kwargs.get("lookahead", True))
        return real(*args, **kwargs)

    monkeypatch.setattr("ocds_cdmx.merging.pipeline.iter_documents", counting)
    options = {"published_date": PUBLISHED, "linked_releases": True, "versioned": True, "jobs": jobs, "uri": "u"}
    merge(first, tmp_path / "a.json", **options)
    if jobs == 1:
        assert calls == [False]  # one reading, nothing read ahead
    merge(last, tmp_path / "b.json", **options)
    if jobs == 1:
        assert calls == [False, False, True]  # keys after the releases: read again, reading ahead
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert b"noche.json#" in (tmp_path / "a.json").read_bytes()  # the package's uri reached the links
