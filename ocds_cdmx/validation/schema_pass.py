"""JSON Schema (draft 4) validation fused with the schema-driven OCDS checks, in one pass.

A schema is compiled once into a tree of :class:`Node` objects. Walking a release along that tree
finds, in a single traversal, what the OCDS Data Review Tool finds in several: schema errors (with
its date-time and URI format rules and its unique-id rule for arrays), closed and open codelist
values, fields not in the schema, deprecated fields, objects in arrays without ``id`` and empty
fields. Keywords that OCDS schemas do not use (``anyOf``, ``allOf``, ``not``, ``dependencies``…) are
delegated to the ``jsonschema`` library for that node, so any extension's schema is honoured.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.findings import Findings
from ..schema import Profile
from .formats import date_time_ok, format_checker, uri_ok
from .quality import PLACEHOLDER_LENGTHS, check_date_text, check_text

if TYPE_CHECKING:
    import jsonschema

_NONE = type(None)
PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (_NONE,),
}
SUPPORTED = {
    "$ref", "type", "properties", "patternProperties", "additionalProperties", "required", "items",
    "enum", "minLength", "maxLength", "pattern", "format", "minItems", "maxItems", "uniqueItems",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minProperties",
    "maxProperties", "codelist", "openCodelist", "deprecated", "title", "description", "definitions",
    "id", "$schema", "mergeStrategy", "mergeOptions", "omitWhenMerged", "wholeListMerge",
    "versionId", "default", "examples", "propertyOrder", "$id", "readOnly", "format_hint",
}  # fmt: skip
ANNOTATIONS = {"title", "description", "definitions", "default", "examples", "$schema", "id", "$id"}
#: A field name with a language suffix: the Review Tool's rule for translated fields.
LANGUAGE = re.compile(
    r"^(.*_(((([A-Za-z]{2,3}(-([A-Za-z]{3}(-[A-Za-z]{3}){0,2}))?)|[A-Za-z]{4}|[A-Za-z]{5,8})(-([A-Za-z]{4}))?"
    r"(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(-([0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+))*"
    r"(-(x(-[A-Za-z0-9]{1,8})+))?)|(x(-[A-Za-z0-9]{1,8})+)))$"
)


@functools.cache
def _formats() -> jsonschema.FormatChecker:
    return format_checker()


def _format_ok(fmt: str) -> Callable[[str], bool] | None:
    """A predicate for the formats the Review Tool checks (date-time and uri); others pass."""
    checker = {"date-time": date_time_ok, "uri": uri_ok}.get(fmt)
    if checker is None:
        return None

    # Dates and URLs repeat across the cumulative releases of a process.
    @functools.lru_cache(maxsize=1 << 16)
    def ok(value: str) -> bool:
        return checker(value)

    return ok


class Node:
    """One compiled schema object."""

    __slots__ = (
        "additional",
        "codelist",
        "codelist_open",
        "deprecated",
        "enum",
        "excl_max",
        "excl_min",
        "fallback",
        "format",
        "format_ok",
        "is_codelist",
        "items",
        "items_id_warn",
        "leaf",
        "max_items",
        "max_length",
        "max_props",
        "maximum",
        "min_items",
        "min_length",
        "min_props",
        "minimum",
        "multiple_of",
        "pattern",
        "patterns",
        "props",
        "pytypes",
        "required",
        "special",
        "types",
        "unique",
    )  # fmt: skip

    def __init__(self) -> None:
        self.types: list[str] | None = None
        self.pytypes: tuple[type, ...] | None = None
        self.props: dict[str, Node] = {}
        self.patterns: list[tuple[re.Pattern, Node]] = []
        self.additional: bool | Node = True
        self.required: tuple[str, ...] = ()
        self.items: Node | None = None
        self.enum: list | None = None
        self.min_length = self.max_length = None
        self.pattern: re.Pattern | None = None
        self.format: str | None = None
        self.format_ok: Callable[[str], bool] | None = None
        self.min_items = self.max_items = None
        self.unique = False
        self.minimum = self.maximum = self.multiple_of = None
        self.excl_min = self.excl_max = False
        self.min_props = self.max_props = None
        self.codelist: str | None = None
        self.codelist_open = False
        self.is_codelist = False
        self.deprecated: tuple[str, str] | None = None
        self.fallback: jsonschema.protocols.Validator | None = None
        self.items_id_warn = False
        self.special: str | None = None
        # Scalar types for which a value of the right type needs no further check: the walk then
        # skips the call for it, which is most of the values of a release.
        self.leaf: tuple[type, ...] = ()


class Compiler:
    """Compiles the schemas of a profile, resolving ``$ref`` to the profile's own (extended) files."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.memo: dict[tuple[int, str], Node] = {}
        self.roots: dict[str, dict] = {}

    def _root_for(self, url: str, current: dict) -> dict:
        if not url:
            return current
        if url.endswith("versioned-release-validation-schema.json"):
            return self.profile.versioned_release_schema
        if url.endswith("release-schema.json"):
            return self.profile.release_schema
        if url.endswith("record-package-schema.json"):
            return self.profile.record_package_schema
        if url.endswith("release-package-schema.json"):
            return self.profile.release_package_schema
        raise KeyError(url)

    def resolve(self, ref: str, root: dict) -> tuple[dict, dict, str]:
        url, _, pointer = ref.partition("#")
        target_root = self._root_for(url, root)
        node: Any = target_root
        for part in [p for p in pointer.split("/") if p]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, target_root, pointer

    def compile(self, schema: dict, root: dict | None = None, codelist_parent: bool = False) -> Node:
        """Compile ``schema`` (a part of ``root``)."""
        root = root if root is not None else schema
        if isinstance(schema, dict) and "$ref" in schema:
            target, target_root, pointer = self.resolve(schema["$ref"], root)
            key = (id(target_root), pointer)
            node = self.memo.get(key)
            if node is None:
                node = self.memo[key] = Node()
                self._fill(node, target, target_root, codelist_parent)
            deprecated = schema.get("deprecated")
            if deprecated and node.deprecated is None:
                # The deprecation is on the property that refers, not on the shared definition.
                wrapper = Node()
                for slot in Node.__slots__:
                    setattr(wrapper, slot, getattr(node, slot))
                wrapper.deprecated = _deprecation(deprecated)
                return wrapper
            return node
        node = Node()
        self._fill(node, schema if isinstance(schema, dict) else {}, root, codelist_parent)
        return node

    def _fill(self, node: Node, schema: dict, root: dict, codelist_parent: bool) -> None:
        types = schema.get("type")
        if isinstance(types, str):
            types = [types]
        if types:
            node.types = list(types)
            node.pytypes = tuple(t for name in types for t in PY_TYPES.get(name, ()))
        props = schema.get("properties")
        if isinstance(props, dict):
            for key, sub in props.items():
                node.props[key] = self.compile(sub, root)
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            node.patterns.append((re.compile(pattern), self.compile(sub, root)))
        additional = schema.get("additionalProperties", True)
        if additional is False:
            node.additional = False
        elif isinstance(additional, dict):
            node.additional = self.compile(additional, root)
        node.required = tuple(schema.get("required") or ())
        items = schema.get("items")
        codelist = schema.get("codelist")
        if isinstance(codelist, str):
            node.codelist = codelist
            node.codelist_open = bool(schema.get("openCodelist", False))
        node.is_codelist = bool(codelist) or codelist_parent
        if isinstance(items, dict):
            node.items = self.compile(items, root, codelist_parent=bool(codelist))
            item_schema = self.resolve(items["$ref"], root)[0] if "$ref" in items else items
            item_props = item_schema.get("properties") or {}
            node.items_id_warn = (
                "id" in item_props
                and "id" not in (item_schema.get("required") or ())
                and not schema.get("wholeListMerge")
            )
        node.enum = schema.get("enum")
        node.min_length = schema.get("minLength")
        node.max_length = schema.get("maxLength")
        if isinstance(schema.get("pattern"), str):
            node.pattern = re.compile(schema["pattern"])
        if isinstance(schema.get("format"), str):
            node.format = schema["format"]
            node.format_ok = _format_ok(node.format)
        node.min_items = schema.get("minItems")
        node.max_items = schema.get("maxItems")
        node.unique = bool(schema.get("uniqueItems"))
        node.minimum = schema.get("minimum")
        node.maximum = schema.get("maximum")
        node.excl_min = bool(schema.get("exclusiveMinimum"))
        node.excl_max = bool(schema.get("exclusiveMaximum"))
        node.multiple_of = schema.get("multipleOf")
        node.min_props = schema.get("minProperties")
        node.max_props = schema.get("maxProperties")
        if schema.get("deprecated"):
            node.deprecated = _deprecation(schema["deprecated"])
        if (
            node.pytypes is not None
            and not (
                node.enum
                or node.codelist
                or node.format_ok
                or node.pattern
                or node.min_length
                or node.max_length
                or node.minimum is not None
                or node.maximum is not None
                or node.multiple_of
            )
            and not any(k in schema for k in ("oneOf", "anyOf", "allOf", "not"))
        ):
            node.leaf = tuple(t for t in node.pytypes if t not in (dict, list))
        one_of = schema.get("oneOf")
        if isinstance(one_of, list) and _is_record_releases(schema):
            # The record's releases: linked or embedded, decided as the Review Tool decides.
            node.special = "record_releases"
            node.props = {"linked": self.compile(one_of[0], root), "embedded": self.compile(one_of[1], root)}
            return
        rest = {k: v for k, v in schema.items() if k not in SUPPORTED}
        if rest:
            rest["definitions"] = root.get("definitions", {})
            # Imported here: most profiles have no such keyword, and the library takes long to import.
            import jsonschema

            cls = jsonschema.validators.validator_for(rest, default=jsonschema.Draft4Validator)
            node.fallback = cls(rest, format_checker=_formats())


