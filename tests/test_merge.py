"""cdmx merge: differential tests against ocdskit, real data, problems, updates, formats, parallelism."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ocdsmerge import Merger

from ocds_cdmx import merge
from ocds_cdmx.cli import main
from ocds_cdmx.merging.compile import (
    compiled_release,
    compiled_release_fast,
    rules_from_schema,
    versioned_release,
    versioned_release_fast,
)

from .conftest import OCDS, REAL, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import iter_releases

SCHEMA = OCDS / "1__1__5" / "release-schema.json"
RULES = rules_from_schema(json.loads(SCHEMA.read_text(encoding="utf-8")))
MERGER = Merger(json.loads(SCHEMA.read_text(encoding="utf-8")))
PUBLISHED = "2024-06-30T00:00:00-06:00"
URI = "https://datos.cdmx.gob.mx/ocds/records.json"


def _ocdskit(args: list[str], inputs: list[Path]) -> str:
    stdin = b"".join(p.read_bytes() + b"\n" for p in inputs)
    done = subprocess.run(
        [sys.executable, "-m", "ocdskit", *args], input=stdin, capture_output=True, check=True, timeout=600
    )
    return done.stdout.decode("utf-8")


def _cdmx(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["merge", *args])
    return result.exit_code, result.stdout, result.stderr


def _nights(tmp_path: Path, count: int = 300, files: int = 3) -> list[Path]:
    """Releases spread over several nightly packages, so that a process's releases are in different files."""
    releases = list(iter_releases(count, seed=7))
    paths = []
    for night in range(files):
        package = {
            "uri": f"https://datos.cdmx.gob.mx/ocds/noche-{night}.json",
            "publishedDate": f"2024-0{night + 1}-01T00:00:00-06:00",
            "publisher": {"name": "Gobierno de la Ciudad de México"},
            "version": "1.1",
            "releases": releases[night::files],
        }
        path = tmp_path / f"noche-{night}.json"
        path.write_text(json.dumps(package, ensure_ascii=night != 1, indent=2 if night else None), encoding="utf-8")
        paths.append(path)
    return paths


# -- equal to ocdskit compile -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        ["--uri", ""],
        ["--versioned", "--uri", ""],
        ["--linked-releases", "--uri", "https://example.com/r.json"],
        ["--versioned", "--uri", "https://example.com/r.json"],
    ],
    ids=["compiled", "versioned", "linked", "versioned-uri"],
)
def test_equal_to_ocdskit_on_generated_nights(tmp_path: Path, options: list[str]):
    paths = _nights(tmp_path)
    common = ["--published-date", PUBLISHED, *options]
    expected = _ocdskit(["compile", "--package", "--schema", str(SCHEMA), *common], paths)
    code, out, err = _cdmx([*map(str, paths), *common, "--report", "none"])
    assert code == 0, err
    assert out == expected


def test_equal_to_ocdskit_on_real_data_upgraded_first(tmp_path: Path):
    # The city's 2015-2017 packages are OCDS 1.0: upgraded with ocdskit first, then merged by both.
    sources = sorted((REAL / "cdmx" / "sefin-2015-newdata").glob("OCDS-*.json"))
    sources += sorted((REAL / "cdmx" / "sefin-2015-early").glob("*.json"))
    sources += [REAL / "cdmx" / "portal-api-2017-via-ocdskit" / f"release-package-{n}.json" for n in (1, 2)]
    sources += [REAL / "cdmx" / "sobse-2016-portal-sample" / "OCDS-87SD3T-SOBSE-DGPE-LP-0043-2016.json"]
    upgraded = []
    for i, source in enumerate(sources):
        path = tmp_path / f"{i:02d}.json"
        path.write_text(_ocdskit(["upgrade", "1.0:1.1"], [source]), encoding="utf-8")
        upgraded.append(path)
    for options in ([], ["--versioned"]):
        expected = _ocdskit(
            ["compile", "--package", "--schema", str(SCHEMA), "--published-date", "", *options], upgraded
        )
        # ocdskit writes an empty uri unless told one; ours has a default, so both are given the same.
        code, out, err = _cdmx([*map(str, upgraded), "--published-date", "", "--uri", "", *options, "--report", "json"])
        assert out == expected
        # The merge went through, but the data's problems are explained (invalid dates such as
        # 2015-10-14T00:00:00.-06:00): exit code 1.
        report = json.loads(err)
        assert code == 1
        assert {f["check"] for f in report["findings"]} >= {"release_date_invalid"}


