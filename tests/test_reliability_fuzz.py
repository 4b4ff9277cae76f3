"""Fuzzing validate, merge and convert: whatever the input, no traceback, an exit code of 0, 1 or 2, and
the previous output intact unless a complete new one replaced it.

A few hundred cases run in CI; ``CDMX_FUZZ_EXAMPLES=5000 python -m pytest tests/test_reliability_fuzz.py``
runs more by hand.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocds_cdmx.cli import main

from .conftest import AGENCY, ROOT

EXAMPLES = int(os.environ.get("CDMX_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CDMX_FUZZ_EXAMPLES") is None,  # CI: the same cases every run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
PREVIOUS = "previous output\n"

#: Two releases of the bundled samples, the text every mutation starts from.
_SAMPLE = json.loads((ROOT / "samples" / "releases.json").read_text(encoding="utf-8"))
BASE = json.dumps({**_SAMPLE, "releases": _SAMPLE["releases"][:2]}, ensure_ascii=False)
CSV_BASE = (ROOT / "samples" / "A121Fr30A_2024T3_descarga.csv").read_bytes()

#: What testers slipped into the files: each broke a command once.
HOSTILE = [
    "\\ud800", "\\udfff", "1e400", "-1e400", "NaN", "Infinity", "9" * 5000, '"releases": 3, ', '"releases": {}, ',
    '"records": [], ', '"version": "1.0", ', '"version": 2, ', "[" * 3000, "]", "{", "}", ",", ":", '"', "\\",
    "\x00", "\ufeff", "null", "true", "-", "0", "1.5", "{}", "[]", '"awards": -1, ', '"tag": 5, ', '"ocid": 7, ',
    '{"ocid": "x", "id": "1"}', "\n", "\u2028", "é", "😀",
]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@st.composite
def mutated_text(draw, base: str) -> str:
    """``base`` with a few edits: hostile snippets inserted, spans deleted or repeated, a cut."""
    text = base
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "repeat", "cut"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(HOSTILE) | st.text(max_size=5)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 50)) :]
        elif kind == "repeat":
            text = text[:at] + text[at : at + 200] * 2 + text[at + 200 :]
        else:
            text = text[:at]
    return text


@st.composite
def json_inputs(draw) -> bytes:
    """What a source may hold: a mutated package, a package of random members, concatenated documents,
    in UTF-8, UTF-16 or gzip, or bytes cut and flipped."""
    kind = draw(st.sampled_from(["mutated", "random", "members", "concatenated"]))
    if kind == "mutated":
        text = draw(mutated_text(BASE))
    elif kind == "random":
        text = json.dumps(draw(json_values))
    elif kind == "members":
        members = draw(st.dictionaries(st.sampled_from(["uri", "version", "releases", "records", "extensions",
                                                        "publishedDate", "publisher"]), json_values, max_size=5))  # fmt: skip
        text = json.dumps(members)
    else:
        text = BASE + "\n" + draw(mutated_text(BASE))
    data = text.encode("utf-8", errors="surrogatepass")
    wrapping = draw(st.sampled_from(["plain", "plain", "utf-16", "gzip", "flipped-gzip"]))
    if wrapping == "utf-16":
        data = text.encode("utf-16", errors="surrogatepass")
    elif wrapping.endswith("gzip"):
        data = gzip.compress(data)
        if wrapping == "flipped-gzip" and len(data) > 20:
            at = draw(st.integers(10, len(data) - 1))
            data = data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1 :]
    return data


def run(*args: str) -> tuple[int, str, str]:
    # The generic mappings name no buyer: the workbook's agency is given, as its data officer would.
    args = (*args, *AGENCY) if args and args[0] == "convert" else args
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback would have reached the user
    return result.exit_code, result.stdout, result.stderr


def check(code: int, out: str, err: str, output: Path) -> None:
    assert code in (0, 1, 2), (code, out, err)
    for text in (out, err):
        assert "Traceback" not in text and "Internal error" not in text, text
    written = output.read_text(encoding="utf-8")
    if code == 2:
        assert written == PREVIOUS  # an input or output error replaces nothing
    elif written != PREVIOUS:
        json.loads(written)  # what replaced it is complete, and JSON (no Infinity, no lone surrogate)
        assert "Infinity" not in written and "NaN" not in written


@FUZZ
@given(data=json_inputs(), gz=st.booleans())
def test_fuzz_validate_and_merge(tmp_path_factory, data, gz):
    folder = tmp_path_factory.mktemp("fuzz")
    source = folder / ("input.json.gz" if gz and data[:2] == b"\x1f\x8b" else "input.json")
    source.write_bytes(data)
    code, out, err = run("validate", "--format", "json", "--jobs", "1", source)
    assert code in (0, 1, 2), (code, out, err)
    assert "Traceback" not in out + err
    report = json.loads(out)
    assert report["exit_code"] == code
    output = folder / "records.json"
    output.write_text(PREVIOUS, encoding="utf-8")
    check(*run("merge", "--jobs", "1", source, "-o", output), output)
    check(*run("merge", "--jobs", "1", "--versioned", "--update", output, source, "-o", output), output)


@st.composite
def csv_inputs(draw) -> bytes:
    """The platform's CSV download, its bytes edited: cells changed, rows cut, separators and quotes
    slipped in, encodings mixed."""
    data = CSV_BASE
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        insert = draw(st.sampled_from([b";", b'"', b"\n", b"\r", b"\x00", b"\xff\xfe", b"x" * 1000, b";;;;",
                                       "é".encode(), b"1e400", b"-", b"31/02/2024"]))  # fmt: skip
        cut = draw(st.integers(0, 30))
        data = data[:at] + insert + data[at + cut :]
    return data


@FUZZ
@given(data=csv_inputs(), fmt=st.sampled_from(["package", "jsonl"]))
def test_fuzz_convert(tmp_path_factory, data, fmt):
    folder = tmp_path_factory.mktemp("fuzz")
    source = folder / "descarga.csv"
    source.write_bytes(data)
    output = folder / "releases.json"
    output.write_text(PREVIOUS, encoding="utf-8")
    code, out, err = run("convert", source, "--format", fmt, "-o", output, "--rejects", folder / "rejects.csv")
    assert code in (0, 1, 2), (code, out, err)
    for text in (out, err):
        assert "Traceback" not in text and "Internal error" not in text, text
    written = output.read_text(encoding="utf-8")
    if code == 2:
        assert written == PREVIOUS
    elif written != PREVIOUS:
        for line in written.splitlines() if fmt == "jsonl" else [written]:
            json.loads(line)
