"""The HTML report (``cdmx validate --format html``, ``cdmx convert --report html``) for every bundled
sample, the real transparency workbooks and real published JSON: self-contained, in both languages,
every problem with its explanation and places; its figures, the validation's statistics per process,
checked against ocdsmerge's compiled releases; and in headless Chromium (the site's browser set-up): no request leaves the file,
no serious or critical WCAG 2.1 A/AA violation (axe-core), a print layout, and a screenshot."""

from __future__ import annotations

import copy
import html
import json
import os
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import ocdsmerge
import pytest
from click.testing import CliRunner

from ocds_cdmx import convert, validate
from ocds_cdmx.cli import main
from ocds_cdmx.core.ocds import COVERAGE_FIELDS
from ocds_cdmx.report.html import WORDS, chart_series, html_report, word
from ocds_cdmx.report.jsonreport import convert_result_as_dict, result_as_dict
from ocds_cdmx.validation.stats import Statistics

from . import site_browser
from .conftest import AGENCY, OCDS, REAL, ROOT
from .test_annotate import CASES, case_id, damaged

SHOTS = ROOT / "tests" / "screenshots"
PORTAL = REAL / "cdmx" / "portal-api-2017-via-ocdskit"
JSON_CASES = [
    [ROOT / "samples" / "releases.json"],
    [PORTAL / "record-package_package.json"],
    [PORTAL / "release-package-1.json", PORTAL / "release-package-2.json"],
    [REAL / "cdmx" / "sefin-2015-data"],
    [REAL / "federal-apf" / "via-ocdskit"],
]


class _Parts(HTMLParser):
    """The tags and the attributes that could fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags[tag] += 1
        self.links += [v or "" for k, v in attrs if k in ("href", "src", "srcset", "data", "action", "xlink:href")]


def self_contained(page: str) -> _Parts:
    parts = _Parts()
    parts.feed(page)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(parts.tags), parts.tags
    assert all(link.startswith("#") for link in parts.links), parts.links
    assert "url(" not in page and "@import" not in page
    return parts


def english_sentences() -> list[str]:
    """The report's English texts of more than three words: none may be left in a Spanish report."""
    return [t for t in WORDS.values() if len(t.split()) > 3 and "{" not in t]


def converted(files: list[Path], extra: list[str], tmp_path: Path, **options):
    """A conversion and the statistics of its package, from which its report's figures come."""
    mapping = extra[1] if extra else None
    source = files[0] if len(files) == 1 else files
    agency = None if mapping else AGENCY[1]
    result = convert(source, mapping, tmp_path / "out.json", max_locations=0, agency=agency, **options)
    assert result.exit_code in (0, 1), result.input_errors
    return result, result.statistics.as_dict()


def every_title_shown(page: str, groups: list[dict]) -> None:
    shown = html.unescape(page)
    for group in groups:
        assert group["title"] in shown, group["title"]
        if group["advice"]:
            assert group["advice"] in shown, group["advice"]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(("files", "extra"), CASES, ids=case_id)
def test_the_conversion_report_shows_every_problem_at_its_cells(tmp_path, files, extra, lang):
    result, figures = converted(files, extra, tmp_path)
    page = html_report(result, lang)
    self_contained(page)
    assert f'<html lang="{lang}">' in page
    report = convert_result_as_dict(result, lang)
    every_title_shown(page, report["findings"] + report["validation"]["findings"])
    for group in report["findings"] + report["validation"]["findings"]:
        cells = [loc for loc in group["locations"] if loc.get("cell")]
        if cells:
            first = word("place_cell", lang, sheet=cells[0]["sheet"], cell=cells[0]["cell"], label=cells[0]["label"])
            assert first in html.unescape(page)
    assert f"<dd>{result.errors:,}</dd>" in page and f"<dd>{result.warnings:,}</dd>" in page
    # The figures of the workbook's processes: one per OCID, every release counted once.
    assert figures["ocids"] == result.ocids
    assert figures["releases"] == result.releases
    assert f"<dd>{figures['ocids']:,}</dd>" in page
    if lang == "es":
        assert not [t for t in english_sentences() if t in html.unescape(page)]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("sources", JSON_CASES, ids=lambda s: "+".join(p.name for p in s))