def test_our_upgrade_equals_ocdskit_except_for_the_parties_it_loses(tmp_path: Path):
    source = REAL / "cdmx" / "portal-api-2017-via-ocdskit" / "release-package-1.json"
    theirs = json.loads(_ocdskit(["upgrade", "1.0:1.1"], [source]))
    code, out, _ = _cdmx([str(source), "--format", "jsonl", "--report", "none"])
    assert code == 0
    ours = json.loads(out)["releases"]
    for mine, reference in zip(ours, theirs["releases"], strict=True):
        kept = reference["parties"]
        assert mine["parties"][: len(kept)] == kept
        added = mine["parties"][len(kept) :]
        # ocdskit turns providerOrganization/receiverOrganization into payer/payee references to
        # parties that it never adds to `parties`: we add them, with their identifier.
        assert {p["roles"][0] for p in added} <= {"payer", "payee"}
        assert all("identifier" in p for p in added)
        assert {k: v for k, v in mine.items() if k != "parties"} == {
            k: v for k, v in reference.items() if k != "parties"
        }


# -- real data: never a traceback ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(p for p in REAL.rglob("*.json")), ids=lambda p: str(p.relative_to(REAL)))
def test_every_real_file_merges_or_is_explained(path: Path, tmp_path: Path):
    out = tmp_path / "records.json"
    code, _, err = _cdmx([str(path), "-o", str(out), "--report", "json"])
    report = json.loads(err)
    assert code in (0, 1, 2)
    if code == 2:
        assert report["input_errors"] and not out.exists()
        assert all(e["message"] for e in report["input_errors"])
    else:
        assert report["written"] and json.loads(out.read_text(encoding="utf-8"))["records"] is not None


def test_latin1_bulk_file_with_encoding_option(tmp_path: Path):
    path = REAL / "cdmx" / "portal-api-2017-via-ocdskit" / "release-package_encoding-iso-8859-1.json"
    code, _, err = _cdmx([str(path), "--report", "text", "--lang", "en"])
    assert code == 2 and "--encoding latin-1" in err
    code, out, _ = _cdmx([str(path), "--encoding", "latin-1", "--format", "jsonl", "--report", "none"])
    assert code == 0 and "Aceptación de servicio" in out


def test_record_packages_are_copied(tmp_path: Path):
    sources = sorted((REAL / "federal-apf" / "via-ocdskit").glob("record-package-*.json"))
    code, out, err = _cdmx([*map(str, sources), "--report", "json"])
    assert code == 0, err
    records = json.loads(out)["records"]
    originals = [json.loads(p.read_text(encoding="utf-8"))["records"][0] for p in sources]
    assert sorted(records, key=lambda r: r["ocid"]) == sorted(originals, key=lambda r: r["ocid"])
    assert json.loads(err)["copied"] == 2


# -- problems ----------------------------------------------------------------------------------------------


def _release(ocid: str = "ocds-87sd3t-1", rid: str = "1", date: str | None = "2024-01-01T00:00:00-06:00", **more):
    release = {"ocid": ocid, "id": rid, "tag": ["tender"], "initiationType": "tender", "parties": [], **more}
    if date is not None:
        release["date"] = date
    return release


def _write(tmp_path: Path, releases: list, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"version": "1.1", "releases": releases}), encoding="utf-8")
    return path


