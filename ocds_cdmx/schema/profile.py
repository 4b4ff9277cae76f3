"""The schemas one package is checked against: a version's schemas with its extensions applied.

Extensions are applied as JSON Merge Patches, with their codelists and the ``+``/``-`` patches of
codelists, as the OCDS extension specification says.

Why not ocdsextensionregistry's ``ProfileBuilder``: it reads every extension over HTTP (from the
registry or the extension's URLs), while this toolkit must work offline from the
:class:`~ocds_cdmx.schema.store.SchemaStore` (option, environment, cache) and report an extension it
cannot find as a warning rather than fail. ``benchmarks/components.py`` serves ``../shared``'s nine
extensions on 127.0.0.1 to ``ProfileBuilder``: both give the same patched schema (compared), in 5 ms here
and 6 ms there.

The versioned-release schema of a package with extensions is built here from the extended release
schema (:func:`versioned_release_schema`), following ocdsextensionregistry's
``get_versioned_release_schema`` step by step (``tests/test_profile.py`` compares the two on every
extension of the offline cache). The library's function would work offline, but importing it loads its
whole package, whose ``__init__`` imports the network side (``ProfileBuilder``: requests,
requests-cache, cattrs and their dependencies), ten packages that the toolkit does not otherwise need at
run time, for one function of a hundred lines; it also needs ``jsonref`` to follow ``$ref``, which
:mod:`.walk` already does.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .store import SCHEMA_BASE_URL, SCHEMA_FILES, TAGS, Located, SchemaStore


@dataclass
class ExtensionStatus:
    """What happened to one extension that a package declared."""

    url: str
    applied: bool
    name: str | None = None
    folder: Path | None = None
    problem: str | None = None  # message key when not applied
    detail: str | None = None
    codelists: list[str] = field(default_factory=list)


@dataclass
class Codelist:
    """A codelist's codes and where they came from."""

    name: str
    codes: frozenset[str]
    url: str
    extension: str | None = None  # the extension URL that defined it, if any


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7386 JSON Merge Patch, as OCDS extensions are applied."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def read_codelist_codes(text: str) -> list[str]:
    """The values of the ``Code`` column of a codelist CSV."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [row["Code"] for row in reader if row.get("Code") is not None]


@dataclass
class Profile:
    """The schemas, codelists and extensions that one package is validated against."""

    version: str
    tag: str
    release_schema: dict
    release_package_schema: dict
    record_package_schema: dict
    codelists: dict[str, Codelist]
    extensions: list[ExtensionStatus]
    store: SchemaStore
    _versioned: dict | None = None

    @property
    def versioned_release_schema(self) -> dict:
        """The versioned-release validation schema, built on first use (only records need it).

        Without extensions, the standard's own file. With extensions, the same construction applied to
        the release schema *with* the extensions (:func:`versioned_release_schema`), so that a record's
        ``versionedRelease`` is checked against the fields its package declares: the standard's file is
        made from the core release schema only, so an extension's fields (the bid extension's ``bids``)
        would be "not in the schema" there, although the package declares them.
        """
        if self._versioned is None:
            if any(status.applied for status in self.extensions):
                self._versioned = versioned_release_schema(self.release_schema, self.tag)
            else:
                self._versioned = self.store.read_json(f"{self.tag}/versioned-release-validation-schema.json")
        return self._versioned

    @property
    def release_schema_url(self) -> str:
        return f"{SCHEMA_BASE_URL}{self.tag}/release-schema.json"


def codelist_names(schema: Any) -> set[str]:
    """Every codelist file name that a schema refers to."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("codelist"), str):
                names.add(node["codelist"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return names


_PROFILE_CACHE: dict[tuple, Profile] = {}


def load_profile(store: SchemaStore, version: str = "1.1", extensions: list | tuple = ()) -> Profile:
    """Load the schemas of ``version`` (``"1.0"`` or ``"1.1"``) with ``extensions`` applied.

    Extensions that cannot be found are reported in ``Profile.extensions`` and skipped.
    """
    key = (tuple(store.dirs), store.offline, store.base_url, version, tuple(str(e) for e in extensions))
    if key in _PROFILE_CACHE:
        return _PROFILE_CACHE[key]
    tag = TAGS[version]
    release_schema = store.read_json(f"{tag}/release-schema.json")
    release_package = store.read_json(f"{tag}/release-package-schema.json")
    record_package = store.read_json(f"{tag}/record-package-schema.json")
    codelist_urls = {name: f"{SCHEMA_BASE_URL}{tag}/codelists/{name}" for name in codelist_names(release_schema)}
    core_codes: dict[str, list[str]] = {}
    for name in codelist_names(release_schema):
        text = store.read_text(f"{tag}/codelists/{name}")
        if text is not None:
            core_codes[name] = read_codelist_codes(text)

    statuses: list[ExtensionStatus] = []
    extension_codes: dict[str, tuple[list[str], str]] = {}
    patches: list[tuple[str, list[str], str]] = []
    seen: set[str] = set()
    for url in extensions:
        if not isinstance(url, str):
            statuses.append(ExtensionStatus(str(url), False, problem="extension_bad_url", detail=repr(url)))
            continue
        if url in seen:
            continue
        seen.add(url)
        folder, problem, detail = store.locate_extension(url)
        if folder is None:
            statuses.append(ExtensionStatus(url, False, problem=problem, detail=detail))
            continue
        try:
            metadata = json.loads((folder / "extension.json").read_text(encoding="utf-8"))
            patch_path = folder / "release-schema.json"
            patch = json.loads(patch_path.read_text(encoding="utf-8")) if patch_path.is_file() else {}
        except (OSError, ValueError) as e:
            statuses.append(ExtensionStatus(url, False, folder=folder, problem="extension_unreadable", detail=str(e)))
            continue
        release_schema = merge_patch(release_schema, patch)
        name = metadata.get("name")
        if isinstance(name, dict):
            name = name.get("en") or next(iter(name.values()), None)
        status = ExtensionStatus(url, True, name=name, folder=folder)
        codelist_dir = folder / "codelists"
        base = url.rsplit("/", 1)[0] + "/codelists/"
        if codelist_dir.is_dir():
            for path in sorted(codelist_dir.glob("*.csv")):
                codes = read_codelist_codes(path.read_text(encoding="utf-8"))
                status.codelists.append(path.name)
                if path.name[0] in "+-":
                    patches.append((path.name, codes, base + path.name))
                else:
                    extension_codes[path.name] = (codes, url)
                    codelist_urls[path.name] = base + path.name
        statuses.append(status)

    codelists: dict[str, Codelist] = {}
    for name in codelist_names(release_schema) | set(core_codes) | set(extension_codes):
        origin = None
        if name in extension_codes:
            codes, origin = extension_codes[name]
            codes = list(codes)
        elif name in core_codes:
            codes = list(core_codes[name])
        else:
            continue
        for patch_name, patch_codes, _ in patches:
            if patch_name[1:] == name:
                if patch_name[0] == "+":
                    codes.extend(c for c in patch_codes if c not in codes)
                else:
                    codes = [c for c in codes if c not in set(patch_codes)]
        codelists[name] = Codelist(name, frozenset(codes), codelist_urls.get(name, ""), origin)

    profile = Profile(version, tag, release_schema, release_package, record_package, codelists, statuses, store)
    _PROFILE_CACHE[key] = profile
    return profile


def fetch(store: SchemaStore, versions: list[str], extensions: list[str] = ()) -> list[Located]:
    """Fill the cache with every core file of ``versions`` and the given extensions."""
    located = []
    for version in versions:
        tag = TAGS[version]
        for name in SCHEMA_FILES:
            located.append(store.locate(f"{tag}/{name}"))
        schema_path = located[-len(SCHEMA_FILES)].path
        if schema_path is not None:
            schema = json.loads(schema_path.read_text(encoding="utf-8"))
            for name in sorted(codelist_names(schema)):
                located.append(store.locate(f"{tag}/codelists/{name}"))
    for url in extensions:
        folder, _problem, _detail = store.locate_extension(url)
        located.append(Located(url, folder, "missing" if folder is None else "extension", url))
    return located


# -- the versioned-release schema, as ocdsextensionregistry.get_versioned_release_schema builds it ---------

_VERSIONED_TEMPLATE = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "releaseDate": {"format": "date-time", "type": "string"},
            "releaseID": {"type": "string"},
            "value": {},
            "releaseTag": {"type": "array", "items": {"type": "string"}},
        },
    },
}
_COMMON_VERSIONED = {
    "StringNullUriVersioned": {"type": ["string", "null"], "format": "uri"},
    "StringNullDateTimeVersioned": {"type": ["string", "null"], "format": "date-time"},
    "StringNullVersioned": {"type": ["string", "null"], "format": None},
}
_REMOVED_KEYWORDS = ("title", "description", "default", "omitWhenMerged", "wholeListMerge")


