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
import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..core.errors import MappingError
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

    def line(self, *keys: Any) -> int | None:
        return self.lines.get(".".join(str(k) for k in keys))


def _schema() -> dict:
    text = resources.files("ocds_cdmx.conversion").joinpath("mapping-schema.json").read_text(encoding="utf-8")
    return json.loads(text)


#: libyaml's safe loader when PyYAML has it (parsing the bundled mappings to pick a layout takes a
#: tenth of the time), else the Python one; both keep the marks that give the lines.
_LineLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_cache: dict[tuple, tuple[dict, dict[str, int]]] = {}


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
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError) as e:
        raise MappingError(source=str(path), problems=[(None, Text(N_("cannot read: {detail}"), detail=e))]) from None
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


def load(name: str | os.PathLike, _seen: tuple = ()) -> Mapping:
    """Load a mapping (and those it extends), checked against the mapping schema."""
    path = resolve_path(name)
    if path.resolve() in _seen:
        raise MappingError(source=str(path), problems=[(None, Text(N_("the mapping extends itself")))])
    data, lines = _read(path)
    if isinstance(data.get("extends"), str):
        parent = load(resolve_path(data["extends"], path), (*_seen, path.resolve()))
        data = _merge(parent.data, {k: v for k, v in data.items() if k != "extends"})
    mapping = Mapping(str(path), data, lines)
    problems = check(mapping)
    if problems:
        raise MappingError(source=str(path), problems=problems)
    return mapping


def check(mapping: Mapping) -> list[tuple[int | None, str]]:
    """Problems of a mapping: against the mapping schema, then the references between its parts."""
    problems: list[tuple[int | None, str]] = []
    validator = jsonschema.Draft7Validator(_schema())
    for error in sorted(validator.iter_errors(mapping.data), key=lambda e: list(map(str, e.absolute_path))):
        keys = [str(k) for k in error.absolute_path]
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # Name the unknown key, at its own line: usually a typo.
            known = error.schema.get("properties", {})
            for extra in (k for k in error.instance if k not in known):
                where = ".".join([*keys, str(extra)])
                problems.append((mapping.line(*keys, extra), Text(N_("{where}: unknown key (a typo?)"), where=where)))
            continue
        problems.append((mapping.line(*keys), _schema_problem(error, ".".join(keys) or Text(N_("(top)")))))
    if problems:
        return problems
    data = mapping.data
    if data.get("mode") == "ocds-paths":
        return problems
    names = set(data["columns"])
    for name, spec in data["columns"].items():
        if spec.get("type", "string") not in TYPES:
            problems.append(
                (
                    mapping.line("columns", name, "type"),
                    Text(N_("{name}: unknown type {type!r}"), name=name, type=spec["type"]),
                )
            )
        if not (
            spec.get("field") or spec.get("fields") or spec.get("document") or spec.get("reason") or spec.get("use")
        ):
            problems.append(
                (mapping.line("columns", name), Text(N_("{name}: maps to nothing and gives no reason"), name=name))
            )

    def known(refs: list[str], own: set[str], where: tuple, what: str) -> None:
        for ref in refs:
            if ref not in own:
                problems.append((mapping.line(*where), Text(N_("{what}: unknown column {ref!r}"), what=what, ref=ref)))

    def sheet_parts(spec: dict, own: set[str], prefix: tuple, what: str) -> None:
        for i, party in enumerate(spec.get("parties", [])):
            known(_party_columns(party), own, (*prefix, "parties", i), f"{what}parties[{i}]")
        for path, derived in spec.get("derived", {}).items():
            refs = derived.get("first") or re.findall(r"\{([^{}]+)\}", derived.get("template", ""))
            known(refs, own, (*prefix, "derived", path), f"{what}derived[{path}]")
        amounts = spec.get("amounts", {})
        refs = [amounts[k] for k in ("total", "minimum", "maximum") if k in amounts]
        refs += [amounts["currency"]["column"]] if amounts.get("currency", {}).get("column") else []
        known(refs, own, (*prefix, "amounts"), f"{what}amounts")

    sheet_parts(data, names, (), "")
    for i, sub in enumerate(data.get("subtables", [])):
        if sub["key"] not in names:
            problems.append(
                (
                    mapping.line("subtables", i, "key"),
                    Text(N_("{what}: unknown column {ref!r}"), what=f"subtables[{sub['name']}]", ref=sub["key"]),
                )
            )
        own = set(sub["columns"])
        if sub.get("party"):
            known(_party_columns(sub["party"]), own, ("subtables", i, "party"), f"subtables[{sub['name']}].party")
        for path, source in sub.get("item", {}).get("fields", {}).items():
            refs = source.get("join", []) if isinstance(source, dict) else (
                re.findall(r"\{([^{}]+)\}", source) if "{" in source else [source])  # fmt: skip
            known(refs, own, ("subtables", i, "item", "fields", path), f"subtables[{sub['name']}].item")
    for key, columns in data.get("essentials", {}).items():
        known(columns, names, ("essentials", key), f"essentials.{key}")
    if data.get("note_column"):
        known([data["note_column"]], names, ("note_column",), "note_column")
    for n, sheet in enumerate(data.get("sheets", [])):
        sheet_parts(sheet, set(sheet["columns"]) | {"agency"}, ("sheets", n), f"sheets[{sheet['name']}].")
    return problems


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
        for value in values:
            if isinstance(value, str) and value not in listed.codes:
                if node.get("openCodelist") and value in new_codes:
                    continue
                message = (N_("{what}: {value!r} is not in the open codelist {name}") if node.get("openCodelist")
                           else N_("{what}: {value!r} is not in the closed codelist {name}"))  # fmt: skip
                problems.append((mapping.line(*where), Text(message, what=what, value=value, name=name)))

    def field(path: str, where: tuple, what: str) -> dict | None:
        node = known(path)
        if node is None:
            problems.append(
                (
                    mapping.line(*where),
                    Text(
                        N_("{what}: {path} is not an OCDS field (with the mapping's extensions)"), what=what, path=path
                    ),
                )
            )
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
            made = Text(N_("a list")) if split else Text(N_("a {type}"), type=column.get("type", "string"))
            holds = "/".join(sorted(kinds))
            problems.append(
                (
                    mapping.line(*where),
                    Text(
                        N_("{name}: makes {made}, but {path} holds {holds}"),
                        name=name,
                        made=made,
                        path=path,
                        holds=holds,
                    ),
                )
            )

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
    problems, each with its YAML line. A mapping that cannot be loaded raises
    :class:`~ocds_cdmx.core.errors.MappingError`; missing schemas raise ``SchemaError``."""
    from ..schema import SchemaStore, load_profile

    mapping = load(name)
    profile = load_profile(SchemaStore(schema_dir, offline=offline), "1.1", mapping.data.get("extensions", []))
    unavailable = frozenset(s.url for s in profile.extensions if not s.applied)
    # An extension that only a sub-table's fields need (beneficial owners) may be out of reach offline:
    # those fields go unchecked, the rest is checked.
    optional = {sub.get("extension") for sub in mapping.data.get("subtables", [])}
    problems = check_against_ocds(mapping, profile.release_schema, profile.codelists, unavailable)
    for url in sorted(unavailable - optional):
        problems.append((mapping.line("extensions"), Text(N_("extension not available: {url}"), url=url)))
    return mapping, problems
