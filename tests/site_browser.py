"""Headless Chromium (Debian's ``chromium``, driven by Playwright; nothing downloaded), a local web
server for a built site, and the steps the browser tests and ``benchmarks/site.py`` share."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CDMX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: axe-core is not vendored (its licence is MPL-2.0): .ci/run installs it with npm here.
AXE = Path(os.environ.get("CDMX_AXE_JS", ROOT / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright; never `playwright install`)"
    return None


@contextlib.contextmanager
def browser() -> Iterator:
    """A Chromium with a new empty profile."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="cdmx-chromium-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=FLAGS, headless=True, viewport={"width": 1280, "height": 900}
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` serving ``folder`` while the block runs."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def base_url(folder: Path, mode: str, server: str | None) -> str:
    return folder.resolve().as_uri() if mode == "file" else server


def wait_results(page) -> None:
    """Wait for the search page to finish the query typed last."""
    page.wait_for_function(
        "(() => { const s = document.getElementById('status'); return s.hasAttribute('data-ms') &&"
        " s.getAttribute('data-query') === JSON.stringify([...new FormData(document.getElementById('search'))]) })()"
    )


def search(page, query: str) -> tuple[int, float]:
    """Type ``query`` in the search box as a person would; (results, ms the page took) once shown."""
    page.fill("#q", query)
    wait_results(page)
    status = page.locator("#status")
    return int(status.get_attribute("data-count")), float(status.get_attribute("data-ms"))


def result_ocids(page) -> list[str]:
    return page.eval_on_selector_all("#results li", "items => items.map(li => li.dataset.ocid)")


def axe(page) -> list[dict]:
    """The serious and critical WCAG 2.1 A/AA violations axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]