def _report(tmp_path: Path, releases: list, *options: str) -> tuple[int, dict, str]:
    code, out, err = _cdmx([str(_write(tmp_path, releases)), "--report", "json", "--lang", "en", *options])
    return code, json.loads(err), out


def _finding(report: dict, check: str) -> dict:
    (finding,) = [f for f in report["findings"] if f["check"] == check]
    return finding


def test_missing_date_leaves_the_process_out_and_says_which(tmp_path: Path):
    releases = [_release(rid="a"), _release(rid="b", date=None), _release("ocds-87sd3t-2", "c")]
    code, report, out = _report(tmp_path, releases)
    assert code == 1
    finding = _finding(report, "release_date_missing")
    assert finding["locations"][0]["path"] == "ocds-87sd3t-1/releases/b/date"
    assert "date" in finding["title"] and "left out" in finding["title"]
    assert [r["ocid"] for r in json.loads(out)["records"]] == ["ocds-87sd3t-2"]
    assert report["excluded"] == 1


def test_a_single_release_without_date_is_merged_as_the_reference_does(tmp_path: Path):
    code, report, out = _report(tmp_path, [_release(date=None)])
    assert code == 1 and report["records"] == 1
    assert json.loads(out)["records"][0]["compiledRelease"]["id"] == "ocds-87sd3t-1-None"


def test_invalid_date_is_an_error_but_merged(tmp_path: Path):
    code, report, _out = _report(tmp_path, [_release(date="2015-10-14T00:00:00.-06:00")])
    assert code == 1
    assert _finding(report, "release_date_invalid")["locations"][0]["value"] == "2015-10-14T00:00:00.-06:00"
    assert report["records"] == 1


def test_object_then_array_leaves_the_process_out(tmp_path: Path):
    releases = [
        _release(rid="a", tender={"items": {"id": "1"}}),
        _release(rid="b", date="2024-02-01T00:00:00-06:00", tender={"items": [{"id": "1"}]}),
    ]
    code, report, _ = _report(tmp_path, releases)
    assert code == 1
    finding = _finding(report, "merge_conflict")
    assert finding["locations"][0]["path"] == "ocds-87sd3t-1/tender/items"
    assert finding["locations"][0]["value"] == "a, b"
    assert "object" in finding["title"] and "array" in finding["title"]
    assert report["excluded"] == 1


def test_object_then_value_keeps_the_object_and_says_so(tmp_path: Path):
    releases = [
        _release(rid="a", tender={"value": {"amount": 1, "currency": "MXN"}}),
        _release(rid="b", date="2024-02-01T00:00:00-06:00", tender={"value": 5}),
    ]
    code, report, out = _report(tmp_path, releases)
    assert code == 1
    assert _finding(report, "merge_value_ignored")["locations"][0]["path"] == "ocds-87sd3t-1/tender/value"
    compiled = json.loads(out)["records"][0]["compiledRelease"]
    assert compiled["tender"]["value"] == {"amount": 1, "currency": "MXN"}


def test_same_id_different_content_is_an_error_identical_copies_are_dropped(tmp_path: Path):
    first = _release(rid="a", tender={"title": "uno"})
    changed = _release(rid="a", date="2024-02-01T00:00:00-06:00", tender={"title": "dos"})
    code, report, out = _report(tmp_path, [first, dict(first), changed])
    assert code == 1
    assert _finding(report, "release_id_conflict")["locations"][0]["path"] == "ocds-87sd3t-1/releases/a"
    assert _finding(report, "duplicate_release")["severity"] == "warning"
    record = json.loads(out)["records"][0]
    assert len(record["releases"]) == 2 and record["compiledRelease"]["tender"]["title"] == "dos"


