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

import array
import base64
import json
import math
import struct
import sys
from collections.abc import Iterable, Iterator
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


def postings(ids: Iterable[int]) -> str:
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


class IndexBuilder:
    """The index built as the processes come, in result order, one at a time: what it holds is the
    columns (a few bytes a process), each word's postings (4 bytes a process that has it) and the
    result file being filled, so that 100,000 processes are indexed in little memory. :meth:`add`
    and :meth:`finish` yield the files (path under ``indice/`` → content) as they are complete."""

    def __init__(self, agency_keys: Iterable[str], years: Iterable[int], agencies: dict[str, str], built: str) -> None:
        self.agency_keys = sorted(agency_keys)
        self.agency_index = {k: i for i, k in enumerate(self.agency_keys)}
        self.years = sorted(y for y in years if y)
        self.year_index = {y: i for i, y in enumerate(self.years)}
        self.method_index = {m: i for i, m in enumerate(METHODS)}
        self.category_index = {c: i for i, c in enumerate(CATEGORIES)}
        self.stage_index = {s: i for i, s in enumerate(STAGES)}
        self.agencies = agencies
        self.built = built
        self.wide = len(self.agency_keys) > 255
        self.agency_col = array.array("H" if self.wide else "B")
        self.year_col = bytearray()
        self.method_col = bytearray()
        self.category_col = bytearray()
        self.stage_col = bytearray()
        self.amounts = array.array("d")
        self.words: dict[str, array.array] = {}
        self.rows: list[list] = []
        self.n = 0
        self.priced = 0

    def add(self, d: Doc) -> Iterator[tuple[str, bytes]]:
        """Index the next process (processes come in result order)."""
        i = self.n
        self.n += 1
        a = self.agency_index[d.agency]
        method = self.method_index.get(d.method, len(METHODS) - 1)
        category = self.category_index.get(d.category, len(CATEGORIES) - 1)
        stage = self.stage_index.get(d.stage, 0)
        self.agency_col.append(a)
        self.year_col.append(self.year_index.get(d.year, 255))
        self.method_col.append(method)
        self.category_col.append(category)
        self.stage_col.append(stage)
        self.amounts.append(d.amount if d.amount is not None else math.nan)
        self.priced += d.amount is not None
        for token in d.tokens:
            ids = self.words.get(token)
            if ids is None:
                # One copy of each word (a process's words are its own strings otherwise).
                ids = self.words[sys.intern(token)] = array.array("I")
            ids.append(i)
        self.rows.append(
            [d.ocid, d.href, d.title[:200], a, formats.day(d.day), d.amount_text, method, stage,
             [list(s) for s in d.suppliers[:3]], category]
        )  # fmt: skip
        if len(self.rows) == CHUNK:
            yield from self._chunk()

    def _chunk(self) -> Iterator[tuple[str, bytes]]:
        number = (self.n - 1) // CHUNK
        yield f"d/{number}.js", _js("docs", number, self.rows)
        self.rows = []

    def finish(self) -> Iterator[tuple[str, bytes]]:
        """The files that need every process: the columns, the words, the metadata."""
        if self.rows:
            yield from self._chunk()
        n, amounts = self.n, self.amounts
        # The order by amount, computed here once, so that sorting 100,000 results is a pass, not a sort.
        by_amount = sorted(
            range(n), key=lambda i: (math.isnan(amounts[i]), -(0.0 if math.isnan(amounts[i]) else amounts[i]), i)
        )
        if self.wide:
            agency_bytes = struct.pack(f"<{n}H", *self.agency_col)
        else:
            agency_bytes = self.agency_col.tobytes()
        columns = {
            "byamount": (struct.pack(f"<{n}I", *by_amount), "u32"),
            "agency": (agency_bytes, "u16" if self.wide else "u8"),
            "year": (bytes(self.year_col), "u8"),
            "method": (bytes(self.method_col), "u8"),
            "category": (bytes(self.category_col), "u8"),
            "stage": (bytes(self.stage_col), "u8"),
            "amount": (struct.pack(f"<{n}d", *amounts), "f64"),
        }
        del by_amount
        for name, (data, _) in columns.items():
            yield f"c-{name}.js", _js("column", name, base64.b64encode(data).decode("ascii"))

        # Words by prefix; a prefix whose file is too big is split into longer prefixes (its words as
        # long as the prefix itself stay in its own file). Postings are encoded one prefix at a time.
        words = self.words
        split: list[str] = []
        shards: list[str] = []
        files: list[tuple[str, bytes]] = []

        def place(prefix: str, tokens: list[str], encoded: dict[str, str]) -> None:
            size = sum(len(t) + len(encoded[t]) + 6 for t in tokens)
            if size > SHARD_LIMIT and len(prefix) < MAX_PREFIX and any(len(t) > len(prefix) for t in tokens):
                split.append(prefix)
                own = [t for t in tokens if len(t) == len(prefix)]
                longer: dict[str, list[str]] = {}
                for t in tokens:
                    if len(t) > len(prefix):
                        longer.setdefault(t[: len(prefix) + 1], []).append(t)
                write(prefix, own, encoded)  # even empty: the search looks for the file of a split prefix
                for sub, group in sorted(longer.items()):
                    place(sub, group, encoded)
            else:
                write(prefix, tokens, encoded)

        def write(prefix: str, tokens: list[str], encoded: dict[str, str]) -> None:
            tokens = sorted(tokens)
            shards.append(prefix)
            files.append((f"t/{shard_name(prefix)}.js", _js("shard", prefix, tokens, [encoded[t] for t in tokens])))

        by_prefix: dict[str, list[str]] = {}
        for token in words:
            by_prefix.setdefault(token[:2], []).append(token)
        for prefix, tokens in sorted(by_prefix.items()):
            place(prefix, tokens, {t: postings(words[t]) for t in tokens})
            yield from files
            files.clear()

        meta = {
            "n": n,
            "priced": self.priced,
            "chunk": CHUNK,
            "agencies": [[k, self.agencies.get(k, k)] for k in self.agency_keys],
            "years": self.years,
            "methods": list(METHODS),
            "categories": list(CATEGORIES),
            "stages": list(STAGES),
            "columns": {name: kind for name, (_, kind) in columns.items()},
            "split": sorted(split),
            #: Every prefix that has a file: a word whose prefix is not here is in no process.
            "shards": sorted(shards),
            "stopwords": sorted(STOPWORDS),
            "built": self.built,
        }
        yield "meta.js", _js("meta", meta)


def build_index(docs: Iterable[Doc], agencies: dict[str, str], built: str) -> dict[str, bytes]:
    """Every file of the index (path under ``indice/`` → content), for ``docs`` in result order."""
    docs = list(docs)
    builder = IndexBuilder({d.agency for d in docs}, {d.year for d in docs}, agencies, built)
    files: dict[str, bytes] = {}
    for d in docs:
        files.update(builder.add(d))
    files.update(builder.finish())
    return files
