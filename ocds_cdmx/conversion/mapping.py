"""Mapping files: how an agency's spreadsheet becomes OCDS. Loaded from YAML, checked, merged with the
mapping they extend.

A mapping (see ``mappings/*.yaml`` and the README) names the OCID template, the sheet and how to find
its header row, every column (its label, type, and the OCDS fields, party or document it feeds, or the
reason it is left out), the parties built from columns, the sub-table sheets, and the agency's identity.
:func:`load` returns it as plain data with the YAML line of every entry, so that problems can name
the line.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..core.errors import MappingError, Problem
from ..core.texts import Text
from ..report.messages import N_
from ..schema.walk import field_nodes, types_of
from .values import TYPES

#: Where the bundled mappings are: inside the package, so that a wheel has them too.
BUNDLED = Path(__file__).resolve().parent / "mappings"


@dataclass
class Mapping:
    """A loaded mapping: ``data`` as plain values, ``lines`` from dotted keys to YAML line numbers."""

    source: str
    data: dict
    lines: dict[str, int] = field(default_factory=dict)
    #: What the files above the nearest layout mapping add (an agency's identity, OCID template and
    #: own sheets): what :func:`rebase` lays over another layout.
    agency_part: dict = field(default_factory=dict)
    #: The layout mapping this one extends (itself, for a layout mapping), if any.
    layout_base: str | None = None

    def line(self, *keys: Any) -> int | None:
        return self.lines.get(".".join(str(k) for k in keys))


def _schema() -> dict:
    text = resources.files("ocds_cdmx.conversion").joinpath("mapping-schema.json").read_text(encoding="utf-8")
    return json.loads(text)


#: libyaml's safe loader when PyYAML has it (parsing the bundled mappings to pick a layout takes a
#: tenth of the time), else the Python one; both keep the marks that give the lines.
_LineLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_cache: dict[tuple, tuple[dict, dict[str, int]]] = {}


#: What a mapping may expand to, aliases followed: its nodes and its depth. The bundled ones have a few
#: hundred nodes and a depth below 10; "billion laughs" has a billion nodes, a recursive alias no end.
MAX_YAML_NODES = 100_000
MAX_YAML_DEPTH = 64


def check_yaml_size(node: yaml.Node, source: str) -> None:
    """A :class:`MappingError` when the YAML document, its aliases expanded, has more than
    :data:`MAX_YAML_NODES` nodes or is deeper than :data:`MAX_YAML_DEPTH` (a recursive alias is)."""
    stack = [(node, 1)]
    count = 0
    while stack:
        current, depth = stack.pop()
        count += 1
        if count > MAX_YAML_NODES or depth > MAX_YAML_DEPTH:
            line = current.start_mark.line + 1 if current.start_mark else None
            problem = (
                Text(N_("refused: the YAML has more than {count} values once its aliases are expanded"),
                     count=f"{MAX_YAML_NODES:,}")
                if count > MAX_YAML_NODES
                else Text(N_("refused: the YAML is nested more than {depth} levels deep (a recursive alias?)"),
                          depth=MAX_YAML_DEPTH)
            )  # fmt: skip
            raise MappingError(source=source, problems=[(line, problem)])
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                stack += [(key_node, depth + 1), (value_node, depth + 1)]
        elif isinstance(current, yaml.SequenceNode):
            stack += [(item, depth + 1) for item in current.value]


def _compose_lines(node: yaml.Node, prefix: str, lines: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[key] = key_node.start_mark.line + 1
            _compose_lines(value_node, key, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = f"{prefix}.{i}"
            lines[key] = item.start_mark.line + 1
            _compose_lines(item, key, lines)


def resolve_path(name: str | os.PathLike, relative_to: Path | None = None) -> Path:
    """A mapping file: a path, a path relative to the extending mapping, or a bundled mapping's name."""
    candidates = [Path(name)]
    if relative_to is not None:
        candidates.append(relative_to.parent / name)
    candidates += [BUNDLED / name, BUNDLED / f"{name}.yaml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    former = _former(str(name)) if relative_to is None and os.sep not in str(name) else None
    if former is not None:
        return former
    raise MappingError(
        source=str(name),
        problems=[
            (
                None,
                Text(
                    N_("mapping file not found: {name} (bundled: {bundled})"),
                    name=str(name),
                    bundled=", ".join(bundled()),
                ),
            )
        ],
    )


def _former(name: str) -> Path | None:
    """The bundled agency mapping whose agency had ``name`` as its key or name before (``sederec``)."""
    wanted = str(name).casefold()
    for path in sorted(BUNDLED.glob("*.yaml")):
        try:
            data, _ = _read(path)
        except MappingError:
            continue
        for former in (data.get("agency") or {}).get("former", []) or []:
            if isinstance(former, dict) and wanted in {str(former.get(k, "")).casefold() for k in ("key", "name")}:
                return path
    return None


def bundled() -> list[str]:
    """The names of the bundled mappings."""
    return sorted(p.stem for p in BUNDLED.glob("*.yaml")) if BUNDLED.is_dir() else []


def _read(path: Path) -> tuple[dict, dict[str, int]]:
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key in _cache:
            data, lines = _cache[key]
            return copy.deepcopy(data), dict(lines)
        text = path.read_text(encoding="utf-8")
        loader = _LineLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                check_yaml_size(node, str(path))
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError) as e:
        raise MappingError(source=str(path), problems=[(None, Text(N_("cannot read: {detail}"), detail=e))]) from None
    except ValueError as e:  # an integer of more digits than Python converts (4,300)
        raise MappingError(
            source=str(path), problems=[(None, Text(N_("a value cannot be read: {detail}"), detail=e))]
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise MappingError(
            source=str(path), problems=[(mark.line + 1 if mark else None, Text(N_("invalid YAML: {detail}"), detail=e))]
        ) from None
    if not isinstance(data, dict):
        raise MappingError(source=str(path), problems=[(1, Text(N_("a mapping file is a YAML mapping (key: value)")))])
    lines: dict[str, int] = {}
    if node is not None:
        _compose_lines(node, "", lines)
    _cache[key] = (copy.deepcopy(data), dict(lines))
    return data, lines


def _merge(base: dict, child: dict) -> dict:
    """``child`` over ``base``: mappings merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _union(first: list | None, second: list | None) -> list:
    return list(dict.fromkeys([*(first or []), *(second or [])]))


def load(name: str | os.PathLike, _seen: tuple = (), *, checked: bool = True) -> Mapping:
    """Load a mapping (and those it extends), checked against the mapping schema (``checked=False``:
    only read, for :func:`check_file` to report every problem at once)."""
    path = resolve_path(name)
    if path.resolve() in _seen:
        raise MappingError(source=str(path), problems=[(None, Text(N_("the mapping extends itself")))])
    data, lines = _read(path)
    own = {k: v for k, v in data.items() if k != "extends"}
    agency_part: dict = {}
    layout_base = str(path) if "layout" in own else None
    if isinstance(data.get("extends"), str):
        parent = load(resolve_path(data["extends"], path), (*_seen, path.resolve()))
        data = _merge(parent.data, own)
        # Extensions add up: an agency's own sheets need theirs besides the layout's.
        data["extensions"] = _union(parent.data.get("extensions"), own.get("extensions"))
        if "layout" not in own:
            agency_part = _merge(parent.agency_part, own)
            agency_part["extensions"] = _union(parent.agency_part.get("extensions"), own.get("extensions"))
            layout_base = parent.layout_base
    mapping = Mapping(str(path), data, lines, agency_part, layout_base)
    problems = check(mapping) if checked else []
    if problems:
        raise MappingError(source=str(path), problems=problems)
    return mapping


#: The keys that describe a layout (its columns and how they become OCDS): an agency's mapping laid over
#: another layout (:func:`rebase`) takes them from that layout, the rest from the agency.
LAYOUT_KEYS = frozenset({"mode", "format", "layout", "columns", "subtables", "parties", "essentials", "note_column",
                         "placeholders", "sheet", "derived", "amounts", "ids", "release_date"})  # fmt: skip


def is_agency(mapping: Mapping) -> bool:
    """Whether the mapping adds an agency's identity to a layout mapping (it can then read any layout)."""
    return bool(mapping.agency_part.get("agency")) and mapping.layout_base is not None


def rebase(mapping: Mapping, layout: str | os.PathLike) -> Mapping:
    """An agency's mapping over another layout: the bundled ``layout`` mapping with what the agency's
    files add to theirs (identity, publisher, licence, OCID template, own sheets, extensions)."""
    base = load(layout)
    own = {k: v for k, v in mapping.agency_part.items() if k not in LAYOUT_KEYS}
    data = _merge(base.data, own)
    data["extensions"] = _union(base.data.get("extensions"), own.get("extensions"))
    rebased = Mapping(mapping.source, data, {}, mapping.agency_part, str(base.source))
    problems = check(rebased)
    if problems:
        raise MappingError(source=mapping.source, problems=problems)
    return rebased


def agency_buyer(name: str, key: str = "") -> dict:
    """The buyer of an agency given by its name (and key) alone: ``CDMX-<key>``, its name, its roles."""
    ident = f"CDMX-{key}" if key else "CDMX-" + re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")
    return {"id": ident, "name": name, "roles": ["buyer", "procuringEntity"]}


def with_agency(mapping: Mapping, name: str, key: str | None = None) -> Mapping:
    """The mapping with another agency (``cdmx convert --agency "Alcaldía Coyoacán" --agency-key COY``):
    its name, key and buyer; with a key, the OCIDs start with it as the city's do."""
    data = copy.deepcopy(mapping.data)
    key = key or (mapping.data.get("agency") or {}).get("key") or ""
    data["agency"] = {"name": name, "key": key, "buyer": agency_buyer(name, key)}
    data["publisher"] = {"name": name}
    if key and data.get("mode") != "ocds-paths":
        main = data["ocid"]["template"]
        if "{agency}" not in main:
            data["ocid"] = {**data["ocid"], "template": "{agency}-" + main}
            for sheet in data.get("sheets", []):
                if sheet.get("ocid", main) == main:
                    sheet["ocid"] = "{agency}-" + main
    # The agency part stays the mapping's: a layout mapping given with --agency still reads only its layout.
    own = {**mapping.agency_part, "agency": data["agency"]} if mapping.agency_part else {}
    return Mapping(mapping.source, data, mapping.lines, own, mapping.layout_base)


#: The stages a release date can be given for.
STAGES = ("planning", "tender", "award", "contract", "implementation")
_NAMES = re.compile(r"\{([^{}]+)\}")


def closest(value: str, choices: Any) -> str | None:
    """The choice most like ``value`` (a typo's intended word), if one is close enough."""
    found = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return found[0] if found else None


def _choices(choices: Any, limit: int = 12) -> str:
    listed = sorted(str(c) for c in choices)
    return ", ".join(listed[:limit]) + (f", … (+{len(listed) - limit})" if len(listed) > limit else "")


#: Where a column is looked for, as the messages word it (``scope_<kind>``).
_SCOPES = {"main": "the main sheet", "subtable": "the sub-table {name}", "sheet": "the sheet {name}"}


def _unknown_column(where: str, value: str, own: Any, scope: str) -> Problem:
    """``scope``: ``main``, ``subtable:<name>`` or ``sheet:<name>``."""
    kind, _, name = scope.partition(":")
    near = closest(value, own)
    words = _SCOPES[kind].format(name=name)
    english = f"{where}: unknown column `{value}` (the columns of {words}: {_choices(own)})."
    return Problem("check_unknown_column", english + (f" Did you mean `{near}`?" if near else ""), where=where,
                   value=value, scope_kind=kind, scope_name=name, choices=_choices(own), closest=near)  # fmt: skip


def check(mapping: Mapping) -> list[tuple[int | None, str]]:
    """Every problem of a mapping at once, each at its YAML line: against the mapping schema (unknown
    keys and stages with the valid ones and the closest), then the references between its parts (the
    columns that templates, parties, items and dates name; the sheets that no row can reach)."""
    problems: list[tuple[int | None, str]] = []
    validator = jsonschema.Draft7Validator(_schema())
    for error in sorted(validator.iter_errors(mapping.data), key=lambda e: list(map(str, e.absolute_path))):
        keys = [str(k) for k in error.absolute_path]
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # Name the unknown key, at its own line, with the keys allowed there: usually a typo.
            known = error.schema.get("properties", {})
            stages = keys[-1:] == ["release_date"]
            allowed = STAGES if stages else tuple(known)
            for extra in (k for k in error.instance if k not in known and not (stages and k in STAGES)):
                where = ".".join([*keys, str(extra)])
                near = closest(str(extra), allowed)
                kind = "stage" if stages else "key"
                english = f"{where}: unknown {kind} `{extra}` (the {kind}s here: {_choices(allowed, 40)})."
                problems.append((mapping.line(*keys, extra), Problem(
                    f"check_unknown_{kind}", english + (f" Did you mean `{near}`?" if near else ""), where=where,
                    value=str(extra), choices=_choices(allowed, 40), closest=near)))  # fmt: skip
            continue
        problems.append((mapping.line(*keys), _schema_problem(error, ".".join(keys) or Text(N_("(top)")))))
    data = mapping.data
    if data.get("mode") == "ocds-paths" or not isinstance(data.get("columns"), dict):
        return problems
    try:
        _references(mapping, problems)
    except (AttributeError, KeyError, TypeError):
        # A part the schema already reported as malformed: its references cannot be followed.
        if not problems:
            raise
    return problems


def _references(mapping: Mapping, problems: list) -> None:
    data = mapping.data
    names = set(data["columns"])
    for name, spec in data["columns"].items():
        if spec.get("type", "string") not in TYPES:
            near = closest(str(spec["type"]), TYPES)
            problems.append((mapping.line("columns", name, "type"), Problem(
                "check_unknown_type", f"{name}: unknown type {spec['type']!r} (the types: {_choices(TYPES)})."
                + (f" Did you mean `{near}`?" if near else ""),
                where=name, value=str(spec["type"]), choices=_choices(TYPES), closest=near)))  # fmt: skip
        if not (
            spec.get("field") or spec.get("fields") or spec.get("document") or spec.get("reason") or spec.get("use")
        ):
            problems.append((mapping.line("columns", name), Problem(
                "check_maps_to_nothing", f"{name}: maps to nothing and gives no reason", where=name)))  # fmt: skip

    def known(refs: list[str], own: set[str], where: tuple, what: str, scope: str = "main") -> None:
        for ref in refs:
            if ref not in own:
                problems.append((mapping.line(*where), _unknown_column(what, ref, own - {"agency"}, scope)))

    def template(text: Any, own: set[str], where: tuple, what: str, scope: str) -> None:
        if isinstance(text, str):
            known(_NAMES.findall(text), own, where, what, scope)

    def documents(columns: dict, own: set[str], prefix: tuple, what: str, scope: str) -> None:
        for name, spec in columns.items():
            title = (spec.get("document") or {}).get("title")
            template(
                title, own, (*prefix, "columns", name, "document", "title"), f"{what}columns.{name}.document", scope
            )

    def item(spec: dict | None, own: set[str], prefix: tuple, what: str, scope: str) -> None:
        if not spec:
            return
        template(spec.get("id"), own | {"n"}, (*prefix, "item", "id"), f"{what}item.id", scope)
        for path, source in spec.get("fields", {}).items():
            refs = source.get("join", []) if isinstance(source, dict) else (
                _NAMES.findall(source) if "{" in source else [source])  # fmt: skip
            known(refs, own, (*prefix, "item", "fields", path), f"{what}item.fields.{path}", scope)

    def dates(spec: dict, own: set[str], prefix: tuple, what: str, scope: str) -> None:
        for stage, columns in spec.get("release_date", {}).items():
            known(columns, own, (*prefix, "release_date", stage), f"{what}release_date.{stage}", scope)

    def sheet_parts(spec: dict, own: set[str], prefix: tuple, what: str, scope: str) -> None:
        for i, party in enumerate(spec.get("parties", [])):
            known(_party_columns(party), own, (*prefix, "parties", i), f"{what}parties[{i}]", scope)
        for path, derived in spec.get("derived", {}).items():
            refs = derived.get("first") or _NAMES.findall(derived.get("template", ""))
            known(refs, own, (*prefix, "derived", path), f"{what}derived[{path}]", scope)
        amounts = spec.get("amounts", {})
        refs = [amounts[k] for k in ("total", "minimum", "maximum") if k in amounts]
        refs += [amounts["currency"]["column"]] if amounts.get("currency", {}).get("column") else []
        known(refs, own, (*prefix, "amounts"), f"{what}amounts", scope)
        documents(spec.get("columns", {}), own, prefix, what, scope)
        item(spec.get("item"), own, prefix, what, scope)
        dates(spec, own, prefix, what, scope)

    own_main = names | {"agency"}
    main_ocid = (data.get("ocid") or {}).get("template", "")
    template(main_ocid, own_main, ("ocid", "template"), "ocid.template", "main")
    for kind, text in (data.get("ids") or {}).items():
        template(text, own_main | {"ocid"}, ("ids", kind), f"ids.{kind}", "main")
    sheet_parts(data, own_main, (), "", "main")
    for i, sub in enumerate(data.get("subtables", [])):
        if sub["key"] not in names:
            problems.append((mapping.line("subtables", i, "key"),
                             _unknown_column(f"subtables[{sub['name']}].key", sub["key"], names, "main")))  # fmt: skip
        own = set(sub["columns"])
        scope = f"subtable:{sub['name']}"
        if sub.get("party"):
            known(_party_columns(sub["party"]), own, ("subtables", i, "party"), f"subtables[{sub['name']}].party",
                  scope)  # fmt: skip
        documents(sub["columns"], own, ("subtables", i), f"subtables[{sub['name']}].", scope)
        item(sub.get("item"), own, ("subtables", i), f"subtables[{sub['name']}].", scope)
    for key, columns in data.get("essentials", {}).items():
        known(columns, names, ("essentials", key), f"essentials.{key}")
    if data.get("note_column"):
        known([data["note_column"]], names, ("note_column",), "note_column")
    shape = _shape(main_ocid)
    for n, sheet in enumerate(data.get("sheets", [])):
        own = set(sheet["columns"]) | {"agency"}
        what, scope = f"sheets[{sheet['name']}].", f"sheet:{sheet['name']}"
        ocid = sheet.get("ocid", main_ocid)
        template(ocid, own, ("sheets", n, "ocid"), f"{what}ocid", scope)
        for kind, text in (sheet.get("ids") or {}).items():
            template(text, own | {"ocid"}, ("sheets", n, "ids", kind), f"{what}ids.{kind}", scope)
        sheet_parts(sheet, own, ("sheets", n), what, scope)
        if _shape(ocid) != shape:
            # Its OCIDs can never be the main sheet's: its rows would make processes of their own.
            where = f"sheets[{sheet['name']}].ocid"
            problems.append((mapping.line("sheets", n, "ocid") or mapping.line("sheets", n), Problem(
                "check_sheet_unreached",
                f"{where}: no row of the sheet {sheet['name']} reaches a process of the main sheet: its OCID "
                f"template `{ocid}` does not make the main one's (`{main_ocid}`), so its rows would be processes "
                f"of their own. Use `{main_ocid}` with this sheet's columns.",
                where=where, sheet=sheet["name"], template=ocid, main=main_ocid)))  # fmt: skip


def _schema_problem(error: jsonschema.ValidationError, where: str) -> Text:
    """A mapping schema error in words a translator can translate (jsonschema's own are English)."""
    value = json.dumps(error.instance, ensure_ascii=False, default=str)
    value = value if len(value) <= 60 else value[:59] + "…"
    rule, expected = error.validator, error.validator_value
    if rule == "required":
        missing = [k for k in expected if isinstance(error.instance, dict) and k not in error.instance]
        return Text(N_("{where}: the key {key} is missing"), where=where, key=", ".join(missing))
    if rule == "type":
        kinds = "/".join(expected) if isinstance(expected, list) else expected
        return Text(N_("{where}: {value} is not of type {expected}"), where=where, value=value, expected=kinds)
    if rule in ("enum", "const"):
        allowed = ", ".join(json.dumps(v, ensure_ascii=False) for v in (expected if rule == "enum" else [expected]))
        return Text(N_("{where}: {value} is not one of {allowed}"), where=where, value=value, allowed=allowed)
    if rule == "pattern":
        return Text(N_("{where}: {value} does not match {pattern}"), where=where, value=value, pattern=expected)
    if rule in ("minItems", "minLength", "minProperties"):
        return Text(N_("{where}: {value} is too short (at least {limit})"), where=where, value=value, limit=expected)
    return Text(N_("{where}: {value} is not allowed here ({rule})"), where=where, value=value, rule=rule)


def _shape(template: str) -> str:
    """An OCID template with its columns blanked (the agency's key kept): two sheets' rows make the same
    OCIDs only if their templates have the same shape."""
    return _NAMES.sub(lambda m: "{agency}" if m.group(1) == "agency" else "{}", template or "")


def _party_columns(party: dict) -> list[str]:
    refs = []
    for option in party.get("name", []):
        refs += option if isinstance(option, list) else [option]
    if party.get("rfc"):
        refs.append(party["rfc"])
    for value in party.get("address", {}).values():
        refs += value if isinstance(value, list) else [value]
    return refs


def check_against_ocds(
    mapping: Mapping, release_schema: dict, codelists: dict, unavailable: frozenset[str] = frozenset()
) -> list[tuple[int | None, str]]:
    """Problems of a mapping against the OCDS release schema (with its extensions) and codelists: fields
    that OCDS does not have, and codes that a codelist does not have (closed lists; open ones unless the
    mapping lists them in ``new_codes``). Sub-tables whose ``extension`` is ``unavailable`` are not checked."""
    nodes = field_nodes(release_schema)
    paths = ["/".join(k) for k in nodes]
    problems: list[tuple[int | None, str]] = []
    data = mapping.data
    if data.get("mode") == "ocds-paths":
        return problems
    new_codes = set(data.get("new_codes", []))

    def known(path: str) -> dict | None:
        steps = [p for p in path.split("/") if p and not p.isdigit()]
        if steps and steps[0] == "party":  # the row's party
            steps[0] = "parties"
        return nodes.get(tuple(steps))

    def codes(node: dict | None, values: list, where: tuple, what: str) -> None:
        name = node.get("codelist") if node else None
        if not name or name not in codelists:
            return
        listed = codelists[name]
        for index, value in enumerate(values):
            # A role is at its own line (roles written one per line), else at its list's or its part's.
            line = mapping.line(*where, "roles", index) or mapping.line(*where, "roles") or mapping.line(*where)
            if isinstance(value, str) and value not in listed.codes:
                if node.get("openCodelist") and value in new_codes:
                    continue
                kind = "open" if node.get("openCodelist") else "closed"
                near = closest(value, listed.codes)
                english = (
                    f"{what}: {value!r} is not in the {kind} codelist {name} (its codes: {_choices(listed.codes, 40)})."
                )
                problems.append((line, Problem(
                    f"check_unknown_code_{kind}", english + (f" Did you mean `{near}`?" if near else ""), where=what,
                    value=value, codelist=name, choices=_choices(listed.codes, 40), closest=near)))  # fmt: skip

    def field(path: str, where: tuple, what: str) -> dict | None:
        node = known(path)
        if node is None:
            near = closest(path, paths)
            problems.append((mapping.line(*where), Problem(
                "check_not_a_field", f"{what}: {path} is not an OCDS field (with the mapping's extensions)."
                + (f" Did you mean `{near}`?" if near else ""), where=what, path=path, closest=near)))  # fmt: skip
        return node

    def transform(column: dict, target: dict, node: dict, where: tuple, name: str, path: str) -> None:
        """A column whose type or transform cannot give what the field holds."""
        kinds = set(types_of(node)) - {"null"}
        if not kinds or "const" in target:
            return
        split = target.get("split", column.get("split"))
        produces = {"array"} if split else {
            "number": {"number"}, "integer": {"integer", "number"}, "boolean": {"boolean"},
        }.get(column.get("type", "string"), {"string"})  # fmt: skip
        if not produces & (kinds | ({"number"} if "integer" in kinds else set())):
            made = "a list" if split else f"a {column.get('type', 'string')}"
            holds = "/".join(sorted(kinds))
            problems.append((mapping.line(*where), Problem(
                "check_type_mismatch", f"{name}: makes {made}, but {path} holds {holds}", where=name,
                made=column.get("type", "string"), listed=bool(split), path=path, holds=holds)))  # fmt: skip

    def columns(spec: dict, prefix: tuple) -> None:
        for name, column in spec.get("columns", {}).items():
            where = (*prefix, "columns", name)
            targets = column.get("fields", []) if "fields" in column else ([column] if "field" in column else [])
            for i, target in enumerate(targets):
                path = target if isinstance(target, str) else target.get("path", target.get("field"))
                node = field(path, (*where, "fields", i) if "fields" in column else (*where, "field"), name)
                if isinstance(target, dict) and "map" in target:
                    codes(node, list(target["map"].values()), where, name)
                elif node is not None:
                    transform(column, target if isinstance(target, dict) else {}, node, where, name, path)
            if "document" in column:
                document = column["document"]
                field(f"{document['in']}/documents/documentType", (*where, "document"), name)
                codes(known("tender/documents/documentType"), [document["documentType"]], (*where, "document"), name)
        for i, party in enumerate(spec.get("parties", [])):
            codes(known("parties/roles"), party.get("roles", []), (*prefix, "parties", i), f"parties[{i}]")
            for ref in [*party.get("refs", []), *party.get("ref", [])]:
                field(ref, (*prefix, "parties", i), f"parties[{i}]")
            if party.get("address"):
                field("parties/address/streetAddress", (*prefix, "parties", i, "address"), f"parties[{i}]")
        for path in spec.get("derived", {}):
            field(path, (*prefix, "derived", path), f"derived[{path}]")
        for path in spec.get("amounts", {}).get("into", []):
            for part in ("amount", "currency"):
                field(f"{path}/{part}", (*prefix, "amounts"), "amounts")
        item = spec.get("item")
        if item:
            field(item["into"], (*prefix, "item"), "item")
            for path in item.get("fields", {}):
                field(f"{item['into']}/{path}", (*prefix, "item", "fields", path), "item")

    columns(data, ())
    for i, sub in enumerate(data.get("subtables", [])):
        if sub.get("extension") in unavailable:
            continue
        columns(sub, ("subtables", i))
        if sub.get("party"):
            codes(known("parties/roles"), sub["party"].get("roles", []), ("subtables", i, "party"), sub["name"])
    for i, sheet in enumerate(data.get("sheets", [])):
        columns(sheet, ("sheets", i))
    return problems


def check_file(
    name: str | os.PathLike, *, schema_dir: str | os.PathLike | None = None, offline: bool | None = None
) -> tuple[Mapping, list[tuple[int | None, str]]]:
    """Load a mapping and check it against the OCDS schema with its extensions: the mapping and its
    problems, each with its YAML line, all of them at once. A mapping that cannot be read raises
    :class:`~ocds_cdmx.core.errors.MappingError`; missing schemas raise ``SchemaError``."""
    from ..schema import SchemaStore, load_profile

    mapping = load(name, checked=False)
    problems = check(mapping)
    profile = load_profile(SchemaStore(schema_dir, offline=offline), "1.1", mapping.data.get("extensions", []))
    unavailable = frozenset(s.url for s in profile.extensions if not s.applied)
    # An extension that only a sub-table's fields need (beneficial owners) may be out of reach offline:
    # those fields go unchecked, the rest is checked.
    optional = {sub.get("extension") for sub in mapping.data.get("subtables", [])}
    try:
        problems += check_against_ocds(mapping, profile.release_schema, profile.codelists, unavailable)
    except (AttributeError, KeyError, TypeError):
        # Parts the mapping schema found malformed: reported above, their fields cannot be followed.
        if not problems:
            raise
    for url in sorted(unavailable - optional):
        problems.append((mapping.line("extensions"), Problem(
            "check_extension_unavailable", f"extension not available: {url}", url=url)))  # fmt: skip
    problems.sort(key=lambda p: p[0] or 0)
    return mapping, problems
