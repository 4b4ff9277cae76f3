"""The gate before the walk (ocds_cdmx.validation.strict) never lets a release with a finding through.

A release that the gate calls clean is not walked, so the gate must be at least as strict as every
check of the walk. Here every release of the parity fixtures and of the real data, and tens of
thousands of releases broken at random places with values chosen to sit on the edges of each check,
are put to both: whenever the gate says "clean", the walk must find nothing.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ocds_cdmx.cli import main
from ocds_cdmx.core.findings import Findings
from ocds_cdmx.core.ocds import is_record
from ocds_cdmx.core.options import ValidateOptions
from ocds_cdmx.schema import SchemaStore
from ocds_cdmx.validation.engine import Validator
from ocds_cdmx.validation.schema_pass import Walker
from ocds_cdmx.validation.strict import bad_text

from .conftest import FIXTURES, OCDS, REAL

EDGE_STRINGS = [
    "", " ", "\t", "\x1c", "\u3000", "\u00a0", "\u2028", "\x85", " x", "x ", "\u200b",
    "N/A", " n/a ", "N/a", "n/d", "-", "--", "No Capturado", "NO CAPTURADO\n", "no especi\ufb01cado",
    "\u017fin dato", "SIN INFORMACIÓN", "sin informacion", "Sin datos", "xxx", "XXXX", "None", "null",
    "undefined", "AUTORIZACIÃ“N", "Ã©", "Â\xa0", "Ãx", "\u212aa",
    "1970-01-01T00:00:00Z", "1900-01-01T00:00:00-06:00", "0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
    "2021-02-30T00:00:00Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-31T10:00:00-06:00",
    "2024-01-01T00:00:00Z\n", "2024-01-01t00:00:00z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
    "2024-01-01T10:00:60Z", "2024-01-01", "2024-01-28T10:00:00.123+05:30",
    "https://example.com/a b", "https://example.com/%zz", "https://example.com/%41", "http://x.mx/a?b=c#d",
    "mailto:a@b.mx", "notaurl", "https://", "https://ex ample.com", "HTTPS://EXAMPLE.COM", "urn:x:y",
    "goods", "works", "open", "direct", "MXN", "XXX", "USD", "active", "tender", "planning", "buyer",
    "supplier", "procuringEntity", "contractSigned", "es", "x", "ocds-87sd3t-1", "ocds-xxx",
]  # fmt: skip
EDGE_VALUES: list[Any] = [
    *EDGE_STRINGS, 0, -1, 1, 1.0, 1.5, -0.5, 2**70, True, False, None,
    [], {}, [""], [" "], ["a", "a"], ["goods"], ["buyer", "buyer"], [{"id": "1"}, {"id": "1"}],
    [{"id": 1}, {"id": 1.0}], [{"id": "1"}, {"id": 1}], [{"x": 1}], [{"id": {"a": 1}}], [{}, {}],
    [{"id": "a"}, {"id": "b"}], {"id": "1"}, {"title_en": "x"}, {"a": ""}, {"amount": 1, "currency": "MXN"},
    {"amount": -1, "currency": "MXN"}, {"startDate": "2024-01-02T00:00:00Z", "endDate": "2024-01-01T00:00:00Z"},
]  # fmt: skip
EDGE_KEYS = ["title_en", "description_es", "foo", "", " ", "amendment", "changes", "id", "name", "details"]


def _sources() -> list[Path]:
    paths = sorted((FIXTURES / "validate").glob("*/input.json"))
    return paths + sorted(REAL.rglob("*.json"))


def _releases(value: Any) -> list[dict]:
    """Every release in a package, record, array or bare object."""
    if isinstance(value, list):
        return [r for v in value for r in _releases(v)]
    if not isinstance(value, dict):
        return []
    out = []
    for key in ("releases", "records"):
        if isinstance(value.get(key), list):
            out += [r for v in value[key] for r in _releases(v)]
    if is_record(value):
        out += [r for r in value.get("releases") or [] if isinstance(r, dict) and "id" in r]
        if isinstance(value.get("compiledRelease"), dict):
            out.append(value["compiledRelease"])
    elif "ocid" in value and "releases" not in value and "records" not in value:
        out.append(value)
    return out


def _setup(metadata: dict, quality: bool) -> tuple[Validator, Any]:
    options = ValidateOptions(schema_dir=str(OCDS), offline=True, quality_checks=quality)
    validator = Validator(SchemaStore(options.schema_dir, offline=True), options)
    try:
        profile = validator.profile_for(metadata if isinstance(metadata, dict) else {}, "test")
    except Exception:  # a version the fixtures make up: the default profile
        profile = validator.profile_for({}, "test")
    return validator, profile


def _walk_finds(validator: Validator, profile: Any, release: Any, quality: bool) -> list:
    findings = Findings(0)
    Walker(profile, findings, quality_checks=quality).walk(
        validator.compiled(profile).node("release"), release, ("releases", 0)
    )
    return [(g.check, g.field, g.count) for g in findings.groups.values()]


def _assert_gate_sound(validator: Validator, profile: Any, releases: list, quality: bool) -> int:
    gate = validator.compiled(profile).clean_check(quality)
    assert gate.validator is not None  # jsonschema-rs took the gate's schema
    passed = 0
    for release in releases:
        if gate.clean(release):
            passed += 1
            found = _walk_finds(validator, profile, release, quality)
            assert not found, (found, json.dumps(release, ensure_ascii=False)[:2000])
    return passed


@pytest.mark.parametrize("quality", [True, False])
def test_fixtures_and_real_data(quality):
    passed = 0
    for path in _sources():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        validator, profile = _setup(data, quality)
        passed += _assert_gate_sound(validator, profile, _releases(data), quality)
    assert passed  # some real releases are clean, and the gate lets them through


def _containers(value: Any, out: list) -> list:
    if isinstance(value, dict | list):
        out.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            _containers(child, out)
    return out


def _mutate(release: dict, rng: random.Random) -> dict:
    release = copy.deepcopy(release)
    for _ in range(rng.choice((1, 1, 2, 3))):
        target = rng.choice(_containers(release, []))
        value = copy.deepcopy(rng.choice(EDGE_VALUES))
        if isinstance(target, dict):
            keys = list(target)
            action = rng.random()
            if keys and action < 0.6:
                target[rng.choice(keys)] = value
            elif keys and action < 0.7:
                del target[rng.choice(keys)]
            else:
                target[rng.choice(EDGE_KEYS)] = value
        elif target and rng.random() < 0.5:
            target.append(copy.deepcopy(rng.choice(target)))
        elif target:
            target[rng.randrange(len(target))] = value
        else:
            target.append(value)
    return release


def _clean_release() -> dict:
    """A release with every stage, in the shape the city publishes, in which the walk finds nothing."""
    party = {
        "id": "MX-RFC-AAA010101AAA",
        "name": "Proveedora de Cómputo S.A. de C.V.",
        "identifier": {"scheme": "MX-RFC", "id": "AAA010101AAA", "legalName": "Proveedora de Cómputo"},
        "address": {"streetAddress": "Calle 1", "postalCode": "06000", "countryName": "México"},
        "contactPoint": {"name": "Ana", "email": "ana@example.mx", "telephone": "5555555555"},
        "roles": ["supplier", "tenderer"],
    }
    buyer = {"id": "CDMX-SAF", "name": "Secretaría de Administración y Finanzas"}
    value = {"amount": 1000.5, "currency": "MXN"}
    document = {
        "id": "d1",
        "documentType": "contractSigned",
        "title": "Contrato",
        "url": "https://transparencia.cdmx.gob.mx/storage/app/uploads/public/1.pdf",
        "datePublished": "2024-01-15T10:00:00-06:00",
        "format": "application/pdf",
        "language": "es",
    }
    item = {
        "id": "1",
        "description": "Equipo de cómputo",
        "classification": {"scheme": "CUCOP", "id": "21100001", "description": "Equipo"},
        "quantity": 3,
        "unit": {"name": "Pieza", "value": value},
    }
    return {
        "ocid": "ocds-87sd3t-SAF-LP-00001-2024",
        "id": "ocds-87sd3t-SAF-LP-00001-2024-contract",
        "date": "2024-01-20T10:00:00-06:00",
        "tag": ["contract"],
        "initiationType": "tender",
        "language": "es",
        "buyer": buyer,
        "parties": [{**buyer, "roles": ["buyer", "procuringEntity", "payer"]}, party],
        "planning": {"budget": {"id": "b1", "amount": value}, "documents": [document]},
        "tender": {
            "id": "t1",
            "title": "Adquisición de equipo",
            "status": "complete",
            "procuringEntity": buyer,
            "items": [item],
            "value": value,
            "procurementMethod": "open",
            "mainProcurementCategory": "goods",
            "tenderPeriod": {"startDate": "2024-01-02T10:00:00-06:00", "endDate": "2024-01-12T10:00:00-06:00"},
            "numberOfTenderers": 1,
            "tenderers": [{"id": party["id"], "name": party["name"]}],
            "documents": [document],
        },
        "awards": [
            {
                "id": "a1",
                "status": "active",
                "date": "2024-01-14T10:00:00-06:00",
                "value": value,
                "suppliers": [{"id": party["id"], "name": party["name"]}],
                "items": [item],
            }
        ],
        "contracts": [
            {
                "id": "c1",
                "awardID": "a1",
                "status": "active",
                "value": value,
                "dateSigned": "2024-01-16T10:00:00-06:00",
                "documents": [document],
                "implementation": {
                    "transactions": [
                        {
                            "id": "tx1",
                            "date": "2024-01-30T10:00:00-06:00",
                            "value": value,
                            "payer": buyer,
                            "payee": {"id": party["id"], "name": party["name"]},
                        }
                    ],
                    "milestones": [{"id": "m1", "title": "Entrega", "type": "delivery", "status": "met"}],
                },
            }
        ],
    }


@pytest.mark.parametrize("quality", [True, False])
def test_broken_releases(quality):
    rng = random.Random(15)
    validator, profile = _setup({"version": "1.1"}, quality)
    base = [_clean_release()]
    for path in _sources():
        try:
            base += [r for r in _releases(json.loads(path.read_text(encoding="utf-8"))) if isinstance(r, dict)]
        except (UnicodeDecodeError, ValueError):
            continue
    assert _assert_gate_sound(validator, profile, base[:1], quality) == 1  # the clean release is let through
    broken = [_mutate(rng.choice(base), rng) for _ in range(6000)]
    passed = _assert_gate_sound(validator, profile, broken, quality)
    assert 0 < passed < len(broken)


@pytest.mark.parametrize("text", EDGE_STRINGS)
def test_each_edge_string_at_each_kind_of_field(text):
    validator, profile = _setup({"version": "1.1"}, True)
    releases = []
    for where in (
        ("tender", "title"),
        ("tender", "status"),
        ("tender", "tenderPeriod", "startDate"),
        ("contracts", 0, "documents", 0, "url"),
        ("parties", 1, "roles", 0),
        ("parties", 1, "address", "postalCode"),
        ("tender", "additionalProcurementCategories"),
    ):
        release = _clean_release()
        target: Any = release
        for step in where[:-1]:
            target = target[step]
        target[where[-1]] = [text] if where[-1] == "additionalProcurementCategories" else text
        releases.append(release)
    _assert_gate_sound(validator, profile, releases, True)


def test_the_blank_pattern_is_python_whitespace():
    import jsonschema_rs

    blank = jsonschema_rs.Draft4Validator({"pattern": bad_text(False)})
    for code in range(0x3100):
        char = chr(code)
        if 0xD800 <= code < 0xE000:
            continue
        assert blank.is_valid(char * 2) == (not (char * 2).strip()), hex(code)


def test_same_report_as_the_walk_alone(tmp_path, monkeypatch):
    """A package of clean and broken releases gives the same report with the gate as without it."""
    rng = random.Random(7)
    releases = [_clean_release()]
    for n in range(300):
        release = _mutate(_clean_release(), rng) if n % 3 == 0 else _clean_release()
        release["id"] = f"r{n}"
        releases.append(release)
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"version": "1.1", "releases": releases}, ensure_ascii=False), encoding="utf-8")
    args = ["validate", "--format", "json", "--max-locations", "0", "--lang", "en", "--jobs", "1", str(path)]
    with_gate = CliRunner().invoke(main, args)
    monkeypatch.setattr("ocds_cdmx.validation.strict.CleanCheck.clean", lambda self, release: False)
    without = CliRunner().invoke(main, args)
    assert with_gate.exit_code == without.exit_code
    assert json.loads(with_gate.output) == json.loads(without.output)


def _at(release: dict, steps: tuple) -> Any:
    for step in steps:
        release = release[step]
    return release


#: One edit of the clean release for each stand-in of the gate, and a check the walk then reports.
EDITS: list[tuple[str, Any, str]] = [
    ("empty array", lambda r: _at(r, ("tender",)).update(items=[]), "empty_field"),
    ("empty object", lambda r: _at(r, ("tender",)).update(value={}), "empty_field"),
    ("blank text", lambda r: _at(r, ("tender",)).update(title="\x1c "), "empty_field"),
    ("blank in a list", lambda r: _at(r, ("parties", 1, "roles")).append("\u3000"), "empty_field"),
    ("placeholder", lambda r: _at(r, ("tender",)).update(title=" No Capturado "), "placeholder_text"),
    ("placeholder in capitals", lambda r: _at(r, ("tender",)).update(title="SIN INFORMACIÓN"), "placeholder_text"),
    ("mojibake", lambda r: _at(r, ("tender",)).update(title="AUTORIZACIÃ“N"), "mojibake"),
    ("placeholder date", lambda r: _at(r, ("awards", 0)).update(date="1970-01-01T00:00:00Z"), "placeholder_date"),
    ("bad date", lambda r: _at(r, ("awards", 0)).update(date="2023-02-29T00:00:00Z"), "schema"),
    ("bad uri", lambda r: _at(r, ("tender", "documents", 0)).update(url="https://x.mx/a b"), "schema"),
    ("unknown field", lambda r: _at(r, ("tender",)).update(foo="x"), "additional_field"),
    ("unknown translation", lambda r: _at(r, ("tender",)).update(foo_en={"a": "x"}), "additional_field"),
    ("deprecated", lambda r: _at(r, ("contracts", 0)).update(amendment={"rationale": "x"}), "deprecated_field"),
    ("deprecated reference", lambda r: _at(r, ("buyer",)).update(address={"locality": "x"}), "deprecated_field"),
    ("closed codelist", lambda r: _at(r, ("tender",)).update(status="open"), "closed_codelist"),
    ("open codelist", lambda r: _at(r, ("tender",)).update(mainProcurementCategory="food"), "closed_codelist"),
    ("codelist in a list", lambda r: _at(r, ("parties", 1, "roles")).append("seller"), "open_codelist"),
    ("missing id", lambda r: _at(r, ("parties",)).append({"name": "x"}), "missing_id"),
    ("duplicate id", lambda r: _at(r, ("parties",)).append({**_at(r, ("parties", 1)), "name": "y"}), "unique_item_id"),
    ("equal items", lambda r: _at(r, ("tender",)).update(tenderers=[{"name": "x"}, {"name": "x"}]), "schema"),
    (
        "same id, other item",
        lambda r: _at(r, ("awards", 0, "items")).append({"id": "1", "quantity": 2}),
        "unique_item_id",
    ),
    ("float integer", lambda r: _at(r, ("tender",)).update(numberOfTenderers=1.0), "schema"),
    ("boolean number", lambda r: _at(r, ("tender", "value")).update(amount=True), "schema"),
    ("null required", lambda r: r.update(id=None), "schema"),
    ("missing required", lambda r: r.pop("ocid"), "schema"),
    ("enum", lambda r: _at(r, ("tender", "value")).update(currency="MXNX"), "closed_codelist"),
]


@pytest.mark.parametrize("edit", EDITS, ids=[e[0] for e in EDITS])
def test_each_check_is_refused(edit):
    _, change, check = edit
    validator, profile = _setup({"version": "1.1"}, True)
    release = _clean_release()
    change(release)
    found = _walk_finds(validator, profile, release, True)
    assert check in {c for c, _, _ in found}, found
    assert not validator.compiled(profile).clean_check(True).clean(release)


def _report(path: Path, *extra: str) -> tuple[int, dict]:
    args = ["validate", "--format", "json", "--max-locations", "0", "--lang", "en", *extra, str(path)]
    result = CliRunner().invoke(main, args)
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_keys_after_the_releases_are_read_once_or_twice_as_needed(tmp_path, jobs, monkeypatch):
    """A package is read once; when "extensions" or "version" turns out to follow its releases, what
    was found with the guessed schema is undone and the package is read again: the report is that of
    the same package with those keys first."""
    monkeypatch.setattr("ocds_cdmx.validation.engine.PARALLEL_AFTER", 50)
    fixture = json.loads((FIXTURES / "validate" / "cove_extensions_offline" / "input.json").read_text())
    releases = fixture["releases"] * 60
    first = {"version": "1.1", "extensions": fixture["extensions"], "releases": releases}
    last = {"releases": releases, "version": "1.1", "extensions": fixture["extensions"]}
    (tmp_path / "first.json").write_text(json.dumps(first), encoding="utf-8")
    (tmp_path / "last.json").write_text(json.dumps(last), encoding="utf-8")
    from ocds_cdmx.validation import engine

    reread, reads = engine.reread_document, []
    monkeypatch.setattr(engine, "reread_document", lambda doc: reads.append(doc) or reread(doc))
    code, expected = _report(tmp_path / "first.json", "--jobs", jobs)
    code_last, report = _report(tmp_path / "last.json", "--jobs", jobs)
    assert len(reads) == 1
    assert expected["sources"][0]["extensions"]
    for key in ("findings", "statistics"):
        assert json.dumps(report[key]).replace("last.json", "first.json") == json.dumps(expected[key])
    assert (code_last, report["sources"][0]["extensions"]) == (code, expected["sources"][0]["extensions"])
    # Keys after the releases that do not choose the schema need no second reading.
    (tmp_path / "publisher.json").write_text(json.dumps({**first, "publisher": {"name": "x"}}), encoding="utf-8")
    _report(tmp_path / "publisher.json", "--jobs", jobs)
    assert len(reads) == 1


def test_an_unknown_version_after_the_releases(tmp_path):
    release = _clean_release()
    path = tmp_path / "late.json"
    path.write_text(json.dumps({"releases": [release, {**release, "tag": "x"}], "version": "9.9"}), encoding="utf-8")
    code, report = _report(path)
    assert code == 2
    assert report["findings"] == [] and report["sources"] == []
    assert report["input_errors"]
