"""Spanish everywhere: under a Spanish locale, every help text, every usage error and every report of every
command is in Spanish. A scan fails on any English left: a sentence of the catalog's English source
texts shown untranslated, or English words (field names, code values, paths, options and quoted values
aside)."""

from __future__ import annotations

import re
import sys

import click
import pytest
from click.testing import CliRunner

from ocds_cdmx.cli import main
from ocds_cdmx.cli.common import CdmxCommand, CdmxGroup, speak
from ocds_cdmx.publishing.config import AGENCY_KEYS, KEYS
from ocds_cdmx.report.messages import tr

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import i18n

SAMPLES = ROOT / "samples"
SPANISH = {"LANG": "es_MX.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "LANGUAGE": None}

#: English words that are not Spanish words: a line that still holds one is not translated.
_WORDS = """the and of is are was were be been being with without this that these those for from to in on at by an
    it its has have had which when where what who every each or not than then there their they you your will
    would can cannot could should must may into only also but all any some more most found read written
    missing invalid usage options option show message exit help try such value values given
    releases records rows sheets columns times warnings errors processes agencies release record row column
    sheet warning file files directory folder converted rejected blank merged copied published unchanged
    failed new updated mapping mappings check cache order search extension extensions schema schemas
    deliberately unmapped invalid:"""
ENGLISH = set(_WORDS.split())
#: Words that stand for themselves in both languages: code values, formats, names.
ALLOWED = {"text", "json", "jsonl", "package", "none", "append", "ocds", "ok"}
#: The names of the commands, which are not translated.
COMMAND_NAMES = "convert|mappings|list|check|validate|merge|publish|schema|fetch|where|site"
#: Tokens that are not words of a sentence: paths, options, URLs, field paths, file names, cells.
NOT_WORDS = re.compile(rf"""(?x)
    '[^']*' | "[^"]*" | `[^`]*` | «[^»]*»         # quoted values and code
  | ^\s*cdmx\s.*$                                 # an example command line
  | \bcdmx(\s+({COMMAND_NAMES}))*\b              # a command's name
  | ^\s\s({COMMAND_NAMES})(?=\s\s)               # a command in a list of commands
  | (?<!\w)({"|".join(KEYS | AGENCY_KEYS)}):(?=\s|$)# a key of the configuration
  | \S*[/\\=|<>#@$_]\S* | \S+\.\w\S*             # paths, file names, URLs, field paths, options=values
  | (?<!\w)--?[\w-]+                              # options
  | \b[a-z]+[A-Z]\w*                              # camelCase field names (publishedDate)
""")


def english_words(line: str) -> list[str]:
    """The English words of a line of Spanish output."""
    words = re.findall(r"[^\W\d_][^\W\d_']*:?", NOT_WORDS.sub(" ", line))
    found = []
    for word in words:
        bare = word.lower().rstrip(":")
        if (word.lower() in ENGLISH or bare in ENGLISH) and bare not in ALLOWED:
            found.append(word)
    return found


def _english_sentences() -> list[re.Pattern]:
    """The catalog's English texts of four words or more, as patterns (placeholders match anything)."""
    patterns = []
    for message in i18n.extract():
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            for part in re.split(r"\{[^{}]*\}|%\(?\w*\)?[sd]|\n", text or ""):
                part = part.strip(" .,:;()")
                # (a part that the Spanish keeps, such as an example command line, is not English)
                if len(part.split()) >= 4 and part not in tr(text, "es"):
                    patterns.append(re.compile(re.escape(part)))
    return patterns


SENTENCES = _english_sentences()


def assert_spanish(output: str, what: str) -> None:
    """No English sentence of the catalog and no English word in ``output``."""
    assert output.strip(), what
    problems = []
    for line in output.splitlines():
        words = english_words(line)
        sentences = [p.pattern for p in SENTENCES if p.search(line)]
        if words or sentences:
            problems.append(f"{line!r}: {words or sentences}")
    assert not problems, f"{what}: English left:\n" + "\n".join(problems)


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(main)


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=SPANISH if env is None else env, prog_name="cdmx")


