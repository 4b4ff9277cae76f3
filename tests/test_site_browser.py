"""The site in a real browser (headless Chromium), from disk (file://) and from a web server, on the
bundled samples and on 100,000 generated processes: search, filters, a process, a supplier, English,
phone screens, accessibility (axe-core: no serious or critical WCAG 2.1 A/AA violation), screenshots.

Skipped, with the reason, only where Chromium, Playwright or axe-core is missing and this is not CI
(``.ci/run`` installs them, and there these tests must run). ``CDMX_SITE_PROCESSES`` sets the size of
the large site (default 100,000). Screenshots go to ``tests/screenshots/``; with
``CDMX_UPDATE_DOCS=1`` the home and process pages are also copied to ``docs/`` for the README.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from decimal import Decimal

import pytest

from ocds_cdmx import build_site
from ocds_cdmx.site.build import process_path, supplier_path

from . import site_browser
from .conftest import OCDS, ROOT, published_records
from .site_expect import amounts, load_records, main_day, money_text, participants, winners

SHOTS = ROOT / "tests" / "screenshots"
DOCS = ROOT / "docs"
LARGE = int(os.environ.get("CDMX_SITE_PROCESSES", "100000"))
RFC = "CPV0105228K3"  # a supplier of the samples that won some processes and lost others

_why = site_browser.missing() or (None if site_browser.AXE.is_file() else f"no axe-core at {site_browser.AXE}")
if _why and os.environ.get("CI"):
    raise RuntimeError(f"the browser tests must run in CI: {_why}")
pytestmark = pytest.mark.skipif(bool(_why), reason=_why or "")


@pytest.fixture(scope="module")
def sample_site(publication_site):
    """The site as the README's commands build it: from a real ``cdmx publish`` of the samples."""
    return publication_site


