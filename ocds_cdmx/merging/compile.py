"""The OCDS merge algorithm: releases of one contracting process → compiled and versioned releases.

The rules come from the release schema (with its extensions), as the OCDS 1.1 merging specification
says (https://standard.open-contracting.org/1.1/en/schema/merging/): ``omitWhenMerged`` fields are
dropped, ``wholeListMerge`` arrays and arrays of non-objects are replaced whole, arrays of objects are
merged by ``id``, ``null`` removes a value, releases are applied in ``date`` order.

The output must equal the reference implementation's (ocdsmerge, as ``ocdskit compile`` runs it),
down to the order of keys. Both therefore work the same way: each release is flattened into a dict
from JSON paths to leaf values, flattened releases update one another in date order, and the result is
unflattened. Paths through arrays carry :class:`ItemKey` steps, so that objects with the same ``id``
land on the same path whatever their position.

Why not ocdsmerge itself: ``benchmarks/components.py`` gives the same output (compared) and, on 10,000
cumulative releases, 0.74 s against ocdsmerge's 1.64 s for compiled releases (2.2×) and 1.5× for
versioned ones, from the fast path below that skips sections a cumulative release repeats unchanged.
And what ocdsmerge does not do: report a problem (a field that changes kind, a value that meets an
object) with its path and go on with the other processes, where ocdsmerge raises or silently keeps one.
"""

from __future__ import annotations

import itertools
import marshal
from collections.abc import Callable, Iterable
from typing import Any

from ..schema.walk import deref, types_of

OMIT = "omitWhenMerged"
WHOLE = "wholeListMerge"
#: Per-path strategies for arrays of objects, instead of merging by ``id``.
APPEND = "append"
BY_POSITION = "by-position"
VERSIONED_KEYS = frozenset({"releaseID", "releaseDate", "releaseTag", "value"})


class MergeConflict(Exception):
    """A field is an array of objects in one release and something else in another."""

    def __init__(self, path: tuple, earlier: str, current: str) -> None:
        super().__init__(f"/{'/'.join(map(str, path))}: {earlier} then {current}")
        self.path = path
        self.earlier = earlier
        self.current = current


class Rules:
    """The merge rules of a schema: the rule of each field path, array indexes left out.

    ``children`` maps a property name to the :class:`Rules` of that field; ``strategy`` is ``OMIT``,
    ``WHOLE``, ``APPEND``, ``BY_POSITION`` or ``None`` (merge objects by key, arrays of objects by id).
    """

    __slots__ = ("children", "strategy")

    def __init__(self, strategy: str | None = None) -> None:
        self.strategy = strategy
        self.children: dict[str, Rules] = {}

    def paths(self, prefix: tuple = ()) -> Iterable[tuple[tuple, str]]:
        """Every ``(path, strategy)`` pair, for people and tests."""
        for name, rules in self.children.items():
            if rules.strategy:
                yield (*prefix, name), rules.strategy
            yield from rules.paths((*prefix, name))


def rules_from_schema(schema: dict, overrides: dict[tuple[str, ...], str] | None = None) -> Rules:
    """The merge rules of a release schema (``$ref``s into its ``definitions`` resolved).

    ``overrides`` maps a field path, like ``("awards", "suppliers")``, to ``APPEND`` or ``BY_POSITION``:
    objects in that array are appended, or merged by position, instead of merged by ``id``.
    """
    root = Rules()

    def walk(properties: dict, into: Rules, seen: tuple) -> None:
        for name, raw in properties.items():
            value, value_seen = deref(schema, raw, seen)
            types = types_of(value)
            rules = Rules()
            if value.get("omitWhenMerged") or value.get("mergeStrategy") == "ocdsOmit":
                rules.strategy = OMIT
            elif "array" in types and (value.get("wholeListMerge") or value.get("mergeStrategy") == "ocdsVersion"):
                rules.strategy = WHOLE
            elif "object" in types and isinstance(value.get("properties"), dict):
                walk(value["properties"], rules, value_seen)
            elif "array" in types and "items" in value:
                items, items_seen = deref(schema, value["items"], value_seen)
                item_types = types_of(items)
                if any(t != "object" for t in item_types):
                    rules.strategy = WHOLE
                elif "object" in item_types and isinstance(items.get("properties"), dict):
                    if "id" not in items["properties"]:
                        rules.strategy = WHOLE
                    else:
                        walk(items["properties"], rules, items_seen)
            into.children[name] = rules

    walk(schema.get("properties", {}), root, ())
    for path, strategy in (overrides or {}).items():
        node = root
        for name in path:
            node = node.children.setdefault(name, Rules())
        node.strategy = strategy
    return root


