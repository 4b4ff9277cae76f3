"""The search index: split so that a query loads only what it needs, readable from ``file://``.

Browsers do not let a page opened from disk ``fetch`` other files, but they do run the scripts it adds,
so every part of the index is a small script that hands its data to ``CDMX`` (``static/js/buscar.js``):

- ``indice/meta.js``: how many processes, the values of each filter, which word prefixes are split;
- ``indice/c-<column>.js``: one column per filter (agency, year, procedure, category, stage) as bytes,
  the amounts as float64 and the processes in order of amount (uint32), base64: 100,000 processes are
  130–1,070 KB a column, loaded only when a filter or sort needs them;
- ``indice/t/<prefix>.js``: the words that start with a prefix of 2 letters (3 or more where a prefix
  holds many words), each with the processes that contain it (ascending numbers, delta-encoded in
  base 36); a query loads the one file of each word typed;
- ``indice/d/<n>.js``: what a result shows (title, agency, date, amount, suppliers, link), 100
  processes a file; a page of results loads the few files of the processes it shows.

Processes are numbered from the most recent (by the process's date), so the natural order is the
order of results.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import formats
from .model import STAGES, STOPWORDS

CHUNK = 100
#: A prefix's file is split into longer prefixes above this size (bytes).
SHARD_LIMIT = 120_000
MAX_PREFIX = 6
METHODS = ("open", "selective", "limited", "direct", "")
CATEGORIES = ("goods", "services", "works", "")


def _js(call: str, *args: object) -> bytes:
    payload = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in args)
    return f"CDMX.{call}({payload});\n".encode()


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n < 36:
        return digits[n]
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(digits[r])
    return "".join(reversed(out))


def postings(ids: list[int]) -> str:
    """Ascending ids as base-36 deltas: ``[3, 5, 40]`` → ``"3,2,z"``."""
    previous = 0
    out = []
    for i in ids:
        out.append(_b36(i - previous))
        previous = i
    return ",".join(out)


def shard_name(prefix: str) -> str:
    return formats.escape_name(prefix)


@dataclass
class Doc:
    """One process as the index holds it."""

    ocid: str
    href: str
    title: str
    agency: str
    day: str
    year: int
    method: str
    category: str
    stage: str
    #: MXN amount (None: none published); the text shows every currency.
    amount: float | None
    amount_text: str
    suppliers: list[tuple[str, str, str]]  # (name, key, href) of the winners
    tokens: list[str] = field(default_factory=list)


def build_index(docs: Iterable[Doc], agencies: dict[str, str], built: str) -> dict[str, bytes]:
    """Every file of the index (path under ``indice/`` → content), for ``docs`` in result order."""
    docs = list(docs)
    n = len(docs)
    agency_keys = sorted({d.agency for d in docs})
    agency_index = {k: i for i, k in enumerate(agency_keys)}
    years = sorted({d.year for d in docs if d.year})
    year_index = {y: i for i, y in enumerate(years)}
    method_index = {m: i for i, m in enumerate(METHODS)}
    category_index = {c: i for i, c in enumerate(CATEGORIES)}
    stage_index = {s: i for i, s in enumerate(STAGES)}
    files: dict[str, bytes] = {}

    wide = len(agency_keys) > 255
    agency_col = bytearray()
    year_col = bytearray(n)
    method_col = bytearray(n)
    category_col = bytearray(n)
    stage_col = bytearray(n)
    amounts = bytearray()
    words: dict[str, list[int]] = {}
    for i, d in enumerate(docs):
        a = agency_index[d.agency]
        agency_col += struct.pack("<H", a) if wide else bytes((a,))
        year_col[i] = year_index.get(d.year, 255)
        method_col[i] = method_index.get(d.method, len(METHODS) - 1)
        category_col[i] = category_index.get(d.category, len(CATEGORIES) - 1)
        stage_col[i] = stage_index.get(d.stage, 0)
        amounts += struct.pack("<d", d.amount if d.amount is not None else float("nan"))
        for token in d.tokens:
            words.setdefault(token, []).append(i)

    # The order by amount, computed here once, so that sorting 100,000 results is a pass, not a sort.
    by_amount = sorted(range(n), key=lambda i: (docs[i].amount is None, -(docs[i].amount or 0.0), i))
    columns = {
        "byamount": (struct.pack(f"<{n}I", *by_amount), "u32"),
        "agency": (bytes(agency_col), "u16" if wide else "u8"),
        "year": (bytes(year_col), "u8"),
        "method": (bytes(method_col), "u8"),
        "category": (bytes(category_col), "u8"),
        "stage": (bytes(stage_col), "u8"),
        "amount": (bytes(amounts), "f64"),
    }
    for name, (data, _) in columns.items():
        files[f"c-{name}.js"] = _js("column", name, base64.b64encode(data).decode("ascii"))

    # Words by prefix; a prefix whose file is too big is split into longer prefixes (its words as
    # long as the prefix itself stay in its own file).
    encoded = {w: postings(ids) for w, ids in words.items()}
    split: list[str] = []

    def place(prefix: str, tokens: list[str]) -> None:
        size = sum(len(t) + len(encoded[t]) + 6 for t in tokens)
        if size > SHARD_LIMIT and len(prefix) < MAX_PREFIX and any(len(t) > len(prefix) for t in tokens):
            split.append(prefix)
            own = [t for t in tokens if len(t) == len(prefix)]
            longer: dict[str, list[str]] = {}
            for t in tokens:
                if len(t) > len(prefix):
                    longer.setdefault(t[: len(prefix) + 1], []).append(t)
            write(prefix, own)  # even empty: the search looks for the file of a split prefix
            for sub, group in sorted(longer.items()):
                place(sub, group)
        else:
            write(prefix, tokens)

    shards: list[str] = []

    def write(prefix: str, tokens: list[str]) -> None:
        tokens = sorted(tokens)
        shards.append(prefix)
        files[f"t/{shard_name(prefix)}.js"] = _js("shard", prefix, tokens, [encoded[t] for t in tokens])

    by_prefix: dict[str, list[str]] = {}
    for token in encoded:
        by_prefix.setdefault(token[:2], []).append(token)
    for prefix, tokens in sorted(by_prefix.items()):
        place(prefix, tokens)

    for start in range(0, n, CHUNK):
        rows = [
            [
                d.ocid,
                d.href,
                d.title[:200],
                agency_index[d.agency],
                formats.day(d.day),
                d.amount_text,
                method_index.get(d.method, len(METHODS) - 1),
                stage_index.get(d.stage, 0),
                [list(s) for s in d.suppliers[:3]],
                category_index.get(d.category, len(CATEGORIES) - 1),
            ]
            for d in docs[start : start + CHUNK]
        ]
        files[f"d/{start // CHUNK}.js"] = _js("docs", start // CHUNK, rows)

    meta = {
        "n": n,
        "priced": sum(1 for d in docs if d.amount is not None),
        "chunk": CHUNK,
        "agencies": [[k, agencies.get(k, k)] for k in agency_keys],
        "years": years,
        "methods": list(METHODS),
        "categories": list(CATEGORIES),
        "stages": list(STAGES),
        "columns": {name: kind for name, (_, kind) in columns.items()},
        "split": sorted(split),
        #: Every prefix that has a file: a word whose prefix is not here is in no process.
        "shards": sorted(shards),
        "stopwords": sorted(STOPWORDS),
        "built": built,
    }
    files["meta.js"] = _js("meta", meta)
    return files
