"""``cdmx site``: a publication → a static site, rebuilt each night where something changed.

The pages of processes are rendered by worker processes straight from each record's JSON text; what
the other pages add up (a few facts per process, :func:`ocds_cdmx.site.model.summary`) is kept with the
content hash of each record in a small SQLite file in the output folder (``.cdmx-site.sqlite``), so a
nightly run reads and renders only the records whose hash changed, and rewrites a supplier's or an
agency's page only when the facts it shows changed (each page's inputs are hashed too). A change of
the templates, the styles, the texts or the options makes the next run rebuild everything.

Memory does not grow with the publication: records are read one at a time; the other pages are made
in one pass over the summaries in the search's order (the most recent first), which writes the search
index as it goes, and the rows of the suppliers' pages wait in a temporary table of that SQLite file
until each supplier's page is made in turn.

Jinja2 renders the templates: it compiles them to Python once, which renders the 100,000 pages of a
large publication in minutes (``benchmarks/site.py``), and escapes every value by default.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import sqlite3
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.errors import CdmxError, InputError, OutputError
from ..core.options import SiteOptions, with_fields
from ..core.results import Result
from ..io.output import write_bytes_atomic as _write_private
from ..io.workers import WorkerPool, default_jobs
from . import formats, model, texts
from .searchindex import Doc, IndexBuilder
from .sources import RecordInput, Source, open_source

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
STATE = ".cdmx-site.sqlite"
#: Bump when what the pages show changes in a way the templates' bytes do not reveal.
FORMAT = "1"
LATEST = 10
AGENCY_LATEST = 50
MONTHS = 36


@dataclass(kw_only=True)
class SiteResult(Result):
    """What :func:`build_site` did: pages written (changed) and kept (unchanged)."""

    output: str = ""
    processes: int = 0
    process_pages: int = 0
    removed: int = 0
    suppliers: int = 0
    supplier_pages: int = 0
    agencies: int = 0
    agency_pages: int = 0
    other_files: int = 0
    full: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "processes": self.processes,
            "process_pages": self.process_pages,
            "removed": self.removed,
            "suppliers": self.suppliers,
            "supplier_pages": self.supplier_pages,
            "agencies": self.agencies,
            "agency_pages": self.agency_pages,
            "other_files": self.other_files,
            "full": self.full,
            "seconds": round(self.seconds, 2),
        }


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write atomically, readable by everyone (a web server runs as another user)."""
    _write_private(path, data)
    os.chmod(path, 0o644)


# --- Rendering ---------------------------------------------------------------------------------------


def relative_root(path: str) -> str:
    """``../../`` for ``procesos/3f/x.html``: the way back to the site's root, for links from disk."""
    return "../" * path.count("/")


def process_path(ocid: str) -> str:
    return formats.page_path("procesos", ocid)


def supplier_path(key: str) -> str:
    return formats.page_path("proveedores", key)


def agency_path(key: str) -> str:
    return f"dependencias/{formats.escape_name(key)}.html"


def data_href(data_base: str | None, root: str, path: str) -> str:
    """The link from a page (``root`` is its way back to the site's root) to a file of the publication:
    its path is URL-encoded (a record's file name may hold ``%``), after ``data_base`` (a URL, or a
    path relative to the site's root)."""
    href = (data_base or "") + urllib.parse.quote(path, safe="/-._~")
    return href if href.startswith(("http://", "https://", "/")) else root + href


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(
        _=lambda message, **params: texts.both(message, **params),
        N_=lambda message, **params: texts.both(message, **params),
        code=texts.code,
        amount=formats.amount,
        day=formats.day,
        integer=formats.integer,
        percent=formats.percent,
        process_path=process_path,
        supplier_path=supplier_path,
        agency_path=agency_path,
        version=__version__,
    )
    return env


class Renderer:
    """The templates, and what every page shares."""

    def __init__(self, site: dict) -> None:
        self.env = _environment()
        self.site = site
        self.env.globals["data_href"] = lambda root, path: data_href(site.get("data_base"), root, path)

    def render(self, template: str, path: str, **context: Any) -> bytes:
        html = self.env.get_template(template).render(root=relative_root(path), path=path, site=self.site, **context)
        return html.encode("utf-8")


_worker: dict[str, Any] = {}


def _init_worker(output: str, site: dict, data_base: str | None) -> None:
    _worker["renderer"] = Renderer(site)
    _worker["output"] = Path(output)
    _worker["data_base"] = data_base