def test_the_validation_report_of_real_data(tmp_path, sources, lang):
    out = tmp_path / "reporte.html"
    args = ["validate", *map(str, sources), "--format", "html", "-o", str(out), "--lang", lang]
    run = CliRunner().invoke(main, args)
    result = validate([str(s) for s in sources])
    assert run.exit_code == result.exit_code
    page = out.read_text(encoding="utf-8")
    self_contained(page)
    every_title_shown(page, result_as_dict(result, lang)["findings"])
    status = "valid" if result.valid else "unreadable" if result.input_errors else "invalid"
    assert f'<p class="status">{word(status, lang)}</p>' in html.unescape(page)


def _coverage_of(compiled: dict) -> dict[str, list[int]]:
    """The eight fields of one compiled release: [have it, of how many]."""
    row = {name: [0, 0] for _, name in COVERAGE_FIELDS}

    def count(name: str, there: object) -> None:
        row[name][0] += bool(there)
        row[name][1] += 1

    def period(value: object) -> bool:
        return isinstance(value, dict) and bool(value.get("startDate") or value.get("endDate"))

    count("buyer_name", (compiled.get("buyer") or {}).get("name"))
    if "tender" in compiled:
        tender = compiled["tender"]
        count("tender_value", "amount" in (tender.get("value") or {}))
        count("tender_period", period(tender.get("tenderPeriod")))
        count("tender_title", (tender.get("title") or "").strip())
    for award in compiled.get("awards", []):
        count("award_value", "amount" in (award.get("value") or {}))
        count("award_date", award.get("date"))
        count("supplier_name", any((s.get("name") or "").strip() for s in award.get("suppliers", [])))
    for contract in compiled.get("contracts", []):
        count("contract_period", period(contract.get("period")))
    return row


def compiled_figures(releases: list[dict]) -> dict:
    """What the figures must be, from ocdsmerge's compiled release of each process."""
    schema = json.loads((OCDS / "1__1__5" / "release-schema.json").read_text(encoding="utf-8"))
    merger = ocdsmerge.Merger(schema)
    by_ocid = defaultdict(list)
    for release in releases:
        by_ocid[release["ocid"]].append(release)
    awards, contracts, methods = Counter(), Counter(), Counter()
    coverage: dict[str, dict[str, list[int]]] = {}
    for group in by_ocid.values():
        compiled = merger.create_compiled_release(sorted(group, key=lambda r: r["date"]))
        if compiled.get("tender", {}).get("procurementMethod"):
            methods[compiled["tender"]["procurementMethod"]] += 1
        row = coverage.setdefault((compiled.get("buyer") or {}).get("name", "").strip(), {})
        for name, (have, of) in _coverage_of(compiled).items():
            row[name] = [row.get(name, [0, 0])[0] + have, row.get(name, [0, 0])[1] + of]
        for award in compiled.get("awards", []):
            if "amount" in award.get("value", {}):
                awards[award["value"]["currency"]] += award["value"]["amount"]
        for contract in compiled.get("contracts", []):
            if "amount" in contract.get("value", {}):
                contracts[contract["value"]["currency"]] += contract["value"]["amount"]
    return {
        "ocids": len(by_ocid),
        "award_amounts": {k: round(v, 2) for k, v in sorted(awards.items())},
        "contract_amounts": {k: round(v, 2) for k, v in sorted(contracts.items())},
        "procurement_methods": dict(sorted(methods.items())),
        "coverage": {b: coverage[b] for b in sorted(coverage, key=lambda b: (not b, b.casefold(), b))},
    }


