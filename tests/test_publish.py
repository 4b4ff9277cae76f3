"""cdmx publish: nights on the bundled samples, against SQLite and a real PostgreSQL server.

The PostgreSQL tests need a server: ``.ci/run`` installs and starts one and sets
``CDMX_TEST_POSTGRESQL`` (a ``postgresql://`` URL of a role that may create databases); each test gets
a database of its own.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from ocds_cdmx import publish
from ocds_cdmx.cli import main
from ocds_cdmx.publishing import downloads
from ocds_cdmx.publishing.store import Store

from .conftest import OCDS, ROOT

SAMPLES = ROOT / "samples"
NIGHTS = [f"2024-10-{day}T02:00:00-06:00" for day in range(16, 28)]
PG_ENV = "CDMX_TEST_POSTGRESQL"
SAF_OCID = "ocds-87sd3t-SAF-DGRMSG-AD-001-2024"
AMOUNT = "Monto total del contrato con impuestos incluidos (expresado en pesos mexicanos)"
OBJECT = "Objeto del contrato"


def _postgresql() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set: .ci/run starts a PostgreSQL server for these tests")
        pytest.skip(f"no PostgreSQL server ({PG_ENV} not set)")
    return url


@pytest.fixture
def pg_url():
    """A fresh database on the test server, dropped afterwards."""
    import psycopg

    admin = _postgresql()
    name = f"cdmx_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    base, _, _ = admin.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "publicacion.sqlite")
    return request.getfixturevalue("pg_url")


def _workspace(tmp_path: Path, store: str, base_url: str = "https://datos.cdmx.gob.mx/ocds/") -> Path:
    files = tmp_path / "entregas"
    files.mkdir(exist_ok=True)
    for path in SAMPLES.glob("*"):
        if path.suffix in (".xlsx", ".csv"):
            shutil.copy(path, files / path.name)
    config = (SAMPLES / "publicacion.yaml").read_text(encoding="utf-8")
    config = config.replace("../publicacion.sqlite", store).replace("../publicacion", str(tmp_path / "publicacion"))
    config = config.replace("https://datos.cdmx.gob.mx/ocds/", base_url)
    config = config.replace("[A121", "[entregas/A121")
    for name in ("paaaps-2024.xlsx", "clc-2024T3.csv", "avance-obras-2024T3.xlsx"):
        config = config.replace(f" {name}", f" entregas/{name}")
    path = tmp_path / "publicacion.yaml"
    path.write_text(config, encoding="utf-8")
    return path


def _run(config: Path, night: int, **options):
    result = publish(config, night=NIGHTS[night], jobs=1, schema_dir=str(OCDS), offline=True, **options)
    return result


def _tree(output: Path) -> dict[str, bytes]:
    root = output.resolve()
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _stats(output: Path) -> dict[str, tuple[int, int]]:
    root = output.resolve()
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def _record(output: Path, ocid: str = SAF_OCID) -> dict:
    package = json.loads((output / "records" / f"{ocid}.json").read_text(encoding="utf-8"))
    (record,) = package["records"]
    return record


def _edit(path: Path, label: str, value, row: int = 8, sheet: str = "Reporte de Formatos") -> None:
    book = load_workbook(path)
    ws = book[sheet]
    labels = [c.value for c in ws[7]]
    cell = ws.cell(row=row, column=labels.index(label) + 1)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text, even when it starts with "=" (as a person types '=…)
    book.save(path)


def _night_releases(store_url: str, night: int, agencies: tuple[str, ...] = ("SAF", "SOBSE")) -> list[dict]:
    with Store.open(store_url) as store:
        return [json.loads(text) for agency in agencies for _, _, text in store.night_releases(agency, NIGHTS[night])]


# -- the nights --------------------------------------------------------------------------------------------


def test_first_night_publishes_every_agency(tmp_path, store_url):
    config = _workspace(tmp_path, store_url)
    result = _run(config, 0)
    assert result.exit_code == 0, [a.as_dict() for a in result.agencies]
    assert [(a.key, a.status, a.new) for a in result.agencies] == [("SAF", "published", 8), ("SOBSE", "published", 6)]
    output = tmp_path / "publicacion"
    assert output.is_symlink()
    files = _tree(output)
    assert "releases/SAF/2024-10-16T020000-0600.json" in files
    assert f"records/{SAF_OCID}.json" in files
    for name in ("bulk/records.json.gz", "bulk/compiled-releases/full.jsonl.gz", "bulk/compiled-releases/2024.jsonl.gz",
                 "bulk/releases/full.jsonl.gz", "bulk/releases/2024.jsonl.gz", "downloads/full.csv.zip",
                 "downloads/full.xlsx", "downloads/2024.csv.zip", "downloads/2024.xlsx", "feeds/SAF.atom",
                 "feeds/SOBSE.atom", "manifest.json"):  # fmt: skip
        assert name in files, name
    record = _record(output)
    # Linked releases at the night package's permanent URL, in date order.
    assert all(
        r["url"].startswith("https://datos.cdmx.gob.mx/ocds/releases/SAF/2024-10-16T020000-0600.json#")
        for r in record["releases"]
    )
    assert [r["date"] for r in record["releases"]] == sorted(r["date"] for r in record["releases"])
    assert "versionedRelease" in record and record["compiledRelease"]["tag"] == ["compiled"]


def test_an_agency_with_a_generic_mapping_publishes_with_its_buyer(tmp_path):
    """A format's mapping names no agency: the configuration's agency is the buyer, as --agency gives."""
    config = _workspace(tmp_path, str(tmp_path / "store.sqlite"))
    text = config.read_text(encoding="utf-8")
    start = text.index("agencies:")
    text = text[:start] + (
        "agencies:\n"
        "  - key: COY\n"
        "    name: Alcaldía Coyoacán\n"
        "    mapping: transparencia-2024\n"
        "    files:\n"
        "      - [entregas/28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx]\n"
    )
    config.write_text(text, encoding="utf-8")
    result = _run(config, 0)
    assert result.exit_code == 0, [a.as_dict() for a in result.agencies]
    (agency,) = result.agencies
    assert agency.status == "published" and agency.new > 0
    releases = _night_releases(str(tmp_path / "store.sqlite"), 0, ("COY",))
    assert releases and all(r["buyer"]["name"] == "Alcaldía Coyoacán" for r in releases)
    assert all(r["ocid"].startswith("ocds-87sd3t-COY-") for r in releases)


def test_the_manifest_describes_every_file(tmp_path):
    config = _workspace(tmp_path, str(tmp_path / "s.sqlite"))
    assert _run(config, 0).exit_code == 0
    output = tmp_path / "publicacion"
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    files = _tree(output)
    listed = {e["path"]: e for e in manifest["files"] + manifest["records"]}
    assert set(listed) == set(files) - {"manifest.json"}
    import hashlib

    for path, entry in listed.items():
        assert entry["size"] == len(files[path]) and entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
    assert manifest["toolkit"]["name"] == "ocds-cdmx" and manifest["ocds"]["version"] == "1.1"
    assert manifest["counts"] == {"agencies": 2, "processes": 14, "releases": 64}
    saf = manifest["agencies"]["SAF"]
    assert saf["processes"] == 8 and saf["status"] == "ok"
    assert saf["last_publication"] == {"night": NIGHTS[0], "new": 8, "updated": 0, "unchanged": 0, "vanished": 0,
                                       "releases": 38}  # fmt: skip
    bulk = listed["bulk/releases/full.jsonl.gz"]
    assert bulk["count"] == 64 and bulk["first_date"] <= bulk["last_date"]


def test_every_json_file_validates(tmp_path):
    config = _workspace(tmp_path, str(tmp_path / "s.sqlite"))
    assert _run(config, 0).exit_code == 0
    output = (tmp_path / "publicacion").resolve()
    for path in sorted(output.rglob("*.json")) + sorted(output.rglob("*.json.gz")) + sorted(output.rglob("*.jsonl.gz")):
        if path.name == "manifest.json":
            continue
        result = CliRunner().invoke(main, ["validate", "--ocid-prefix", "ocds-87sd3t", str(path), "--format", "json"])
        report = json.loads(result.stdout)
        assert report["errors"] == 0, (path, report["findings"][:3])
        if path.suffix == ".json" or path.name.endswith(".json.gz"):
            assert report["warnings"] == 0, (path, report["findings"][:3])


def test_records_equal_ocdskit_compile_of_every_release_in_the_store(tmp_path):
    config = _workspace(tmp_path, str(tmp_path / "s.sqlite"))
    assert _run(config, 0).exit_code == 0
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", AMOUNT, 1999999.5)
    assert _run(config, 1).exit_code == 0
    output = (tmp_path / "publicacion").resolve()
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    packages = [output / e["path"] for e in manifest["files"] if e["kind"] == "release-package"]
    from ocds_cdmx.schema import SchemaStore, load_profile

    extensions = manifest["ocds"]["extensions"]
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(load_profile(SchemaStore(OCDS, offline=True), "1.1", extensions).release_schema))
    done = subprocess.run(
        [sys.executable, "-m", "ocdskit", "compile", "--package", "--linked-releases", "--versioned", "--schema",
         str(schema)],
        input=b"".join(p.read_bytes() for p in packages), capture_output=True, check=True, timeout=600,
    )  # fmt: skip
    theirs = json.loads(done.stdout)
    ours = json.loads(gzip.decompress((output / "bulk" / "records.json.gz").read_bytes()))
    assert ours["records"] == theirs["records"]
    assert ours["packages"] == theirs["packages"] and ours["extensions"] == theirs["extensions"]
    for record in theirs["records"]:
        assert _record(output, record["ocid"]) == record


def test_a_correction_is_one_new_release(tmp_path, store_url):
    config = _workspace(tmp_path, store_url)
    assert _run(config, 0).exit_code == 0
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", AMOUNT, 1999999.5)
    result = _run(config, 1)
    assert result.exit_code == 0
    saf = result.agencies[0]
    assert (saf.new, saf.updated, saf.unchanged, saf.releases) == (0, 1, 7, 1)
    assert result.agencies[1].status == "unchanged"
    (release,) = _night_releases(store_url, 1)
    assert release["ocid"] == SAF_OCID and "contractUpdate" in release["tag"]
    assert release["date"] == NIGHTS[1]  # later than every earlier release of the process
    record = _record(tmp_path / "publicacion")
    assert record["compiledRelease"]["contracts"][0]["value"]["amount"] == 1999999.5
    history = record["versionedRelease"]["contracts"][0]["value"]["amount"]
    assert [v["value"] for v in history] == [1452664.9, 1999999.5]
    assert history[-1]["releaseID"] == release["id"] and release["id"] not in {h["releaseID"] for h in history[:-1]}


def test_a_removed_value_is_published_as_null(tmp_path):
    store_url = str(tmp_path / "s.sqlite")
    config = _workspace(tmp_path, store_url)
    assert _run(config, 0).exit_code == 0
    before = _record(tmp_path / "publicacion")["compiledRelease"]["contracts"][0]
    assert before["description"].startswith("Mantenimiento")
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", OBJECT, None)
    assert _run(config, 1).exit_code == 0
    (release,) = _night_releases(store_url, 1)
    assert release["contracts"][0]["description"] is None
    after = _record(tmp_path / "publicacion")["compiledRelease"]["contracts"][0]
    assert "description" not in after


def test_a_new_amendment_gets_the_amendment_tag(tmp_path):
    store_url = str(tmp_path / "s.sqlite")
    config = _workspace(tmp_path, store_url)
    assert _run(config, 0).exit_code == 0
    path = tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx"
    book = load_workbook(path)
    book["Tabla_334268"].append(
        ["4", "CM-02", "Incremento del monto", "05/11/2024", "https://transparencia.cdmx.gob.mx/convenios/CM-02.pdf"]
    )
    book.save(path)
    assert _run(config, 1).exit_code == 0
    (release,) = _night_releases(store_url, 1)
    assert release["ocid"] == "ocds-87sd3t-SAF-DGRMSG-AD-004-2024"
    assert "contractAmendment" in release["tag"] and "contractUpdate" not in release["tag"]
    amendments = _record(tmp_path / "publicacion", release["ocid"])["compiledRelease"]["contracts"][0]["amendments"]
    assert [a["id"] for a in amendments][-1].endswith("CM-02") or len(amendments) == 2


def test_an_unchanged_rerun_publishes_nothing_and_rewrites_nothing(tmp_path, store_url):
    config = _workspace(tmp_path, store_url)
    assert _run(config, 0).exit_code == 0
    output = tmp_path / "publicacion"
    target, stats = os.readlink(output), _stats(output)
    time.sleep(0.05)
    result = _run(config, 1)
    assert result.exit_code == 0 and not result.built
    assert sum(a.releases for a in result.agencies) == 0
    assert [a.status for a in result.agencies] == ["unchanged", "unchanged"]
    assert os.readlink(output) == target and _stats(output) == stats
    assert _night_releases(store_url, 1) == []


def test_a_night_builds_only_the_processes_whose_rows_changed(tmp_path, store_url):
    config = _workspace(tmp_path, store_url)
    first = _run(config, 0)
    assert [(c.ocids, c.skipped) for a in first.agencies for c in a.conversions] == [(8, 0), (6, 0)]
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", AMOUNT, 1999999.5)
    result = _run(config, 1)
    assert result.exit_code == 0
    # The edited process alone is built (its five releases), and alone published again.
    assert [(c.ocids, c.skipped, c.releases) for a in result.agencies for c in a.conversions] == [
        (8, 7, 5),
        (6, 6, 0),
    ]
    assert [(a.new, a.updated, a.unchanged) for a in result.agencies] == [(0, 1, 7), (0, 0, 6)]
    with Store.open(store_url) as store:
        assert len(store.fingerprints("SAF")) == 8 and len(store.fingerprints("SOBSE")) == 6
    # The same files again: nothing built, nothing published, every process unchanged.
    again = _run(config, 2)
    assert [(c.skipped, c.releases) for a in again.agencies for c in a.conversions] == [(8, 0), (6, 0)]
    assert [a.status for a in again.agencies] == ["unchanged", "unchanged"] and not again.built


def test_another_toolkit_version_builds_every_process_again_and_publishes_nothing(tmp_path, monkeypatch):
    from ocds_cdmx.conversion import pipeline

    config = _workspace(tmp_path, str(tmp_path / "s.sqlite"))
    assert _run(config, 0).exit_code == 0
    monkeypatch.setattr(pipeline, "__version__", "0.0.0-other")
    result = _run(config, 1)
    assert [(c.skipped, c.releases) for a in result.agencies for c in a.conversions] == [(0, 38), (0, 26)]
    assert [a.status for a in result.agencies] == ["unchanged", "unchanged"] and not result.built
    # Its fingerprints are those of the new version: the next night skips again.
    again = _run(config, 2)
    assert [c.skipped for a in again.agencies for c in a.conversions] == [8, 6]


def test_a_process_with_a_warning_is_built_again_to_say_it_again(tmp_path):
    store_url = str(tmp_path / "s.sqlite")
    config = _workspace(tmp_path, store_url)
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", OBJECT, "N/A")
    for night in (0, 1):
        (conversion, *_), *_ = (a.conversions for a in _run(config, night).agencies)
        assert "placeholder_value" in {key[0] for key in conversion.findings.groups}
        assert conversion.skipped == (0 if night == 0 else 7)
    with Store.open(store_url) as store:
        assert SAF_OCID not in store.fingerprints("SAF") and len(store.fingerprints("SAF")) == 7


def test_an_agency_that_fails_publishes_nothing_while_the_others_publish(tmp_path, store_url):
    config = _workspace(tmp_path, store_url)
    assert _run(config, 0).exit_code == 0
    before = (tmp_path / "publicacion" / "releases" / "SOBSE").resolve()
    sobse = sorted(p.name for p in before.iterdir())
    (tmp_path / "entregas" / "A121Fr30A_2024T3.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", AMOUNT, 1999999.5)
    result = _run(config, 1)
    assert result.exit_code == 1
    saf, failed = result.agencies
    assert saf.status == "published" and saf.releases == 1
    assert failed.status == "failed" and failed.problems == ["files_unreadable"] and failed.releases == 0
    output = tmp_path / "publicacion"
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["agencies"]["SOBSE"]["status"] == "failed"
    assert manifest["agencies"]["SOBSE"]["failed_since"] == NIGHTS[1]
    assert manifest["agencies"]["SOBSE"]["processes"] == 6  # its last good data stays online
    assert sorted(p.name for p in (output / "releases" / "SOBSE").iterdir()) == sobse
    # The CLI says which agency failed, and exits 1.
    cli = CliRunner().invoke(main, ["publish", str(config), "--night", NIGHTS[2], "--lang", "en"])
    assert cli.exit_code == 1 and "SOBSE" in cli.stderr and "FAILED" in cli.stderr


def test_rebuild_gives_the_same_bytes(tmp_path, store_url):
    config = _workspace(tmp_path, store_url)
    assert _run(config, 0).exit_code == 0
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", AMOUNT, 1999999.5)
    assert _run(config, 1).exit_code == 0
    output = tmp_path / "publicacion"
    before, target = _tree(output), os.readlink(output)
    result = _run(config, 2, rebuild=True)
    assert result.exit_code == 0 and result.built and os.readlink(output) != target
    assert result.files_kept == 0  # nothing linked: made anew from the store
    assert _tree(output) == before


def test_dry_run_writes_nothing(tmp_path):
    store_url = str(tmp_path / "s.sqlite")
    config = _workspace(tmp_path, store_url)
    result = _run(config, 0, dry_run=True)
    assert result.exit_code == 0 and [a.new for a in result.agencies] == [8, 6]
    assert not Path(store_url).exists() and not (tmp_path / "publicacion").exists()
    assert _run(config, 0).exit_code == 0
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", AMOUNT, 1999999.5)
    stats = _stats(tmp_path / "publicacion")
    result = _run(config, 1, dry_run=True)
    assert result.agencies[0].updated == 1 and _stats(tmp_path / "publicacion") == stats
    assert _night_releases(store_url, 1) == []


# -- downloads and feeds -------------------------------------------------------------------------------------


def test_downloads_have_spanish_titles_and_neutralised_formulas(tmp_path):
    config = _workspace(tmp_path, str(tmp_path / "s.sqlite"))
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", OBJECT, '=HYPERLINK("http://x.example","clic")')
    assert _run(config, 0).exit_code == 0
    output = tmp_path / "publicacion"
    tables = downloads.read_csv_archive(output / "downloads" / "full.csv.zip")
    assert set(tables) == {"procesos", "partes", "adjudicaciones", "contratos", "pagos", "documentos", "modificaciones",
                           "cotizaciones"}  # fmt: skip
    assert tables["procesos"][0][:4] == ["OCID", "Registro (JSON)", "Dependencia", "Último cambio"]
    described = [row for row in tables["contratos"][1:] if row[0] == SAF_OCID]
    assert described[0][4] == '\'=HYPERLINK("http://x.example","clic")'
    book = load_workbook(output / "downloads" / "full.xlsx")
    assert book.sheetnames == list(tables)
    sheet = book["contratos"]
    cells = [row for row in sheet.iter_rows(min_row=2) if row[0].value == SAF_OCID]
    cell = cells[0][4]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK") and cell.quotePrefix
    assert [c.value for c in book["procesos"][1]][:2] == ["OCID", "Registro (JSON)"]
    assert book["procesos"].max_row == 15  # a header and the 14 processes


def test_a_sheet_over_excels_limit_splits_the_workbook(tmp_path, monkeypatch):
    monkeypatch.setattr(downloads, "EXCEL_ROWS", 40)  # instead of 1,048,576: the samples have 71 parties
    config = _workspace(tmp_path, str(tmp_path / "s.sqlite"))
    assert _run(config, 0).exit_code == 0
    output = tmp_path / "publicacion"
    names = sorted(p.name for p in (output / "downloads").iterdir())
    assert names == ["2024-1.xlsx", "2024-2.xlsx", "2024.csv.zip", "full.csv.zip"]
    ocids = set()
    for name in ("2024-1.xlsx", "2024-2.xlsx"):
        book = load_workbook(output / "downloads" / name)
        assert all(sheet.max_row <= 40 for sheet in book.worksheets)
        part = {row[0].value for row in book["procesos"].iter_rows(min_row=2)}
        assert not part & ocids  # a process's rows are never split between parts
        ocids |= part
    assert len(ocids) == 14


def test_the_atom_feed_lists_new_and_changed_processes(tmp_path):
    config = _workspace(tmp_path, str(tmp_path / "s.sqlite"))
    assert _run(config, 0).exit_code == 0
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", AMOUNT, 1999999.5)
    assert _run(config, 1).exit_code == 0
    from xml.etree import ElementTree

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ElementTree.parse(tmp_path / "publicacion" / "feeds" / "SAF.atom").getroot()
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 9 and entries[0].find(f"{atom}updated").text == NIGHTS[1]
    assert entries[0].find(f"{atom}title").text.startswith("Proceso actualizado")
    assert entries[1].find(f"{atom}title").text.startswith("Proceso nuevo")
    assert entries[0].find(f"{atom}link").get("href").endswith(f"/records/{SAF_OCID}.json")


# -- reliability -------------------------------------------------------------------------------------------


def _cli(config: Path, night: int, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "CDMX_SCHEMA_DIR": str(OCDS), "CDMX_OFFLINE": "1"}
    command = [sys.executable, "-c", "from ocds_cdmx.cli import main; main()", "publish", str(config), "--night",
               NIGHTS[night], "--report", "none", *extra]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_killed_at_any_point_then_run_again_gives_what_one_run_gives(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    config = _workspace(reference, str(reference / "s.sqlite"))
    started = time.perf_counter()
    assert _cli(config, 0).wait(timeout=300) == 0
    duration = time.perf_counter() - started
    expected_tree = _tree(reference / "publicacion")
    with Store.open(str(reference / "s.sqlite")) as store:
        expected_store = store.dump()
    for attempt, fraction in enumerate((0.15, 0.3, 0.45, 0.6, 0.7, 0.8, 0.9, 0.97)):
        folder = tmp_path / f"killed-{attempt}"
        folder.mkdir()
        config = _workspace(folder, str(folder / "s.sqlite"))
        process = _cli(config, 0)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        again = _cli(config, 0)
        assert again.wait(timeout=300) in (0,), again.stderr.read().decode()
        assert _tree(folder / "publicacion") == expected_tree, fraction
        with Store.open(str(folder / "s.sqlite")) as store:
            assert store.dump() == expected_store, fraction


def test_two_agencies_publish_into_one_postgresql_store_at_once(tmp_path, pg_url):
    configs = []
    for agency in ("SAF", "SOBSE"):
        folder = tmp_path / agency
        folder.mkdir()
        configs.append(_workspace(folder, pg_url))
    both = [_cli(config, 0, "--agency", agency) for config, agency in zip(configs, ("SAF", "SOBSE"), strict=True)]
    assert [p.wait(timeout=300) for p in both] == [0, 0], [p.stderr.read().decode() for p in both]
    with Store.open(pg_url) as store:
        nights = store.nights()
        assert {(n["agency"], n["status"]) for n in nights} == {("SAF", "published"), ("SOBSE", "published")}
        assert sorted(n["position"] for n in nights) == [1, 2]
        assert store.totals()[0] == 64
    # Each machine's publication has every agency the store has, once the later one builds.
    assert _run(configs[0], 1).exit_code == 0
    manifest = json.loads((tmp_path / "SAF" / "publicacion" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["processes"] == 14


def test_two_runs_for_one_agency_do_not_overlap(tmp_path, store_url):
    config = _workspace(tmp_path, store_url)
    with Store.open(store_url) as holder:
        holder.lock_agency("SAF")
        result = _run(config, 0)
        assert [a.status for a in result.agencies] == ["busy", "published"]
        assert result.exit_code == 2
    # The lock went with its holder: the next run publishes SAF.
    result = _run(config, 1)
    assert [a.status for a in result.agencies] == ["published", "unchanged"]


def test_an_unreachable_server_is_exit_2_and_touches_nothing(tmp_path):
    config = _workspace(tmp_path, "postgresql://nadie@127.0.0.1:1/ocds")
    result = CliRunner().invoke(main, ["publish", str(config), "--lang", "en"])
    assert result.exit_code == 2
    assert "cannot be opened" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "publicacion").exists()


def test_an_output_that_cannot_be_written_keeps_the_previous_publication(tmp_path):
    config = _workspace(tmp_path, str(tmp_path / "s.sqlite"))
    assert _run(config, 0).exit_code == 0
    output = tmp_path / "publicacion"
    before = _tree(output)
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", AMOUNT, 1999999.5)
    # Where the next build goes, a file: the build cannot be made (as on a full or read-only disk).
    blocker = tmp_path / ".publicacion.cdmx" / "builds" / "000002.tmp"
    blocker.write_text("in the way")
    result = CliRunner().invoke(main, ["publish", str(config), "--night", NIGHTS[1], "--lang", "en"])
    blocker.unlink()
    assert result.exit_code == 2, result.stderr
    assert "cannot be written" in result.stderr and "Traceback" not in result.stderr
    assert _tree(output) == before
    # The night was stored: the next run publishes it.
    assert _run(config, 2).exit_code == 0
    assert _record(output)["compiledRelease"]["contracts"][0]["value"]["amount"] == 1999999.5


def test_configuration_problems_name_their_line(tmp_path):
    path = tmp_path / "publicacion.yaml"
    path.write_text("publisher: {name: X}\nbase_url: ftp://x\nocid_prefix: OCDS-87SD3T\noutput: out\nstore: s.sqlite\n"
                    "agencies:\n  - key: SAF\n    nombre: x\n    mapping: no-existe\n    files: [a.xlsx]\n")  # fmt: skip
    result = CliRunner().invoke(main, ["publish", str(path), "--lang", "en"])
    assert result.exit_code == 2
    for expected in (
        "line 2: base_url",
        "line 3: ocid_prefix",
        "line 8: agencies.0.nombre",
        "line 9: agencies.0.mapping",
    ):
        assert expected in result.stderr, result.stderr


def test_the_readme_example_publishes_the_samples(tmp_path):
    """The README's command on the bundled configuration, as it is (output and store beside samples/)."""
    work = tmp_path / "repo"
    shutil.copytree(SAMPLES, work / "samples", ignore=shutil.ignore_patterns("*.py"))
    result = CliRunner().invoke(main, ["publish", str(work / "samples" / "publicacion.yaml")])
    assert result.exit_code == 0, result.stderr
    assert (work / "publicacion" / "manifest.json").is_file() and (work / "publicacion.sqlite").is_file()
    with zipfile.ZipFile(work / "publicacion" / "downloads" / "full.xlsx") as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()


