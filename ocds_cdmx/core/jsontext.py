"""JSON text out, fast and byte for byte what the standard library writes.

Why orjson (a runtime dependency; MIT or Apache-2.0): encoding releases and records is most of what
``cdmx merge`` and ``cdmx convert`` do after reading, and on the 10,000 releases of
``benchmarks/generate.py`` orjson took 0.17 s where ``json.dumps`` took 1.0 s (0.22 s and 1.2 s with
keys sorted, as the release ids' hashes need; measured on 2 December 2026, in the issue's note). The text must stay exactly what ``json.dumps(...,
ensure_ascii=False, separators=(",", ":"))`` writes: the outputs are compared byte for byte with
ocdskit's, and a release id is the hash of that text, so a different byte would mint new ids for
unchanged releases on the night after an upgrade. orjson writes the same bytes except:

- small floats: Python writes ``1e-05`` and ``5.5e-08`` where orjson writes ``0.00001`` and
  ``5.5e-8``. :func:`_differs` finds every such number in orjson's text (and, rarely, a string
  that looks like one): those values are encoded again with ``json.dumps``. ``tests/test_jsontext.py``
  puts this to 200,000 random floats (a one-off check, to 3 million);
- integers beyond 64 bits, lone surrogates, keys that are not strings and types it does not know:
  orjson refuses them, and ``json.dumps`` takes over (and raises as it always did);
- ``NaN`` and infinities, which orjson writes as ``null``: nothing the toolkit reads holds them (the
  JSON reader refuses them, and cells never give them).
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