class ItemKey(str):
    """A path step to an object in an array: equal to the text of its ``id`` (as in the reference).

    ``identifier`` tells objects apart when their path is rebuilt (``1`` and ``"1"`` stay two objects);
    ``original`` is the ``id`` to write back (``None`` when the object had none).
    """

    __slots__ = ("identifier", "original")

    identifier: Any
    original: Any


_unique = itertools.count()


def _item_key(text: str, identifier: Any, original: Any) -> ItemKey:
    key = ItemKey(text)
    key.identifier = identifier
    key.original = original
    return key


def _is_versioned_value(value: Any) -> bool:
    return value.__class__ is dict and len(value) == 4 and VERSIONED_KEYS.issuperset(value)


Warn = Callable[[str, tuple, Any], None]


def flatten(
    obj: dict,
    rules: Rules | None,
    out: dict,
    warn: Warn | None = None,
    *,
    versioned: bool = False,
    path: tuple = (),
    names: tuple = (),
) -> dict:
    """Add the leaves of ``obj`` to ``out``, keyed by path. ``warn(kind, field_path, value)`` hears of
    duplicate ids within one array. ``versioned`` reads an existing versioned release."""
    children = rules.children if rules is not None else None
    for key, value in obj.items():
        child = children.get(key) if children else None
        strategy = child.strategy if child is not None else None
        if strategy == OMIT:
            continue
        vt = value.__class__
        if strategy == WHOLE or (vt is not dict and vt is not list):
            out[(*path, key)] = value
        elif vt is list:
            if not value:
                continue
            if any(item.__class__ is not dict for item in value) or (
                versioned and all(_is_versioned_value(item) for item in value)
            ):
                out[(*path, key)] = value
            else:
                _flatten_items(value, child, out, warn, versioned, (*path, key), (*names, key))
        elif value:
            flatten(value, child, out, warn, versioned=versioned, path=(*path, key), names=(*names, key))
    return out


def _flatten_items(
    items: list[dict], rules: Rules | None, out: dict, warn: Warn | None, versioned: bool, path: tuple, names: tuple
) -> None:
    strategy = rules.strategy if rules is not None else None
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        has_id = "id" in item
        if has_id:
            original = item["id"]
            try:
                hash(original)
                identifier = original
            except TypeError:  # an object or array as id: compared by its text
                identifier = repr(original)
            text = str(original)
            # The reference warns when two objects of one array share an id (compared as text).
            if warn is not None:
                if text in seen and seen[text] != index:
                    warn("duplicate_item_id", names, original)
                seen.setdefault(text, index)
        else:
            original = None
            identifier = text = f"\x00{next(_unique)}"
        if strategy == APPEND:
            if has_id:
                text = f"\x00{next(_unique)}"
                identifier = text
            key = _item_key(text, identifier, original)
        elif strategy == BY_POSITION:
            key = _item_key(str(index), index, original)
        else:
            key = _item_key(text, identifier, original)
        if item:
            flatten(item, rules, out, warn, versioned=versioned, path=(*path, key), names=names)


def unflatten(flat: dict, ignored: list | None = None) -> dict:
    """Rebuild the JSON object from flattened paths, leaving out ``None`` leaves.

    Raises :class:`MergeConflict` where a later path needs an array or an object that an earlier path
    made something else. Where a value arrives for a path that already holds an object or an array,
    the reference keeps the object and drops the value in silence: so does this, and appends the path
    to ``ignored`` so that the caller can say so.
    """
    result: dict = {}
    objects: dict[tuple, dict] = {}
    for key, value in flat.items():
        node: Any = result
        last = len(key)
        for end, part in enumerate(key, 1):
            if part.__class__ is ItemKey:
                id_path = (*key[: end - 1], part.identifier)
                child = objects.get(id_path)
                if child is None:
                    child = {} if part.original is None else {"id": part.original}
                    objects[id_path] = child
                    if node.__class__ is not list:
                        raise MergeConflict(key[: end - 1], _kind(node), "array")
                    node.append(child)
                node = child
            elif node.__class__ is not dict:
                raise MergeConflict(key[: end - 1], _kind(node), "object")
            elif part in node:
                node = node[part]
                if end == last and ignored is not None and value is not None and node.__class__ in (dict, list):
                    ignored.append(key)
            elif end < last:
                node[part] = [] if key[end].__class__ is ItemKey else {}
                node = node[part]
            elif value is not None:
                node[part] = value
    return result


