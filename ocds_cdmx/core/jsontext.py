"""JSON text out, fast and byte for byte what the standard library writes.

Why orjson (a runtime dependency; MIT or Apache-2.0): encoding releases and records is most of what
``cdmx merge`` and ``cdmx convert`` do after reading, and ``benchmarks/components.py`` encodes the
same 10,000 releases in 0.17 s with orjson and in 1.0 s with ``json.dumps`` (0.14 s and 1.2 s keys
sorted, as the release ids' hashes need). The text must stay exactly what ``json.dumps(...,
ensure_ascii=False, separators=(",", ":"))`` writes: the outputs are compared byte for byte with
ocdskit's, and a release id is the hash of that text, so a different byte would mint new ids for
unchanged releases on the night after an upgrade. orjson writes the same bytes except:

- small floats: Python writes ``1e-05`` and ``5.5e-08`` where orjson writes ``0.00001`` and
  ``5.5e-8``. :func:`_differs` finds every such number in orjson's text (and, rarely, a string
  that looks like one): those values are encoded again with ``json.dumps``. ``tests/test_jsontext.py``
  puts this to millions of random floats;
- integers beyond 64 bits, lone surrogates, keys that are not strings and types it does not know:
  orjson refuses them, and ``json.dumps`` takes over (and raises as it always did);
- ``NaN`` and infinities, which orjson writes as ``null``: nothing the toolkit reads holds them (the
  JSON reader refuses them, and cells never give them).

:func:`loads` reads the text of one value that the JSON reader has already read (so it holds no
``NaN``, no ``1e400`` and no lone surrogate) with orjson, as ``json.loads`` would: orjson reads an
integer beyond 64 bits as a float, so a text with a number of 19 digits or more (:data:`_LONG_NUMBER`,
found in strings too, rarely) is read by ``json.loads``, which keeps it exact.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

#: In orjson's text, a number that Python writes otherwise: below 1e-4 (``0.0000…``) or with a
#: one-digit negative exponent (Python pads it: ``e-08``). Each is looked for only where its
#: characters are (a search for bytes is ten times faster than either pattern).
_SMALL = re.compile(rb"[:,\[]-?0\.0000")
_SHORT_EXPONENT = re.compile(rb"e-[0-9][,\]}]")


def _differs(text: bytes) -> bool:
    return bool((b"0.0000" in text and _SMALL.search(text)) or (b"e-" in text and _SHORT_EXPONENT.search(text)))


_COMPACT = (",", ":")
#: A number of 19 digits or more (in orjson's reading, a float beyond 64 bits).
_LONG_NUMBER = re.compile(r"[0-9]{19}")
_LONG_NUMBER_BYTES = re.compile(rb"[0-9]{19}")


def _encode(value: Any, sort_keys: bool) -> bytes | str:
    """orjson's bytes, or the standard library's text where they would differ."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except TypeError:
        text = None
    # A bare number has no separator before it: it is checked as if it were in an array.
    if text is None or _differs(text if text[:1] in b"{[" else b"[" + text + b"]"):
        return json.dumps(value, ensure_ascii=False, separators=_COMPACT, sort_keys=sort_keys)
    return text


def dumps_bytes(value: Any, *, sort_keys: bool = False) -> bytes:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)``, as UTF-8."""
    text = _encode(value, sort_keys)
    return text if isinstance(text, bytes) else text.encode("utf-8")


def dumps(value: Any, *, sort_keys: bool = False, ascii_only: bool = False) -> str:
    """``json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":"), sort_keys=sort_keys)``."""
    if ascii_only:
        return json.dumps(value, ensure_ascii=True, separators=_COMPACT, sort_keys=sort_keys)
    text = _encode(value, sort_keys)
    return text.decode("utf-8") if isinstance(text, bytes) else text


def loads(text: str | bytes) -> Any:
    """The value of one JSON text, as ``json.loads`` gives it."""
    long_number = _LONG_NUMBER if isinstance(text, str) else _LONG_NUMBER_BYTES
    if long_number.search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
