"""A fast gate before the walk: the compiled nodes as one stricter JSON Schema, checked in Rust.

Most releases of a real publication have no finding at all. For them, the walk of
:mod:`.schema_pass` (a Python call per object and a look at every string) is the cost of validation.
:class:`CleanCheck` answers, for one release, "does the walk find nothing here?" without walking: it
turns the compiled :class:`~.schema_pass.Node` tree into one JSON Schema that is *stricter* than the
walk — every check of the walk is either a JSON Schema keyword or a conservative stand-in for it — and
asks jsonschema-rs whether the release is valid against it. What JSON Schema cannot say (that the
``id`` of the objects in an array are unique) is checked in Python along the few paths that lead to
such arrays. A release that passes both has, by construction, no finding of the walk; any other
release (and any release the gate cannot read) is walked as before, so every finding is the walk's
own, with its exact words and places. ``tests/test_validate_fast.py`` checks that the gate never
passes a release that the walk finds something in.

How each check of the walk is stood in for:

- types, ``required``, sizes, ``minimum``/``maximum``, ``enum``, ``uniqueItems`` (equal elements):
  the same keywords, which jsonschema-rs reads as the walk does (a float is not an integer in draft 4,
  ``true`` is not ``1``) or more strictly;
- ``pattern`` and the formats the walk checks (``date-time``, ``uri``): formats whose predicates are the
  walk's own Python functions, so that no regular-expression dialect differs; a value that a simple,
  surely valid pattern matches (``2024-01-31T10:00:00-06:00``, ``https://host/path``) is accepted
  without calling back into Python;
- codelists: ``enum`` with the profile's codes;
- fields not in the schema (translations and pattern properties included), deprecated fields,
  record releases, ``multipleOf`` and the keywords the walk hands to the ``jsonschema`` library:
  refused outright, so such releases are walked;
- empty values and, with the quality checks, placeholders, mojibake and placeholder dates: one
  pattern refuses any string that is blank by Python's ``str.strip``, is a placeholder by
  ``casefold``, has mojibake, or has a character whose case folding the pattern could not mirror;
  ``minItems``/``minProperties`` of 1 refuse empty arrays and objects;
- objects without ``id`` in arrays whose items have one: ``required: ["id"]``.

Why jsonschema-rs (MIT, a compiled validator published on PyPI with wheels for the usual platforms):
on the city's releases it answers in a few microseconds what the walk takes tens of microseconds to
find, and it reads the release as Python objects, without encoding it again. The schema it is given is
built here and refers to nothing outside itself; its retriever refuses every URL, so nothing goes to
the network.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import jsonschema_rs

from .quality import MOJIBAKE, PLACEHOLDER_DATES, PLACEHOLDERS, check_text
from .schema_pass import PY_TYPES, Node

#: Values that the walk's format checks surely accept, so that they need no call into Python.
SAFE_DATE_TIME = (
    r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_PCHAR = r"([a-zA-Z0-9_.~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_QCHAR = r"([a-zA-Z0-9_.~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})"
SAFE_URI = rf"^https?://[a-zA-Z0-9.-]+(:[0-9]+)?(/{_PCHAR}*)*(\?{_QCHAR}*)?(#{_QCHAR}*)?$"
_REFUSE: dict = {"not": {}}


def _class(chars: list[str]) -> str:
    """A regular-expression character class of exactly ``chars`` (as literal characters)."""
    return "[" + "".join("\\" + c if c in "\\]^-[" else c for c in chars) + "]"


@functools.lru_cache(maxsize=2)
def bad_text(quality: bool) -> str:
    """A pattern that finds every string the walk would report: blank (``str.strip`` leaves nothing)
    and, with the quality checks, a placeholder (``strip().casefold()``), mojibake, or a character whose
    ``casefold`` this pattern's case-insensitive match could not be trusted to mirror."""
    bmp = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    space = _class([c for c in bmp if c.isspace()])
    alternatives = [f"^{space}*$"]
    if quality:
        odd = [c for c in bmp if not c.isascii() and (len(c.casefold()) > 1 or c.casefold().isascii())]
        words = "|".join(re.escape(p).replace("\\ ", " ") for p in sorted(PLACEHOLDERS, key=len, reverse=True))
        alternatives += [f"^{space}*(?i:{words}){space}*$", _class(odd), MOJIBAKE.pattern]
    return "|".join(alternatives)


