"""The streaming reader: values that straddle the reader's chunk boundary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocds_cdmx.io.jsonin import CHUNK, iter_documents

PREFIX = '{"releases":[{"x":"'


@pytest.mark.parametrize("shift", range(10))
@pytest.mark.parametrize("token", ["\\u00ed", "\\n", "é", '", "n": 12345.678, "t": true, "y": "'])
def test_values_cut_by_the_chunk_boundary(tmp_path: Path, shift: int, token: str):
    # The token starts `shift` characters before the end of the first chunk.
    padding = "a" * (CHUNK - len(PREFIX) - shift)
    text = PREFIX + padding + token + 'z"}]}'
    path = tmp_path / "cut.json"
    path.write_text(text, encoding="utf-8")
    (doc,) = list(_documents(path))
    assert doc == json.loads(text)["releases"]


def _documents(path: Path):
    for doc in iter_documents(str(path)):
        yield [value for _, _, value in doc.items]
