"""The publication's configuration: a YAML file (``publicacion.yaml``), checked with the line of each problem.

Relative paths (output, store file, mappings, files) are relative to the configuration file, so that it
runs the same from any directory. ``store`` may name environment variables (``${CDMX_STORE}``), so that a
PostgreSQL password need not be written in the file. See the README for a complete example.
"""

from __future__ import annotations

import glob
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..conversion.mapping import BUNDLED, check_yaml_size
from ..core.errors import ConfigError, MappingError
from ..core.texts import Text
from ..report.messages import N_
from .store import is_postgresql

#: An agency's key names its files and URLs: letters, digits, - and _.
AGENCY_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
KEYS = {
    "publisher", "license", "publicationPolicy", "base_url", "ocid_prefix", "output", "store", "timezone",
    "lang", "agencies",
}  # fmt: skip
AGENCY_KEYS = {"key", "name", "mapping", "files"}


@dataclass(frozen=True)
class Agency:
    """One agency: its key (in file names and URLs), its name, its mapping and its conversions.

    Each conversion is a tuple of glob patterns: their matches, in order, are converted together (the
    first holds the mapping's main sheet, the others its other sheets)."""

    key: str
    name: str
    mapping: str
    conversions: tuple[tuple[str, ...], ...]

    def files(self) -> list[list[str]]:
        """The files of each conversion, globs expanded (sorted, each file once); empty ones left out."""
        out = []
        for patterns in self.conversions:
            if len(patterns) == 1 and glob.has_magic(patterns[0]):
                # One pattern: every file it matches is converted on its own (a quarter each).
                out += [[path] for path in sorted(glob.glob(patterns[0]))]
                continue
            files: list[str] = []
            for pattern in patterns:
                matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
                files += [m for m in matches if m not in files]
            if files:
                out.append(files)
        return out


