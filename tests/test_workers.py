"""Worker processes get their state from their initializer: the spawn start method (Windows, macOS) gives
the same results as fork and as one process."""

from __future__ import annotations

import json
import sys

from ocds_cdmx import merge, validate
from ocds_cdmx.io.workers import WorkerPool, start_method
from ocds_cdmx.report.jsonreport import result_as_dict
from ocds_cdmx.validation import engine

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import iter_releases

_STATE: list = []


def _init(value: int) -> None:
    _STATE[:] = [value]


def _task(n: int) -> int:
    return n * _STATE[0]


def test_start_method_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.setenv("CDMX_START_METHOD", "spawn")
    assert start_method() == "spawn"
    monkeypatch.setenv("CDMX_START_METHOD", "no-such-method")
    assert start_method() in ("fork", "spawn")


def test_a_spawned_pool_runs_its_initializer_in_every_worker(monkeypatch):
    monkeypatch.setenv("CDMX_START_METHOD", "spawn")
    with WorkerPool(2, _init, (3,)) as pool:
        assert list(pool.map_ordered(_task, range(20))) == [n * 3 for n in range(20)]
    with WorkerPool(1, _init, (5,)) as alone:  # one job: here, after the same initializer
        assert alone.pool is None
        assert list(alone.map_ordered(_task, range(3))) == [0, 5, 10]


def _package(tmp_path, count: int):
    releases = list(iter_releases(count, seed=5))
    for i, release in enumerate(releases):
        if i % 9 == 0:
            release["date"] = "mañana"
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"version": "1.1", "releases": releases}), encoding="utf-8")
    return path


def test_validate_with_spawned_workers_equals_one_process(tmp_path, monkeypatch):
    path = _package(tmp_path, 400)
    monkeypatch.setattr(engine, "BATCH", 20)
    monkeypatch.setattr(engine, "PARALLEL_AFTER", 40)
    one = result_as_dict(validate(path, jobs=1, max_locations=0), "en")
    monkeypatch.setenv("CDMX_START_METHOD", "spawn")
    before = engine.worker_batches
    spawned = result_as_dict(validate(path, jobs=2, max_locations=0), "en")
    assert engine.worker_batches > before
    assert spawned == one
    assert one["errors"] >= 40


def test_merge_with_spawned_workers_equals_one_process(tmp_path, monkeypatch):
    nights = []
    releases = list(iter_releases(300, seed=8))
    for n in range(3):
        night = tmp_path / f"night-{n}.json"
        package = {"uri": f"https://example.com/{n}.json", "version": "1.1", "releases": releases[n::3]}
        night.write_text(json.dumps(package), encoding="utf-8")
        nights.append(night)
    one, spawned = tmp_path / "one.json", tmp_path / "spawned.json"
    assert merge(nights, one, versioned=True, published_date="2024-01-01T00:00:00Z", uri="urn:x", jobs=1).exit_code == 0
    monkeypatch.setenv("CDMX_START_METHOD", "spawn")
    assert (
        merge(nights, spawned, versioned=True, published_date="2024-01-01T00:00:00Z", uri="urn:x", jobs=2).exit_code
        == 0
    )
    assert spawned.read_bytes() == one.read_bytes()
