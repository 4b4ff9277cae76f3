"""Spanish everywhere: under a Spanish locale, every help text, every usage error and every report of every
command is in Spanish. A scan fails on any English left: a sentence of the catalog's English source
texts shown untranslated, or English words (field names, code values, paths, options and quoted values
aside)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ocds_cdmx.cli import main
from ocds_cdmx.cli.common import CdmxCommand, CdmxGroup, speak, subcommands
from ocds_cdmx.publishing.config import AGENCY_KEYS, KEYS
from ocds_cdmx.report.messages import ntr, tr

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
    failed new updated mapping mappings check cache order search extension schema schemas
    deliberately unmapped invalid:"""
ENGLISH = set(_WORDS.split())
#: Words that stand for themselves in both languages: code values, formats, names, the configuration's keys.
ALLOWED = {"text", "json", "jsonl", "package", "none", "append", "ocds", "ok"} | {k.lower() for k in KEYS | AGENCY_KEYS}
#: The names of the commands, which are not translated.
COMMAND_NAMES = "convert|mappings|list|check|validate|merge|publish|schema|fetch|where|site"
#: Tokens that are not words of a sentence: paths, options, URLs, field paths, file names, cells.
NOT_WORDS = re.compile(rf"""(?x)
    '[^']*' | "[^"]*" | `[^`]*` | «[^»]*»         # quoted values and code
  | \s=\s.*$                                       # the value at a location (cut short, without its quote)
  | \([^()]*,\s\d+\s(?:vez|veces)\)$                # the field of a kind of problem
  | ^\s{{4}}[^\s=]+(?=\s=\s|\s*$)                  # a location: its path, before its value
  | ^\s*cdmx\s.*$                                 # an example command line
  | \bcdmx(\s+({COMMAND_NAMES}))*\b              # a command's name
  | ^\s\s({COMMAND_NAMES})(?=\s\s)               # a command in a list of commands
  | \b(línea|line)\s\d+:\s\S+:                     # the key a problem of a YAML file is at
  | (?<!\w)({"|".join(KEYS | AGENCY_KEYS)}):(?=\s|$)# a key of the configuration
  | \S*[/\\=|<>#@$_]\S* | \S+\.\w\S*             # paths, file names, URLs, field paths, options=values
  | (?<!\w)--?[\w-]+                              # options
  | \b[a-z]+[A-Z]\w*                              # camelCase field names (publishedDate)
""")

#: The data a line shows: the value at a location, JSON strings.
VALUES = re.compile(r'\s=\s.*$|"[^"]*"')


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
    """The parts between placeholders of the catalog's English texts, of four words or more."""
    patterns = []
    for message in i18n.extract():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        spanish = " ".join(ntr(*ids, n, "es") for n in (1, 2)) if len(ids) == 2 else tr(ids[0], "es")
        for text in ids:
            for part in re.split(r"\{[^{}]*\}|%\(?\w*\)?[sd]|\n", text or ""):
                part = part.strip(" .,:;()")
                # (a part that the Spanish keeps, such as an example command line, is not English)
                if len(part.split()) >= 4 and part not in spanish:
                    patterns.append(re.compile(re.escape(part)))
    return patterns


SENTENCES = _english_sentences()


def assert_spanish(output: str, what: str) -> None:
    """No English sentence of the catalog and no English word in ``output``."""
    assert output.strip(), what
    problems = []
    for line in output.splitlines():
        words = english_words(line)
        data = VALUES.sub(" ", line)
        sentences = [p.pattern for p in SENTENCES if p.search(data)]
        if words or sentences:
            problems.append(f"{line!r}: {words or sentences}")
    assert not problems, f"{what}: English left:\n" + "\n".join(problems)


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for sub in subcommands(command):
        found += _commands(sub, (*path, sub.name))
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
            command = command.get_command(None, name)
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
        command = command.get_command(None, name)
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
    # Every command takes --lang, and a group's --lang holds for its command.
    english = {"LANG": "C", "LC_ALL": None, "LANGUAGE": None, "LC_MESSAGES": None}
    listed = run("mappings", "list", "--lang", "es", env=english)
    assert listed.exit_code == 0 and "(no válido" not in listed.output
    schemas = ["--schema-dir", str(ROOT.parent / "shared" / "ocds"), "--offline"]
    validated = run("--lang", "es", "validate", str(SAMPLES / "releases.json"), *schemas, env=english)
    assert validated.output.startswith("Válido: 0 errores, 0 advertencias en 10 entregas/registros (1 fuente).")
    assert run("--lang", "es", "schema", "where", "--help", env=english).output.startswith("Uso: cdmx schema where")