def _as_list(value: Any) -> list:
    if isinstance(value, str):
        return [value]
    return sorted(value, key=lambda entry: "~" if entry == "null" else entry)


def _common_ref(item: dict) -> dict | None:
    for name, keywords in _COMMON_VERSIONED.items():
        if any(item.get(keyword) != value for keyword, value in keywords.items()):
            continue
        if any(keyword not in {*keywords, *_REMOVED_KEYWORDS} for keyword in item):
            continue
        return {"$ref": f"#/definitions/{name}"}
    return None


def _remove_omitted(schema: Any) -> None:
    if isinstance(schema, list):
        for item in schema:
            _remove_omitted(item)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties":
                for prop in list(value):
                    if value[prop].get("omitWhenMerged"):
                        del value[prop]
                        if prop in schema.get("required", []):
                            schema["required"].remove(prop)
            _remove_omitted(value)


def _to_unversioned_refs(schema: dict) -> None:
    for key, value in schema.items():
        if key == "$ref":
            schema[key] = value + "Unversioned"
        elif isinstance(value, dict):
            _to_unversioned_refs(value)


def _unversioned_pointers(root: dict) -> set[str]:
    """The pointers of ``id`` fields of objects in arrays, which stay unversioned; ``$ref`` followed as
    jsonref replaces them (a referring object is its target), arrays named by their items' ``$ref``."""
    fields: set[str] = set()

    def target(node: Any, seen: tuple) -> tuple[Any, str | None, tuple]:
        ref = None
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            ref = node["$ref"]
            if ref in seen:
                return None, ref, seen
            seen = (*seen, ref)
            node = _pointer(root, ref[1:])
        return node, ref, seen

    def walk(node: Any, pointer: str, seen: tuple) -> None:
        node, _, seen = target(node, seen)
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{pointer}/{index}", seen)
        elif isinstance(node, dict):
            types = _as_list(node.get("type", []))
            if "array" in types and node.get("wholeListMerge"):
                return
            if "array" in types and node.get("items"):
                items, ref, _ = target(node["items"], seen)
                if isinstance(items, dict):
                    if any(kind != "object" for kind in _as_list(items.get("type", []))):
                        return
                    if "id" in (items.get("properties") or {}):
                        fields.add(f"{ref[1:] if ref else pointer}/properties/id")
            for key, value in node.items():
                walk(value, f"{pointer}/{key}", seen)

    walk(root, "", ())
    return fields