def _load(task: RecordInput) -> tuple[dict, str]:
    if task.text is not None:
        text = task.text
    else:
        assert task.path is not None
        try:
            with open(task.path, encoding="utf-8-sig") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError("cannot_open", task.path, detail=str(e)) from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise InputError("cannot_open", task.path or task.ocid, detail=str(e)) from None
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = next((r for r in data["records"] if isinstance(r, dict)), {})
    if not isinstance(data, dict):
        raise InputError("cannot_open", task.path or task.ocid, detail="not a record")
    return data, text


def render_process(task: RecordInput) -> tuple[str, str, str, dict] | CdmxError:
    """Write the page of one process (and its record, when the publication has no file for it);
    return (ocid, digest, page path, summary)."""
    try:
        record, text = _load(task)
        view = model.process_view(record)
        ocid = view["ocid"] or task.ocid
        path = process_path(ocid)
        out: Path = _worker["output"]
        if task.url is None:
            record_href = Path(path).with_suffix(".json").name
            write_bytes_atomic(out / Path(path).with_suffix(".json"), text.encode("utf-8"))
        else:
            record_href = data_href(_worker["data_base"], relative_root(path), task.url)
        html = _worker["renderer"].render("process.html", path, p=view, record_href=record_href)
        write_bytes_atomic(out / path, html)
        summary = model.summary(record)
        if task.agency:  # the agency that publishes it (its feed, its nights), as the publication names it
            summary["source"] = task.agency
        return ocid, task.digest, path, summary
    except CdmxError as e:
        return e
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:  # a record the model cannot read
        return InputError("cannot_open", task.path or task.ocid, detail=f"{type(e).__name__}: {e}")


# --- State between builds ----------------------------------------------------------------------------


