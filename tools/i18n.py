"""Maintain the message catalogs with Babel: extract the texts, update the translations, compile them.

    python tools/i18n.py extract   # ocds_cdmx/report/locale/ocds_cdmx.pot from the source
    python tools/i18n.py update    # add new texts to every .po (untranslated), mark vanished ones obsolete
    python tools/i18n.py compile   # every .po → .mo (the files gettext reads at run time)
    python tools/i18n.py check     # what the test checks: every text translated, placeholders equal, .mo fresh

Texts are marked in the source with ``N_("…")``, ``NP_("…", "…")`` (with a plural), ``tr("…", lang)`` and
``ntr("…", "…", n, lang)``.
The ``ocds_cdmx`` catalog also holds every help text of the ``cdmx`` commands (read from the commands
themselves, paragraph by paragraph, so that an option added anywhere is in the catalog without marking)
and click's own messages (usage errors, headings; read from click's source), which the commands show in
the user's language too (``ocds_cdmx/cli/common.py``).
Two catalogs: ``ocds_cdmx`` (the commands' messages) and ``ocds_cdmx_site`` (the pages of ``cdmx site``:
``ocds_cdmx/site/*.py`` and its Jinja2 templates, where ``_("…")`` and ``N_("…")`` mark the texts).
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PACKAGE = ROOT / "ocds_cdmx"
LOCALE = PACKAGE / "report" / "locale"
DOMAIN = "ocds_cdmx"
SITE_DOMAIN = "ocds_cdmx_site"
POT = LOCALE / f"{DOMAIN}.pot"
#: Domain → (folder, Babel method map): where each catalog's texts are.
METHODS = {
    DOMAIN: (PACKAGE, [("site/**", "ignore"), ("**.py", "python")]),
    SITE_DOMAIN: (PACKAGE / "site", [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]),
}
#: The functions that mark texts: name → the positions of their message arguments.
KEYWORDS = {"N_": None, "NP_": (1, 2), "tr": (1,), "ntr": (1, 2), "_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})|%\(?[a-z_]*\)?[sd]")


def extract(domain: str = DOMAIN) -> Catalog:
    """The template catalog of ``domain``: every text marked in its files."""
    catalog = Catalog(domain=domain, project="ocds-cdmx", charset="utf-8")
    folder, method_map = METHODS[domain]
    options = {"templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    for filename, lineno, message, comments, context in extract_from_dir(
        folder, method_map=method_map, options_map=options, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        where = f"{folder.relative_to(PACKAGE.parent).as_posix()}/{filename}"
        catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    if domain == DOMAIN:
        _add_command_texts(catalog)
    return catalog


def _add_command_texts(catalog: Catalog) -> None:
    """The help of every command and click's messages, which the commands translate when they show them."""
    import click

    from ocds_cdmx.cli import main
    from ocds_cdmx.cli.common import CLICK_MODULES, command_texts

    click_dir = Path(click.__file__).parent
    files = {f"{name.rpartition('.')[2]}.py" for name in CLICK_MODULES}
    for filename, lineno, message, comments, context in extract_from_dir(
        click_dir, method_map=[("**.py", "python")], keywords={"_": None, "ngettext": (1, 2)}
    ):
        if filename in files:
            catalog.add(message, None, [(f"click/{filename}", lineno)], auto_comments=comments, context=context)
    for filename, lineno, message in command_texts(main):
        where = Path(filename).resolve()
        where = where.relative_to(ROOT).as_posix() if where.is_relative_to(ROOT) else where.name
        catalog.add(message, None, [(where, lineno)], auto_comments=["help text of a cdmx command"])


def placeholders(text: str) -> set[str]:
    """The ``{name}`` and ``%s`` placeholders of a text."""
    return {m.group(0) for m in PLACEHOLDER.finditer(text or "")}


def catalogs() -> list[Path]:
    return sorted(path for domain in METHODS for path in LOCALE.glob(f"*/LC_MESSAGES/{domain}.po"))


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def write(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False, include_previous=False)
    path.write_bytes(buffer.getvalue())


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _messages(mo: bytes) -> dict:
    """The translations a compiled catalog holds, without its header (which carries dates)."""
    import gettext

    return {k: v for k, v in gettext.GNUTranslations(io.BytesIO(mo))._catalog.items() if k != ""}


_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')


def duplicates(path: Path) -> list[str]:
    """Texts that a .po file holds twice, or with two translations: what a union merge of two branches
    leaves where both changed the same entry (Babel would silently keep the first)."""
    found, seen = [], set()
    entry: dict[str, str] = {}
    current = None

    def close() -> None:
        if entry.get("msgid"):
            key = (entry.get("msgctxt"), entry["msgid"])
            if key in seen:
                found.append(f"{path.parent.parent.name}: {entry['msgid']!r} is in {path.name} twice")
            seen.add(key)

    for line in path.read_text(encoding="utf-8").splitlines():
        match = _KEYWORD.match(line)
        if match:
            keyword, value = match.groups()
            if keyword in ("msgctxt", "msgid") and ("msgstr" in entry or any(k.startswith("msgstr[") for k in entry)):
                close()
                entry = {}
            if keyword in entry:
                found.append(f"{path.parent.parent.name}: two {keyword} lines after {entry.get('msgid', '')!r}")
            entry[keyword] = value
            current = keyword
        elif line.startswith('"') and current:
            entry[current] += line[1:-1]
        elif not line.strip() or line.startswith("#"):
            current = None
    close()
    return found


def problems() -> list[str]:
    """What the test fails on: texts without translation, placeholders that differ, stale .mo files,
    texts held twice."""
    found = []
    templates = {}
    for path in catalogs():
        found += duplicates(path)
        template = templates.get(path.stem) or templates.setdefault(path.stem, extract(path.stem))
        catalog = read(path)
        for message in template:
            if not message.id:
                continue
            translated = catalog.get(message.id, message.context)
            forms = translated.string if translated is not None and isinstance(translated.string, tuple) else ()
            if translated is None or not translated.string or translated.fuzzy or (forms and not any(forms)):
                found.append(f"{path.parent.parent.name}: no translation for {message.id!r}")
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
            wanted = placeholders(ids[-1])
            for n, string in enumerate(strings):
                # The singular form may leave out what only the plural says (click's "1 was given").
                if not string or placeholders(string) not in (wanted, placeholders(ids[0]) if n == 0 else wanted):
                    found.append(f"{path.parent.parent.name}: placeholders differ in {message.id!r}: {string!r}")
        mo = path.with_suffix(".mo")
        if not mo.is_file() or _messages(mo.read_bytes()) != _messages(compiled(catalog)):
            found.append(f"{mo}: not compiled from {path.name}: run python tools/i18n.py compile")
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        buffer = io.BytesIO()
        write_po(buffer, extract(), width=0, omit_header=False, sort_output=False)
        POT.write_bytes(buffer.getvalue())
    elif command == "update":
        for domain in METHODS:  # a new domain's catalog starts empty
            for folder in LOCALE.glob("*/LC_MESSAGES"):
                if not (folder / f"{domain}.po").is_file():
                    write(folder / f"{domain}.po", Catalog(locale=folder.parent.name, domain=domain, charset="utf-8"))
        for path in catalogs():
            template = extract(path.stem)
            catalog = read(path)
            catalog.update(template, no_fuzzy_matching=True)
            write(path, catalog)
    elif command == "compile":
        for path in catalogs():
            path.with_suffix(".mo").write_bytes(compiled(read(path)))
    elif command == "check":
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
