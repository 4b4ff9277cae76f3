"""ocds-cdmx: publish and check Mexico City's procurement data as OCDS 1.1.

The command line (``cdmx``) is a thin shell over these functions:

- :func:`convert`: an agency's workbook and its mapping → an OCDS release package;
- :func:`validate`: every problem in OCDS release or record packages;
- :func:`merge`: release packages from every agency and night → record packages;
- :func:`publish`: the nightly job: every agency's files → new releases where something changed →
  the store of every release ever published → the publication directory.
- :func:`build_site`: a publication → the static site where citizens follow the contracts.

Each takes its options as a frozen dataclass (:class:`ConvertOptions`, :class:`ValidateOptions`,
:class:`MergeOptions`) or as keyword arguments, and returns a result with ``findings``,
``input_errors`` and ``exit_code`` (0 fine, 1 data problems, 2 unreadable input).

The house, one subpackage per step of the flow, each importing only those before it:
``core`` → ``io`` → ``schema`` → ``report`` → ``validation`` → ``conversion`` → ``merging`` → ``publishing`` → ``site`` → ``cli``.
Names are loaded on first use, so that importing one part does not load them all.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "convert": "conversion",
    "ConvertResult": "conversion",
    "validate": "validation",
    "ValidationResult": "validation",
    "merge": "merging",
    "MergeResult": "merging",
    "publish": "publishing",
    "PublishResult": "publishing",
    "PublishOptions": "core.options",
    "build_site": "site",
    "SiteResult": "site",
    "SiteOptions": "core.options",
    "ConvertOptions": "core.options",
    "MergeOptions": "core.options",
    "ValidateOptions": "core.options",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'ocds_cdmx' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_API[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