def test_not_objects_and_missing_ocids_are_reported_with_their_place(tmp_path: Path):
    code, report, _out = _report(tmp_path, [_release(), [], {"id": "x", "date": "2024-01-01T00:00:00Z"}])
    assert code == 1
    assert _finding(report, "merge_not_object")["locations"][0]["path"] == "releases/1"
    assert _finding(report, "merge_missing_ocid")["locations"][0]["path"] == "releases/2/ocid"
    assert report["releases"] == 3 and report["records"] == 1


def test_strict_turns_warnings_into_exit_code_1(tmp_path: Path):
    releases = [_release(parties=[{"id": "p", "name": "A"}, {"id": "p", "name": "B"}])]
    code, report, _ = _report(tmp_path, releases)
    assert code == 0 and report["warnings"] == 1
    code, _, _ = _report(tmp_path, releases, "--strict")
    assert code == 1


def test_unreadable_input_writes_nothing_and_keeps_the_previous_output(tmp_path: Path):
    out = tmp_path / "records.json"
    out.write_text("previous", encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"releases": [{"ocid": "x",}]}', encoding="utf-8")
    code, _, err = _cdmx([str(_write(tmp_path, [_release()])), str(bad), "-o", str(out), "--lang", "en"])
    assert code == 2
    assert "line 1, column 28" in err and "Nothing was written" in err
    assert out.read_text(encoding="utf-8") == "previous"


def test_unknown_version_is_a_usage_error(tmp_path: Path):
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"version": "X", "releases": [_release()]}), encoding="utf-8")
    code, _, err = _cdmx([str(path), "--lang", "en"])
    assert code == 2 and "'X'" in err


def test_mixed_versions_are_upgraded_or_refused_without_upgrade(tmp_path: Path):
    old = {"ocid": "ocds-87sd3t-1", "id": "1", "date": "2015-01-01T00:00:00Z", "buyer": {"name": "SEFIN"}}
    path_10 = tmp_path / "old.json"
    path_10.write_text(json.dumps({"releases": [old]}), encoding="utf-8")
    path_11 = _write(tmp_path, [_release(rid="2", date="2016-01-01T00:00:00Z")])
    code, out, err = _cdmx([str(path_10), str(path_11), "--report", "json"])
    assert code == 0, err
    compiled = json.loads(out)["records"][0]["compiledRelease"]
    assert compiled["buyer"]["name"] == "SEFIN" and compiled["parties"][0]["roles"] == ["buyer"]
    assert json.loads(err)["upgraded"] == 1
    code, _, err = _cdmx([str(path_10), str(path_11), "--no-upgrade", "--lang", "en"])
    assert code == 2 and "mix OCDS versions" in err


# -- updates, formats, options --------------------------------------------------------------------------------


def test_update_remerges_only_the_touched_processes(tmp_path: Path):
    nights = _nights(tmp_path, 200, 2)
    everything = tmp_path / "all.json"
    assert merge(nights, everything, published_date=PUBLISHED, uri=URI, jobs=1).exit_code == 0
    records = tmp_path / "records.json"
    assert merge(nights[:1], records, published_date=PUBLISHED, uri=URI, jobs=1).exit_code == 0
    result = merge(nights[1:], records, existing=records, published_date=PUBLISHED, uri=URI, jobs=1)
    assert result.exit_code == 0, result.findings.groups
    assert records.read_bytes() == everything.read_bytes()
    assert result.merged > 0
    # Merging the same night again changes nothing: its releases are identical copies.
    again = merge(nights[1:], records, existing=records, published_date=PUBLISHED, uri=URI, jobs=1)
    assert again.duplicates == 100 and records.read_bytes() == everything.read_bytes()


def test_update_through_the_command_line(tmp_path: Path):
    nights = _nights(tmp_path, 100, 2)
    records = tmp_path / "records.json"
    common = ["--published-date", PUBLISHED, "--report", "none", "-o", str(records)]
    assert _cdmx([str(nights[0]), *common])[0] == 0
    assert _cdmx([str(nights[1]), "--update", str(records), *common])[0] == 0
    assert json.loads(records.read_text(encoding="utf-8")) == json.loads(_cdmx([*map(str, nights), *common[:-2]])[1])