def _offline_web(monkeypatch) -> list[str]:
    """The Review Tool reads the versioned-release schema and the extensions by URL. Here the web is
    offline: those URLs are answered with the same files from ../shared/ocds (the standard's files and
    the extensions' copies that ../shared/ocds/extensions/index.json maps), through requests' transport."""
    import requests
    from requests.adapters import HTTPAdapter

    index = json.loads((OCDS / "extensions" / "index.json").read_text(encoding="utf-8"))
    folders = {url.rsplit("/", 1)[0] + "/": OCDS / "extensions" / entry["folder"] for url, entry in index.items()}
    missing: list[str] = []
    archives = {
        f"https://github.com/open-contracting-extensions/{entry['folder'].split('/')[0]}/archive/"
        f"{entry['folder'].split('/')[1]}.zip": OCDS / "extensions" / entry["folder"]
        for entry in index.values()
    }

    def send(self, request, **kwargs):
        url = request.url
        path = None
        if url.startswith("https://standard.open-contracting.org/schema/"):
            path = OCDS / url.removeprefix("https://standard.open-contracting.org/schema/")
        for base, folder in folders.items():
            if url.startswith(base):
                path = folder / url.removeprefix(base)
        response = requests.Response()
        response.url, response.request = url, request
        archive = archives.get(url)
        if archive is not None:
            # An extension's GitHub archive, as the profile builder downloads it: <repo>-<ref>/… in a zip.
            import io

            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as z:
                top = f"{archive.parent.name}-{archive.name}/"
                z.writestr(top, "")
                for file in sorted(archive.rglob("*")):
                    if file.is_file():
                        z.write(file, top + str(file.relative_to(archive)))
            response.status_code, response._content = 200, buffer.getvalue()
        elif path is not None and path.is_file():
            response.status_code, response._content = 200, path.read_bytes()
        else:
            missing.append(url)
            response.status_code, response._content, response.reason = 404, b"", "Not Found"
        import io

        from urllib3.response import HTTPResponse

        # The request cache of the Review Tool's profile builder reads the raw response too.
        response.raw = HTTPResponse(
            body=io.BytesIO(response._content), status=response.status_code, preload_content=False, request_url=url
        )
        response.reason = response.reason or "OK"
        return response

    monkeypatch.setattr(HTTPAdapter, "send", send)
    return missing


