"""What each top-level JSON value of a source is: a package, a bare release or record, an array, or no object.

:class:`DocumentVisitor` is the one place that tells these apart; ``cdmx validate`` and ``cdmx merge``
subclass it and say what to do with each kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..core.ocds import is_package, package_key
from .jsonin import Document, ItemArray

Items = Iterator[tuple[str | None, int | None, Any]]


def package_items(metadata: dict) -> tuple[Items, dict]:
    """The items of a package held in memory, and its metadata with the item array stood in for by an
    :class:`ItemArray` (as a streamed package's metadata has it)."""
    key = package_key(metadata)
    value = metadata.get(key)
    if not isinstance(value, list):
        return iter(()), metadata
    return ((key, i, v) for i, v in enumerate(value)), {**metadata, key: ItemArray(len(value))}


class DocumentVisitor:
    """Dispatches the top-level values of a source: override the methods for each kind."""

    def visit(self, doc: Document) -> None:
        """Dispatch one top-level JSON value."""
        if doc.shape == "scalar":
            self.not_object(doc, (), doc.metadata.get("value"), "package")
        elif doc.shape == "array":
            self.array(doc)
            for _, index, value in doc.items:
                if is_package(value):
                    self.package(value, doc, (index,), None)
                else:
                    self.bare(value, doc, (index,))
        elif doc.shape == "package" or is_package(doc.metadata):
            self.package(doc.metadata, doc, (), doc.items if doc.shape == "package" else None)
        else:
            self.bare(doc.metadata, doc, ())

    def array(self, doc: Document) -> None:
        """A top-level array starts; its elements follow."""

    def package(self, metadata: dict, doc: Document, path: tuple, items: Items | None) -> None:
        """A release or record package. ``items`` streams its items; ``None`` when the package is held
        in memory (an element of an array, or an object whose items could not be streamed)."""
        raise NotImplementedError

    def bare(self, value: Any, doc: Document, path: tuple) -> None:
        """A release or record outside a package (or a value that is not an object)."""
        raise NotImplementedError

    def not_object(self, doc: Document, path: tuple, value: Any, expected: str) -> None:
        """A top-level value that is not an object or array."""
        raise NotImplementedError
