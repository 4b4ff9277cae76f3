"""``cdmx site``: pages built from the bundled samples say what the records say; nightly rebuilds
rewrite only what changed; a publication directory is read through its manifest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from ocds_cdmx import build_site
from ocds_cdmx.cli import main
from ocds_cdmx.site import formats, searchindex
from ocds_cdmx.site.build import STATE, agency_path, process_path, supplier_path
from ocds_cdmx.site.publication import PublicationDir

from .conftest import ROOT, published_records
from .site_expect import (
    amounts,
    main_day,
    money_text,
    numbers,
    participants,
    table_rows,
    winners,
    won,
)


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


# --- Formats -----------------------------------------------------------------------------------------


def test_amounts_are_written_as_mexicans_write_them():
    assert formats.amount(1234567.89) == "$1,234,567.89 MXN"
    assert formats.amount(0.1 + 0.2) == "$0.30 MXN"
    assert formats.amount(2.675) == "$2.68 MXN"  # from the shortest repr: 2.675, not 2.67499…
    assert formats.amount(-1000) == "-$1,000.00 MXN"
    assert formats.amount(12, "USD") == "$12.00 USD"
    assert formats.amount(None) == formats.amount("n/a") == ""


def test_dates_are_days_of_mexico_city():
    assert formats.day("2024-03-15T10:00:00-06:00") == "15/03/2024"
    assert formats.day("2024-03-15T03:00:00Z") == "14/03/2024"  # 21:00 of the 14th in the city
    assert formats.day("2017-07-01T04:30:00Z") == "30/06/2017"  # summer time then: -05:00
    assert formats.day("2024-03-15") == "15/03/2024"
    assert formats.day("por definir") == "por definir"


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_file_names_keep_keys_apart(a, b):
    if a != b:
        assert formats.escape_name(a) != formats.escape_name(b)
    assert set(formats.escape_name(a)) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_")


def test_postings_are_deltas_in_base_36():
    assert searchindex.postings([3, 5, 40, 1336]) == "3,2,z,100"


def test_a_big_word_prefix_is_split_into_longer_ones():
    docs = [
        searchindex.Doc(
            ocid=f"o{i}", href="", title="", agency="A", day="2024-01-01", year=2024, method="direct",
            category="", stage="award", amount=1.0, amount_text="", suppliers=[],
            tokens=[f"servicio{i % 3000}", "se"],
        )
        for i in range(30000)
    ]  # fmt: skip
    files = searchindex.build_index(docs, {}, "hoy")
    meta = json.loads(files["meta.js"].decode()[len("CDMX.meta(") : -3])
    assert "se" in meta["split"]
    assert "t/se.js" in files  # the word "se" itself stays in its prefix's file
    assert all(len(content) < 4 * searchindex.SHARD_LIMIT for name, content in files.items() if name.startswith("t/"))
    assert meta["n"] == 30000 and len([f for f in files if f.startswith("d/")]) == 300


# --- Pages of the samples ----------------------------------------------------------------------------


def test_every_page_is_there_and_links_resolve(built):
    sample_site, records = built
    published = (sample_site.parent / "publicacion").is_dir()
    for record in records:
        assert (sample_site / process_path(record["ocid"])).is_file()
        # The site writes a record only when the publication has no file for it.
        assert (sample_site / process_path(record["ocid"])).with_suffix(".json").is_file() != published
        assert (sample_site / agency_path(record["compiledRelease"]["buyer"]["id"])).is_file()
        for rfc in participants(record):
            assert (sample_site / supplier_path(rfc)).is_file()
    for name in ("index.html", "buscar.html", "dependencias.html", "descargas.html", "acerca.html"):
        assert (sample_site / name).is_file()
    # Every relative link of every page points at a file of the site (it works from disk).
    import re

    for page in sample_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'(?:href|src)="([^"#?]+)', html):
            if href.startswith(("http://", "https://", "mailto:", "data:")):
                continue
            assert (page.parent / href).resolve().is_file(), f"{page}: {href}"
        assert "https://cdn" not in html and "fonts.googleapis" not in html


def test_the_home_page_adds_up_the_records(built):
    sample_site, records = built
    html = read(sample_site, "index.html")
    assert numbers(html, "total-processes")[0][0] == len(records)
    total = sum((amounts(r["compiledRelease"]).get("MXN", Decimal(0)) for r in records), Decimal(0))
    [(value, text)] = numbers(html, "total-amount")
    assert value == total and text == money_text(total)
    suppliers = set().union(*(participants(r) for r in records))
    assert numbers(html, "total-suppliers")[0][0] == len(suppliers)
    by_agency: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    by_method: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for r in records:
        c = r["compiledRelease"]
        for table, key in ((by_agency, c["buyer"]["id"]), (by_method, c["tender"].get("procurementMethod", ""))):
            table[key][0] += 1
            table[key][1] += amounts(c).get("MXN", Decimal(0))
    assert table_rows(html, "chart-agency") == {k: [Decimal(n), a] for k, (n, a) in by_agency.items()}
    assert table_rows(html, "chart-method") == {k: [Decimal(n), a] for k, (n, a) in by_method.items()}
    competitive = table_rows(html, "competitive-table")
    direct = by_method["direct"]
    assert competitive["direct"] == [Decimal(direct[0]), direct[1]]
    assert competitive["competitive"][1] == total - direct[1]
    assert len(records) == 14 and "Contrataciones Abiertas" in html


def test_a_process_page_shows_its_timeline_and_amounts(built):
    sample_site, records = built
    for record in records:
        c = record["compiledRelease"]
        html = read(sample_site, process_path(record["ocid"]))
        shown = numbers(html, "process-amount")
        assert [(v, t) for v, t in shown] == [(v, money_text(v, k)) for k, v in sorted(amounts(c).items())]
        # The five stages, and each one's amount.
        stages = html[html.index('id="stages"') : html.index("</ol>", html.index('id="stages"'))]
        assert stages.count('class="stage ') == 5
        if c.get("contracts"):
            assert 'class="stage reached" data-stage="contract"' in stages
            signed = sum((Decimal(str(x["value"]["amount"])) for x in c["contracts"] if "value" in x), Decimal(0))
            item = stages[stages.index('data-stage="contract"') :]
            item = item[: item.index("</li>")]
            assert f'<data value="{signed.normalize()}" data-currency="MXN">' in item or signed == Decimal(
                item.split('<data value="')[1].split('"')[0]
            )
        payments = sorted(
            (t["date"], Decimal(str(t["value"]["amount"])))
            for x in c.get("contracts", [])
            for t in (x.get("implementation") or {}).get("transactions", [])
        )
        if payments:
            total = sum((v for _, v in payments), Decimal(0))
            assert numbers(html, "payments-total")[0][0] == total
            assert [v for v, _ in numbers(html, "payments")] == [v for _, v in payments] + [total]
        for award in c.get("awards", []):
            assert f'data-award="{award["id"]}"' in html
        # What each release changed, from the versioned release: one entry per release.
        releases = html[html.index('id="releases"') :]
        assert releases.count('class="release"') == len(record["releases"])
        assert "changes cannot be shown" not in html


def test_what_a_release_changed_is_shown(built):
    sample_site, records = built
    record = min(records, key=lambda r: r["ocid"])
    html = read(sample_site, process_path(record["ocid"]))
    first = html[html.index('class="release"') :]
    first = first[: first.index("</li>")]
    assert '<tbody class="new">' in first and "planning / budget / amount / amount" in first


def test_a_supplier_page_adds_up_its_processes(built):
    sample_site, records = built
    for rfc in set().union(*(participants(r) for r in records)):
        html = read(sample_site, supplier_path(rfc))
        mine = [r for r in records if rfc in participants(r)]
        assert numbers(html, "supplier-processes")[0][0] == len(mine)
        assert numbers(html, "supplier-won")[0][0] == sum(1 for r in mine if rfc in winners(r))
        total: Counter = Counter()
        for r in mine:
            for currency, value in won(r, rfc).items():
                total[currency] += value
        assert [v for v, _ in numbers(html, "supplier-total")] == [total[k] for k in sorted(total)]
        rows = html[html.index('id="supplier-rows"') :]
        assert {r["ocid"] for r in mine} == {line.split('"')[1] for line in rows.split("data-ocid=")[1:]}


def test_an_agency_page_has_its_totals_and_coverage(built):
    sample_site, records = built
    for key in {r["compiledRelease"]["buyer"]["id"] for r in records}:
        mine = [r for r in records if r["compiledRelease"]["buyer"]["id"] == key]
        html = read(sample_site, agency_path(key))
        assert numbers(html, "agency-processes")[0][0] == len(mine)
        total = sum((amounts(r["compiledRelease"]).get("MXN", Decimal(0)) for r in mine), Decimal(0))
        assert numbers(html, "agency-amount")[0][0] == total
        years = Counter(main_day(r).year for r in mine)
        assert {k: v[0] for k, v in table_rows(html, "chart-year").items()} == {str(y): n for y, n in years.items()}
        with_payments = sum(
            1
            for r in mine
            if any(
                (c.get("implementation") or {}).get("transactions") for c in r["compiledRelease"].get("contracts", [])
            )
        )
        coverage = html[html.index('id="coverage"') :]
        row = coverage[coverage.index('data-field="payments"') :]
        assert f'<data value="{with_payments}">' in row[: row.index("</tr>")]


def test_texts_are_in_spanish_with_english_beside(sample_site):
    html = read(sample_site, "index.html")
    assert '<html lang="es">' in html
    assert '<span class="es">Buscar</span><span class="en" lang="en">Search</span>' in html
    assert 'data-en="Search — ' in read(sample_site, "buscar.html")
    texts = read(sample_site, "js/textos.js")
    assert "procesos encontrados" in texts and "processes found" in texts


def test_the_downloads_page_lists_the_files_with_their_checksums(sample_site, sample_records):
    html = read(sample_site, "descargas.html")
    digest = hashlib.sha256(sample_records.read_bytes()).hexdigest()
    assert digest in html and sample_records.name in html


# --- Nightly rebuilds ----------------------------------------------------------------------------------


def _mtimes(site: Path) -> dict[str, int]:
    return {
        p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file() and p.name != STATE
    }


def test_a_rebuild_rewrites_only_what_changed(sample_records, tmp_path):
    records = json.loads(sample_records.read_text(encoding="utf-8"))
    site = tmp_path / "sitio"
    changed = tmp_path / "records.json"  # where the publication's links point to stays the same
    shutil.copy(sample_records, changed)
    sample_records = changed
    first = build_site(sample_records, site, jobs=1)
    assert first.full and first.process_pages == 14
    before = _mtimes(site)

    again = build_site(sample_records, site, jobs=1)
    assert (again.process_pages, again.supplier_pages, again.agency_pages, again.other_files) == (0, 0, 0, 0)
    assert _mtimes(site) == before

    # One contract's amount corrected: its process, its supplier and its agency change, and the totals.
    record = records["records"][3]
    contract = record["compiledRelease"]["contracts"][0]
    contract["value"]["amount"] += 1000
    changed.write_text(json.dumps(records, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")  # as merge
    night = build_site(changed, site, jobs=1)
    assert night.exit_code == 0 and not night.full
    assert night.process_pages == 1
    # Every supplier that took part lists the process with its amount.
    assert night.supplier_pages == len(participants(record)) and night.agency_pages == 1
    after = _mtimes(site)
    rewritten = {p for p in after if after[p] != before.get(p)}
    pages = {
        p for p in rewritten if p.endswith(".html") and p.startswith(("procesos/", "proveedores/", "dependencias/"))
    }
    assert pages == {
        process_path(record["ocid"]),
        *(supplier_path(r) for r in participants(record)),
        agency_path(record["compiledRelease"]["buyer"]["id"]),
    }
    html = read(site, process_path(record["ocid"]))
    assert numbers(html, "process-amount")[0][0] == amounts(record["compiledRelease"])["MXN"]

    # A process gone from the publication: its pages go too.
    gone = records["records"].pop(0)
    changed.write_text(json.dumps(records, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    result = build_site(changed, site, jobs=1)
    assert result.removed == 1 and result.process_pages == 0
    assert not (site / process_path(gone["ocid"])).exists()
    assert numbers(read(site, "index.html"), "total-processes")[0][0] == 13


def test_new_templates_rebuild_everything(sample_records, tmp_path, monkeypatch):
    site = tmp_path / "sitio"
    build_site(sample_records, site, jobs=1)
    monkeypatch.setattr("ocds_cdmx.site.build.FORMAT", "changed")
    assert build_site(sample_records, site, jobs=1).process_pages == 14


# --- A publication directory (what cdmx publish writes) ---------------------------------------------


def _manifest(publication: Path) -> dict:
    return json.loads((publication / "manifest.json").read_text(encoding="utf-8"))


def _row(html: str, path: str) -> str:
    row = html[html.index(f'<tr data-path="{path}"') :]
    return row[: row.index("</tr>")]


def test_the_downloads_page_lists_every_file_of_the_manifest(publication_site, sample_publication):
    manifest = _manifest(sample_publication)
    html = read(publication_site, "descargas.html")
    table = html[html.index('id="downloads"') :]
    rows = table.count("<tr data-path=")
    assert rows == len(manifest["files"]) + 1  # and the manifest itself; never the records (one per process)
    assert "records/" not in table
    for entry in [*manifest["files"], {"path": "manifest.json"}]:
        row = _row(table, entry["path"])
        target = sample_publication / entry["path"]
        size = entry.get("size", target.stat().st_size)
        digest = entry.get("sha256", hashlib.sha256(target.read_bytes()).hexdigest())
        assert f'<data value="{size}">' in row and f'<code class="hash">{digest}</code>' in row
        # The link reaches the file through the publication's name (a link cdmx publish switches nightly).
        href = row.split('href="', 1)[1].split('"', 1)[0]
        assert href == "../publicacion/" + entry["path"]
        assert (publication_site / href).is_file()
        if "count" in entry:
            assert f'<data value="{entry["count"]}">' in row
        for sheet, count in entry.get("sheets", {}).items():
            assert f'{sheet} (<data value="{count}">' in row
        if entry.get("night"):
            assert formats.day(entry["night"]) in row
        if entry.get("agency"):
            assert manifest["agencies"][entry["agency"]]["name"] in row
        if entry.get("first_date"):
            assert formats.day(entry["first_date"]) in row and formats.day(entry["last_date"]) in row
    manifest_row = _row(table, "manifest.json")
    assert hashlib.sha256((sample_publication / "manifest.json").read_bytes()).hexdigest() in manifest_row
    kinds = {entry["kind"] for entry in manifest["files"]}
    assert kinds == {"release-package", "bulk-releases", "bulk-compiled-releases", "bulk-records",
                     "download-csv", "download-xlsx", "feed"}  # fmt: skip
    assert 'data-kind="other"' not in table


def test_a_process_page_links_its_published_record(publication_site, sample_publication):
    manifest = _manifest(sample_publication)
    assert len(manifest["records"]) == 14
    for entry in manifest["records"]:
        page = publication_site / process_path(entry["ocid"])
        html = page.read_text(encoding="utf-8")
        href = html.split("download>")[0].rsplit('href="', 1)[1].split('"')[0]
        assert href == "../../../publicacion/" + entry["path"]
        assert (page.parent / href).is_file()
        assert not page.with_suffix(".json").exists()


def test_each_agency_shows_its_publication_and_the_night(publication_site, sample_publication):
    manifest = _manifest(sample_publication)
    home = read(publication_site, "index.html")
    changes = home[home.index('id="night-changes"') :]
    changes = changes[: changes.index("</ul>")]
    for key, agency in manifest["agencies"].items():
        last = agency["last_publication"]
        item = changes[changes.index(f'data-agency="{key}"') :]
        item = item[: item.index("</li>")]
        assert agency["name"] in item and formats.day(last["night"]) in item
        expected = f"{last['new']} nuevos, {last['updated']} actualizados, {last['unchanged']} sin cambios"
        assert expected in item
        # The agency's page: its buyer's page, with what the publication says of it.
        href = item.split('href="', 1)[1].split('"', 1)[0]
        html = read(publication_site, href)
        assert f'data-source="{key}"' in html
        assert numbers(html, "publication-releases")[0][0] == agency["releases"]
        assert numbers(html, "agency-processes")[0][0] == agency["processes"]
        feed = html.split(f'{agency["feed"]}"', 1)[0].rsplit('href="', 1)[1] + agency["feed"]
        assert (publication_site / href).parent.joinpath(feed).resolve() == (
            sample_publication / agency["feed"]
        ).resolve()


def test_a_second_night_rewrites_only_what_changed(tmp_path):
    from openpyxl import load_workbook

    from .conftest import SITE_NIGHTS, publish_samples

    publication = publish_samples(tmp_path)
    site = tmp_path / "sitio"
    first = build_site(publication, site, jobs=1)
    assert first.exit_code == 0 and first.full and first.process_pages == 14
    before = _mtimes(site)
    records = {r["ocid"]: r for r in published_records(publication)}

    # The next night, the finance office corrects one contract's amount in its workbook.
    book_path = tmp_path / "samples" / "A121Fr30B_2024T3.xlsx"
    book = load_workbook(book_path)
    sheet = book["Reporte de Formatos"]
    labels = [c.value for c in sheet[7]]
    column = labels.index("Monto total del contrato con impuestos incluidos (expresado en pesos mexicanos)") + 1
    sheet.cell(row=8, column=column).value = 1999999.5
    book.save(book_path)
    publish_samples(tmp_path, SITE_NIGHTS[1])
    after_records = {r["ocid"]: r for r in published_records(publication)}
    changed = [o for o in after_records if after_records[o] != records[o]]
    assert len(changed) == 1
    (ocid,) = changed
    record = after_records[ocid]

    night = build_site(publication, site, jobs=1)
    assert night.exit_code == 0 and not night.full
    assert night.process_pages == 1 and night.agency_pages == 1
    assert night.supplier_pages == len(participants(record))
    after = _mtimes(site)
    rewritten = {p for p in after if after[p] != before.get(p)}
    pages = {
        p for p in rewritten if p.endswith(".html") and p.startswith(("procesos/", "proveedores/", "dependencias/"))
    }
    assert pages == {
        process_path(ocid),
        *(supplier_path(r) for r in participants(record)),
        agency_path(record["compiledRelease"]["buyer"]["id"]),
    }
    html = read(site, process_path(ocid))
    assert numbers(html, "process-amount")[0][0] == amounts(record["compiledRelease"])["MXN"]
    home = read(site, "index.html")
    assert "0 nuevos, 1 actualizados, 7 sin cambios" in home
    total = sum((amounts(r["compiledRelease"]).get("MXN", Decimal(0)) for r in after_records.values()), Decimal(0))
    assert numbers(home, "total-amount")[0][0] == total
    downloads = read(site, "descargas.html")
    assert all(e["sha256"] in downloads for e in _manifest(publication)["files"])

    # The same publication again: not one record file is opened (a damaged one goes unnoticed).
    other = next(o for o in after_records if o != ocid)
    entry = next(e for e in _manifest(publication)["records"] if e["ocid"] == other)
    damaged = publication / entry["path"]
    damaged.unlink()  # a hard link shared with the earlier build: replaced, not written through
    damaged.write_text("not json", encoding="utf-8")
    again = build_site(publication, site, jobs=1)
    assert again.exit_code == 0 and (again.process_pages, again.supplier_pages, again.agency_pages) == (0, 0, 0)


def test_a_manifest_formatted_otherwise_reads_the_same(sample_publication, tmp_path):
    copy = tmp_path / "copia"
    shutil.copytree(sample_publication.resolve(), copy)
    manifest = _manifest(copy)
    expected = [(e["ocid"], e["sha256"], e["agency"]) for e in manifest["records"]]
    fast = PublicationDir(copy)
    assert fast.records_at is not None  # as cdmx publish writes it: one record entry per line
    assert [(r.ocid, r.digest, r.agency) for r in fast.records()] == expected
    for text in (json.dumps(manifest, indent=2, ensure_ascii=False), json.dumps(manifest)):
        (copy / "manifest.json").write_text(text, encoding="utf-8")
        other = PublicationDir(copy)
        assert [(r.ocid, r.digest, r.agency) for r in other.records()] == expected
        assert [d.path for d in other.downloads()] == [d.path for d in fast.downloads()]
        assert other.info.changes == fast.info.changes and other.info.agencies == fast.info.agencies


def test_the_command_builds_a_publication(sample_publication, tmp_path):
    result = CliRunner().invoke(
        main, ["site", str(sample_publication), "-o", str(tmp_path / "sitio"), "--lang", "es", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "14 procesos" in result.output
    assert (tmp_path / "sitio" / "index.html").is_file()


def test_the_layout_is_known_in_one_place():
    source = (ROOT / "ocds_cdmx" / "site" / "publication.py").read_text(encoding="utf-8")
    others = [p for p in (ROOT / "ocds_cdmx" / "site").glob("*.py") if p.name != "publication.py"]
    assert "manifest.json" in source
    assert not any("manifest.json" in p.read_text(encoding="utf-8") for p in others)


def test_an_empty_publication_is_explained(tmp_path):
    (tmp_path / "vacia").mkdir()
    result = build_site(tmp_path / "vacia", tmp_path / "sitio")
    assert result.exit_code == 2 and result.input_errors[0].key == "site_no_records"
    assert isinstance(PublicationDir(tmp_path / "vacia").info.agencies, dict)


# --- The command ---------------------------------------------------------------------------------------


def test_the_command_builds_and_reports(sample_records, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main, ["site", str(sample_records), "-o", str(tmp_path / "s"), "--lang", "es", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "14 procesos" in result.output and "index.html" in result.output
    result = runner.invoke(
        main, ["site", str(sample_records), "-o", str(tmp_path / "s"), "--report", "json", "--jobs", "1"]
    )
    report = json.loads(result.output[result.output.index("{") :])
    assert report["exit_code"] == 0 and report["process_pages"] == 0 and report["processes"] == 14


def test_the_command_says_what_it_cannot_read(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"records": [', encoding="utf-8")
    result = CliRunner().invoke(main, ["site", str(bad), "-o", str(tmp_path / "s"), "--lang", "en"])
    assert result.exit_code == 2
    assert "bad.json" in result.output and "Traceback" not in result.output
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        assert CliRunner().invoke(main, ["site", str(bad), "-o", str(ro / "s")]).exit_code == 2
    shutil.rmtree(tmp_path / "s", ignore_errors=True)