def test_every_json_file_passes_the_review_tool(tmp_path, monkeypatch):
    """libcoveocds (the OCDS Data Review Tool) finds no validation error in any published JSON file."""
    import libcoveocds.api
    from libcoveocds.config import LibCoveOCDSConfig

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from validate import standard_zip

    missing = _offline_web(monkeypatch)
    monkeypatch.chdir(tmp_path)  # the Review Tool's request cache goes here
    config = _workspace(tmp_path, str(tmp_path / "s.sqlite"))
    assert _run(config, 0).exit_code == 0
    _edit(tmp_path / "entregas" / "A121Fr30B_2024T3.xlsx", OBJECT, None)  # a night with a null
    assert _run(config, 1).exit_code == 0
    output = (tmp_path / "publicacion").resolve()
    zipped = standard_zip(OCDS, tmp_path / "standard.zip")
    bulk = tmp_path / "records.json"
    bulk.write_bytes(gzip.decompress((output / "bulk" / "records.json.gz").read_bytes()))
    files = [*sorted((output / "releases").rglob("*.json")), *sorted((output / "records").glob("*.json"))[:4], bulk]
    # The check can fail: a record with a date that is not one is an error for the tool.
    broken = tmp_path / "broken.json"
    broken.write_text(files[-2].read_text(encoding="utf-8").replace('"date":"2024-', '"date":"el 2024-', 1))
    for path in [*files, broken]:
        lib_config = LibCoveOCDSConfig()
        lib_config.config["standard_zip"] = f"file://{zipped}"
        lib_config.config["context"] = "api"
        folder = tmp_path / f"cove-{uuid.uuid4().hex[:8]}"
        folder.mkdir()
        result = libcoveocds.api.ocds_json_output(str(folder), str(path), None, convert=False,
                                                  lib_cove_ocds_config=lib_config)  # fmt: skip
        if path == broken:
            assert result["validation_errors"], "the Review Tool did not check"
            continue
        assert result["validation_errors"] == [], (path, result["validation_errors"][:3], missing)
        assert not result.get("extensions", {}).get("invalid_extension"), (path, result["extensions"], missing)
