"""The key field information counts processes, not releases: totals checked against the data."""

from __future__ import annotations

import copy
import json
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ocds_cdmx import convert, merge, validate
from ocds_cdmx.validation.stats import Statistics

from .conftest import OCDS, ROOT

#: The README's quick start: SEDEMA's 2024+ workbook and its annual programme, with its mapping.
QUICK_START = [ROOT / "samples" / "28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", ROOT / "samples" / "SEDEMA_paaaps-2024.xlsx"]


def _total(objects) -> float:
    return float(round(sum(Decimal(repr(float(o["value"]["amount"]))) for o in objects if "value" in o), 2))


def _quick_start(tmp_path: Path) -> Path:
    out = tmp_path / "sedema-2024T3.json"
    result = convert(QUICK_START, "sedema", out, schema_dir=str(OCDS), offline=True)
    assert result.written, result.input_errors
    return out


def test_quick_start_awards_and_contracts_of_the_same_processes(tmp_path):
    package = _quick_start(tmp_path)
    releases = json.loads(package.read_text(encoding="utf-8"))["releases"]
    stats = validate(package, jobs=1).statistics.as_dict()
    # Independently: the compiled releases that cdmx merge makes of the same releases.
    records = tmp_path / "records.json"
    assert merge([package], records, schema_dir=str(OCDS), offline=True).exit_code == 0
    compiled = [r["compiledRelease"] for r in json.loads(records.read_text(encoding="utf-8"))["records"]]
    awards = [a for r in compiled for a in r.get("awards", [])]
    contracts = [c for r in compiled for c in r.get("contracts", [])]
    assert stats["ocids"] == len(compiled) < stats["releases"] == len(releases)
    assert stats["award_amounts"] == {"MXN": _total(awards)}
    assert stats["contract_amounts"] == {"MXN": _total(contracts)}
    # Every contract of this sample is its award's: the same processes, the same money.
    assert stats["award_amounts"] == stats["contract_amounts"]
    assert stats["awards_count"] == len(awards) and stats["contracts_count"] == len(contracts)
    # One procedure type per process, however many releases it has.
    methods = defaultdict(int)
    for release in compiled:
        methods[release["tender"]["procurementMethod"]] += 1
    assert stats["procurement_methods"] == dict(sorted(methods.items()))
    assert sum(stats["procurement_methods"].values()) == stats["ocids"]
    suppliers = {s["id"] for a in awards for s in a.get("suppliers", [])}
    assert stats["suppliers_count"] == len(suppliers)
    # The record package of the same releases gives the same numbers (from its compiled releases).
    from_records = validate(records, jobs=1).statistics.as_dict()
    assert from_records["records"] == len(compiled)
    for key in ("ocids", "award_amounts", "contract_amounts", "procurement_methods", "suppliers_count",
                "awards_count", "contracts_count", "award_amounts_by_method", "award_amounts_by_month"):  # fmt: skip
        assert from_records[key] == stats[key], key
    assert from_records["first_date"] is not None