def _kind(node: Any) -> str:
    if node.__class__ is list:
        return "array"
    if node.__class__ is dict:
        return "object"
    return "value"


def compiled_flat(releases: Iterable[dict], rules: Rules, warn: Warn | None = None, base: dict | None = None) -> dict:
    """The flattened compiled release of ``releases`` (already in date order), on top of ``base``."""
    data = base if base is not None else {("tag",): ["compiled"]}
    for release in releases:
        body = {k: v for k, v in release.items() if k != "tag"}
        ocid, date = release.get("ocid"), release.get("date")
        data[("id",)] = f"{ocid}-{date}"
        data[("date",)] = date
        data[("ocid",)] = ocid
        flatten(body, rules, data, warn)
    return data


def versioned_flat(releases: Iterable[dict], rules: Rules, warn: Warn | None = None, base: dict | None = None) -> dict:
    """The flattened versioned release of ``releases`` (already in date order), on top of ``base``."""
    data = base if base is not None else {}
    for release in releases:
        release_id, date, tag = release.get("id"), release.get("date"), release.get("tag")
        flat = flatten({k: v for k, v in release.items() if k != "tag"}, rules, {}, warn)
        flat.pop(("ocid",), None)  # the OCID is not versioned
        data[("ocid",)] = release.get("ocid")
        for key, value in flat.items():
            history = data.get(key)
            if history is None and key not in data:
                data[key] = [{"releaseID": release_id, "releaseDate": date, "releaseTag": tag, "value": value}]
            elif history.__class__ is list and value != history[-1]["value"]:
                history.append({"releaseID": release_id, "releaseDate": date, "releaseTag": tag, "value": value})
    return data


def compiled_release(releases: Iterable[dict], rules: Rules, warn: Warn | None = None) -> dict:
    """Merge releases (already in date order) into a compiled release."""
    return unflatten(compiled_flat(releases, rules, warn))


def versioned_release(releases: Iterable[dict], rules: Rules, warn: Warn | None = None) -> dict:
    """Merge releases (already in date order) into a versioned release."""
    return unflatten(versioned_flat(releases, rules, warn))


class _Unusual(Exception):
    """A field changed kind between releases: the fast merge hands over to the flattening one."""


def compiled_release_fast(
    releases: list[dict], rules: Rules, warn: Warn | None = None, ignored: list | None = None
) -> dict:
    """:func:`compiled_release`, by merging objects in place instead of through flattened paths.

    Both give the same result: a container appears where its first leaf does, as unflattening puts it.
    Where a field changes kind between releases (an object becomes a value, a list of values becomes
    a list of objects, an id is a number in one release and a string in another), the reference's
    outcome depends on the order of flattened paths, so this falls back to flattening (and reports
    ignored values to ``ignored``, as :func:`unflatten` does).
    """
    try:
        return _fast(releases, rules, warn, versioned=False)
    except _Unusual:
        return unflatten(compiled_flat(releases, rules, warn), ignored)


def versioned_release_fast(releases: list[dict], rules: Rules) -> dict:
    """:func:`versioned_release`, by merging objects in place (see :func:`compiled_release_fast`)."""
    try:
        return _fast(releases, rules, None, versioned=True)
    except _Unusual:
        return unflatten(versioned_flat(releases, rules))


def _fast(releases: list[dict], rules: Rules, warn: Warn | None, *, versioned: bool) -> dict:
    merged: dict = {} if versioned else {"tag": ["compiled"]}
    state = _FastState(versioned)
    state.containers.add(id(merged))
    # Releases are usually cumulative: a section often comes again exactly as in the release merged
    # just before. Merging it again would change nothing (same leaves, same ids), unless one of its
    # arrays holds objects without ids, which would be appended again: such sections are skipped.
    # marshal's bytes tell "exactly" (1, 1.0 and true differ), at C speed.
    previous: dict[str, bytes] = {}
    for release in releases:
        ocid, date = release.get("ocid"), release.get("date")
        if versioned:
            if ocid.__class__ is dict or ocid.__class__ is list:
                raise _Unusual
            merged["ocid"] = ocid
            state.entry = (release.get("id"), date, release.get("tag"))
        else:
            merged["id"] = f"{ocid}-{date}"
            merged["date"] = date
            merged["ocid"] = ocid
        current: dict[str, bytes] = {}
        for key, value in release.items():
            if key == "tag" or (versioned and key == "ocid"):
                continue
            vt = value.__class__
            if vt is dict or vt is list:
                blob = marshal.dumps(value)
                if previous.get(key) == blob:
                    current[key] = blob
                    continue
                state.idless = False
                _merge_object(merged, {key: value}, rules, state, warn, ())
                if not state.idless:
                    current[key] = blob
            else:
                _merge_object(merged, {key: value}, rules, state, warn, ())
        previous = current
    if not versioned and (state.nulls or merged["date"] is None or merged["ocid"] is None):
        return _without_nulls(merged, state.containers)
    return merged


