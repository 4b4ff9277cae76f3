"""The two formats the Review Tool checks: ``date-time`` (RFC 3339) and ``uri`` (RFC 3986).

These are the rules of jsonschema's format checkers, chosen here explicitly: jsonschema picks the GPL
``rfc3987`` for ``uri`` whenever it happens to be installed, which would make the result depend on the
machine and put a GPL library inside this MIT package. ``rfc3986-validator`` (MIT) is what
``jsonschema[format-nongpl]`` installs; ``rfc3339-validator`` (MIT) is the one jsonschema always uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rfc3339_validator import validate_rfc3339
from rfc3986_validator import validate_rfc3986

if TYPE_CHECKING:
    from jsonschema import FormatChecker


def date_time_ok(value: str) -> bool:
    """An RFC 3339 date-time, as jsonschema checks it (upper-cased first: ``t`` and ``z`` are allowed)."""
    return bool(validate_rfc3339(value.upper()))


def uri_ok(value: str) -> bool:
    """An absolute URI (RFC 3986)."""
    return bool(validate_rfc3986(value, rule="URI"))


def format_checker() -> FormatChecker:
    """A jsonschema format checker that checks exactly these two formats, with these rules."""
    from jsonschema import FormatChecker  # only when a schema needs the library: it is slow to import

    checker = FormatChecker(formats=())
    checker.checks("date-time")(lambda value: not isinstance(value, str) or date_time_ok(value))
    checker.checks("uri")(lambda value: not isinstance(value, str) or uri_ok(value))
    return checker
