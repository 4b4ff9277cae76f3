"""Our components against the well-kept libraries that could replace them, in one process, same inputs.

For each component the toolkit implements itself, time it and the library on the same input (best of
``--repeat`` runs), check that both give the same result, and print the ratio:

- the JSON reader (``ocds_cdmx.io.jsonin``) against ijson's C backend, reading every release of a package;
- the merge (``ocds_cdmx.merging.compile``) against ocdsmerge, compiled and versioned releases;
- the OCDS 1.0 → 1.1 upgrade (``ocds_cdmx.merging.upgrade``) against ``ocdskit.upgrade.upgrade_10_11``;
- applying extensions (``ocds_cdmx.schema.profile``) against ocdsextensionregistry's ``ProfileBuilder``,
  which reads the extensions over HTTP: here from a server on 127.0.0.1 serving ``../shared``'s copies.

    pip install -c constraints.txt -e ".[bench]"
    python benchmarks/components.py --releases 10000 --schema-dir ../shared/ocds
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import http.server
import json
import os
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from generate import iter_releases


def best(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The shortest of ``repeat`` runs, and the result of the last."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def row(name: str, ours: float, theirs: float, same: bool, reference: str) -> None:
    print(
        f"{name:<22} ours {ours:8.3f} s   {reference:<32} {theirs:8.3f} s   ratio {theirs / ours:5.2f}x   same: {same}"
    )


def reader(path: Path, repeat: int) -> None:
    import hashlib

    import ijson

    from ocds_cdmx.io.jsonin import iter_documents

    def ours() -> Iterator[Any]:
        for doc in iter_documents(str(path)):
            for _, _, item in doc.items:
                yield item

    def theirs() -> Iterator[Any]:
        with path.open("rb") as f:
            yield from ijson.items(f, "releases.item", use_float=True)

    def digest(items: Iterator[Any]) -> str:
        h = hashlib.sha256()
        for item in items:
            h.update(json.dumps(item).encode())
        return h.hexdigest()

    same = digest(ours()) == digest(theirs())
    # Timed as the toolkit reads: one item at a time, none kept.
    t_ours, _ = best(lambda: sum(1 for _ in ours()), repeat)
    t_theirs, _ = best(lambda: sum(1 for _ in theirs()), repeat)
    row("JSON reader", t_ours, t_theirs, same, f"ijson {ijson.backend}")


def _groups(releases: list[dict]) -> list[list[dict]]:
    by_ocid: dict[str, list[dict]] = {}
    for release in releases:
        by_ocid.setdefault(release["ocid"], []).append(release)
    return list(by_ocid.values())


def merge(releases: list[dict], schema: dict, repeat: int) -> None:
    from ocdsmerge import Merger

    from ocds_cdmx.merging.compile import compiled_release_fast, rules_from_schema, versioned_release_fast

    groups = _groups(releases)
    rules = rules_from_schema(schema)
    merger = Merger(schema)
    for kind, ours_fn, theirs_fn in (
        ("compiled", lambda g: compiled_release_fast(g, rules), merger.create_compiled_release),
        ("versioned", lambda g: versioned_release_fast(g, rules), merger.create_versioned_release),
    ):
        # Both may change their input: each run gets its own copy, made outside the timing.
        copies = [copy.deepcopy(groups) for _ in range(repeat * 2)]
        t_ours, a = best(lambda fn=ours_fn, c=copies: [fn(g) for g in c.pop()], repeat)
        t_theirs, b = best(lambda fn=theirs_fn, c=copies: [fn(g) for g in c.pop()], repeat)
        same = json.dumps(a) == json.dumps(b)
        row(f"merge ({kind})", t_ours, t_theirs, same, "ocdsmerge")


def _as_1_0(release: dict) -> dict:
    """A 1.1 release written as 1.0 would have it: organizations inline, no parties."""
    release = copy.deepcopy(release)
    parties = {p["id"]: p for p in release.pop("parties", [])}

    def org(ref: dict) -> dict:
        party = parties.get(ref.get("id"), {})
        return {k: v for k, v in party.items() if k not in ("id", "roles", "details")} or {"name": ref.get("name")}

    if "buyer" in release:
        release["buyer"] = org(release["buyer"])
    tender = release.get("tender") or {}
    if "procuringEntity" in tender:
        tender["procuringEntity"] = org(tender["procuringEntity"])
    if "tenderers" in tender:
        tender["tenderers"] = [org(t) for t in tender["tenderers"]]
    for award in release.get("awards", []):
        award["suppliers"] = [org(s) for s in award.get("suppliers", [])]
    for contract in release.get("contracts", []):
        for tx in (contract.get("implementation") or {}).get("transactions", []):
            tx.pop("payer", None)
            tx.pop("payee", None)
            if "value" in tx:
                tx["amount"] = tx.pop("value")
    release.pop("bids", None)
    return release


def upgrade(releases: list[dict], repeat: int) -> None:
    from ocdskit.upgrade import upgrade_10_11

    from ocds_cdmx.merging.upgrade import upgrade_release

    text = json.dumps({"version": "1.0", "releases": [_as_1_0(r) for r in releases]})
    ours_copies = [json.loads(text)["releases"] for _ in range(repeat)]
    # ocdskit works on OrderedDicts, as its command line reads them.
    their_copies = [json.loads(text, object_pairs_hook=OrderedDict) for _ in range(repeat)]
    t_ours, a = best(lambda: [upgrade_release(r) for r in ours_copies.pop()], repeat)
    t_theirs, b = best(lambda: upgrade_10_11(their_copies.pop())["releases"], repeat)

    def without_parties(data: list[dict]) -> str:
        # Our one difference: payer/payee parties are kept in `parties`; compare everything else.
        return json.dumps([{k: v for k, v in r.items() if k != "parties"} for r in data])

    row("1.0 upgrade", t_ours, t_theirs, without_parties(a) == without_parties(b), "ocdskit upgrade_10_11")


@contextlib.contextmanager
def _serve(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def extensions(schema_dir: Path, repeat: int) -> None:
    from ocdsextensionregistry import ProfileBuilder

    from ocds_cdmx.schema import SchemaStore, load_profile
    from ocds_cdmx.schema import profile as profile_module

    index = json.loads((schema_dir / "extensions" / "index.json").read_text(encoding="utf-8"))
    with _serve(schema_dir / "extensions") as base:
        local = {url: f"{base}{entry['folder']}/extension.json" for url, entry in index.items()}
        core = json.loads((schema_dir / "1__1__5" / "release-schema.json").read_text(encoding="utf-8"))

        def ours() -> dict:
            profile_module._PROFILE_CACHE.clear()
            return load_profile(SchemaStore(schema_dir, offline=True), "1.1", list(index)).release_schema

        def theirs() -> dict:
            builder = ProfileBuilder(None, list(local.values()), schema_base_url=None)
            return builder.patched_release_schema(schema=copy.deepcopy(core))

        t_ours, a = best(ours, repeat)
        t_theirs, b = best(theirs, repeat)
    row(f"{len(index)} extensions", t_ours, t_theirs, a == b, "ocdsextensionregistry")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--schema-dir", default=os.environ.get("CDMX_SCHEMA_DIR", "../shared/ocds"))
    args = parser.parse_args()
    schema_dir = Path(args.schema_dir).resolve()
    schema = json.loads((schema_dir / "1__1__5" / "release-schema.json").read_text(encoding="utf-8"))
    releases = list(iter_releases(args.releases))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "package.json"
        path.write_text(json.dumps({"version": "1.1", "releases": releases}), encoding="utf-8")
        print(f"{args.releases} releases ({path.stat().st_size / 1e6:.0f} MB), best of {args.repeat} runs")
        reader(path, args.repeat)
    merge(releases, schema, args.repeat)
    upgrade(releases, args.repeat)
    extensions(schema_dir, args.repeat)


if __name__ == "__main__":
    main()
