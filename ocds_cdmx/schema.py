"""Find, download, cache and patch the OCDS schemas, codelists and extensions.

Files are looked up, in order, in an explicit directory (``--schema-dir``), the directory named by
``CDMX_SCHEMA_DIR``, the user cache directory, and finally downloaded from the official URLs into that
cache. Every directory has the layout of an OCDS cache::

    1__1__5/release-schema.json
    1__1__5/codelists/currency.csv
    extensions/index.json                      (extension.json URL -> folder)
    extensions/<repo>/<ref>/extension.json, release-schema.json, codelists/...

Nothing here goes to the network when the files are present, and nothing goes at all when
``offline`` is set (or ``CDMX_OFFLINE=1``).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .jsonio import write_bytes_atomic

SCHEMA_BASE_URL = "https://standard.open-contracting.org/schema/"
ENV_SCHEMA_DIR = "CDMX_SCHEMA_DIR"
ENV_SCHEMA_URL = "CDMX_SCHEMA_URL"
ENV_OFFLINE = "CDMX_OFFLINE"
ENV_CACHE_DIR = "CDMX_CACHE_DIR"

#: The schema release used for each OCDS minor version.
TAGS = {"1.0": "1__0__3", "1.1": "1__1__5"}
SCHEMA_FILES = (
    "release-schema.json",
    "release-package-schema.json",
    "record-package-schema.json",
    "versioned-release-validation-schema.json",
)
DOWNLOAD_TIMEOUT = 20


class SchemaError(Exception):
    """A schema file could not be found or read. Its message is for people."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def user_cache_dir() -> Path:
    """The user cache directory: ``$CDMX_CACHE_DIR``, else ``$XDG_CACHE_HOME/ocds-cdmx``."""
    if os.environ.get(ENV_CACHE_DIR):
        return Path(os.environ[ENV_CACHE_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ocds-cdmx"


@dataclass
class Located:
    """Where one file was read from."""

    name: str
    path: Path | None
    origin: str  # "option", "environment", "cache", "downloaded" or "missing"
    url: str | None = None


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


class SchemaStore:
    """Locates schema files across the configured directories and the download cache."""

    def __init__(
        self,
        schema_dir: str | os.PathLike | None = None,
        *,
        offline: bool | None = None,
        cache_dir: str | os.PathLike | None = None,
        base_url: str | None = None,
    ) -> None:
        self.dirs: list[tuple[str, Path]] = []
        if schema_dir:
            self.dirs.append(("option", Path(schema_dir)))
        if os.environ.get(ENV_SCHEMA_DIR):
            self.dirs.append(("environment", Path(os.environ[ENV_SCHEMA_DIR])))
        self.cache = Path(cache_dir) if cache_dir else user_cache_dir()
        self.dirs.append(("cache", self.cache))
        self.offline = offline if offline is not None else os.environ.get(ENV_OFFLINE, "") not in ("", "0")
        self.base_url = base_url or os.environ.get(ENV_SCHEMA_URL) or SCHEMA_BASE_URL
        self.located: dict[str, Located] = {}
        self._extension_index: dict[str, dict] | None = None

    # -- core files ---------------------------------------------------------------------------
    def locate(self, relative: str) -> Located:
        """Find ``relative`` (e.g. ``1__1__5/release-schema.json``), downloading it if needed."""
        if relative in self.located:
            return self.located[relative]
        for origin, directory in self.dirs:
            candidate = directory / relative
            if candidate.is_file():
                found = Located(relative, candidate, origin)
                break
        else:
            url = self.base_url + relative
            found = Located(relative, None, "missing", url)
            if not self.offline:
                data = self._download(url)
                if data is not None:
                    target = self.cache / relative
                    write_bytes_atomic(target, data)
                    found = Located(relative, target, "downloaded", url)
        self.located[relative] = found
        return found

    def read_json(self, relative: str) -> Any:
        """Read a JSON file that must exist; raise SchemaError explaining how to get it otherwise."""
        found = self.locate(relative)
        if found.path is None:
            raise SchemaError(
                "schema_missing",
                file=relative,
                url=found.url,
                dirs=", ".join(str(d) for _, d in self.dirs),
                offline=self.offline,
            )
        try:
            with open(found.path, "rb") as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            raise SchemaError("schema_unreadable", file=str(found.path), detail=str(e)) from e

    def read_text(self, relative: str) -> str | None:
        found = self.locate(relative)
        if found.path is None:
            return None
        return found.path.read_text(encoding="utf-8")

    def _download(self, url: str) -> bytes | None:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https"):
            return None
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                return response.read()
        except (urllib.error.URLError, OSError, ValueError):
            return None

    # -- extensions ---------------------------------------------------------------------------
    def extension_index(self) -> dict[str, dict]:
        """The union of every directory's ``extensions/index.json`` (first directory wins)."""
        if self._extension_index is None:
            index: dict[str, dict] = {}
            for _, directory in self.dirs:
                path = directory / "extensions" / "index.json"
                if path.is_file():
                    try:
                        entries = json.loads(path.read_text(encoding="utf-8"))
                    except ValueError:
                        continue
                    for url, entry in entries.items():
                        index.setdefault(url, {**entry, "_root": str(directory / "extensions")})
            self._extension_index = index
        return self._extension_index

    def locate_extension(self, url: str) -> tuple[Path | None, str | None, str | None]:
        """Return (folder, problem key, detail) for the extension whose extension.json is ``url``."""
        url = url.strip() if isinstance(url, str) else url
        if not isinstance(url, str) or not url:
            return None, "extension_bad_url", repr(url)
        entry = self.extension_index().get(url) or self.extension_index().get(_canonical(url))
        if entry:
            folder = Path(entry["_root"]) / entry["folder"]
            if (folder / "extension.json").is_file():
                return folder, None, None
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return None, "extension_bad_url", url
        if self.offline:
            return None, "extension_not_offline", url
        return self._download_extension(url)

    def _download_extension(self, url: str) -> tuple[Path | None, str | None, str | None]:
        data = self._download(url)
        if data is None:
            return None, "extension_fetch_failed", url
        try:
            metadata = json.loads(data)
        except ValueError:
            return None, "extension_not_json", url
        if not isinstance(metadata, dict):
            return None, "extension_not_json", url
        folder_name = _extension_folder(url)
        folder = self.cache / "extensions" / folder_name
        write_bytes_atomic(folder / "extension.json", data)
        base = url.rsplit("/", 1)[0] + "/"
        patch = self._download(base + "release-schema.json")
        if patch is not None:
            write_bytes_atomic(folder / "release-schema.json", patch)
        for name in metadata.get("codelists") or []:
            if isinstance(name, str) and re.fullmatch(r"[+-]?[A-Za-z0-9_.-]+\.csv", name):
                content = self._download(base + "codelists/" + name)
                if content is not None:
                    write_bytes_atomic(folder / "codelists" / name, content)
        index_path = self.cache / "extensions" / "index.json"
        try:
            index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.is_file() else {}
        except ValueError:
            index = {}
        index[url] = {"folder": folder_name}
        write_bytes_atomic(index_path, json.dumps(index, indent=1, sort_keys=True).encode())
        self._extension_index = None
        return folder, None, None


def _canonical(url: str) -> str:
    return url.replace("http://", "https://", 1)


def _extension_folder(url: str) -> str:
    parsed = urllib.parse.urlparse(url)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc == "raw.githubusercontent.com" and len(parts) >= 4:
        return f"{parts[1]}/{parts[2]}"
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return f"{re.sub(r'[^A-Za-z0-9.-]', '_', parsed.netloc)}/{digest}"


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
        """The versioned-release validation schema (read on first use: only records need it)."""
        if self._versioned is None:
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


def types_of(node: dict) -> list[str]:
    """A schema's ``type`` as a list (``[]`` when it has none)."""
    kind = node.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []


def deref(schema: dict, node: Any, seen: tuple = ()) -> tuple[dict, tuple]:
    """``node`` with its ``$ref`` into ``schema`` followed (as jsonref does: siblings of ``$ref`` are
    ignored), and the refs followed so far, so that recursive schemas end."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        ref = node["$ref"]
        if ref in seen:
            return {}, seen
        seen = (*seen, ref)
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return (node if isinstance(node, dict) else {}), seen


def field_nodes(schema: dict) -> dict[tuple[str, ...], dict]:
    """Every field of a release schema: its path (array steps left out) → its schema, ``$ref`` followed."""
    nodes: dict[tuple[str, ...], dict] = {}

    def walk(properties: dict, prefix: tuple, seen: tuple) -> None:
        for name, raw in properties.items():
            node, node_seen = deref(schema, raw, seen)
            path = (*prefix, name)
            nodes[path] = node
            kinds = types_of(node)
            if "object" in kinds and isinstance(node.get("properties"), dict):
                walk(node["properties"], path, node_seen)
            elif "array" in kinds:
                items, items_seen = deref(schema, node.get("items", {}), node_seen)
                if isinstance(items.get("properties"), dict):
                    walk(items["properties"], path, items_seen)

    walk(schema.get("properties", {}), (), ())
    return nodes