def package_releases(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["releases"]


@pytest.mark.parametrize(("files", "extra"), CASES[:6], ids=case_id)
def test_the_figures_are_those_of_the_compiled_releases(tmp_path, files, extra):
    result, figures = converted(files, extra, tmp_path)
    expected = compiled_figures(package_releases(tmp_path / "out.json"))
    assert {k: figures[k] for k in expected} == expected
    # The report shows the validation's statistics: the package was read once, by the validation.
    assert result.statistics is result.validation.statistics
    # Not validated, the conversion counts the same statistics as it writes the package.
    unchecked, same = converted(files, extra, tmp_path, validate_output=False)
    assert unchecked.validation is None and same == figures


def test_the_figures_of_the_sample_package_and_of_a_record_package():
    releases = package_releases(ROOT / "samples" / "releases.json")
    figures = validate(str(ROOT / "samples" / "releases.json")).statistics.as_dict()
    expected = compiled_figures(releases)
    assert {k: figures[k] for k in expected} == expected
    # Each process's releases repeat its award: summing releases would count it several times.
    assert sum(a["value"]["amount"] for r in releases for a in r.get("awards", [])) > figures["award_amounts"]["MXN"]
    series = chart_series(figures)
    assert series["currency"] == "MXN" and sum(series["by_method"].values()) == pytest.approx(
        figures["award_amounts"]["MXN"]
    )
    assert series["by_stage"] == dict(Counter(t for r in releases for t in set(r["tag"])))
    records = validate(str(PORTAL / "record-package_package.json")).statistics.as_dict()
    assert records["records"] > 0 and records["ocids"] == records["records"]
    # A record package's releases by stage are its records' releases (linked or embedded).
    package = json.loads((PORTAL / "record-package_package.json").read_text(encoding="utf-8"))
    tags = Counter(t for r in package["records"] for e in r.get("releases", []) for t in set(e.get("tag", [])))
    assert records["tags"] == dict(sorted(tags.items()))


def test_splitting_a_process_into_more_cumulative_releases_changes_no_total():
    """A process published once, or as a tender, then an award, then the whole: the same figures."""
    releases = package_releases(ROOT / "samples" / "releases.json")
    schema = json.loads((OCDS / "1__1__5" / "release-schema.json").read_text(encoding="utf-8"))
    merger = ocdsmerge.Merger(schema)
    once, split = Statistics(), Statistics()
    by_ocid = defaultdict(list)
    for release in releases:
        by_ocid[release["ocid"]].append(release)
    for ocid, group in by_ocid.items():
        whole = merger.create_compiled_release(sorted(group, key=lambda r: r["date"]))
        whole["date"] = max(r["date"] for r in group)
        once.add_release(whole)
        tender = {k: copy.deepcopy(v) for k, v in whole.items() if k not in ("awards", "contracts")}
        tender.update(date="2000-01-01T00:00:00Z", id=f"{ocid}-1")
        award = {**copy.deepcopy(tender), "awards": copy.deepcopy(whole.get("awards", []))}
        award.update(date="2000-01-02T00:00:00Z", id=f"{ocid}-2")
        for award_ in award["awards"]:  # an earlier, smaller state of the award, replaced later
            if "value" in award_:
                award_["value"]["amount"] = award_["value"]["amount"] / 2
        for release in (tender, award, whole):
            split.add_release(release)
    a, b = once.as_dict(), split.as_dict()
    keys = ("ocids", "award_amounts", "contract_amounts", "award_amounts_by_method", "coverage", "buyers_count")
    for key in keys:
        assert a[key] == b[key], key


# --- in the browser ----------------------------------------------------------------------------------

_why = site_browser.missing() or (None if site_browser.AXE.is_file() else f"no axe-core at {site_browser.AXE}")
if _why and os.environ.get("CI"):
    raise RuntimeError(f"the browser tests must run in CI: {_why}")
browser = pytest.mark.skipif(bool(_why), reason=_why or "")


@pytest.fixture(scope="module")
def context():
    with site_browser.browser() as ctx:
        yield ctx


def reports(tmp_path: Path) -> list[tuple[str, Path]]:
    """Reports made as people make them: a damaged workbook, a real one, the sample and a record package."""
    made = []
    path = damaged(tmp_path)
    for name, source, lang in (
        ("convert-damaged-es", path, "es"),
        ("convert-pnt-en", sorted((REAL / "pnt").glob("*.xlsx"))[-1], "en"),
    ):
        out = tmp_path / f"{name}.html"
        run = CliRunner().invoke(main, ["convert", str(source), *AGENCY, "-o", str(tmp_path / f"{name}.json"), "--report",
                                        "html", "--report-file", str(out), "--lang", lang])  # fmt: skip
        assert run.exit_code in (0, 1), run.output
        made.append((name, out))
    for name, source, lang in (
        ("validate-sample-en", ROOT / "samples" / "releases.json", "en"),
        ("validate-records-es", PORTAL / "record-package_package.json", "es"),
    ):
        out = tmp_path / f"{name}.html"
        CliRunner().invoke(main, ["validate", str(source), "--format", "html", "-o", str(out), "--lang", lang])
        made.append((name, out))
    return made


@browser
def test_the_report_in_a_browser_is_offline_accessible_and_printable(context, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    found = {}
    for name, path in reports(tmp_path):
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r, requests=requests: requests.append(r.url))
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.resolve().as_uri())
        assert requests == [path.resolve().as_uri()], requests  # nothing but the file itself
        charts = page.locator("figure svg[role=img]")
        if "validate-sample" in name or "convert" in name:
            assert charts.count() == 3
            assert all(charts.nth(i).get_attribute("aria-label") for i in range(charts.count()))
            assert page.locator("table.coverage tbody tr").count() >= 1
        page.screenshot(path=str(SHOTS / f"report-{name}.png"), full_page=True)
        found[name] = site_browser.axe(page)
        # Printed, the navigation goes and the rest stays on the page.
        page.emulate_media(media="print")
        assert page.locator("nav").is_hidden()
        assert page.locator("#problems").is_visible()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 5000
        (SHOTS / f"report-{name}.pdf").write_bytes(pdf)
        assert errors == []
        page.close()
    (SHOTS / "report-axe.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    assert found == {name: [] for name in found}


def test_the_report_options_of_both_commands(tmp_path):
    runner = CliRunner()
    sample = ROOT / "samples" / "A121Fr30B_2024T3.xlsx"
    # --report html writes a file: without its name it is a usage error, and nothing is converted.
    run = runner.invoke(
        main, ["convert", str(sample), *AGENCY, "-o", str(tmp_path / "a.json"), "--report", "html", "--lang", "es"]
    )
    assert run.exit_code == 2 and "--report-file" in run.stderr and not (tmp_path / "a.json").exists()
    # The package on standard output, the report in its file, with the figures of that package.
    report = tmp_path / "reporte.html"
    run = runner.invoke(
        main, ["convert", str(sample), *AGENCY, "-o", "-", "--report", "html", "--report-file", str(report)]
    )
    assert run.exit_code == 0 and json.loads(run.stdout)["releases"]
    assert report.read_text(encoding="utf-8").count("<svg") == 3
    # The text and JSON reports go to a file too.
    for fmt in ("text", "json"):
        out = tmp_path / f"reporte.{fmt}"
        args = [
            "convert",
            str(sample),
            *AGENCY,
            "-o",
            str(tmp_path / "b.json"),
            "--report",
            fmt,
            "--report-file",
            str(out),
        ]
        run = runner.invoke(main, [*args, "--lang", "en"])
        assert run.exit_code == 0 and run.stderr == ""
        assert "Converted" in out.read_text(encoding="utf-8") if fmt == "text" else json.loads(out.read_text())
    # cdmx validate -o: every format to a file, or to standard output.
    releases = ROOT / "samples" / "releases.json"
    for fmt in ("text", "json", "html"):
        out = tmp_path / f"validacion.{fmt}"
        run = runner.invoke(main, ["validate", str(releases), "--format", fmt, "-o", str(out), "--lang", "en"])
        assert run.exit_code == 0 and run.stdout == "" and out.stat().st_size > 100
    run = runner.invoke(main, ["validate", "-", "--format", "html", "--lang", "es"], input=releases.read_text())
    assert run.exit_code == 0 and run.stdout.startswith("<!DOCTYPE html>")
    # Standard input, read once by the validation, has its figures: they are the validation's statistics.
    assert run.stdout.count("<svg") == 3
    run = runner.invoke(main, ["validate", str(releases), "--format", "html", "--no-statistics"])
    assert run.exit_code == 0 and "<svg" not in run.stdout and 'id="coverage"' not in run.stdout