def test_a_generated_package_of_20000_releases_totals_each_award_once(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import iter_releases, write_package

    path = tmp_path / "package.json"
    write_package(20_000, str(path), seed=5)
    # Independently: the generator gives each process one award, in each release from the award on.
    award_of: dict[str, float] = {}
    buyers, methods = set(), defaultdict(set)
    for release in iter_releases(20_000, seed=5):
        for award in release.get("awards", []):
            award_of[release["ocid"]] = award["value"]["amount"]
        buyers.add(release["buyer"]["name"])
        methods[release["tender"]["procurementMethod"]].add(release["ocid"]) if "tender" in release else None
    result = validate(path, jobs=1, quality_checks=False)
    stats = result.statistics.as_dict()
    expected = float(round(sum(Decimal(repr(a)) for a in award_of.values()), 2))
    assert stats["releases"] == 20_000
    assert stats["award_amounts"] == {"MXN": expected}
    assert stats["awards_count"] == len(award_of)
    assert stats["buyers_count"] == len(buyers)
    assert stats["procurement_methods"] == {k: len(v) for k, v in sorted(methods.items())}
    # The sum over releases, which the statistics used to show, is about three times as much.
    assert stats["award_amounts"]["MXN"] * 2.5 < sum(
        a["value"]["amount"] for r in iter_releases(20_000, seed=5) for a in r.get("awards", [])
    )


def test_spilled_to_disk_the_totals_are_the_same(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import iter_releases

    releases = list(iter_releases(600, seed=2))
    memory, disk = Statistics(), Statistics(spill_after=7, scratch_dir=str(tmp_path))
    # Interleaved, so that a process's releases land in different spilled batches.
    for release in releases[::2] + releases[1::2]:
        memory.add_release(release)
        disk.add_release(release)
    assert disk._spilled is not None
    assert disk.as_dict() == memory.as_dict()
    disk.finish()
    assert list(tmp_path.iterdir()) == []  # the scratch file is gone
    assert disk.as_dict() == memory.as_dict()


def test_delta_releases_and_values_changed_later():
    stats = Statistics()
    base = {"ocid": "ocds-87sd3t-1", "tender": {"procurementMethod": "open"}}
    stats.add_release({**base, "id": "1", "date": "2024-01-01T00:00:00Z"})
    stats.add_release({**base, "id": "3", "date": "2024-03-01T00:00:00Z",
                       "awards": [{"id": "a", "value": {"amount": 80, "currency": "MXN"}}]})  # fmt: skip
    # A delta release, published after but dated before: the later value stands.
    stats.add_release({"ocid": "ocds-87sd3t-1", "id": "2", "date": "2024-02-01T00:00:00Z",
                       "tender": {"procurementMethod": "direct"},
                       "awards": [{"id": "a", "value": {"amount": 100, "currency": "MXN"}}]})  # fmt: skip
    # A release that names the award without its value keeps the value known.
    stats.add_release({**base, "id": "4", "date": "2024-04-01T00:00:00Z",
                       "awards": [{"id": "a", "status": "active"}, {"id": "b", "value": {"amount": 1.1, "currency": "USD"}}]})  # fmt: skip
    out = stats.as_dict()
    assert out["award_amounts"] == {"MXN": 80.0, "USD": 1.1}
    assert out["procurement_methods"] == {"open": 1}
    assert out["ocids"] == 1 and out["releases"] == 4 and out["awards_count"] == 2


def test_record_without_compiled_release_counts_its_embedded_releases():
    stats = Statistics()
    release = {"ocid": "ocds-87sd3t-9", "id": "1", "date": "2024-01-01T00:00:00Z",
               "awards": [{"id": "a", "value": {"amount": 5, "currency": "MXN"}}]}  # fmt: skip
    stats.add_record({"ocid": "ocds-87sd3t-9", "releases": [release, copy.deepcopy(release)]})
    stats.add_record({"ocid": "ocds-87sd3t-8", "releases": [{"url": "https://x/1.json", "date": "2024-01-01"}]})
    out = stats.as_dict()
    assert out["records"] == 2 and out["ocids"] == 2
    assert out["award_amounts"] == {"MXN": 5.0}


def test_coverage_of_the_eight_fields_per_buyer_from_each_process_latest_state():
    stats = Statistics()
    base = {"ocid": "ocds-87sd3t-1", "buyer": {"name": "SAF"}}
    stats.add_release({**base, "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
                       "tender": {"title": "Papel", "value": {"amount": 10}}})  # fmt: skip
    # The award release leaves the tender's title out and adds its period: the process has all three.
    stats.add_release({**base, "id": "2", "date": "2024-02-01T00:00:00Z", "tag": ["award", "award"],
                       "tender": {"tenderPeriod": {"endDate": "2024-01-20T00:00:00Z"}},
                       "awards": [{"id": "a", "suppliers": [{"id": "X", "name": "Papelera"}]}, {"id": "b"}]})  # fmt: skip
    stats.add_release({"ocid": "ocds-87sd3t-2", "id": "3", "date": "2024-03-01T00:00:00Z", "tag": ["contract"],
                       "contracts": [{"id": "c", "period": {"startDate": "2024-03-01T00:00:00Z"}}, {"id": "d"}]})  # fmt: skip
    out = stats.as_dict()
    assert out["tags"] == {"award": 1, "contract": 1, "tender": 1}  # releases of each stage
    saf, none = out["coverage"]["SAF"], out["coverage"][""]
    assert list(out["coverage"]) == ["SAF", ""]
    assert saf["tender_value"] == saf["tender_period"] == saf["tender_title"] == [1, 1]
    assert saf["buyer_name"] == [1, 1] and none["buyer_name"] == [0, 1]
    assert saf["award_value"] == [0, 2] and saf["award_date"] == [0, 2] and saf["supplier_name"] == [1, 2]
    assert none["tender_title"] == [0, 0] and none["contract_period"] == [1, 2]
    assert out["coverage_total"]["buyer_name"] == [1, 2] and out["coverage_total"]["contract_period"] == [1, 2]


# -- splitting a process's history into more cumulative releases never changes a total ----------

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
events = st.lists(
    st.tuples(st.sampled_from(["award", "contract"]), st.integers(0, 3), amounts, st.sampled_from(["MXN", "USD"])),
    min_size=1,
    max_size=12,
)


def _snapshots(ocid: str, history: list, cuts: set[int], method: str) -> list[dict]:
    """Cumulative releases of one process: after each cut, everything known so far."""
    state: dict = {"ocid": ocid, "tender": {"procurementMethod": method}, "buyer": {"name": "SAF"}}
    out = []
    for i, (kind, number, amount, currency) in enumerate(history):
        section = state.setdefault("awards" if kind == "award" else "contracts", [])
        obj = next((o for o in section if o["id"] == str(number)), None)
        if obj is None:
            obj = {"id": str(number)}
            section.append(obj)
        obj["value"] = {"amount": float(amount), "currency": currency}
        if kind == "award":
            obj["suppliers"] = [{"id": f"MX-RFC-{number}", "name": f"Proveedor {number}"}]
        if i in cuts or i == len(history) - 1:
            release = copy.deepcopy(state)
            release["id"] = f"{ocid}-{i}"
            release["date"] = f"2024-01-01T00:00:{i:02d}Z"
            out.append(release)
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(events, st.sets(st.integers(0, 11)), st.sampled_from(["open", "direct"])), min_size=1, max_size=4
    ),
    st.randoms(use_true_random=False),
)
def test_more_cumulative_releases_never_change_a_total(processes, rng):
    one, many = Statistics(), Statistics()
    split: list[dict] = []
    for n, (history, cuts, method) in enumerate(processes):
        ocid = f"ocds-87sd3t-{n}"
        one.add_release(_snapshots(ocid, history, set(), method)[-1])
        split.extend(_snapshots(ocid, history, cuts, method))
    rng.shuffle(split)  # the order of a package does not matter either: the dates do
    for release in split:
        many.add_release(release)
    a, b = one.as_dict(), many.as_dict()
    for key in ("ocids", "award_amounts", "contract_amounts", "awards_count", "contracts_count",
                "procurement_methods", "suppliers_count", "buyers", "award_amounts_by_method"):  # fmt: skip
        assert a[key] == b[key], key


def test_a_real_record_package_has_its_statistics():
    from .conftest import REAL

    stats = validate(REAL / "federal-apf" / "via-ocdskit" / "record-package-1.json", jobs=1).statistics.as_dict()
    assert stats["records"] == 1 and stats["ocids"] == 1
    assert stats["award_amounts"] == {"MXN": 227584.71} == stats["contract_amounts"]
    assert stats["procurement_methods"] == {"direct": 1} and stats["buyers_count"] == stats["suppliers_count"] == 1
    assert stats["first_date"] == "2016-02-04T11:02:19Z"