def _pointer(root: dict, pointer: str) -> Any:
    node: Any = root
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise KeyError(part)
        node = node[part]
    return node


def _version_fields(schema: dict, unversioned: set[str], pointer: str = "") -> None:
    for key, value in schema.get("properties", {}).items():
        _version_field(schema, unversioned, f"{pointer}/properties/{key}", key, value)
    for key, value in schema.get("definitions", {}).items():
        _version_fields(value, unversioned, f"{pointer}/definitions/{key}")


def _version_field(schema: dict, unversioned: set[str], pointer: str, key: str, value: dict) -> None:
    if pointer in unversioned:
        return
    types = _as_list(value.get("type", []))
    if "properties" in value and types in ([], ["array"]):
        types = ["object"]
    if not types:
        if "deprecated" not in value and "$ref" in value and f"{value['$ref'][1:]}/properties/id" in unversioned:
            # An object with an id, not in an array (like buyer): its id is versioned.
            value["$ref"] = value["$ref"] + "VersionedId"
        return
    ref = _common_ref(value)
    if ref:
        schema["properties"][key] = ref
    elif types == ["object"] and "properties" in value:
        _version_fields(value, unversioned, pointer)
    else:
        new_value = copy.deepcopy(value)
        if types == ["array"]:
            items = value.get("items")
            if items and isinstance(items, dict):
                if value.get("wholeListMerge"):
                    if "$ref" in items:
                        new_value["items"]["$ref"] = items["$ref"] + "Unversioned"
                elif "$ref" in items:
                    return  # objects merged by id: versioned field by field, through their definition
                elif (
                    _as_list(items.get("type", [])) == ["object"]
                    and pointer == "/definitions/Amendment/properties/changes"
                ):
                    return
        versioned = copy.deepcopy(_VERSIONED_TEMPLATE)
        versioned["items"]["properties"]["value"] = new_value
        schema["properties"][key] = versioned