@pytest.fixture(scope="module")
def sample_records(sample_publication, tmp_path_factory):
    """Its records, read from the publication's record files, in one record package."""
    path = tmp_path_factory.mktemp("published") / "records.json"
    path.write_text(json.dumps({"records": published_records(sample_publication)}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def context():
    with site_browser.browser() as ctx:
        yield ctx


@pytest.fixture(scope="module")
def server(sample_site):
    with site_browser.serve(sample_site) as url:
        yield url


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    page.close()
    assert errors == []


def shot(page, name: str, docs: bool = False) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if docs and os.environ.get("CDMX_UPDATE_DOCS"):
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


def open_search(page, base: str, query: str = "") -> None:
    page.goto(f"{base}/buscar.html{query}")
    site_browser.wait_results(page)


MODES = ["file", "http"]


@pytest.mark.parametrize("mode", MODES)
def test_search_for_a_suppliers_rfc_finds_its_processes(page, sample_site, sample_records, server, mode):
    base = site_browser.base_url(sample_site, mode, server)
    open_search(page, base)
    count, _ = site_browser.search(page, RFC.lower()[:7])  # the start of the RFC, typed in lower case
    expected = {r["ocid"] for r in load_records(sample_records) if RFC in participants(r)}
    assert count == len(expected) and set(site_browser.result_ocids(page)) == expected
    site_browser.search(page, RFC)
    assert set(site_browser.result_ocids(page)) == expected
    # The link keeps the query.
    href = page.get_attribute("#share-link", "href")
    assert f"q={RFC}" in href
    assert site_browser.search(page, "zzqx")[0] == 0  # a word of no process: no file to load, no result
    assert "Ningún proceso" in page.inner_text("#status")
    shot(page, f"search-rfc-{mode}")


@pytest.mark.parametrize("mode", MODES)
def test_filter_by_agency_and_year(page, sample_site, sample_records, server, mode):
    records = load_records(sample_records)
    base = site_browser.base_url(sample_site, mode, server)
    open_search(page, base)
    assert int(page.get_attribute("#status", "data-count")) == len(records)
    for agency in {r["compiledRelease"]["buyer"]["id"] for r in records}:
        page.select_option("#f-agency", agency)
        page.select_option("#f-year", "2024")
        site_browser.wait_results(page)
        expected = {
            r["ocid"] for r in records if r["compiledRelease"]["buyer"]["id"] == agency and main_day(r).year == 2024
        }
        assert set(site_browser.result_ocids(page)) == expected and expected
    # A shared link opens the same search.
    open_search(page, base, "?agency=CDMX-SAF&method=direct&sort=amount-desc")
    shown = site_browser.result_ocids(page)
    saf = [r for r in records if r["compiledRelease"]["buyer"]["id"] == "CDMX-SAF"]
    by_amount = sorted(saf, key=lambda r: -amounts(r["compiledRelease"]).get("MXN", Decimal(0)))
    assert shown == [r["ocid"] for r in by_amount if r["compiledRelease"]["tender"]["procurementMethod"] == "direct"]
    page.select_option("#f-sort", "amount-asc")
    site_browser.wait_results(page)
    assert site_browser.result_ocids(page) == shown[::-1]  # the samples' amounts differ


@pytest.mark.parametrize("mode", MODES)
def test_open_a_process_and_see_its_timeline_and_amounts(page, sample_site, sample_records, server, mode):
    records = {r["ocid"]: r for r in load_records(sample_records)}
    base = site_browser.base_url(sample_site, mode, server)
    open_search(page, base)
    site_browser.search(page, "aire acondicionado")
    first = site_browser.result_ocids(page)[0]
    page.click(f'#results li[data-ocid="{first}"] a.title')
    page.wait_for_selector("#stages")
    record = records[first]
    compiled = record["compiledRelease"]
    assert page.inner_text("h1") == compiled["tender"]["title"]
    stages = page.eval_on_selector_all("#stages li", "lis => lis.map(li => [li.dataset.stage, li.className])")
    assert [s for s, _ in stages] == ["planning", "tender", "award", "contract", "implementation"]
    reached = {s for s, c in stages if "reached" in c}
    assert "contract" in reached and bool(compiled.get("contracts"))
    expected = amounts(compiled)
    assert page.inner_text("#process-amount").strip() == money_text(expected["MXN"])
    paid = sum(
        Decimal(str(t["value"]["amount"]))
        for c in compiled["contracts"]
        for t in (c.get("implementation") or {}).get("transactions", [])
    )
    if paid:
        assert page.inner_text("#payments-total").strip() == money_text(paid)
    # The history: one badge per release; opening one shows what it changed.
    assert page.locator("#releases > li").count() == len(record["releases"])
    page.click("#releases > li:first-child summary")
    assert page.locator("#releases > li:first-child tbody.new tr").count() > 1
    shot(page, "process" if mode == "file" else "process-http", docs=mode == "file")


def test_open_a_supplier_page(page, sample_site, sample_records):
    records = load_records(sample_records)
    page.goto(sample_site.resolve().as_uri() + "/index.html")
    page.click(f'a[href$="{supplier_path(RFC).rsplit("/", 1)[1]}"]')
    page.wait_for_selector("#supplier-key")
    assert page.inner_text("#supplier-key") == RFC
    mine = [r for r in records if RFC in participants(r)]
    assert page.get_attribute("#supplier-processes data", "value") == str(len(mine))
    assert page.get_attribute("#supplier-won data", "value") == str(sum(1 for r in mine if RFC in winners(r)))
    rows = page.eval_on_selector_all(
        "#supplier-rows tbody tr", "trs => trs.map(tr => [tr.dataset.ocid, tr.dataset.won])"
    )
    assert {o: w == "yes" for o, w in rows} == {r["ocid"]: RFC in winners(r) for r in mine}
    assert "no" in {w for _, w in rows} and "yes" in {w for _, w in rows}  # won some, lost some
    shot(page, "supplier")


@pytest.mark.parametrize("mode", MODES)
def test_switch_to_english_and_stay_in_english(page, sample_site, sample_records, server, mode):
    base = site_browser.base_url(sample_site, mode, server)
    page.goto(f"{base}/index.html")
    assert page.inner_text("nav").split()[:2] == ["Inicio", "Buscar"]
    page.click("#lang-switch")
    assert page.inner_text("nav").split()[:2] == ["Home", "Search"]
    assert page.inner_text("h1") == "What Mexico City buys, from whom, and how"
    assert page.title().startswith("What the city buys")
    assert page.get_attribute("#q-home", "placeholder").startswith("e.g.")
    shot(page, f"home-en-{mode}")
    # Another page opens in English.
    page.click("nav >> text=Search")
    site_browser.wait_results(page)
    assert "processes found" in page.inner_text("#status")
    assert page.inner_text("#f-method option[value=direct]") == "Direct award"
    page.goto(f"{base}/{process_path(load_records(sample_records)[0]['ocid'])}")
    assert "The five stages" in page.inner_text("main")
    page.click("#lang-switch")
    assert "Las cinco etapas" in page.inner_text("main")


def test_home_page_and_phone_screens(page, sample_site, sample_records):
    page.goto(sample_site.resolve().as_uri() + "/index.html")
    assert page.get_attribute("#total-processes data", "value") == str(len(load_records(sample_records)))
    shot(page, "home", docs=True)
    page.set_viewport_size({"width": 360, "height": 740})
    for path in (
        "index.html",
        "buscar.html",
        process_path(load_records(sample_records)[0]["ocid"]),
        supplier_path(RFC),
    ):
        page.goto(sample_site.resolve().as_uri() + "/" + path)
        page.wait_for_timeout(100)
        # Nothing wider than the screen but the tables, which scroll inside their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        shot(page, "phone-" + path.split("/")[0].removesuffix(".html"))


def test_keyboard_reaches_the_search_and_the_results(page, sample_site):
    page.goto(sample_site.resolve().as_uri() + "/buscar.html")
    site_browser.wait_results(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")  # to the content: the next Tab is its first field
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("limpieza")
    site_browser.wait_results(page)
    assert int(page.get_attribute("#status", "data-count")) > 0


@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_serious_accessibility_violation(page, sample_site, sample_records, server, lang):
    # Served, not from disk: axe reads the style sheets, which a page opened from disk may not fetch.
    ocid = load_records(sample_records)[0]["ocid"]
    pages = ["index.html", "buscar.html?q=mantenimiento", process_path(ocid), supplier_path(RFC)]
    pages += ["dependencias.html", "dependencias/CDMX-SAF.html", "descargas.html", "acerca.html"]
    found = {}
    for path in pages:
        page.goto(f"{server}/{path}")
        if path.startswith("buscar"):
            site_browser.wait_results(page)
        if lang == "en":
            page.click("#lang-switch")
        page.eval_on_selector_all("details", "ds => ds.forEach(d => d.open = true)")
        violations = site_browser.axe(page)
        if violations:
            found[path] = violations
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / f"axe-{lang}.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    assert found == {}


# --- 100,000 processes ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """A site of LARGE generated processes, and what the tests check it against."""
    from .site_records import write_records

    folder = tmp_path_factory.mktemp("large")
    records = write_records(folder / "records.jsonl", LARGE, OCDS)
    site = folder / "sitio"
    result = build_site(records, site)
    assert result.exit_code == 0 and result.processes == LARGE, result.input_errors
    winners_count: Counter = Counter()
    facts = {}
    with open(records, encoding="utf-8") as f:
        for n, line in enumerate(f):
            record = json.loads(line)
            for rfc in winners(record):
                winners_count[rfc] += 1
            facts[record["ocid"]] = (
                record["compiledRelease"]["buyer"]["id"],
                main_day(record).year,
                participants(record),
                amounts(record["compiledRelease"]) if n < 200 else None,
            )
    (folder / "records.jsonl").unlink()  # 1.4 GB: the facts are what the tests need
    return site, facts, winners_count


def test_large_site_search_filters_and_pages(context, large):
    site, facts, winners_count = large
    page = context.new_page()
    timings = {}
    with site_browser.serve(site) as server:
        for mode in MODES:
            base = site_browser.base_url(site, mode, server)
            open_search(page, base)
            assert int(page.get_attribute("#status", "data-count")) == LARGE
            rfc = winners_count.most_common(1)[0][0]  # the supplier that won most
            count, ms = site_browser.search(page, rfc)
            expected = {o for o, (_, _, people, _) in facts.items() if rfc in people}
            assert count == len(expected)
            timings[f"{mode}: RFC"] = ms
            page.select_option("#f-agency", "CDMX-SAF")
            page.select_option("#f-year", "2023")
            site_browser.wait_results(page)
            both = {o for o in expected if facts[o][0] == "CDMX-SAF" and facts[o][1] == 2023}
            assert int(page.get_attribute("#status", "data-count")) == len(both)
            timings[f"{mode}: RFC + agency + year"] = float(page.get_attribute("#status", "data-ms"))
            page.fill("#q", "")
            site_browser.wait_results(page)
            saf_2023 = sum(1 for a, y, _, _ in facts.values() if a == "CDMX-SAF" and y == 2023)
            assert int(page.get_attribute("#status", "data-count")) == saf_2023
            count, ms = site_browser.search(page, "mantenimiento preventivo")
            timings[f"{mode}: two words + filters"] = ms
            shot(page, f"large-search-{mode}")
            # A process: its amount as the record says.
            ocid = next(o for o, f in facts.items() if f[3])
            page.goto(f"{base}/{process_path(ocid)}")
            assert page.inner_text("#process-amount").strip() == money_text(facts[ocid][3]["MXN"])
            assert page.locator("#stages li").count() == 5
            page.goto(f"{base}/{supplier_path(rfc)}")
            assert page.get_attribute("#supplier-processes data", "value") == str(len(expected))
            assert page.get_attribute("#supplier-won data", "value") == str(winners_count[rfc])
    page.close()
    # The first page, with what it loads, stays small whatever the number of processes.
    home = (site / "index.html").stat().st_size + (site / "css/sitio.css").stat().st_size
    home += (site / "js/sitio.js").stat().st_size
    assert home < 500_000
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "large-search-ms.json").write_text(json.dumps(timings, indent=1), encoding="utf-8")
    shutil.rmtree(site, ignore_errors=True)


def test_the_accessibility_check_sees_a_violation(page):
    page.set_content('<html><body><input type="text"><p style="color:#ccc;background:#fff">faint</p></body></html>')
    assert {v["id"] for v in site_browser.axe(page)} >= {"label", "color-contrast"}
