"""The fast JSON text of ocds_cdmx.core.jsontext is, byte for byte, what the standard library writes."""

from __future__ import annotations

import json
import random
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from ocds_cdmx.core import jsontext


def _reference(value, sort_keys=False, ascii_only=False):
    return json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":"), sort_keys=sort_keys)


def _floats(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        kind = rng.random()
        if kind < 0.4:
            f = struct.unpack("d", rng.randbytes(8))[0]
        elif kind < 0.8:
            f = rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
        else:
            f = round(rng.uniform(0, 1e7), rng.randint(0, 4))
        if f == f and abs(f) != float("inf"):
            out.append(f)
    return out


def test_every_float_is_written_as_python_writes_it():
    """orjson writes small floats otherwise (0.00001, 5e-8): those are found and written again."""
    floats = _floats(200_000, 7)
    for f in floats:
        for value in ([f], {"amount": f}, f, [1, f, "x"]):
            assert jsontext.dumps(value) == _reference(value), value
    assert jsontext.dumps([1e-05, 5.5e-08, 1e16, 1e22, -0.0]) == "[1e-05,5.5e-08,1e+16,1e+22,-0.0]"


def test_what_orjson_refuses_is_written_by_the_standard_library():
    big = {"value": 2**80, "neg": -(2**70)}
    assert jsontext.dumps(big) == _reference(big)
    assert jsontext.dumps({1: "a"}) == _reference({1: "a"})
    assert jsontext.dumps({"s": "\ud800"}) == _reference({"s": "\ud800"})
    assert jsontext.dumps({"é": "ñ"}, ascii_only=True) == _reference({"é": "ñ"}, ascii_only=True)


def test_every_character_is_escaped_as_python_escapes_it():
    text = "".join(chr(c) for c in range(0x800)) + "\u2028\u2029\ufeff\uffff\U0001f600"
    assert jsontext.dumps({"t": text}) == _reference({"t": text})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_any_json_value_is_written_as_the_standard_library_writes_it(value):
    for sort_keys in (False, True):
        assert jsontext.dumps(value, sort_keys=sort_keys) == _reference(value, sort_keys=sort_keys)


def test_merge_scratch_runs_give_back_exactly_what_was_stored(tmp_path):
    """Scratch runs store items with orjson; what it cannot write exactly goes through json."""
    from ocds_cdmx.io.scratch import RELEASE, RunWriter, iter_groups, load

    items = [
        {"ocid": "a", "value": {"amount": 2**80}, "n": [1e-05, -0.0, 18446744073709551615]},
        {"ocid": "a", "title": "Adquisición\u2028de bienes", "ok": True, "none": None},
    ]
    run = str(tmp_path / "run.sqlite")
    writer = RunWriter(run)
    for item in items:
        writer.add(item["ocid"], RELEASE, "night.json", "", item)
    writer.close()
    [(ocid, rows)] = list(iter_groups([run]))
    back = [it.data for it in load(rows)]
    assert ocid == "a" and repr(back) == repr(items)
    assert isinstance(back[0]["value"]["amount"], int)