# -- every report, in Spanish, on the samples -------------------------------------------------------------

S2024 = SAMPLES / "28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx"
FINANZAS = [SAMPLES / "A121Fr30B_2024T3.xlsx", SAMPLES / "paaaps-2024.xlsx", SAMPLES / "clc-2024T3.csv"]


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """The samples and the schemas' location in a folder of their own (publish writes beside them)."""
    work = tmp_path_factory.mktemp("es")
    shutil.copytree(SAMPLES, work / "samples", ignore=shutil.ignore_patterns("*.py"))
    return work


def report(*args: str) -> str:
    """What a command says (standard output and error) under a Spanish locale."""
    result = run(*args, "--schema-dir", str(ROOT.parent / "shared" / "ocds"), "--offline")
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_convert_reports_and_rejects_in_spanish(work):
    rejects = work / "rechazos.csv"
    output = report("convert", str(S2024), "-m", "sedema", "-o", str(work / "a.json"), "--rejects", str(rejects))
    assert "7 convertidas" in output and "1 sin nada que reportar" in output and "(Nota, 1 vez)" in output
    assert_spanish(output, "cdmx convert")
    with rejects.open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["archivo", "hoja", "fila", "columna", "celda", "etiqueta", "valor", "motivo"]
    output = report("convert", *map(str, FINANZAS), "-m", "finanzas", "-o", str(work / "saf.json"))
    assert "Tabla_334268: 1 leída, 1 convertida, 0 rechazadas, 0 vacías, 0 sin nada que reportar" in output
    assert_spanish(output, "cdmx convert -m finanzas")


def test_validate_and_merge_report_in_spanish(work):
    output = report("validate", str(SAMPLES / "releases.json"))
    assert "(1 fuente)" in output and "Información de campos clave" in output and "    entregas: 10" in output
    assert_spanish(output, "cdmx validate")
    if not (work / "a.json").exists():
        report("convert", str(S2024), "-m", "sedema", "-o", str(work / "a.json"))
    output = report("validate", str(work / "a.json"), "--ocid-prefix", "ocds-87sd3t")
    assert_spanish(output, "cdmx validate (a converted workbook)")
    bare = work / "suelta.json"
    bare.write_text(json.dumps(json.loads((SAMPLES / "releases.json").read_text(encoding="utf-8"))["releases"][0]))
    output = report("validate", str(bare))
    assert "Una entrega fuera de un paquete (1 vez)" in output
    assert_spanish(output, "cdmx validate (a bare release)")
    output = report("merge", str(work / "a.json"), "--versioned", "-o", str(work / "records.json"))
    assert "1 advertencia." in output
    assert_spanish(output, "cdmx merge")


def test_publish_and_site_report_in_spanish(work):
    output = report("publish", str(work / "samples" / "publicacion.yaml"))
    assert "2 dependencias, 64 entregas nuevas" in output
    assert_spanish(output, "cdmx publish")
    output = report("publish", str(work / "samples" / "publicacion.yaml"), "--dry-run")
    assert_spanish(output, "cdmx publish --dry-run")
    records = work / "records.json"
    if not records.exists():
        report("convert", str(S2024), "-m", "sedema", "-o", str(work / "a.json"))
        report("merge", str(work / "a.json"), "--versioned", "-o", str(records))
    result = run("site", str(records), "-o", str(work / "sitio"))
    assert result.exit_code == 0, result.output
    assert "1 dependencia (1 escrita)" in result.output
    assert_spanish(result.output, "cdmx site")