class State:
    """Content hashes and summaries of the last build, in ``<output>/.cdmx-site.sqlite``."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE IF NOT EXISTS process (ocid TEXT PRIMARY KEY, digest TEXT, page TEXT, summary TEXT);"
            "CREATE INDEX IF NOT EXISTS process_digest ON process (digest);"
            "CREATE TABLE IF NOT EXISTS page (path TEXT PRIMARY KEY, digest TEXT);"
        )

    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def forget(self) -> None:
        self.db.execute("UPDATE process SET digest = ''")
        self.db.execute("DELETE FROM page")

    def digests(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT digest, ocid FROM process WHERE digest != ''"))

    def pages(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, digest FROM page"))

    def close(self) -> None:
        self.db.commit()
        self.db.close()


def _hash(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def build_key(options: SiteOptions, data_base: str | None) -> str:
    """Changes when anything that every page shows changes: templates, styles, scripts, texts, options."""
    files = sorted([*TEMPLATES.rglob("*"), *STATIC.rglob("*")])
    mo = texts.LOCALE_DIR / "es" / "LC_MESSAGES" / f"{texts.DOMAIN}.mo"
    contents = [p.read_bytes() for p in files if p.is_file()]
    return _hash(FORMAT, __version__, *contents, mo.read_bytes() if mo.is_file() else b"", data_base, options.title)


# --- The build ---------------------------------------------------------------------------------------


class _Writer:
    """Writes a file only when its content (or the hash of its inputs) changed since the last build."""

    def __init__(self, output: Path, state: State) -> None:
        self.output = output
        self.state = state
        self.before = state.pages()
        self.now: dict[str, str] = {}
        self.written = 0

    def write(self, path: str, content: bytes | Callable[[], bytes], digest: str | None = None) -> bool:
        if digest is None:
            assert isinstance(content, bytes)
            digest = hashlib.sha256(content).hexdigest()
        self.now[path] = digest
        if self.before.get(path) == digest and (self.output / path).is_file():
            return False
        data = content() if callable(content) else content
        write_bytes_atomic(self.output / path, data)
        self.written += 1
        return True

    def remove_stale(self, prefix: str) -> int:
        removed = 0
        for path in self.before:
            if path.startswith(prefix) and path not in self.now:
                with contextlib.suppress(FileNotFoundError):
                    (self.output / path).unlink()
                removed += 1
        return removed

    def save(self) -> None:
        self.state.db.execute("DELETE FROM page")
        self.state.db.executemany("INSERT INTO page VALUES (?, ?)", self.now.items())


def _money_rows(totals: dict[str, Decimal]) -> list[dict]:
    return [{"value": str(v), "text": formats.amount(v, c), "currency": c} for c, v in sorted(totals.items())]


def _mxn(amounts: dict[str, str]) -> Decimal:
    value = amounts.get("MXN")
    return Decimal(value) if value else Decimal(0)


class _Group:
    """Counts and MXN amounts by some key, for the tables and charts."""

    def __init__(self) -> None:
        self.count: Counter = Counter()
        self.amount: dict[Any, Decimal] = defaultdict(Decimal)

    def add(self, key: Any, amount: Decimal) -> None:
        self.count[key] += 1
        self.amount[key] += amount

    def rows(self, order: str = "amount", limit: int | None = None) -> list[dict]:
        keys = list(self.count)
        if order == "amount":
            keys.sort(key=lambda k: (-self.amount[k], str(k)))
        else:
            keys.sort(key=str)
        top = max((self.amount[k] for k in keys), default=Decimal(0))
        rows = [
            {
                "key": k,
                "count": self.count[k],
                "amount": str(self.amount[k]),
                "amount_text": formats.amount(self.amount[k]),
                "share": float(self.amount[k] / top * 100) if top else 0.0,
            }
            for k in keys
        ]
        return rows[:limit] if limit else rows


def build_site(
    source: str | os.PathLike | Source,
    output: str | os.PathLike,
    options: SiteOptions | None = None,
    *,
    progress: Callable[[str, int], None] | None = None,
    **fields: Any,
) -> SiteResult:
    """Build (or bring up to date) the static site of ``source`` in ``output``."""
    options = with_fields(SiteOptions, options, fields)
    started = time.perf_counter()
    result = SiteResult(output=str(output))
    out = Path(output)
    try:
        src = open_source(source, options.encoding) if not hasattr(source, "records") else source
    except CdmxError as e:
        result.input_errors.append(e)
        return result
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".cdmx-site-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        result.input_errors.append(OutputError("cannot_write", str(out), detail=str(e)))
        return result
    if options.data_url:
        data_base: str | None = options.data_url.rstrip("/") + "/"
    else:
        # Not resolved: a publication that is a symbolic link (cdmx publish switches it every night)
        # is linked to through its name, not through tonight's build.
        rel = os.path.relpath(os.path.abspath(src.root), os.path.abspath(out)).replace(os.sep, "/")
        data_base = "" if rel == "." else rel + "/"
    site = {
        "title": options.title,
        "built": datetime.now(UTC).astimezone(formats.CDMX).strftime("%d/%m/%Y"),
        "info": src.info,
        "data_base": data_base,
        "license": src.info.license,
    }
    state = State(out / STATE)
    try:
        _build(src, out, options, state, site, data_base, result, progress)
    except CdmxError as e:
        result.input_errors.append(e)
    finally:
        state.close()
    result.seconds = time.perf_counter() - started
    return result


def _build(
    src: Source,
    out: Path,
    options: SiteOptions,
    state: State,
    site: dict,
    data_base: str | None,
    result: SiteResult,
    progress: Callable[[str, int], None] | None,
) -> None:
    key = build_key(options, data_base)
    if state.get("build") != key or options.full:
        state.forget()
        result.full = True
    known = state.digests()
    seen: set[str] = set()
    changed: list[tuple[str, str, str, str]] = []

    def todo() -> Iterator[RecordInput]:
        for n, item in enumerate(src.records(), 1):
            ocid = known.get(item.digest)
            if ocid is not None and ocid not in seen and (not item.ocid or item.ocid == ocid):
                seen.add(ocid)
                continue
            if progress and n % 1000 == 0:
                progress("site", n)
            yield item

    jobs = options.jobs or default_jobs()
    with WorkerPool(jobs, _init_worker, (str(out), site, data_base), lazy=True) as pool:
        for answer in pool.map_ordered(render_process, todo(), window=8):
            if isinstance(answer, CdmxError):
                result.input_errors.append(answer)
                continue
            ocid, digest, path, summary = answer
            if ocid in seen:
                result.problems.append(ocid)
            seen.add(ocid)
            changed.append((ocid, digest, path, json.dumps(summary, ensure_ascii=False, separators=(",", ":"))))
            if len(changed) >= 2000:
                state.db.executemany("INSERT OR REPLACE INTO process VALUES (?, ?, ?, ?)", changed)
                result.process_pages += len(changed)
                changed.clear()
    state.db.executemany("INSERT OR REPLACE INTO process VALUES (?, ?, ?, ?)", changed)
    result.process_pages += len(changed)
    if result.input_errors:
        return  # the pages written stay; the next run retries what failed
    # Processes no longer in the publication: their pages go.
    gone = [(ocid, page) for ocid, page in state.db.execute("SELECT ocid, page FROM process") if ocid not in seen]
    for ocid, page in gone:
        for suffix in (".html", ".json"):
            with contextlib.suppress(FileNotFoundError):
                (out / page).with_suffix(suffix).unlink()
        state.db.execute("DELETE FROM process WHERE ocid = ?", (ocid,))
    result.removed = len(gone)
    result.processes = len(seen)
    if progress:
        progress("pages", result.processes)
    _aggregate_pages(src, out, options, state, site, result)
    state.set("build", build_key(options, data_base))


def _aggregate_pages(
    src: Source, out: Path, options: SiteOptions, state: State, site: dict, result: SiteResult
) -> None:
    renderer = Renderer(site)
    writer = _Writer(out, state)
    agencies_named = dict(src.info.agencies)
    details = getattr(src.info, "agency_details", {})

    supplier_names: dict[str, Counter] = defaultdict(Counter)
    agencies: dict[str, dict] = {}
    home = {
        "agency": _Group(),
        "method": _Group(),
        "category": _Group(),
        "month": _Group(),
        "competitive": _Group(),
        "winners": _Group(),
    }
    totals: dict[str, Decimal] = defaultdict(Decimal)
    latest: list[dict] = []
    count = 0
    db = state.db
    # What a supplier's page lists, one row per process it took part in, kept in a temporary table
    # (on disk) until every process is read: 100,000 processes are some 400,000 such rows.
    db.execute("CREATE TEMP TABLE IF NOT EXISTS part (supplier TEXT, row TEXT)")
    db.execute("DELETE FROM part")
    parts: list[tuple[str, str]] = []
    # The processes come in the search's order (the most recent first), so the index is written as
    # they come; its filters' values are known first.
    agency_keys = [k for (k,) in db.execute("SELECT DISTINCT json_extract(summary, '$.agency') FROM process")]
    years = [y for (y,) in db.execute("SELECT DISTINCT json_extract(summary, '$.year') FROM process")]
    index = IndexBuilder(agency_keys, years, {}, site["built"])
    index_written = [0]

    def other_index(name: str, content: bytes) -> None:
        index_written[0] += writer.write(f"indice/{name}", content)

    query = "SELECT ocid, page, summary FROM process ORDER BY json_extract(summary, '$.day') DESC, ocid DESC"
    for ocid, page, text in db.execute(query):
        s = json.loads(text)
        count += 1
        agency = s["agency"]
        name = agencies_named.get(agency) or s["agency_name"]
        amounts = s["amounts"]
        mxn = _mxn(amounts)
        for currency, value in amounts.items():
            totals[currency] += Decimal(value)
        a = agencies.get(agency)
        if a is None:
            a = agencies[agency] = {
                "key": agency,
                "name": name,
                "first": ocid,
                "count": 0,
                "amounts": defaultdict(Decimal),
                "year": _Group(),
                "method": _Group(),
                "category": _Group(),
                "suppliers": _Group(),
                "coverage": Counter(),
                "latest": [],
                "sources": Counter(),
            }
        elif ocid < a["first"]:  # an agency is named as its first process (by OCID) names it
            a["first"], a["name"] = ocid, name
        a["count"] += 1
        for currency, value in amounts.items():
            a["amounts"][currency] += Decimal(value)
        a["year"].add(s["year"] or "—", mxn)
        a["method"].add(s["method"], mxn)
        a["category"].add(s["category"], mxn)
        a["coverage"].update(s["coverage"])
        if s.get("source"):
            a["sources"][s["source"]] += 1
        row = {
            "ocid": ocid,
            "href": page,
            "title": s["title"],
            "agency": agency,
            "agency_name": name,
            "day": s["day"],
            "date": formats.day(s["day"]),
            "method": s["method"],
            "stage": s["stage"],
            "amounts": _money_rows({k: Decimal(v) for k, v in amounts.items()}),
        }
        if len(a["latest"]) < AGENCY_LATEST:  # the most recent come first
            a["latest"].append(row)
        if len(latest) < LATEST:
            latest.append(row)
        home["agency"].add(agency, mxn)
        home["method"].add(s["method"], mxn)
        home["category"].add(s["category"], mxn)
        if s["month"]:
            home["month"].add(s["month"], mxn)
        home["competitive"].add(
            "competitive" if s["method"] in model.COMPETITIVE else ("direct" if s["method"] == "direct" else ""), mxn
        )
        winners = []
        for key, entry in s["suppliers"].items():
            supplier_names[key][entry["name"]] += 1
            won = _mxn(entry["amounts"])
            supplier_row = {
                **row,
                "won": entry["won"],
                "credited": _money_rows({k: Decimal(v) for k, v in entry["amounts"].items()}),
                "mxn": str(won),
                "year": s["year"] or "—",
            }
            parts.append((key, json.dumps(supplier_row, ensure_ascii=False, separators=(",", ":"))))
            if entry["won"]:
                a["suppliers"].add(key, won)
                home["winners"].add(key, won)
                winners.append((entry["name"], key, relative_root("") + supplier_path(key)))
        if len(parts) >= 5000:
            db.executemany("INSERT INTO part VALUES (?, ?)", parts)
            parts.clear()
        amount_text = " + ".join(formats.amount(Decimal(v), c) for c, v in sorted(amounts.items()))
        doc = Doc(
            ocid=ocid,
            href=page,
            title=s["title"],
            agency=agency,
            day=s["day"],
            year=s["year"],
            method=s["method"],
            category=s["category"],
            stage=s["stage"],
            amount=float(mxn) if "MXN" in amounts else None,
            amount_text=amount_text,
            suppliers=winners,
            tokens=s["tokens"],
        )
        for name_, content in index.add(doc):
            other_index(name_, content)
    db.executemany("INSERT INTO part VALUES (?, ?)", parts)
    parts.clear()

    def name_of(key: str) -> str:
        names = supplier_names.get(key)
        return names.most_common(1)[0][0] if names else key

    # Suppliers' pages: one per RFC, rewritten when its rows changed; one supplier's rows in memory.
    rows_by_supplier = db.execute("SELECT supplier, row FROM part ORDER BY supplier")
    for key, group in itertools.groupby(rows_by_supplier, key=lambda r: r[0]):
        rows = [json.loads(text) for _, text in group]
        rows.sort(key=lambda r: (r["day"], r["ocid"]), reverse=True)
        path = supplier_path(key)
        by_agency, by_year = _Group(), _Group()
        won = 0
        total: dict[str, Decimal] = defaultdict(Decimal)
        for r in rows:
            if r["won"]:
                won += 1
                by_agency.add(r["agency_name"], Decimal(r["mxn"]))
                by_year.add(r["year"], Decimal(r["mxn"]))
                for m in r["credited"]:
                    total[m["currency"]] += Decimal(m["value"])
        participated_agency = Counter(r["agency_name"] for r in rows)
        participated_year = Counter(r["year"] for r in rows)
        context = {
            "key": key,
            "name": name_of(key),
            "names": sorted(supplier_names[key]),
            "rows": rows,
            "won": won,
            "total": _money_rows(total),
            "by_agency": [{**r, "took_part": participated_agency[r["key"]]} for r in by_agency.rows()]
            + [
                {"key": k, "count": 0, "amount": "0", "amount_text": formats.amount(0), "share": 0, "took_part": n}
                for k, n in sorted(participated_agency.items())
                if k not in by_agency.count
            ],
            "by_year": [{**r, "took_part": participated_year[r["key"]]} for r in by_year.rows(order="key")]
            + [
                {"key": k, "count": 0, "amount": "0", "amount_text": formats.amount(0), "share": 0, "took_part": n}
                for k, n in sorted(participated_year.items(), key=lambda kv: str(kv[0]))
                if k not in by_year.count
            ],
        }
        if writer.write(path, lambda c=context, p=path: renderer.render("supplier.html", p, **c), _hash(context)):
            result.supplier_pages += 1
    db.execute("DELETE FROM part")
    result.suppliers = len(supplier_names)
    writer.remove_stale("proveedores/")

    agency_rows = []
    #: The publication's agency key → the page of the agency (the buyer) most of its processes are of.
    source_pages: dict[str, str] = {}
    for key, a in sorted(agencies.items(), key=lambda kv: kv[1]["name"]):
        path = agency_path(key)
        publication = None
        if a["sources"]:
            source = a["sources"].most_common(1)[0][0]
            source_pages.setdefault(source, path)
            if source in details:
                publication = {"key": source, **details[source]}
        coverage = [
            {
                "field": field_key,
                "label": texts.bi(label),
                "count": a["coverage"][field_key],
                "share": 100 * a["coverage"][field_key] / a["count"] if a["count"] else 0,
            }
            for field_key, label in texts.COVERAGE.items()
        ]
        context = {
            "agency": {
                "key": key,
                "name": a["name"],
                "count": a["count"],
                "amounts": _money_rows(a["amounts"]),
                "amount": str(a["amounts"].get("MXN", Decimal(0))),
            },
            "by_year": a["year"].rows(order="key"),
            "by_method": a["method"].rows(),
            "by_category": a["category"].rows(),
            "coverage": coverage,
            "coverage_mean": sum(c["share"] for c in coverage) / len(coverage),
            "top_suppliers": [{**r, "name": name_of(r["key"])} for r in a["suppliers"].rows(limit=20)],
            "supplier_count": len(a["suppliers"].count),
            "latest": a["latest"],
            "publication": publication,
        }
        agency_rows.append({**context["agency"], "coverage": context["coverage_mean"], "href": path})
        if writer.write(path, lambda c=context, p=path: renderer.render("agency.html", p, **c), _hash(context)):
            result.agency_pages += 1
    result.agencies = len(agencies)
    writer.remove_stale("dependencias/")

    months = home["month"].rows(order="key")[-MONTHS:]
    competitive = home["competitive"]
    total_mxn = totals.get("MXN", Decimal(0))
    home_context = {
        "count": count,
        "totals": _money_rows(totals),
        "total_mxn": str(total_mxn),
        "supplier_count": len(supplier_names),
        "agency_count": len(agencies),
        "by_agency": [
            {**r, "name": agencies[r["key"]]["name"], "href": agency_path(r["key"])} for r in home["agency"].rows()
        ],
        "by_method": home["method"].rows(),
        "by_category": home["category"].rows(),
        "by_month": months,
        "month_max": max((Decimal(m["amount"]) for m in months), default=Decimal(0)),
        "competitive": {
            k: {
                "count": competitive.count[k],
                "amount": str(competitive.amount[k]),
                "text": formats.amount(competitive.amount[k]),
            }
            for k in ("competitive", "direct", "")
        },
        "competitive_share": formats.percent(competitive.amount["competitive"], total_mxn),
        "competitive_count_share": formats.percent(competitive.count["competitive"], count),
        "latest": latest,
        "top_suppliers": [{**r, "name": name_of(r["key"])} for r in home["winners"].rows(limit=10)],
        "changes": {
            k: {**c, "name": c.get("name") or agencies_named.get(k) or k, "href": source_pages.get(k, "")}
            for k, c in src.info.changes.items()
        },
    }
    other = 0
    other += writer.write("index.html", renderer.render("home.html", "index.html", h=home_context))
    other += writer.write(
        "dependencias.html", renderer.render("agencies.html", "dependencias.html", agencies=agency_rows)
    )
    search_context = {
        "agencies": sorted(((k, a["name"]) for k, a in agencies.items()), key=lambda kv: kv[1]),
        "years": sorted({y for y in years if y}, reverse=True),
    }
    other += writer.write("buscar.html", renderer.render("search.html", "buscar.html", **search_context))
    # For people first (spreadsheets), then for programs (the bulk files, each night's packages).
    order = ("xlsx", "csv", "compiled", "records", "bulk-releases", "releases", "feed", "manifest")
    downloads = sorted(src.downloads(), key=lambda d: (order.index(d.kind) if d.kind in order else len(order), d.path))
    other += writer.write(
        "descargas.html", renderer.render("downloads.html", "descargas.html", downloads=downloads, count=count)
    )
    other += writer.write("acerca.html", renderer.render("about.html", "acerca.html", count=count))

    # The rest of the search index: what needs every process.
    index.agencies = {k: a["name"] for k, a in agencies.items()}
    for name, content in index.finish():
        other_index(name, content)
    other += index_written[0]
    writer.remove_stale("indice/")

    # Styles, scripts and the texts the scripts write.
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            other += writer.write(path.relative_to(STATIC).as_posix(), path.read_bytes())
    script_texts = {lang: {k: texts.translate(v, lang) for k, v in texts.SCRIPT_TEXTS.items()} for lang in ("es", "en")}
    script_texts["codes"] = {
        table: {
            code: {"es": texts.code(table, code).es, "en": texts.code(table, code).en} for code in texts.CODES[table]
        }
        for table in ("method", "stage", "category")
    }
    other += writer.write(
        "js/textos.js", f"window.CDMX_TEXTS = {json.dumps(script_texts, ensure_ascii=False)};\n".encode()
    )
    result.other_files = other
    writer.save()
