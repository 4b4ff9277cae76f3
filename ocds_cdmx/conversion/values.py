"""Cell values → JSON values of the type a mapping asks for, the way Mexico City's spreadsheets write them.

Dates come as Excel dates, Excel serial numbers or text (``15/03/2024``, ``2024-03-15``, ``15-03-2024``)
and become RFC 3339 date-times with the offset that America/Mexico_City had on that day. Amounts come as
numbers or text (``$1,234,567.89``, ``1 234 567.89 MXN``). A value that cannot be read raises
:class:`ValueProblem`, which says what was expected.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from ..core.errors import ValueProblem

CDMX = ZoneInfo("America/Mexico_City")
EXCEL_EPOCH = datetime(1899, 12, 30)
TYPES = ("string", "number", "integer", "date", "datetime", "boolean", "url", "code")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_AMOUNT_NOISE = re.compile(r"[$\s]|MXN|M\.N\.|USD|pesos", re.IGNORECASE)
_TRUE = {"si", "sí", "s", "yes", "y", "true", "verdadero", "1", "x"}
_FALSE = {"no", "n", "false", "falso", "0"}


def is_blank(value: Any) -> bool:
    """None, or text that is only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def normalize_label(text: Any) -> str:
    """A header label for comparison: no accents, no case, single spaces, no trailing colon."""
    # Cells repeat (catalog values, sub-table ids): text is normalized once.
    return _normalized(text) if text.__class__ is str else _normalize(text)


def _normalize(text: Any) -> str:
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().replace("\n", " ").split()).rstrip(":").strip()


_normalized = functools.lru_cache(maxsize=4096)(_normalize)

#: A qualifier the platform puts before a label ("ESTE CRITERIO APLICA A PARTIR DEL 01/07/2023 -> Sexo").
_CRITERION = re.compile(
    r"^este criterio aplica (?:a partir del|para ejercicios anteriores al) \d{1,2}/\d{1,2}/\d{2,4}\s*-*>\s*"
)
#: The sub-table a column points at: "…\nTabla_492972" in templates, "… (Tabla_334271)" in downloads.
_TABLE = re.compile(r"\s*\(?\s*tabla[_ ]?(\d+)\s*\)?\s*$")
_PUNCTUATION = re.compile(r"[,.;:]")
_CATALOG = re.compile(r"\s*\(catalogo\)$")


def _fold(text: Any) -> str:
    text = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("\n", " ")


def label_key(text: Any) -> str:
    """A column label for comparison with the labels of a mapping, whatever the layout wrote around it.

    Real labels differ from the platform's wording in ways that carry no meaning: case and accents
    (Title-Cased downloads, upper-case exports), punctuation (``resultados,`` ``correspondiente.``
    ``(catálogo):``, commas turned into spaces), repeated spaces, the sub-table suffix
    (``\\nTabla_492972`` in templates, `` (Tabla_334271)`` in downloads), a trailing ``(catálogo)``
    (labels occur with and without it) and the qualifier ``ESTE CRITERIO APLICA A PARTIR DEL
    01/07/2023 ->``. All of them are removed; what is left is compared.
    """
    folded = _CRITERION.sub("", _fold(text).strip())
    folded = _PUNCTUATION.sub(" ", _TABLE.sub("", folded))
    return _CATALOG.sub("", " ".join(folded.split()))


def table_of(label: Any) -> str | None:
    """The id of the sub-table a column label names (``…\\nTabla_492972`` → ``492972``), if any."""
    match = _TABLE.search(_fold(label).strip())
    return match.group(1) if match else None


def sheet_key(name: Any) -> str:
    """A sheet name for comparison: ``Tabla_492972``, ``Tabla 492972`` and ``TABLA492972`` are the same."""
    return re.sub(r"[^a-z0-9]", "", _fold(name))


def cast(value: Any, kind: str) -> Any:
    """``value`` as ``kind`` (one of :data:`TYPES`); blank cells are None."""
    if is_blank(value):
        return None
    if kind == "string":
        return to_string(value)
    if kind == "number":
        return to_number(value)
    if kind == "integer":
        number = to_number(value)
        if number != int(number):
            raise ValueProblem(expected="integer")
        return int(number)
    if kind in ("date", "datetime"):
        return to_datetime(value)
    if kind == "boolean":
        return to_boolean(value)
    if kind == "url":
        return to_url(value)
    if kind == "code":
        return to_code(value)
    raise ValueError(f"unknown type {kind!r}")


def plain(value: Any) -> Any:
    """A cell value as JSON can hold it, for messages: dates as ISO 8601 text."""
    return value.isoformat() if isinstance(value, datetime | date) else value


def to_string(value: Any) -> str:
    if value.__class__ is str:
        return " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return to_datetime(value)
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueProblem(expected="number")
    if isinstance(value, int | float):
        return value
    text = _AMOUNT_NOISE.sub("", str(value))
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):  # 1,234,567.89
        text = text.replace(",", "")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", text):  # 1.234.567,89
        text = text.replace(".", "").replace(",", ".")
    try:
        number = float(text) if "." in text else int(text)
    except ValueError:
        raise ValueProblem(expected="number") from None
    return -number if negative else number


def to_datetime(value: Any) -> str:
    """RFC 3339 with Mexico City's offset on that date."""
    # Dates repeat (a quarter's rows share a few dozen): each is read, and its offset looked up, once.
    # A value that cannot be read raises each time (lru_cache keeps no exception).
    return _datetime(value) if value.__class__ in _CACHED else _to_datetime(value)


def _to_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # Excel's serial dates: 1900-01-01 to 9999-12-31
            raise ValueProblem(expected="date")
        moment = EXCEL_EPOCH + timedelta(days=float(value))
        moment = moment.replace(microsecond=0)
    else:
        text = str(value).strip()
        match = _DMY.match(text)
        try:
            if match:
                d, m, y, hh, mm, ss = match.groups()
                moment = datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
            elif match := _YMD.match(text):
                y, m, d, hh, mm, ss = match.groups()
                moment = datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
            else:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
                return parsed.isoformat() if parsed.tzinfo else parsed.replace(tzinfo=CDMX).isoformat()
        except ValueError:
            raise ValueProblem(expected="date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CDMX)
    return moment.isoformat()


_datetime = functools.lru_cache(maxsize=4096)(_to_datetime)
#: The cell types cached by value (a bool is an int: True and 1 would share an entry, so neither is).
_CACHED = frozenset({str, datetime, date, float})


def to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = normalize_label(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueProblem(expected="boolean")


def to_code(value: Any) -> str:
    """A code written with digits (a postal code, a budget line, a key): text, never a number or a date."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | bool):
        raise ValueProblem(expected="code")
    return " ".join(str(value).split())


#: What a URL may hold as it is; everything else (spaces, accented letters) is percent-encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def to_url(value: Any) -> str:
    """A web address; spaces and other characters a URI cannot hold are percent-encoded
    (``…/AUTORIZACION SFP-0196-2023.pdf`` → ``…/AUTORIZACION%20SFP-0196-2023.pdf``, which is what
    the cell's own hyperlink points at)."""
    text = str(value).strip()
    if not re.match(r"^https?://\S", text, re.IGNORECASE):
        raise ValueProblem(expected="url")
    if text.isascii() and " " not in text and "\t" not in text and "\n" not in text:
        return text
    return quote(" ".join(text.split()), safe=_URL_SAFE)