class _Builder:
    """Writes the nodes as definitions of one schema, and the formats they call back."""

    def __init__(self, codes: dict[str, frozenset[str]], quality: bool) -> None:
        self.codes = codes
        self.quality = quality
        self.names: dict[int, str] = {}
        self.definitions: dict[str, Any] = {}
        self.formats: dict[str, Callable[[str], bool]] = {}
        self.text = {"not": {"type": "string", "pattern": bad_text(quality)}}
        self.definitions["free"] = {
            **self.text,
            "minItems": 1,
            "minProperties": 1,
            "items": {"$ref": "#/definitions/free"},
            "additionalProperties": {"$ref": "#/definitions/free"},
        }

    def ref(self, node: Node) -> dict:
        name = self.names.get(id(node))
        if name is None:
            name = self.names[id(node)] = f"n{len(self.names)}"
            self.definitions[name] = self.node(node)
        return {"$ref": f"#/definitions/{name}"}

    def format(self, check: Callable[[str], bool], safe: str | None) -> dict:
        name = f"cdmx-{len(self.formats)}"
        self.formats[name] = check
        return {"anyOf": [{"pattern": safe}, {"format": name}]} if safe else {"format": name}

    def node(self, node: Node) -> dict:
        if node.fallback is not None or node.special is not None or node.multiple_of:
            return _REFUSE
        out: dict[str, Any] = {}
        extra: list[dict] = []
        kinds = None
        if node.types is not None:
            kinds = [t for t in node.types if t in PY_TYPES]
            if not kinds:
                return _REFUSE
            out["type"] = kinds
        # Keywords for a kind of value that the type refuses anyway are left out: each costs a look.
        if kinds is None or "object" in kinds:
            self._object(node, out)
        if kinds is None or "array" in kinds:
            self._array(node, out)
        if kinds is None or "string" in kinds:
            if not self._text_implied(node):
                extra.append(self.text)
            self._string(node, out, extra)
            codes = self.codes.get(node.codelist) if node.codelist else None
            if codes is not None:
                extra.append(self._codes(codes, kinds))
        if kinds is None or "number" in kinds or "integer" in kinds:
            for key, value in (("minimum", node.minimum), ("maximum", node.maximum)):
                if value is not None:
                    out[key] = value
            if node.excl_min:
                out["exclusiveMinimum"] = True
            if node.excl_max:
                out["exclusiveMaximum"] = True
        if node.enum is not None and not node.is_codelist:
            out["enum"] = node.enum
        for constraint in extra:
            # One keyword each: set in the node itself where it is free (all keywords of a schema
            # hold together, as in allOf), which jsonschema-rs checks faster than an allOf.
            (key, value), *_ = constraint.items()
            if key in out:
                out.setdefault("allOf", []).append(constraint)
            else:
                out[key] = value
        return out

    def _text_implied(self, node: Node) -> bool:
        """Whether every string that ``node``'s other checks accept is one in which the walk finds
        nothing: a date-time or URI (checked by the walk's own functions: no blank, placeholder or
        mojibake is one), or a code or ``enum`` value, when each of them is such a string."""
        if node.format_ok is not None:
            return True
        codes = self.codes.get(node.codelist) if node.codelist else None
        if codes is not None and (node.types is None or "string" in node.types):
            return all(self._text_ok(code) for code in codes)
        if node.enum is not None and not node.is_codelist:
            return all(self._text_ok(value) for value in node.enum if isinstance(value, str))
        return False

    def _text_ok(self, text: str) -> bool:
        found: list = []
        if self.quality:
            check_text(text, (), lambda *args, **kwargs: found.append(args))
        return bool(text.strip()) and not found

    @staticmethod
    def _codes(codes: frozenset[str], kinds: list[str] | None = None) -> dict:
        """Strings limited to ``codes``; other values are the type check's (no codelist holds them)."""
        if kinds is not None and set(kinds) <= {"string", "null"}:
            return {"enum": [*sorted(codes), *([None] if "null" in kinds else [])]}
        return {"anyOf": [{"not": {"type": "string"}}, {"enum": sorted(codes)}]}

    def _object(self, node: Node, out: dict) -> None:
        out["properties"] = {
            key: _REFUSE if child.deprecated is not None else self.ref(child) for key, child in node.props.items()
        }
        out["additionalProperties"] = False
        if node.required:
            out["required"] = list(node.required)
        out["minProperties"] = max(1, node.min_props or 0)
        if node.max_props is not None:
            out["maxProperties"] = node.max_props

    def _array(self, node: Node, out: dict) -> None:
        items: list[dict] = [self.ref(node.items) if node.items is not None else {"$ref": "#/definitions/free"}]
        if node.items_id_warn:
            items.append({"anyOf": [{"not": {"type": "object"}}, {"required": ["id"]}]})
        codes = self.codes.get(node.codelist) if node.codelist else None
        if codes is not None:
            items.append(self._codes(codes))
        out["items"] = items[0] if len(items) == 1 else {"allOf": items}
        out["minItems"] = max(1, node.min_items or 0)
        if node.max_items is not None:
            out["maxItems"] = node.max_items
        if node.unique:
            out["uniqueItems"] = True

    def _string(self, node: Node, out: dict, extra: list) -> None:
        if node.min_length is not None:
            out["minLength"] = node.min_length
        if node.max_length is not None:
            out["maxLength"] = node.max_length
        if node.pattern is not None:
            search = node.pattern.search
            extra.append(self.format(lambda value: search(value) is not None, None))
        if node.format_ok is not None:
            safe = {"date-time": SAFE_DATE_TIME, "uri": SAFE_URI}.get(node.format or "")
            extra.append(self.format(node.format_ok, safe))
            if node.format == "date-time" and self.quality:
                extra.append({"not": {"type": "string", "pattern": "^(" + "|".join(PLACEHOLDER_DATES) + ")"}})