def test_the_first_nightly_update_needs_no_records_yet(tmp_path: Path):
    nights = _nights(tmp_path, 100, 2)
    records = tmp_path / "records.json"
    common = ["--published-date", PUBLISHED, "--report", "none", "-o", str(records)]
    for night in nights:
        code, _, err = _cdmx([str(night), "--update", str(records), *common])
        assert code == 0, err
    assert json.loads(records.read_text(encoding="utf-8")) == json.loads(_cdmx([*map(str, nights), *common[:-2]])[1])


def test_the_default_uri_is_a_uri_named_after_the_output(tmp_path: Path):
    nights = _nights(tmp_path, 20, 1)
    out = tmp_path / "registros 2024.json"
    assert _cdmx([str(nights[0]), "-o", str(out), "--report", "none"])[0] == 0
    assert json.loads(out.read_text(encoding="utf-8"))["uri"] == "urn:ocds-cdmx:registros%202024"
    assert json.loads(_cdmx([str(nights[0]), "--report", "none"])[1])["uri"] == "urn:ocds-cdmx:records"
    assert json.loads(_cdmx([str(nights[0]), "--uri", "", "--report", "none"])[1])["uri"] == ""  # as ocdskit
    validation = CliRunner().invoke(main, ["validate", str(out), "--format", "json"])
    assert validation.exit_code == 0, validation.stdout


def test_jsonl_has_one_record_per_line_equal_to_the_package(tmp_path: Path):
    nights = _nights(tmp_path, 100, 2)
    _, package, _ = _cdmx([*map(str, nights), "--report", "none", "--published-date", PUBLISHED])
    _, lines, _ = _cdmx([*map(str, nights), "--report", "none", "--format", "jsonl"])
    assert [json.loads(line) for line in lines.splitlines()] == json.loads(package)["records"]


def test_workers_do_not_change_the_output(tmp_path: Path):
    nights = _nights(tmp_path, 300, 3)
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    r1 = merge(nights, one, versioned=True, published_date=PUBLISHED, uri=URI, jobs=1)
    r2 = merge(nights, two, versioned=True, published_date=PUBLISHED, uri=URI, jobs=2)
    assert one.read_bytes() == two.read_bytes()
    assert r1.as_dict() | {"output": None} == r2.as_dict() | {"output": None}


def test_package_metadata_options(tmp_path: Path):
    args = [
        str(_write(tmp_path, [_release()])), "--uri", "https://datos.cdmx.gob.mx/r.json", "--published-date",
        PUBLISHED, "--publisher-name", "SAF", "--publisher-uid", "0901", "--version", "1.1", "--report", "none",
    ]  # fmt: skip
    package = json.loads(_cdmx(args)[1])
    assert list(package) == ["uri", "publisher", "publishedDate", "version", "records"]
    assert package["publisher"] == {"name": "SAF", "uid": "0901"}


def test_standard_input_and_bare_releases(tmp_path: Path):
    text = "\n".join(json.dumps(_release(rid=str(i), date=f"2024-01-0{i}T00:00:00Z")) for i in (2, 1))
    result = CliRunner().invoke(main, ["merge", "-", "--format", "jsonl", "--report", "none"], input=text)
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert [r["id"] for r in record["releases"]] == ["2", "1"]  # input order, as the reference
    assert record["compiledRelease"]["id"] == "ocds-87sd3t-1-2024-01-02T00:00:00Z"  # the latest by date


def test_help_explains_every_option():
    result = CliRunner().invoke(main, ["merge", "--help"])
    assert result.exit_code == 0
    for option in ("--versioned", "--linked-releases", "--format", "--update", "--uri", "--published-date",
                   "--publisher-name", "--publisher-uri", "--publisher-scheme", "--publisher-uid", "--schema",
                   "--no-upgrade", "--override", "--strict", "--report", "--jobs", "--schema-dir", "--lang"):  # fmt: skip
        assert option in result.output