class _FastState:
    __slots__ = ("containers", "entry", "idless", "indexes", "nulls", "versioned")

    def __init__(self, versioned: bool) -> None:
        self.containers: set[int] = set()  # ids of the objects and arrays the merge built
        self.indexes: dict[int, dict] = {}  # id of an array → {id text: (object, id)}
        self.nulls = False
        self.idless = False  # an object without id was merged into an array
        self.versioned = versioned
        self.entry: tuple = ()  # the release's id, date and tag, for versioned values


def _merge_object(
    target: dict, obj: dict, rules: Rules | None, state: _FastState, warn: Warn | None, names: tuple, item=False
):
    children = rules.children if rules is not None else None
    containers = state.containers
    versioned = state.versioned
    for key, value in obj.items():
        child = children.get(key) if children else None
        strategy = child.strategy if child is not None else None
        if strategy == OMIT or (item and key == "id"):
            continue
        vt = value.__class__
        if (
            strategy == WHOLE
            or (vt is not dict and vt is not list)
            or (vt is list and any(element.__class__ is not dict for element in value))
        ):
            current = target.get(key, _MISSING)
            ct = current.__class__
            if (ct is dict or ct is list) and id(current) in containers:
                if value is None:
                    continue  # null does not remove an object in the reference
                raise _Unusual
            if versioned:
                release_id, date, tag = state.entry
                if current is _MISSING:
                    target[key] = [{"releaseID": release_id, "releaseDate": date, "releaseTag": tag, "value": value}]
                elif value != current[-1]["value"]:
                    current.append({"releaseID": release_id, "releaseDate": date, "releaseTag": tag, "value": value})
                continue
            if value is None:
                state.nulls = True
            target[key] = value
            continue
        if not value:
            continue
        current = target.get(key)
        if current is None:
            if key in target:
                raise _Unusual  # a null, then an object: the reference places it by its first leaf
            built: Any = {} if vt is dict else []
            if vt is dict:
                _merge_object(built, value, child, state, warn, (*names, key))
            else:
                state.indexes[id(built)] = {}
                _merge_items(built, value, child, state, warn, (*names, key))
            if built:
                containers.add(id(built))
                target[key] = built
        elif id(current) not in containers or current.__class__ is not vt:
            raise _Unusual
        elif vt is dict:
            _merge_object(current, value, child, state, warn, (*names, key))
        else:
            _merge_items(current, value, child, state, warn, (*names, key))


_MISSING = object()


def _merge_items(target: list, items: list[dict], rules: Rules | None, state: _FastState, warn: Warn | None, names):
    if rules is not None and rules.strategy in (APPEND, BY_POSITION):
        raise _Unusual
    index = state.indexes[id(target)]
    seen: dict[str, int] = {}
    for position, item in enumerate(items):
        if "id" in item:
            original = item["id"]
            if original.__class__ is dict or original.__class__ is list or (original is None and state.versioned):
                raise _Unusual
            text = str(original)
            if text in seen:
                # The reference flattens a release before versioning it: of two objects with one id,
                # only the last values count, and only once. That takes the flattening path.
                if state.versioned:
                    raise _Unusual
                if warn is not None:
                    warn("duplicate_item_id", names, original)
            seen.setdefault(text, position)
            found = index.get(text)
            if found is not None:
                if found[1] != original or found[1].__class__ is not original.__class__:
                    raise _Unusual
                _merge_object(found[0], item, rules, state, warn, names, True)
                continue
            built: dict = {} if original is None else {"id": original}
            _merge_object(built, item, rules, state, warn, names, True)
            state.containers.add(id(built))
            index[text] = (built, original)
            target.append(built)
        elif item:
            state.idless = True
            built = {}
            _merge_object(built, item, rules, state, warn, names)
            if built:
                state.containers.add(id(built))
                target.append(built)


def _without_nulls(node: Any, containers: set[int]) -> Any:
    if node.__class__ is dict:
        return {
            k: (_without_nulls(v, containers) if id(v) in containers else v) for k, v in node.items() if v is not None
        }
    return [_without_nulls(v, containers) for v in node]