def test_mappings_and_schema_report_in_spanish(work):
    listed = run("mappings", "list")
    assert listed.exit_code == 0
    assert_spanish(listed.output, "cdmx mappings list")
    checked = report("mappings", "check", str(ROOT / "ocds_cdmx" / "conversion" / "mappings" / "finanzas.yaml"))
    assert "correcto (46 columnas, 13 sin mapear a propósito)" in checked
    assert_spanish(checked, "cdmx mappings check")
    bad = work / "agencia.yaml"
    bad.write_text(
        "extends: finanzas\ncolumns:\n  x:\n    type: nada\n  y: 3\n"
        "  tipo:\n    label: Tipo\n    fields:\n      - path: tender/procurementMethod\n"
        "        map: {Directa: directa}\n  z:\n    label: Z\n    field: tender/noExiste\n"
        "agency:\n  nombre: x\n",
        encoding="utf-8",
    )
    result = run("mappings", "check", str(bad))
    assert result.exit_code == 1
    assert ":15: agency.nombre: clave desconocida `nombre`" in result.output
    assert ":5: columns.y: 3 no es de tipo object" in result.output
    assert_spanish(result.output, "cdmx mappings check (a bad mapping)")
    bad.write_text(bad.read_text(encoding="utf-8").replace("  nombre: x\n", "  key: SAF\n").replace(
        "  x:\n    type: nada\n  y: 3\n", ""), encoding="utf-8")  # fmt: skip
    result = run("mappings", "check", str(bad), "--schema-dir", str(ROOT.parent / "shared" / "ocds"), "--offline")
    assert "'directa' no está en la lista cerrada de códigos method.csv" in result.output
    assert "tender/noExiste no es un campo de OCDS" in result.output
    assert_spanish(result.output, "cdmx mappings check (against OCDS)")
    converted = run("convert", str(S2024), "-m", str(work / "agencia.yaml"))
    assert_spanish(converted.output, "cdmx convert with a bad mapping")
    for args in (("schema", "where"), ("schema", "fetch", "--offline")):
        result = run(*args, "--schema-dir", str(ROOT.parent / "shared" / "ocds"))
        assert result.output.startswith(("orden de búsqueda:", "opción")), result.output
        assert_spanish(result.output, " ".join(args))


def test_input_errors_are_in_spanish(work):
    broken = []
    for i, text in enumerate(['{"releases": [1,}', '{"a" 1}', "{a: 1}", "[1 2]", '{"a": "\\q"}', '{"a": 1,\n"b": x}']):
        broken.append(work / f"roto-{i}.json")
        broken[-1].write_text(text, encoding="utf-8")
    for path in broken:
        result = run("validate", str(path))
        assert result.exit_code == 2 and "JSON inválido" in result.output, result.output
        assert_spanish(result.output, f"cdmx validate {path.read_text(encoding='utf-8')}")
    for args in (
        ("validate", str(work / "no-such-file.json")),
        ("validate", str(S2024)),
        ("convert", str(SAMPLES / "releases.json")),
        ("merge", str(work / "no-such-file.json")),
        ("publish", str(work / "samples" / "releases.json")),
    ):
        result = run(*args)
        assert result.exit_code in (1, 2), result.output
        assert_spanish(result.output, " ".join(args))


def _words_for_people(document: object, key: str = "") -> list[str]:
    """The texts of a JSON report that are written for people (titles, advice, messages)."""
    if isinstance(document, dict):
        return [t for k, v in document.items() for t in _words_for_people(v, k)]
    if isinstance(document, list):
        return [t for v in document for t in _words_for_people(v, key)]
    return [document] if isinstance(document, str) and key in ("title", "advice", "message") else []


def test_json_reports_speak_spanish_in_their_texts(work):
    schemas = ["--schema-dir", str(ROOT.parent / "shared" / "ocds"), "--offline"]
    validated = run("validate", "--format", "json", str(S2024.with_name("releases.json")), str(S2024), *schemas)
    converted = CliRunner().invoke(
        main,
        ["convert", str(S2024), "-m", "sedema", "--report", "json", "-o", str(work / "b.json"), *schemas],
        env=SPANISH,
    )
    for result in (validated, converted):
        texts = _words_for_people(json.loads(result.stderr if result.stderr.strip() else result.stdout))
        assert texts
        assert_spanish("\n".join(texts), "a JSON report")


def test_the_review_tools_fixtures_are_reported_in_spanish():
    """Every problem the Review Tool's fixtures hold, and ours on them, explained in Spanish."""
    inputs = sorted((ROOT.parent / "shared" / "fixtures" / "validate").glob("*/input.*"))
    assert len(inputs) >= 30
    schemas = ["--schema-dir", str(ROOT.parent / "shared" / "ocds"), "--offline", "--no-statistics"]
    for path in inputs:
        result = run("validate", str(path), *schemas)
        assert result.exit_code in (0, 1, 2), result.output
        # (a fixture's field names are its own, some of them with spaces)
        lines = [line for line in result.output.splitlines() if "validation_errors[0] values" not in line]
        assert_spanish("\n".join(lines), f"cdmx validate {path.parent.name}")


def test_progress_lines_name_their_steps_in_the_language(monkeypatch):
    from ocds_cdmx.cli.common import STEPS, step

    for name, value in SPANISH.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert step("validate") == "validando" and step("SAF convert") == "SAF convirtiendo"
    assert step("SAF") == "SAF"  # an agency alone, before its first step
    assert all(tr(text, "es") != text for text in STEPS.values())