# -- the fast merge equals the flattening one, whatever the data ---------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1.0, 0.5]), st.sampled_from("ab"))
_ids = st.one_of(st.sampled_from(["1", "2", "3"]), st.integers(1, 3))


def _objects(children):
    fields = st.sampled_from(["title", "status", "value", "items", "documents", "x"])
    return st.dictionaries(fields, children, max_size=4)


_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        _objects(children),
        st.lists(children, max_size=3),
        st.lists(st.builds(lambda i, d: {"id": i, **d}, _ids, _objects(children)), max_size=3),
    ),
    max_leaves=12,
)
_sections = st.dictionaries(st.sampled_from(["tender", "awards", "contracts", "planning", "x"]), _values, max_size=3)


@settings(
    max_examples=int(os.environ.get("CDMX_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(_sections, min_size=1, max_size=4), st.booleans())
def test_fast_merge_equals_flattening_merge(sections: list[dict], repeat: bool):
    releases = []
    for i, body in enumerate(sections):
        releases.append({"ocid": "ocds-1", "id": str(i), "date": f"2024-01-0{i + 1}", "tag": ["tender"], **body})
        if repeat:  # cumulative publishing: the same sections again
            releases.append({**releases[-1], "id": f"{i}-again", "date": f"2024-01-0{i + 1}T12"})
    for slow, fast in ((compiled_release, compiled_release_fast), (versioned_release, versioned_release_fast)):
        # Copies: where a list of values later meets objects, the flattening merge appends to the
        # release's own list, as the reference does.
        try:
            expected = json.dumps(slow(copy.deepcopy(releases), RULES))
        except Exception as e:  # the reference raises on some type changes: so must the fast path
            with pytest.raises(type(e)):
                fast(copy.deepcopy(releases), RULES)
            continue
        assert json.dumps(fast(copy.deepcopy(releases), RULES)) == expected
        reference = MERGER.create_compiled_release if slow is compiled_release else MERGER.create_versioned_release
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert json.dumps(reference(copy.deepcopy(releases))) == expected


def test_update_of_linked_records_builds_on_their_merged_releases(tmp_path: Path):
    # With linked releases the record has no release bodies to merge again: the new releases are
    # applied on top of its compiled and versioned releases, which gives the same when they are newer.
    releases = list(iter_releases(100, seed=5))
    stages = ("planning", "tender")
    early = [r for r in releases if r["tag"][0] in stages]
    late = [r for r in releases if r["tag"][0] not in stages]
    paths = []
    for name, part in (("early", early), ("late", late)):
        path = tmp_path / f"{name}.json"
        package = {"uri": f"https://datos.cdmx.gob.mx/ocds/{name}.json", "version": "1.1", "releases": part}
        path.write_text(json.dumps(package), encoding="utf-8")
        paths.append(path)
    everything = tmp_path / "all.json"
    options = {"versioned": True, "linked_releases": True, "published_date": PUBLISHED, "jobs": 1}
    assert merge(paths, everything, **options).exit_code == 0
    records = tmp_path / "records.json"
    assert merge(paths[:1], records, **options).exit_code == 0
    result = merge(paths[1:], records, existing=records, **options)
    assert result.exit_code == 0, [(g.check, g.count) for g in result.findings.groups.values()]
    ours = json.loads(records.read_text(encoding="utf-8"))["records"]
    reference = json.loads(everything.read_text(encoding="utf-8"))["records"]
    assert [r["compiledRelease"] for r in ours] == [r["compiledRelease"] for r in reference]
    assert [r["versionedRelease"] for r in ours] == [r["versionedRelease"] for r in reference]
    assert [r["releases"] for r in ours] == [r["releases"] for r in reference]