def _missing_refs(schema: Any, definitions: dict, found: list[str]) -> None:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            name = ref[len("#/definitions/") :]
            if name not in definitions and name not in found:
                found.append(name)
        for value in schema.values():
            _missing_refs(value, definitions, found)
    elif isinstance(schema, list):
        for value in schema:
            _missing_refs(value, definitions, found)


def _strip_keywords(schema: Any) -> None:
    if isinstance(schema, list):
        for item in schema:
            _strip_keywords(item)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("definitions", "properties") and isinstance(value, dict):
                for sub in value.values():
                    if isinstance(sub, dict):
                        for keyword in _REMOVED_KEYWORDS:
                            sub.pop(keyword, None)
            _strip_keywords(value)


def versioned_release_schema(release_schema: dict, tag: str) -> dict:
    """The versioned-release validation schema of a (patched) release schema, as
    ``ocdsextensionregistry.get_versioned_release_schema(release_schema, tag)`` makes it: ``omitWhenMerged``
    fields removed, every field but ``ocid`` and the ids of objects in arrays wrapped in an array of
    ``{releaseDate, releaseID, value, releaseTag}``, with unversioned copies of the definitions."""
    schema = copy.deepcopy(release_schema)
    schema["id"] = f"https://standard.open-contracting.org/schema/{tag}/versioned-release-validation-schema.json"
    schema["title"] = "Schema for a compiled, versioned Open Contracting Release."
    _remove_omitted(schema)
    unversioned_definitions = {k + "Unversioned": copy.deepcopy(v) for k, v in schema["definitions"].items()}
    _to_unversioned_refs(unversioned_definitions)
    unversioned = _unversioned_pointers(schema)
    ocid = schema["properties"].pop("ocid")
    _version_fields(schema, unversioned)
    schema["properties"]["ocid"] = ocid
    for name, keywords in _COMMON_VERSIONED.items():
        versioned = copy.deepcopy(_VERSIONED_TEMPLATE)
        for keyword, value in keywords.items():
            if value:
                versioned["items"]["properties"]["value"][keyword] = value
        schema["definitions"][name] = versioned
    while True:
        missing: list[str] = []
        _missing_refs(schema, schema["definitions"], missing)
        if not missing:
            break
        for name in missing:
            if name.endswith("VersionedId"):
                base = name[: -len("VersionedId")]
                definition = copy.deepcopy(schema["definitions"][base])
                pointer = f"/definitions/{base}/properties/id"
                _version_field(definition, unversioned - {pointer}, pointer, "id", definition["properties"]["id"])
            else:
                definition = unversioned_definitions[name]
            schema["definitions"][name] = definition
    _strip_keywords(schema)
    return schema