def test_the_scan_finds_english():
    assert english_words("Error: Missing option '-m'.") == ["Missing", "option"]
    assert english_words("    Reporte de Formatos: 9 read, 8 converted, 0 rejected") == [
        "read",
        "converted",
        "rejected",
    ]
    assert english_words("Uso: cdmx convert [OPCIONES] ARCHIVO --rejects rechazos.csv releases/0/ocid") == []
    assert english_words("Falta el campo 'releases' (publishedDate, 3 veces)") == []
    assert_spanish("Valor no válido para '--jobs': 'x' no es un entero.", "a Spanish line")
    with pytest.raises(AssertionError, match="Show this message"):
        assert_spanish("  -h, --help   Show this message and exit.", "help")
    assert any(p.search("--no-statistics  Leave the key field information out of the text report.") for p in SENTENCES)


def test_every_command_is_a_speaking_command():
    """Commands declared with plain click, anywhere, become CdmxCommand when they are added."""
    assert len(COMMANDS) >= 12
    for path in COMMANDS:
        command = main
        for name in path:
            command = command.commands[name]
        assert isinstance(command, CdmxCommand), path
    plain = click.Group("g", commands=[click.Command("c", help="Show this message and exit.")])
    speak(plain)
    assert isinstance(plain, CdmxGroup) and isinstance(plain.commands["c"], CdmxCommand)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(("cdmx", *p)))
def test_every_help_is_in_spanish(path):
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Uso: cdmx")
    assert_spanish(result.output, f"cdmx {' '.join(path)} --help")
    english = run(*path, "--help", "--lang", "en", env={**SPANISH, "LANG": "es_MX.UTF-8"})
    if any(p.name == "lang" for p in _command(path).params):
        assert english.output.startswith("Usage: cdmx"), "--lang en wins over the locale"
    assert run(*path, "--help", env={"LANG": "en_US.UTF-8", "LC_ALL": None}).output.startswith("Usage: cdmx")


def _command(path: tuple[str, ...]) -> click.Command:
    command = main
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(("cdmx", *p)))
def test_every_usage_error_is_in_spanish(path):
    command = _command(path)
    errors = [run(*path, "--no-such-option")]
    required = [p for p in command.params if p.required]
    if required or isinstance(command, click.Group):
        errors.append(run(*path))
    for param in command.params:
        if isinstance(param.type, click.Choice) and param.opts[0].startswith("--"):
            errors.append(run(*path, param.opts[0], "nonsense", "x"))
        elif isinstance(param.type, click.types.IntRange):
            errors.append(run(*path, param.opts[0], "many", "x"))
    for result in errors:
        assert result.exit_code == 2, result.output
        # (a group without its command shows its help)
        assert "Uso: cdmx" in result.output and ("Error: " in result.output or "Órdenes:" in result.output)
        assert_spanish(result.output, f"cdmx {' '.join(path)}: {result.output}")


def test_clicks_messages_name_things_in_spanish():
    result = run("convert")
    assert "Error: Falta el argumento 'ARCHIVO [MÁS…]'." in result.output
    result = run("validate", "--jobs", "0", "x")
    assert "Valor no válido para '--jobs': 0 no está en el intervalo x>=1." in result.output
    result = run("site", str(SAMPLES / "no-such-folder"), "-o", "x")
    assert "Ruta" in result.output and "no existe" in result.output
    assert run("--version").output.startswith("cdmx, versión ")
    assert run("valdate").output.endswith("Error: No existe la orden 'valdate'. ¿Quiso decir 'validate'?\n")
    # Outside a cdmx command line, click speaks as always.
    assert click.types.Path(exists=True).name == "path"
    assert click.core._("Usage:") == "Usage:"


def test_the_language_comes_from_lang_or_the_locale():
    assert run("merge", "--help", env={"LANG": "es_MX.UTF-8", "LC_ALL": None}).output.startswith("Uso:")
    assert run("merge", "--help", env={"LANG": "C", "LC_ALL": None, "LANGUAGE": None}).output.startswith("Usage:")
    assert run("merge", "--lang", "es", "--help", env={"LANG": "C", "LC_ALL": None}).output.startswith("Uso:")
    assert run("merge", "--help", "--lang=es", env={"LANG": "C", "LC_ALL": None}).output.startswith("Uso:")
    assert run("merge", "--help", env={"LC_ALL": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}).output.startswith("Uso:")