class _Ids:
    """The paths of a node tree that lead to arrays whose objects' ``id`` must be unique."""

    __slots__ = ("children", "items", "unique")

    def __init__(self) -> None:
        self.children: list[tuple[str, _Ids]] = []
        self.items: _Ids | None = None
        self.unique = False


def _ids_plan(node: Node, memo: dict[int, _Ids | None]) -> _Ids | None:
    if id(node) in memo:
        return memo[id(node)]
    plan = _Ids()
    memo[id(node)] = plan  # a recursive schema ends here
    for key, child in node.props.items():
        sub = _ids_plan(child, memo)
        if sub is not None:
            plan.children.append((key, sub))
    plan.items = _ids_plan(node.items, memo) if node.items is not None else None
    plan.unique = node.unique
    if not (plan.children or plan.items or plan.unique):
        memo[id(node)] = None
        return None
    return plan


def _distinct_ids(value: list) -> bool:
    """True when the walk's unique-id rule finds nothing in ``value`` (equal elements aside, which the
    schema refuses)."""
    try:
        ids = [item["id"] for item in value]
        if len(set(ids)) == len(ids):
            return True
    except (KeyError, TypeError):  # an item that is no object or has no id, an id that is one
        pass
    ids = []
    for item in value:
        if item.__class__ is dict:
            ident = item.get("id")
            if ident is not None:
                if ident.__class__ is dict or ident.__class__ is list:
                    return False
                ids.append(ident)
    return len(set(ids)) == len(ids)


def _ids_ok(plan: _Ids, value: Any) -> bool:
    cls = value.__class__
    if cls is dict:
        for key, sub in plan.children:
            child = value.get(key)
            if child is not None and not _ids_ok(sub, child):
                return False
    elif cls is list:
        if plan.unique and len(value) > 1 and not _distinct_ids(value):
            return False
        sub = plan.items
        if sub is not None:
            for item in value:
                if not _ids_ok(sub, item):
                    return False
    return True


def _no_retrieval(uri: str) -> Any:
    raise ValueError(f"the gate's schema refers to nothing outside itself: {uri}")


class CleanCheck:
    """Tells releases in which the walk along ``root`` finds nothing."""

    def __init__(self, root: Node, codes: dict[str, frozenset[str]], *, quality: bool) -> None:
        builder = _Builder(codes, quality)
        top = builder.ref(root)
        schema = {**top, "definitions": builder.definitions}
        self.schema = schema
        self.plan = _ids_plan(root, {})
        try:
            self.validator: Any = jsonschema_rs.Draft4Validator(
                schema, formats=builder.formats, validate_formats=True, retriever=_no_retrieval
            )
        except Exception:  # a schema the gate cannot hold: every release is walked, as before it
            self.validator = None

    def clean(self, release: Any) -> bool:
        """True when walking ``release`` would add no finding."""
        if self.validator is None:
            return False
        try:
            if not self.validator.is_valid(release):
                return False
        except Exception:  # what the gate cannot read (a lone surrogate) is walked
            return False
        return self.plan is None or _ids_ok(self.plan, release)
