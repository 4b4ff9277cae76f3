"""The message catalogs: every text translated, placeholders equal in both languages, .mo files fresh."""

from __future__ import annotations

import re
import sys

from ocds_cdmx.report.messages import COUNTED, EXPECTED, FINDINGS, TEXTS, Plural, ntr, text, tr

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import i18n


def test_every_text_is_translated_with_the_same_placeholders():
    assert i18n.problems() == []


def test_the_catalog_check_fails_on_a_missing_translation_or_placeholder(tmp_path, monkeypatch):
    po = next(iter(i18n.catalogs()))
    catalog = i18n.read(po)
    catalog.get("No problems found.").string = ""
    catalog.get("'{field}' is missing but required").string = "Falta, que es obligatorio"
    broken = tmp_path / "es" / "LC_MESSAGES" / po.name
    broken.parent.mkdir(parents=True)
    i18n.write(broken, catalog)
    monkeypatch.setattr(i18n, "LOCALE", tmp_path)
    found = "\n".join(i18n.problems())
    assert "no translation for 'No problems found.'" in found
    assert "placeholders differ in \"'{field}' is missing but required\"" in found
    assert "not compiled" in found


def test_the_catalog_check_finds_what_a_union_merge_leaves_twice(tmp_path, monkeypatch):
    """Two branches that changed the same entry leave both versions (``*.po merge=union``)."""
    po = next(iter(i18n.catalogs()))
    text = po.read_text(encoding="utf-8")
    entry = 'msgid "No problems found."\nmsgstr "No se encontraron problemas."\n'
    assert entry in text
    merged = tmp_path / "es" / "LC_MESSAGES" / po.name
    merged.parent.mkdir(parents=True)
    merged.write_text(
        text.replace(entry, entry + 'msgstr "Ningún problema."\n') + "\n" + entry.replace("No se", "Sin"), "utf-8"
    )
    found = "\n".join(i18n.duplicates(merged))
    assert "two msgstr lines after 'No problems found.'" in found
    assert "'No problems found.' is in ocds_cdmx.po twice" in found
    assert i18n.duplicates(po) == []


def test_every_table_text_is_shown_in_spanish():
    texts = [t for pair in [*FINDINGS.values(), *EXPECTED.values()] for t in pair if t] + list(TEXTS.values())
    untranslated = [t for t in texts if not isinstance(t, Plural) and tr(t, "es") == t and any(c.isalpha() for c in t)]
    untranslated += [
        t.plural for t in texts if isinstance(t, Plural) and ntr(t.singular, t.plural, 2, "es") == t.plural
    ]
    # A few texts are the same in both languages (names, formats, frames of placeholders): none is a sentence.
    words = [re.findall(r"[^\W\d_]+", re.sub(r"\{[^{}]*\}", "", t)) for t in untranslated]
    assert all(len(w) <= 3 for w in words), untranslated
    assert text("no_problems", "es") == "No se encontraron problemas."
    assert text("no_problems", "en") == "No problems found."


def test_counts_take_the_form_their_number_asks_for():
    """One of anything is singular, in both languages; a frame's several counts each agree with their own."""
    one = {"status": "Valid", "errors": 1, "warnings": 0, "count": 1, "sources": 1}
    assert text("headline", "en", **one) == "Valid: 1 error, 0 warnings in 1 release/record (1 source)."
    assert text("headline", "es", **one) == "Valid: 1 error, 0 advertencias en 1 entrega/registro (1 fuente)."
    assert text("occurrences", "es", count=1) == "1 vez" and text("occurrences", "es", count=13) == "13 veces"
    assert text("occurrences", "en", count=1) == "1 time" and text("occurrences", "en", count=2) == "2 times"
    counts = {"sheet": "Hoja", "read": 1, "converted": 1, "rejected": 0, "blank": 2, "nothing": 1}
    assert text("sheet_counts", "es", **counts) == (
        "Hoja: 1 leída, 1 convertida, 0 rechazadas, 2 vacías, 1 sin nada que reportar"
    )
    assert (
        text("sheet_counts", "en", **counts)
        == "Hoja: 1 read, 1 converted, 0 rejected, 2 blank, 1 with nothing to report"
    )
    assert text("merge_upgraded", "es", count=1) == "1 entrega OCDS 1.0 se actualizó a 1.1."
    assert text("merge_upgraded", "en", count=3) == "3 OCDS 1.0 releases were upgraded to 1.1."


#: Counts that are never one, so that a plural noun is always right: the rows looked at for the header,
#: the lengths of RFCs and of names, the limits of a schema, the labels of a sheet, the bytes spooled from stdin.
NEVER_ONE = {("no_header", "rows"), ("rfc_format", "length"), ("name_truncated", "length"),
             ("schema:maxLength", "limit"), ("schema:maxItems", "limit"), ("many_unmapped_columns", "labels"),
             ("rfc_format:pattern", "length"), ("stdin_too_large", "limit")}  # fmt: skip
COUNT = re.compile(r"\{(\w+)\} (?!is\b|was\b|does\b|has\b|holds\b|reaches\b)([a-z]+s)\b")


def test_a_count_with_a_plural_noun_has_its_singular_too():
    """ "{count} times" says "1 times": a count is a Plural (NP_) or has its noun in COUNTED."""
    texts = [(k, v) for k, v in TEXTS.items()] + [(k, t) for k, pair in FINDINGS.items() for t in pair]
    found = [
        (key, m.group(0))
        for key, message in texts
        if message and not isinstance(message, Plural)
        for m in COUNT.finditer(message)
        if m.group(1) not in COUNTED.get(key, {}) and (key, m.group(1)) not in NEVER_ONE
    ]
    assert found == []
