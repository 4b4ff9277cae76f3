"""Streaming JSON input: files, directories, standard input, gzip, encodings.

Input is read in chunks and each release or record is decoded on its own with the standard library's C
decoder, so memory holds one chunk and one item at a time, whatever the size of the file. A file may
hold release or record packages, bare releases or records, top-level arrays, JSON Lines or
concatenated JSON.

Why not ijson: ``benchmarks/components.py`` reads 10,000 releases (81 MB) in 0.78 s here and in 0.53 s
with ijson's C backend, so speed alone would not keep this reader. What ijson does not give, and the
toolkit needs: the JSON text of each item (the parallel validator hands releases to its workers as text,
which costs less than encoding them again), the line and column of a syntax error for the person who
must fix the file, and one reader for packages, arrays, JSON Lines and concatenated documents whose
``version`` or ``extensions`` may come after the items.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..core.errors import InputError

CHUNK = 1 << 20
ITEM_KEYS = ("records", "releases")
_WS = re.compile(r"[ \t\n\r]*")
JSON_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz", ".geojson")
#: Workbooks, by name and by their first bytes (zip: .xlsx, .xlsm, .ods; OLE2: .xls).
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


@dataclass
class ItemArray:
    """Stands in a package's metadata for its ``releases`` or ``records`` array."""

    count: int = 0

    def __repr__(self) -> str:
        return f"<{self.count} items>"


@dataclass
class Document:
    """One top-level JSON value of a source.

    ``metadata`` holds every top-level key except the ``releases``/``records`` array, which is replaced
    by an :class:`ItemArray` (its length is known once ``items`` has been consumed). ``items`` yields
    ``(key, index, value)`` for each element of that array, or ``(None, index, value)`` for the elements
    of a top-level array, or ``(None, None, value)`` for a bare object.
    """

    source: str
    number: int
    shape: str  # "package", "array", "object" or "scalar"
    metadata: dict = field(default_factory=dict)
    items: Iterator[tuple[str | None, int | None, Any]] = field(default_factory=lambda: iter(()))
    item_key: str | None = None
    line: int = 1
    scanner: _Scanner | None = field(default=None, repr=False)
    #: The top-level keys that ``metadata`` had before the first item: without look-ahead, the keys
    #: written after the item array are there only once ``items`` has been consumed.
    leading: frozenset = frozenset()
    #: Where the document starts: (path, encoding, character offset), to read it again.
    origin: tuple | None = field(default=None, repr=False)

    def late_keys(self) -> set[str]:
        """The keys written after the item array that ``metadata`` did not have before the first item
        (complete once ``items`` has been consumed)."""
        return set(self.metadata) - self.leading - {self.item_key}

    def item_text(self) -> str:
        """The JSON text of the item just yielded by ``items`` (to hand it to another process)."""
        assert self.scanner is not None
        return self.scanner.last_text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    # 1e400 would become infinity, which JSON cannot hold: the output would not be JSON.
    number = float(text)
    if number in (_INF, -_INF):
        raise ValueError(f"the number {text[:40]} is beyond the range of a double (about 1.8e308)")
    return number


_INF = float("inf")
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
#: An escaped surrogate: a lone one makes a string that no UTF-8 output can hold.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
#: The bytes standard input (or a pipe) may fill the temporary directory with: $CDMX_MAX_STDIN, else 8 GiB.
MAX_STDIN = 8 << 30