@dataclass(frozen=True)
class Config:
    """A loaded configuration (see the README)."""

    source: str
    publisher: dict
    license: str | None
    publication_policy: str | None
    base_url: str
    ocid_prefix: str
    output: str
    store: str
    timezone: str
    lang: str
    agencies: tuple[Agency, ...]

    def agency(self, key: str) -> Agency | None:
        return next((a for a in self.agencies if a.key == key), None)

    def fingerprint(self) -> dict:
        """What of the configuration shapes the published files (not where they are written)."""
        return {
            "publisher": self.publisher,
            "license": self.license,
            "publicationPolicy": self.publication_policy,
            "base_url": self.base_url,
            "lang": self.lang,
            "agencies": {a.key: a.name for a in self.agencies},
        }


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose nodes keep their lines."""


def _lines(node: yaml.Node | None, prefix: str, out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{prefix}.{key.value}" if prefix else str(key.value)
            out[name] = key.start_mark.line + 1
            _lines(value, name, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[f"{prefix}.{i}"] = item.start_mark.line + 1
            _lines(item, f"{prefix}.{i}", out)


def _url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parsed = urllib.parse.urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def load(path: str | os.PathLike) -> Config:
    """Load and check a configuration file; a :class:`ConfigError` lists every problem with its line."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_LineLoader)
        if node is not None:
            check_yaml_size(node, source)
        data = yaml.load(text, Loader=_LineLoader)
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(source=source, problems=[(None, Text(N_("cannot read: {detail}"), detail=e))]) from None
    except MappingError as e:  # aliases or depth beyond the limits
        raise ConfigError(source=source, problems=e.problems) from None
    except ValueError as e:  # an integer of more digits than Python converts
        raise ConfigError(
            source=source, problems=[(None, Text(N_("a value cannot be read: {detail}"), detail=e))]
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError(source=source, problems=[(line, Text(N_("invalid YAML: {detail}"), detail=e))]) from None
    lines: dict[str, int] = {}
    _lines(node, "", lines)
    problems: list[tuple[int | None, str]] = []

    def problem(key: str, message: str, **params: Any) -> None:
        problems.append((lines.get(key), Text(N_("{key}: {problem}"), key=key, problem=Text(message, **params))))

    if not isinstance(data, dict):
        raise ConfigError(source=source, problems=[(1, Text(N_("the configuration is a YAML mapping (key: value)")))])
    here = Path(path).resolve().parent
    for key in data:
        if key not in KEYS:
            problem(str(key), N_("unknown key (a typo?)"))
    publisher = data.get("publisher")
    if not isinstance(publisher, dict) or not isinstance(publisher.get("name"), str) or not publisher["name"]:
        problem("publisher", N_("needs at least a name: {{name: …, uri: …, scheme: …, uid: …}}"))
        publisher = {}
    else:
        extra = set(publisher) - {"name", "uri", "scheme", "uid"}
        for key in sorted(extra):
            problem(f"publisher.{key}", N_("unknown key (name, uri, scheme, uid)"))
    for key in ("license", "publicationPolicy"):
        if key in data and not _url(data[key]):
            problem(key, N_("must be an http(s) URL"))
    base_url = data.get("base_url")
    if not _url(base_url):
        problem(
            "base_url", N_("the http(s) URL where the output directory is served, e.g. https://datos.cdmx.gob.mx/ocds/")
        )
        base_url = "https://example.invalid/"
    elif not base_url.endswith("/"):
        base_url += "/"
    prefix = data.get("ocid_prefix")
    if not isinstance(prefix, str) or not re.fullmatch(r"ocds-[a-z0-9]{6}", prefix):
        problem("ocid_prefix", N_("the registered OCID prefix, lower case, e.g. ocds-87sd3t"))
    for key in ("output", "store"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            problem(key, N_("required: a path (relative to this file) or postgresql://…") if key == "store"
                    else N_("required: a path (relative to this file)"))  # fmt: skip
    store = os.path.expandvars(data["store"]) if isinstance(data.get("store"), str) else ""
    if "$" in store:
        problem("store", N_("an environment variable is not set: {store}"), store=store)
    store = store if is_postgresql(store) or not store else str(here / store)
    output = str(here / data["output"]) if isinstance(data.get("output"), str) else ""
    timezone = data.get("timezone", "America/Mexico_City")
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        problem("timezone", N_("unknown time zone {timezone!r} (e.g. America/Mexico_City)"), timezone=timezone)
    lang = data.get("lang", "es")
    if lang not in ("es", "en"):
        problem("lang", N_("es or en"))
    agencies = []
    raw = data.get("agencies")
    if not isinstance(raw, list) or not raw:
        problem("agencies", N_("a list of agencies: key, name, mapping, files"))
        raw = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        where = f"agencies.{i}"
        if not isinstance(entry, dict):
            problem(where, N_("an agency is a mapping: key, name, mapping, files"))
            continue
        for key in entry:
            if key not in AGENCY_KEYS:
                problem(f"{where}.{key}", N_("unknown key (key, name, mapping, files)"))
        key = entry.get("key")
        if not isinstance(key, str) or not AGENCY_KEY.match(key):
            problem(f"{where}.key", N_("letters, digits, - and _ (it names the agency's files and URLs), e.g. SAF"))
            key = f"#{i}"
        elif key in seen:
            problem(f"{where}.key", N_("{agency} is given twice"), agency=key)
        seen.add(key)
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            problem(f"{where}.name", N_("the agency's name"))
            name = key
        mapping = entry.get("mapping")
        if not isinstance(mapping, str) or not mapping:
            problem(f"{where}.mapping", N_("a mapping file (relative to this file) or a bundled mapping's name"))
            mapping = ""
        elif (here / mapping).is_file():
            mapping = str(here / mapping)
        elif not (BUNDLED / f"{mapping}.yaml").is_file() and not (BUNDLED / mapping).is_file():
            problem(
                f"{where}.mapping",
                N_("no mapping file {mapping} (relative to this file) and no bundled mapping of that name"),
                mapping=mapping,
            )
        files = entry.get("files")
        conversions: list[tuple[str, ...]] = []
        if isinstance(files, str):
            files = [files]
        if not isinstance(files, list) or not files:
            problem(
                f"{where}.files",
                N_("a list: globs (each file converted on its own) or lists of globs (converted together)"),
            )
            files = []
        for j, item in enumerate(files):
            patterns = [item] if isinstance(item, str) else item
            if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p for p in patterns):
                problem(f"{where}.files.{j}", N_("a glob, or a list of globs whose files are converted together"))
                continue
            conversions.append(tuple(str(here / p) for p in patterns))
        agencies.append(Agency(key, name, mapping, tuple(conversions)))
    if problems:
        raise ConfigError(source=source, problems=problems)
    clean_publisher = {k: publisher[k] for k in ("name", "scheme", "uid", "uri") if publisher.get(k)}
    return Config(
        source=source,
        publisher=clean_publisher,
        license=data.get("license"),
        publication_policy=data.get("publicationPolicy"),
        base_url=base_url,
        ocid_prefix=prefix,
        output=output,
        store=store,
        timezone=str(timezone),
        lang=lang,
        agencies=tuple(agencies),
    )
