"""Sheets whose headers are OCDS paths (``tender/items/0/id``) → releases, as flattentool reads them.

This is what the bundled ``ocds-template`` mapping selects (``mode: ocds-paths``): the layout of
flattentool's ``flatten`` output and of OCP's spreadsheet templates. Every sheet has the release's
``ocid`` and ``id``; the other headers are paths into the release, numbers standing for array
elements. Rows with the same ``ocid`` and ``id``, in any sheet, are one release; objects in arrays are
merged by their ``id``. Cell values are converted to the type the release schema gives their field,
with flattentool's rules (a value that does not fit is kept as text, with a warning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any

from ..schema.walk import deref, field_nodes, types_of
from .values import is_blank

Warn = Callable[[str, int, str, Any, str], None]  # (sheet, row, header, value, expected)


def field_types(schema: dict) -> dict[tuple[str, ...], str]:
    """Field path (array steps left out) → its JSON type in the release schema (the first non-null;
    ``array:object`` for arrays of objects)."""
    types: dict[tuple[str, ...], str] = {}
    for path, node in field_nodes(schema).items():
        kinds = [k for k in types_of(node) if k != "null"]
        if not kinds:
            continue
        types[path] = kinds[0]
        if kinds[0] == "array" and isinstance(deref(schema, node.get("items", {}))[0].get("properties"), dict):
            types[path] = "array:object"
    return types


def title_paths(schema: dict) -> dict[str, str]:
    """Headings made of schema titles (``Awards:Items awarded:Description``), as flattentool writes them
    with ``--use-titles``, → OCDS paths (``awards/0/items/0/description``). Keys are normalized."""
    paths: dict[str, str] = {}

    def walk(properties: dict, titles: tuple, steps: tuple, seen: tuple, depth: int) -> None:
        if depth > 8:
            return
        for name, raw in properties.items():
            node, node_seen = deref(schema, raw, seen)
            title = raw.get("title") if isinstance(raw, dict) and raw.get("title") else node.get("title", name)
            here_titles, here_steps = (*titles, str(title)), (*steps, name)
            paths.setdefault(_title_key(":".join(here_titles)), "/".join(here_steps))
            kinds = types_of(node)
            if "object" in kinds and isinstance(node.get("properties"), dict):
                walk(node["properties"], here_titles, here_steps, node_seen, depth + 1)
            elif "array" in kinds:
                items, items_seen = deref(schema, node.get("items", {}), node_seen)
                if isinstance(items.get("properties"), dict):
                    walk(items["properties"], here_titles, (*here_steps, "0"), items_seen, depth + 1)

    walk(schema.get("properties", {}), (), (), (), 0)
    return paths


def _title_key(text: str) -> str:
    return ":".join(" ".join(part.split()).casefold() for part in text.split(":"))


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
        if hasattr(value, "text"):  # a number as the cell shows it, "0007"
            return value.text, None
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
        # flattentool's convert_type: "true"/"1" and "false"/"0", in any case, untrimmed; anything else
        # is kept as text, with a warning.
        text = str(value)
        if text.lower() in ("true", "1"):
            return True, None
        if text.lower() in ("false", "0"):
            return False, None
        return text, "boolean"
    if kind == "array":
        if isinstance(value, str):
            return [part.split(",") if "," in part else part for part in value.split(";")], None
        return [value], None
    # A field the schema does not know: flattentool keeps whole numbers and turns the rest into text.
    if isinstance(value, (bool, float)):
        return str(value), None
    return value, None


class Unflattener:
    """Collects rows from OCDS-path sheets into releases, in the order they first appear.

    As flattentool does: rows with the same ``ocid`` and ``id``, in any sheet, are one release; a row
    with an ``ocid`` but no ``id`` is a release of its own, listed after the OCID's releases with ids.
    """

    def __init__(self, schema: dict, warn: Warn, root_id: str = "ocid") -> None:
        self.types = field_types(schema)
        self.titles = title_paths(schema)
        self.warn = warn
        self.root_id = root_id
        # Releases grouped by OCID in order of first appearance, as flattentool outputs them.
        self.groups: dict[Any, dict[Any, dict]] = {}
        # Rows without an id, by OCID: each is a release.
        self.without_id: dict[Any, list[dict]] = {}

    @property
    def releases(self) -> list[dict]:
        """The releases, grouped by OCID: those with an id, then those without."""
        return [
            release
            for root, group in self.groups.items()
            for release in [*group.values(), *self.without_id.get(root, [])]
        ]

    def sheet(self, name: str, header: list[Any], rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, int, int]:
        """Add a sheet's rows; returns (read, converted, blank)."""
        # Everything about a column is worked out once: its position, path steps and type.
        plan = []
        for position, heading in enumerate(header):
            if is_blank(heading):
                continue
            text = str(heading).strip()
            parts = text.split("/")
            if len(parts) == 1 and tuple(parts) not in self.types:
                titled = self.titles.get(_title_key(text))  # a heading of titles
                if titled is not None:
                    parts = titled.split("/")
            steps = [(int(p) if p.isdigit() else p) for p in parts]
            kind = self.types.get(tuple(p for p in parts if not p.isdigit()))
            plan.append((position, text, steps, kind))
        read = converted = blank = 0
        root_id = self.root_id
        for number, values in rows:
            read += 1
            width = len(values)
            obj: dict = {}
            filled = False
            for position, text, steps, kind in plan:
                if position >= width:
                    continue
                value = values[position]
                if value is None or (value.__class__ is str and not value.strip()):
                    continue
                typed, problem = cast(value, kind)
                if problem:
                    self.warn(name, number, text, value, problem)
                _put(obj, steps, typed)
                filled = True
            if not filled:
                blank += 1
                continue
            root = obj.get(root_id)
            group = self.groups.setdefault(_hashable(root), {})
            if "id" not in obj:
                self.without_id.setdefault(_hashable(root), []).append(obj)
                converted += 1
                continue
            key = (root, obj["id"])
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


def _put(obj: dict, steps: list, value: Any) -> None:
    """Set ``value`` at ``steps`` (names, and ints for array elements) in ``obj``."""
    node: Any = obj
    last = len(steps) - 1
    for i in range(last):
        step = steps[i]
        if step.__class__ is int and node.__class__ is not list:
            step = str(step)  # a number where an object is (a heading "1"): a key, not an index
        if step.__class__ is int:
            while len(node) <= step:
                node.append({})
            node = node[step]
        else:
            child = node.get(step)
            if child is None:
                child = node[step] = [] if steps[i + 1].__class__ is int else {}
            elif child.__class__ is not dict and child.__class__ is not list:
                child = node.setdefault(step + "_", {})
            node = child
    step = steps[last]
    if step.__class__ is int and node.__class__ is not list:
        step = str(step)
    if step.__class__ is int:
        while len(node) <= step:
            node.append(None)
        node[step] = value
    else:
        node[step] = value


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