class _Scanner:
    """A cursor over a text stream that decodes one JSON value at a time."""

    def __init__(self, text: IO[str], source: str) -> None:
        self.text = text
        self.source = source
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.offset = 0  # characters discarded before buf[0]
        self.lines = 0  # newlines discarded before buf[0]
        self.last = (0, 0)  # where in buf the value read last is

    def fill(self, want: int = CHUNK) -> bool:
        if self.eof:
            return False
        if self.pos:
            self.lines += self.buf.count("\n", 0, self.pos)
            self.offset += self.pos
            self.buf = self.buf[self.pos :]
            self.pos = 0
        try:
            chunk = self.text.read(max(want, CHUNK))
        except UnicodeDecodeError as e:
            raise _encoding_error(self.source, e, self.offset + len(self.buf)) from None
        except (OSError, EOFError, zlib.error) as e:  # a damaged gzip among them
            raise InputError("io_error", self.source, detail=f"{type(e).__name__}: {e}") from None
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def skip_ws(self) -> str:
        """Skip whitespace; return the next character, or '' at the end of input."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def expect(self, chars: str, what: str) -> str:
        c = self.skip_ws()
        if not c or c not in chars:
            raise self.syntax_error(f"expected {what}", self.pos)
        self.pos += 1
        return c

    def value(self) -> Any:
        self.skip_ws()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                # A chunk can end inside a value: in a string, a number, a literal or a \uXXXX escape
                # (whose error points at the backslash, up to 5 characters before the end).
                truncated = e.pos >= len(self.buf) - 8 or e.msg.startswith("Unterminated string")
                if truncated and self.fill(len(self.buf)):
                    continue
                raise self.syntax_error(e.msg, e.pos) from None
            except ValueError as e:  # NaN, Infinity, 1e400, an integer of more than 4,300 digits
                if end_of_number(self.buf, self.pos) and self.fill(len(self.buf)):
                    continue
                raise self.syntax_error(str(e), self.pos) from None
            except RecursionError:
                raise self.syntax_error("nesting too deep", self.pos) from None
            # A number that ends at the end of the buffer may continue in the next chunk.
            if end == len(self.buf) and self.fill():
                continue
            if _SURROGATE_ESCAPE.search(self.buf, self.pos, end) and _has_lone_surrogate(value):
                raise self.syntax_error("a \\u escape names half of a character (a lone surrogate)", self.pos)
            self.last = (self.pos, end)
            self.pos = end
            return value

    @property
    def last_text(self) -> str:
        """The JSON text of the value read last (valid until the next read)."""
        start, end = self.last
        return self.buf[start:end]

    def line_col(self, pos: int) -> tuple[int, int]:
        line = self.lines + self.buf.count("\n", 0, pos) + 1
        col = pos - self.buf.rfind("\n", 0, pos)
        return line, col

    def input_error(self, message_key: str, pos: int, **params: Any) -> InputError:
        """An error about the value at ``pos``, with its line and column."""
        line, col = self.line_col(pos)
        return InputError(message_key, self.source, line=line, column=col, **params)

    def syntax_error(self, message: str, pos: int) -> InputError:
        line, col = self.line_col(pos)
        found = self.buf[pos : pos + 30].split("\n")[0]
        if not found and self.eof:
            message = (
                "the file ends before the JSON is complete"
                if message.startswith(("Expecting", "Unterminated", "expected"))
                else message
            )
        return InputError("json_syntax", self.source, line=line, column=col, detail=message, found=found)

    @property
    def char_offset(self) -> int:
        return self.offset + self.pos

    def skip_to(self, char_offset: int) -> None:
        """Move forward to ``char_offset``, dropping what lies before it."""
        while self.offset + len(self.buf) <= char_offset:
            self.pos = len(self.buf)
            if not self.fill():
                break
        self.pos = char_offset - self.offset


def end_of_number(buf: str, pos: int) -> bool:
    """Whether the value at ``pos`` is a number that runs to the end of the buffer (it may go on)."""
    return _NUMBER_TAIL.fullmatch(buf, pos) is not None


_NUMBER_TAIL = re.compile(r"-?[0-9.eE+-]+")


def _has_lone_surrogate(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _encoding_error(source: str, e: UnicodeDecodeError, approx_offset: int) -> InputError:
    sample = e.object[max(0, e.start - 20) : e.end + 20] if isinstance(e.object, bytes | bytearray) else b""
    guess = None
    try:
        sample.decode("cp1252")
        guess = "latin-1"
    except UnicodeDecodeError:
        pass
    byte = e.object[e.start : e.start + 1].hex() if isinstance(e.object, bytes | bytearray) else "?"
    return InputError(
        "encoding",
        source,
        encoding=e.encoding,
        byte=f"0x{byte}",
        position=approx_offset + e.start,
        guess=guess,
    )


def _sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # JSON text starts with an ASCII character: its zero bytes tell UTF-16 without BOM.
    if len(head) >= 4 and head[0] and not head[1] and head[2] and not head[3]:
        return "utf-16-le"
    if len(head) >= 4 and not head[0] and head[1] and not head[2] and head[3]:
        return "utf-16-be"
    return "utf-8"


@contextlib.contextmanager
def open_text(path: str | os.PathLike, encoding: str | None = None) -> Iterator[IO[str]]:
    """Open a file (gzip or not) as text, detecting BOMs and UTF-16; raise InputError when unreadable."""
    source = str(path)
    try:
        raw: IO[bytes] = open(path, "rb")  # noqa: SIM115
    except OSError as e:
        raise InputError("cannot_open", source, detail=e.strerror or str(e)) from None
    try:
        head = raw.read(4)
        raw.seek(0)
        # A workbook read as text fails as bad UTF-8 or bad JSON; what its owner needs is cdmx convert.
        if head.startswith(SPREADSHEET_MAGIC) or source.lower().endswith(SPREADSHEET_SUFFIXES):
            raise InputError("spreadsheet_given", source)
        if head[:2] == b"\x1f\x8b":
            raw = gzip.GzipFile(fileobj=raw)  # type: ignore[assignment]
            try:
                head = raw.read(4)
                raw.seek(0)
            except (OSError, EOFError, zlib.error) as e:
                raise InputError("io_error", source, detail=f"{type(e).__name__}: {e}") from None
        chosen = encoding or _sniff_encoding(head)
        if chosen.replace("_", "-").lower() in ("utf-8", "utf8"):
            chosen = "utf-8-sig"  # a BOM is harmless whichever encoding was named
        try:
            if not codecs.lookup(chosen)._is_text_encoding:  # rot13, base64: codecs, not encodings
                raise LookupError(chosen)
        except LookupError:
            raise InputError("unknown_encoding", source, encoding=chosen) from None
        text = io.TextIOWrapper(raw, encoding=chosen, errors="strict", newline="")
        yield text
    finally:
        raw.close()


def expand_sources(paths: list[str]) -> list[str]:
    """Files as given, directories expanded to their JSON files (sorted), ``-`` for standard input.

    A directory entry that cannot be read (a subdirectory without permission, a broken link) is an
    :class:`InputError`, never skipped: a night's file left out would go unnoticed.
    """
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
        elif os.path.isdir(p):
            found = _walk(p)
            if not found:
                raise InputError("empty_directory", p)
            out.extend(found)
        else:
            out.append(p)
    return out


def _walk(top: str) -> list[str]:
    def refuse(error: OSError) -> None:
        raise InputError("cannot_open", error.filename or top, detail=error.strerror or str(error))

    found = []
    for folder, dirs, files in os.walk(top, onerror=refuse):
        dirs.sort()
        for name in files:
            path = os.path.join(folder, name)
            if not name.lower().endswith(JSON_SUFFIXES):
                continue
            if not os.path.isfile(path):
                raise InputError("cannot_open", path, detail="not a readable file (a broken link?)")
            found.append(path)
    return sorted(found, key=lambda f: Path(f).parts)


def max_stdin() -> int:
    """The most bytes a stream is spooled to the temporary directory: ``$CDMX_MAX_STDIN``, else 8 GiB."""
    try:
        return int(os.environ.get("CDMX_MAX_STDIN", MAX_STDIN))
    except ValueError:
        return MAX_STDIN


def needs_spooling(path: str) -> bool:
    """Whether ``path`` is a stream that can be read only once (``-``, a pipe, a FIFO, a terminal)."""
    if path == "-":
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # opening it reports the problem
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


@contextlib.contextmanager
def spooled(path: str) -> Iterator[tuple[str, str]]:
    """``(file to read, label)`` for a source: a stream (``-``, a pipe, a FIFO) is first copied to a
    temporary file, up to :func:`max_stdin` bytes, so that it can be read twice like any file."""
    if not needs_spooling(path):
        yield path, path
        return
    from .tempfiles import scratch_dir

    label = "<stdin>" if path == "-" else path
    limit = max_stdin()
    with scratch_dir("stdin") as folder:
        name = os.path.join(folder, "stdin.json")
        try:
            source = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        except OSError as e:
            raise InputError("cannot_open", label, detail=e.strerror or str(e)) from None
        try:
            with open(name, "wb") as out:
                copied = 0
                while chunk := source.read(CHUNK):
                    copied += len(chunk)
                    if copied > limit:
                        raise InputError("stdin_too_large", label, limit=limit)
                    out.write(chunk)
        finally:
            if path != "-":
                source.close()
        yield name, label


@contextlib.contextmanager
def spooled_stdin() -> Iterator[str]:
    """Copy standard input to a temporary file, so that it can be read twice like any file."""
    with spooled("-") as (name, _):
        yield name


def iter_documents(
    path: str, encoding: str | None = None, label: str | None = None, *, lookahead: bool = True
) -> Iterator[Document]:
    """Yield every top-level JSON value of ``path`` as a :class:`Document`.

    A document's ``items`` must be consumed before the next document is requested. Concatenated
    packages are read in one pass each by two cursors, so memory holds one item, not the stream. A
    package whose ``version`` and ``extensions`` do not both come before its item array has them read
    by the second cursor ahead of its items, so that ``metadata`` is complete before the first item;
    with ``lookahead`` false the file is read once, and the caller looks at :meth:`Document.late_keys`
    after the items (and, when one of them matters, reads the document again with
    :func:`reread_document`).
    """
    source = label or path
    with open_text(path, encoding) as text, _Ahead(path, encoding, source) as ahead:
        scanner = _Scanner(text, source)
        number = 0
        while True:
            c = scanner.skip_ws()
            if not c:
                if number == 0:
                    raise InputError("empty_file", source)
                return
            line, _ = scanner.line_col(scanner.pos)
            if c == "{":
                doc = _object_document(scanner, ahead, source, number, line, lookahead)
            elif c == "[":
                scanner.pos += 1
                doc = Document(source, number, "array", line=line, scanner=scanner)
                doc.items = _array_items(scanner, None)
            else:
                doc = Document(source, number, "scalar", metadata={"value": scanner.value()}, line=line)
            yield doc
            for _ in doc.items:  # whatever the caller left unread
                pass
            number += 1


def _array_items(scanner: _Scanner, key: str | None) -> Iterator[tuple[str | None, int, Any]]:
    """Yield the elements of an array whose '[' has been consumed."""
    index = 0
    if scanner.skip_ws() == "]":
        scanner.pos += 1
        return
    while True:
        yield key, index, scanner.value()
        index += 1
        if scanner.expect(",]", "',' or ']' after an array element") == "]":
            return


def _check_member(scanner: _Scanner, metadata: dict, seen: set, key: str, value: Any, pos: int) -> None:
    """A package's keys once each, and not both releases and records: otherwise the data is ambiguous,
    and reading it as it comes would drop releases without a word."""
    if key in seen:
        raise scanner.input_error("duplicate_key", pos, name=key)
    seen.add(key)
    if key in ITEM_KEYS:
        other = ITEM_KEYS[0] if key == ITEM_KEYS[1] else ITEM_KEYS[1]
        if other in seen and not _is_record_like(metadata):
            raise scanner.input_error("both_item_keys", pos)


def _is_record_like(metadata: dict) -> bool:
    # A bare record has "releases" beside its compiledRelease; it is not a package with both arrays.
    return "compiledRelease" in metadata or "ocid" in metadata


def type_name(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


def _object_document(
    scanner: _Scanner, ahead: _Ahead, source: str, number: int, line: int, lookahead: bool = True
) -> Document:
    path, encoding = ahead.path, ahead.encoding
    start = scanner.char_offset
    scanner.pos += 1
    metadata: dict = {}
    doc = Document(
        source, number, "object", metadata=metadata, line=line, scanner=scanner, origin=(path, encoding, start)
    )

    def members() -> Iterator[tuple[str | None, int | None, Any]]:
        first = True
        seen: set[str] = set()
        while True:
            c = scanner.skip_ws()
            if c == "}" and first:
                scanner.pos += 1
                break
            if c != '"':
                raise scanner.syntax_error("expected a property name in double quotes", scanner.pos)
            at = scanner.pos
            key = scanner.value()
            scanner.expect(":", "':' after a property name")
            if key in ITEM_KEYS and doc.item_key is None and scanner.skip_ws() == "[":
                scanner.pos += 1
                _check_member(scanner, metadata, seen, key, [], at)
                doc.item_key = key
                array = ItemArray()
                metadata[key] = array
                for item in _array_items(scanner, key):
                    array.count += 1
                    yield item
            else:
                value = scanner.value()
                _check_member(scanner, metadata, seen, key, value, at)
                metadata[key] = value
            first = False
            if scanner.expect(",}", "',' or '}' after a property value") == "}":
                break

    # Read up to the item array. If the keys that choose the schema (version, extensions) are not
    # before it, a second cursor reads them ahead rather than holding the items.
    stream = members()
    first_item = next(stream, None)
    if doc.item_key is None:
        if first_item is not None:  # pragma: no cover - members() only yields inside an item array
            raise AssertionError
        doc.items = iter([(None, None, metadata)])
        return doc
    doc.shape = "package"
    if lookahead and not ("version" in metadata and "extensions" in metadata):
        for key, value in ahead.metadata(start, doc.item_key).items():
            metadata.setdefault(key, value)
    doc.leading = frozenset(metadata)

    def items() -> Iterator[tuple[str | None, int | None, Any]]:
        if first_item is not None:
            yield first_item
        yield from stream

    doc.items = items()
    return doc


@contextlib.contextmanager
def reread_document(doc: Document) -> Iterator[Document]:
    """``doc`` (a package) read again from its start, this time with its metadata complete before the
    first item."""
    if doc.origin is None:
        raise ValueError("only a document read from a file can be read again")
    path, encoding, start = doc.origin
    with open_text(path, encoding) as text, _Ahead(path, encoding, doc.source) as ahead:
        scanner = _Scanner(text, doc.source)
        scanner.skip_to(start)
        yield _object_document(scanner, ahead, doc.source, doc.number, doc.line, True)


class _Ahead:
    """A second cursor over the same file that reads a package's metadata past its item array. It only
    moves forward, so concatenated packages cost one more pass in all, not one per package."""

    def __init__(self, path: str, encoding: str | None, source: str) -> None:
        self.path = path
        self.encoding = encoding
        self.source = source
        self.stack = contextlib.ExitStack()
        self.scanner: _Scanner | None = None

    def __enter__(self) -> _Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

    def metadata(self, start: int, item_key: str) -> dict:
        """The top-level keys of the object that starts at ``start``, its item array only counted."""
        if self.scanner is None or self.scanner.char_offset > start:
            self.stack.close()
            text = self.stack.enter_context(open_text(self.path, self.encoding))
            self.scanner = _Scanner(text, self.source)
        scanner = self.scanner
        scanner.skip_to(start)
        scanner.pos += 1
        metadata: dict = {}
        if scanner.skip_ws() == "}":
            scanner.pos += 1
            return metadata
        while True:
            scanner.skip_ws()
            key = scanner.value()
            scanner.expect(":", "':'")
            if key == item_key and scanner.skip_ws() == "[" and key not in metadata:
                scanner.pos += 1
                metadata[key] = None
                for _ in _array_items(scanner, key):
                    pass
            else:
                metadata[key] = scanner.value()
            if scanner.expect(",}", "',' or '}'") == "}":
                metadata.pop(item_key, None)
                return metadata
