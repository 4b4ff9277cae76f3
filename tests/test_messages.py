"""The message catalogs: every text translated, placeholders equal in both languages, .mo files fresh."""

from __future__ import annotations

import sys

from ocds_cdmx.report.messages import EXPECTED, FINDINGS, TEXTS, text, tr

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


def test_every_table_text_is_shown_in_spanish():
    texts = [t for pair in [*FINDINGS.values(), *EXPECTED.values()] for t in pair if t] + list(TEXTS.values())
    untranslated = [t for t in texts if tr(t, "es") == t and any(c.isalpha() for c in t)]
    # A few texts are the same in both languages (names, formats): none of them is a sentence.
    assert all(len(t.split()) <= 3 for t in untranslated), untranslated
    assert text("no_problems", "es") == "No se encontraron problemas."
    assert text("no_problems", "en") == "No problems found."