def _deprecation(value: Any) -> tuple[str, str]:
    if isinstance(value, dict):
        return str(value.get("deprecatedVersion", "")), str(value.get("description", ""))
    return "", ""


def _is_record_releases(schema: dict) -> bool:
    return (
        schema.get("title") == "Releases" or schema.get("description") == "An array of linking identifiers or releases"
    )


class Walker:
    """Walks JSON values along compiled nodes, reporting to a :class:`Findings`."""

    def __init__(self, profile: Profile, findings: Findings, *, quality_checks: bool = True) -> None:
        self.codes = {name: cl.codes for name, cl in profile.codelists.items()}
        self.f = findings
        self.add = findings.add
        # The quality module's checks of texts (placeholders, mojibake) ride on this walk, which
        # visits every string anyway; a cheap test here spares the call for most strings.
        self.text_checks = quality_checks

    # The walk is the hot path for releases that the gate (:mod:`.strict`) does not let through: it
    # dispatches on the value's class once, and each kind of value has its own function.
    def walk(self, node: Node, value: Any, path: tuple) -> None:
        """Check ``value`` against ``node`` and what is under it, reporting every finding."""
        vt = value.__class__
        if node.pytypes is not None and vt not in node.pytypes:
            self.add(
                "schema",
                path,
                value,
                type=node.types[0],
                null_allowed="null" in node.types,
                field=_last_name(path),
            )
            return
        if vt is dict:
            self.walk_object(node, value, path)
        elif vt is list:
            self.walk_array(node, value, path)
        elif vt is str:
            self.walk_string(node, value, path)
        elif (vt is int or vt is float) and (node.minimum is not None or node.maximum is not None or node.multiple_of):
            self.numeric(node, value, path)
        if node.enum is not None and not node.is_codelist and value not in node.enum:
            self.add("schema", path, value, type="enum", field=_last_name(path))
        if node.fallback is not None:
            self.fallback(node, value, path)

    def walk_object(self, node: Node, value: dict, path: tuple) -> None:
        """The members of an object, then its required members and its size."""
        add = self.add
        props = node.props
        for key, child_value in value.items():
            child = props.get(key)
            if child is None:
                self.unknown_key(node, key, child_value, path)
                continue
            if child.deprecated is not None:
                add("deprecated_field", path + (key,), None, field=key, version=child.deprecated[0])
            cvt = child_value.__class__
            if cvt is str:
                self.member_text(child_value, path + (key,))
            elif (cvt is dict or cvt is list) and not child_value:
                add("empty_field", path + (key,), None)
            if cvt in child.leaf:
                continue
            if child.special is not None:
                self.record_releases(child, child_value, path + (key,))
            else:
                self.walk(child, child_value, path + (key,))
        for name in node.required:
            if name not in value:
                add("schema", path, None, type="required", field=name)
        if node.min_props is not None and len(value) < node.min_props:
            add("schema", path, None, type="minProperties", limit=node.min_props)
        if node.max_props is not None and len(value) > node.max_props:
            add("schema", path, None, type="maxProperties", limit=node.max_props)

    def member_text(self, text: str, path: tuple) -> None:
        """An object member's text: empty, or a placeholder or mojibake (quality checks)."""
        # Most strings have no surrounding blanks, a length no placeholder has and only ASCII
        # characters: they need no further look.
        n = len(text)
        if n == 0 or text[0] <= " " or text[-1] <= " ":
            if not text.strip():
                self.add("empty_field", path, text)
            elif self.text_checks:
                check_text(text, path, self.add)
        elif self.text_checks and (n in PLACEHOLDER_LENGTHS or not text.isascii()):
            check_text(text, path, self.add)

    def walk_array(self, node: Node, value: list, path: tuple) -> None:
        """An array's size and unique items, then each item."""
        add = self.add
        n = len(value)
        if node.min_items is not None and n < node.min_items:
            add("schema", path, None, type="minItems", limit=node.min_items, field=_last_name(path))
        if node.max_items is not None and n > node.max_items:
            add("schema", path, None, type="maxItems", limit=node.max_items, field=_last_name(path))
        if node.unique and n > 1:
            self.unique_ids(value, path)
        items = node.items
        codes = self.codes.get(node.codelist) if node.codelist else None
        warn_id = node.items_id_warn
        for i, item in enumerate(value):
            ivt = item.__class__
            if ivt is str:
                if not item.strip():
                    add("empty_field", path + (i,), item)
                if codes is not None and item not in codes:
                    self.codelist(node, path, item)
            elif warn_id and ivt is dict and "id" not in item:
                add("missing_id", path + (i, "id"), None)
            if items is not None:
                if ivt not in items.leaf:
                    self.walk(items, item, path + (i,))
            elif ivt is dict or ivt is list:
                self.free_walk(item, path + (i,))

    def walk_string(self, node: Node, value: str, path: tuple) -> None:
        """A string's length, pattern, format and codelist (and, with the quality checks, its date)."""
        add = self.add
        if node.min_length is not None and len(value) < node.min_length:
            add("schema", path, value, type="minLength", limit=node.min_length, field=_last_name(path))
        if node.max_length is not None and len(value) > node.max_length:
            add("schema", path, value, type="maxLength", limit=node.max_length, field=_last_name(path))
        if node.pattern is not None and not node.pattern.search(value):
            add("schema", path, value, type="pattern", pattern=node.pattern.pattern, field=_last_name(path))
        if node.format_ok is not None and not node.format_ok(value):
            add("schema", path, value, type=node.format, field=_last_name(path))
        if node.codelist is not None:
            codes = self.codes.get(node.codelist)
            if codes is not None and value not in codes:
                self.codelist(node, path, value)
        if node.format == "date-time" and self.text_checks:
            check_date_text(value, path, add)

    def fallback(self, node: Node, value: Any, path: tuple) -> None:
        """The keywords that the ``jsonschema`` library checks for this node."""
        assert node.fallback is not None
        for error in node.fallback.iter_errors(value):
            self.add(
                "schema",
                path + tuple(error.path),
                error.instance,
                type=str(error.validator),
                detail=error.message,
                field=_last_name(path + tuple(error.path)),
            )

    def unknown_key(self, node: Node, key: str, value: Any, path: tuple) -> None:
        """A member that ``node``'s properties do not name: pattern properties, additional properties,
        translations or a field not in the schema."""
        child_path = path + (key,)
        matched = False
        for rx, pnode in node.patterns:
            if rx.search(key):
                matched = True
                self.walk(pnode, value, child_path)
        if matched:
            return
        if node.additional is False:
            self.add("schema", path, None, type="additionalProperties", field=key)
        elif node.additional is not True:
            self.walk(node.additional, value, child_path)
        elif "_" not in key or not LANGUAGE.match(key):
            self.add("additional_field", child_path, value, field=key)
            self.free_walk(value, child_path)
        else:
            # Translations (title_es, name_fr…) are not unknown fields, as in the Review Tool.
            self.unknown_walk(value, child_path)

    def numeric(self, node: Node, value: float, path: tuple) -> None:
        if value.__class__ is bool or not isinstance(value, int | float):
            return
        if node.minimum is not None and (value <= node.minimum if node.excl_min else value < node.minimum):
            self.add("schema", path, value, type="minimum", limit=node.minimum, field=_last_name(path))
        if node.maximum is not None and (value >= node.maximum if node.excl_max else value > node.maximum):
            self.add("schema", path, value, type="maximum", limit=node.maximum, field=_last_name(path))
        if node.multiple_of:
            quotient = value / node.multiple_of
            if not (math.isfinite(quotient) and quotient == int(quotient)):
                self.add("schema", path, value, type="multipleOf", limit=node.multiple_of, field=_last_name(path))

    def codelist(self, node: Node, path: tuple, value: Any) -> None:
        """A value outside ``node``'s codelist; reported at the field that carries the codelist."""
        self.add(
            "open_codelist" if node.codelist_open else "closed_codelist",
            path,
            value,
            codelist=node.codelist,
            code=str(value),
        )

    def unique_ids(self, value: list, path: tuple, id_names: tuple[str, ...] = ("id",)) -> None:
        """The Review Tool's uniqueItems: duplicate ``id`` values, else duplicate elements."""
        seen: set = set()
        dupes: set = set()
        checked_whole = False
        for item in value:
            ids = tuple(item.get(n) for n in id_names) if item.__class__ is dict else None
            if ids and all(i is not None and not isinstance(i, dict | list) for i in ids):
                try:
                    if ids in seen:
                        dupes.add(ids)
                    seen.add(ids)
                except TypeError:
                    pass
            elif not checked_whole:
                canon = [json.dumps(v, sort_keys=True) for v in value]
                if len(set(canon)) != len(canon):
                    self.add("schema", path, None, type="uniqueItems", field=_last_name(path), duplicate=None)
                    return
                checked_whole = True
        for ids in sorted(dupes, key=repr):
            self.add(
                "unique_item_id",
                path,
                ", ".join(map(str, ids)),
                type="uniqueItems",
                field=_last_name(path),
                keys=", ".join(id_names),
            )

    def record_releases(self, node: Node, value: Any, path: tuple) -> None:
        linked, embedded = node.props["linked"], node.props["embedded"]
        if value.__class__ is not list or all(not (item.__class__ is dict and "id" in item) for item in value):
            self.walk(linked, value, path)
        elif all(item.__class__ is dict and "id" in item for item in value):
            self.walk(embedded, value, path)
        else:
            self.add("records_mixed_releases", path, None, type="oneOf", field=_last_name(path))

    def unknown_walk(self, value: Any, path: tuple) -> None:
        """Content of a field that is known only by its name: every field in it is unknown."""
        items = value if value.__class__ is list else [value]
        for i, item in enumerate(items):
            if item.__class__ is dict:
                base = path + (i,) if value.__class__ is list else path
                for key, child in item.items():
                    self.add("additional_field", base + (key,), child, field=key)
                    self.free_walk(child, base + (key,))

    def free_walk(self, value: Any, path: tuple) -> None:
        """Walk content that has no schema: only empty values are checked."""
        if value.__class__ is dict:
            for key, child in value.items():
                cpath = path + (key,)
                cvt = child.__class__
                if cvt is str:
                    if not child.strip():
                        self.add("empty_field", cpath, child)
                elif cvt is dict or cvt is list:
                    if not child:
                        self.add("empty_field", cpath, None)
                    else:
                        self.free_walk(child, cpath)
        elif value.__class__ is list:
            for i, child in enumerate(value):
                cvt = child.__class__
                if cvt is str:
                    if not child.strip():
                        self.add("empty_field", path + (i,), child)
                elif cvt is dict or cvt is list:
                    self.free_walk(child, path + (i,))


def _last_name(path: tuple) -> str:
    for part in reversed(path):
        if not isinstance(part, int):
            return str(part)
    return ""
