"""How the site writes amounts, dates and file names.

Amounts as Mexicans write them (``$1,234,567.89 MXN``), dates as ``15/03/2024`` on the calendar of
Mexico City (a date-time in another offset is moved to America/Mexico_City first), and file names that
any file system keeps apart (FAT32 on a USB stick included): an injective escape of every character
outside ``[A-Za-z0-9.-]``, in 256 folders chosen by a hash so that no folder passes FAT32's limit of
65,534 entries.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

CDMX = ZoneInfo("America/Mexico_City")
_CENT = Decimal("0.01")
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")


def number(value: Any) -> Decimal | None:
    """``value`` as a Decimal (from its shortest repr, so 0.1 stays 0.1), or None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = Decimal(str(value)) if isinstance(value, (int, float)) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        return None
    return result if result.is_finite() else None


def amount(value: Any, currency: str | None = "MXN") -> str:
    """``$1,234,567.89 MXN``; ``-$1,000.00 MXN`` for a negative amount; ``""`` when there is no number."""
    n = number(value)
    if n is None:
        return ""
    rounded = n.quantize(_CENT, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    text = f"{sign}${abs(rounded):,.2f}"
    return f"{text} {currency}" if currency else text


def integer(value: int) -> str:
    """``12,345``."""
    return f"{value:,}"


def percent(part: float, whole: float) -> str:
    """``42.5 %`` (one decimal), ``—`` when ``whole`` is 0."""
    if not whole:
        return "—"
    return f"{100 * part / whole:.1f} %"


@lru_cache(maxsize=4096)
def local_date(value: str) -> date | None:
    """The day of ``value`` (RFC 3339 date-time or ``YYYY-MM-DD``) in Mexico City, or None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(CDMX).date()


def day(value: Any) -> str:
    """``15/03/2024``; the text as it is when it is not a date; ``""`` for nothing."""
    if not value:
        return ""
    found = local_date(value) if isinstance(value, str) else None
    return found.strftime("%d/%m/%Y") if found else str(value)


def iso_day(value: Any) -> str:
    """``2024-03-15`` in Mexico City (for sorting and machine-readable attributes), or ``""``."""
    found = local_date(value) if isinstance(value, str) else None
    return found.isoformat() if found else ""


def escape_name(text: str) -> str:
    """An injective, file-system-safe name: ``MAS&980312AB1`` → ``MAS_26_980312AB1``."""
    return "".join(c if c in _SAFE else f"_{ord(c):x}_" for c in text)


def bucket(text: str) -> str:
    """One of 256 folders, from a hash of ``text`` (case-sensitive, so names that differ only in case
    usually land in different folders of a case-insensitive file system)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:2]


def page_path(folder: str, key: str) -> str:
    """``procesos/3f/ocds-87sd3t-SAF-AD-001-2024.html``: the page of ``key`` under ``folder``."""
    name = escape_name(key)
    if len(name) > 180:  # file names stop at 255 bytes; keep them apart with a hash
        name = f"{name[:160]}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}"
    return f"{folder}/{bucket(key)}/{name}.html"
