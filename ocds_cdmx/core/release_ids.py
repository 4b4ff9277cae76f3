"""Release ids that change with the content, so that releases stay immutable across nights.

OCDS releases are immutable: a release whose content changes is a new release, with a new ``id``
(https://standard.open-contracting.org/1.1/en/schema/reference/#release-handling). An id made of the
OCID, the stage and a short hash of the content (everything but ``id`` and ``date``) is the same for the
same content, so converting an unchanged spreadsheet again mints no new release, and different for
different content, so two nights' packages always merge (the "hash of all fields" of the standard's
"easy releases" guidance).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .jsontext import dumps_bytes

#: Hex digits of the hash in an id: 2^32 values, for the few releases of one OCID.
HASH_DIGITS = 8


def content_hash(release: dict[str, Any], digits: int | None = None) -> str:
    """SHA-256 of the release without ``id`` and ``date``, as canonical JSON (keys sorted, UTF-8)."""
    body = {k: v for k, v in release.items() if k not in ("id", "date")}
    digest = hashlib.sha256(dumps_bytes(body, sort_keys=True)).hexdigest()
    return digest if digits is None else digest[:digits]


def release_id(ocid: str, stage: str, release: dict[str, Any]) -> str:
    """``<ocid>-<stage>-<hash>``: the id of ``release`` (its ``id`` and ``date`` are not part of the hash)."""
    return f"{ocid}-{stage}-{content_hash(release, HASH_DIGITS)}"
