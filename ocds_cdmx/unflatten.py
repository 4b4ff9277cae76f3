"""Sheets whose headers are OCDS paths (``tender/items/0/id``) → releases, as flattentool reads them.

This is what ``mappings/ocds-template.yaml`` selects (``mode: ocds-paths``): the layout of
flattentool's ``flatten`` output and of OCP's spreadsheet templates. Every sheet has the release's
``ocid`` and ``id``; the other headers are paths into the release, numbers standing for array
elements. Rows with the same ``ocid`` and ``id``, in any sheet, are one release; objects in arrays are
merged by their ``id``. Cell values are converted to the type the release schema gives their field,
with flattentool's rules (a value that does not fit is kept as text, with a warning).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any

from .values import is_blank

Warn = Callable[[str, int, str, Any, str], None]  # (sheet, row, header, value, expected)


def field_types(schema: dict) -> dict[tuple[str, ...], str]:
    """Field path (array steps left out) → its JSON type in the release schema (the first non-null)."""
    types: dict[tuple[str, ...], str] = {}

    def resolve(node: Any, seen: tuple) -> tuple[dict, tuple]:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            if node["$ref"] in seen:
                return {}, seen
            seen = (*seen, node["$ref"])
            target: Any = schema
            for part in node["$ref"][2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            node = target
        return (node if isinstance(node, dict) else {}), seen

    def walk(properties: dict, prefix: tuple, seen: tuple) -> None:
        for name, raw in properties.items():
            node, node_seen = resolve(raw, seen)
            kinds = node.get("type", [])
            kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k != "null"]
            path = (*prefix, name)
            if kinds:
                types[path] = kinds[0]
            if "object" in kinds and isinstance(node.get("properties"), dict):
                walk(node["properties"], path, node_seen)
            elif "array" in kinds:
                items, items_seen = resolve(node.get("items", {}), node_seen)
                item_kinds = items.get("type", [])
                item_kinds = [item_kinds] if isinstance(item_kinds, str) else item_kinds
                if "object" in item_kinds and isinstance(items.get("properties"), dict):
                    types[path] = "array:object"
                    walk(items["properties"], path, items_seen)

    walk(schema.get("properties", {}), (), ())
    return types


def _text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return _iso(value)
    return str(value)


def _iso(value: date) -> str:
    moment = value if isinstance(value, datetime) else datetime.combine(value, time())
    return moment.isoformat() if moment.tzinfo else moment.isoformat() + "+00:00"


def cast(value: Any, kind: str | None) -> tuple[Any, str | None]:
    """``value`` as ``kind``, flattentool's way; the second item names what was expected when it did not fit."""
    if isinstance(value, datetime | date) and kind != "array":
        return _iso(value), None
    if kind == "string":
        return (_text(value) if not isinstance(value, str) else value), None
    if kind == "number":
        if isinstance(value, bool):
            return str(value), "number"
        if isinstance(value, int | float):
            return value, None
        try:
            number = float(value)
        except ValueError:
            return value, "number"
        return (int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number), None
    if kind == "integer":
        if isinstance(value, bool):
            return str(value), "integer"
        if isinstance(value, int):
            return value, None
        if isinstance(value, float):
            return (int(value), None) if value.is_integer() else (value, "integer")
        try:
            return int(value), None
        except ValueError:
            return value, "integer"
    if kind == "boolean":
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text == "true", None
        return value, "boolean"
    if kind == "array":
        if isinstance(value, str):
            return [part.split(",") if "," in part else part for part in value.split(";")], None
        return [value], None
    return value, None


class Unflattener:
    """Collects rows from OCDS-path sheets into releases, in the order they first appear."""

    def __init__(self, schema: dict, warn: Warn, root_id: str = "ocid") -> None:
        self.types = field_types(schema)
        self.warn = warn
        self.root_id = root_id
        # Releases grouped by OCID in order of first appearance, as flattentool outputs them.
        self.groups: dict[Any, dict[Any, dict]] = {}

    @property
    def releases(self) -> list[dict]:
        """The releases, grouped by OCID."""
        return [release for group in self.groups.values() for release in group.values()]

    def sheet(self, name: str, header: list[Any], rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, int, int]:
        """Add a sheet's rows; returns (read, converted, blank)."""
        paths = [str(h).strip().split("/") if not is_blank(h) else None for h in header]
        read = converted = blank = 0
        for number, values in rows:
            read += 1
            cells = [(p, v) for p, v in zip(paths, values, strict=False) if p is not None and not is_blank(v)]
            if not cells:
                blank += 1
                continue
            obj: dict = {}
            for path, value in cells:
                kind = self.types.get(tuple(p for p in path if not p.isdigit()))
                typed, problem = cast(value, kind)
                if problem:
                    self.warn(name, number, "/".join(path), value, problem)
                _put(obj, path, typed)
            root = obj.get(self.root_id)
            key = (root, obj.get("id"))
            group = self.groups.setdefault(_hashable(root), {})
            target = group.get(_hashable(key))
            if target is None:
                group[_hashable(key)] = obj
            else:
                _merge(target, obj)
            converted += 1
        return read, converted, blank


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _put(obj: dict, path: list[str], value: Any) -> None:
    node: Any = obj
    for part, following in itertools.pairwise(path):
        if isinstance(node, list):
            index = int(part)
            while len(node) <= index:
                node.append({})
            node = node[index]
        elif following.isdigit():
            node = node.setdefault(part, [])
        else:
            child = node.setdefault(part, {})
            node = child if isinstance(child, dict | list) else node.setdefault(part + "_", {})
    if isinstance(node, list):
        index = int(path[-1])
        while len(node) <= index:
            node.append(None)
        node[index] = value
    else:
        node[path[-1]] = value


def _merge(old: dict, new: dict) -> None:
    """Rows of one release: objects merge key by key, objects in arrays by ``id``."""
    for key, value in new.items():
        if key not in old:
            old[key] = value
        elif isinstance(old[key], dict) and isinstance(value, dict):
            _merge(old[key], value)
        elif isinstance(old[key], list) and isinstance(value, list):
            for element in value:
                if isinstance(element, dict) and "id" in element:
                    match = next((e for e in old[key] if isinstance(e, dict) and e.get("id") == element["id"]), None)
                    if match is not None:
                        _merge(match, element)
                        continue
                if element not in ({}, None):
                    old[key].append(element)
