"""Where the OCDS schemas, codelists and extensions are: found, downloaded and cached.

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

import hashlib
import json
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from ..core.errors import SchemaError
from ..io.output import write_bytes_atomic

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


def user_cache_dir() -> Path:
    """The user cache directory: ``$CDMX_CACHE_DIR``, else the platform's, which platformdirs knows:
    ``$XDG_CACHE_HOME/ocds-cdmx`` or ``~/.cache/ocds-cdmx`` on Linux, ``~/Library/Caches/ocds-cdmx`` on
    macOS, ``%LOCALAPPDATA%\\ocds-cdmx\\Cache`` on Windows."""
    if os.environ.get(ENV_CACHE_DIR):
        return Path(os.environ[ENV_CACHE_DIR])
    return Path(platformdirs.user_cache_dir("ocds-cdmx", appauthor=False))


@dataclass
class Located:
    """Where one file was read from."""

    name: str
    path: Path | None
    origin: str  # "option", "environment", "cache", "downloaded" or "missing"
    url: str | None = None


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
        # Imported here: http.client and its dependencies are slow to import, and offline never used.
        from urllib.error import URLError
        from urllib.request import urlopen

        try:
            with urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                return response.read()
        except (URLError, OSError, ValueError):
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
