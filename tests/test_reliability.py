"""What a nightly job on a city server meets — hostile input, full disks, kills, other users — and that
nothing is lost: each test reproduces one way the toolkit broke (issue 9) and checks what it does now."""

from __future__ import annotations

import contextlib
import errno
import gzip
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocds_cdmx.cli import main
from ocds_cdmx.io import output as output_module

from .conftest import AGENCY, REAL, ROOT

SAMPLE = ROOT / "samples" / "releases.json"
XLSX = ROOT / "samples" / "A121Fr30B_2024T3.xlsx"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cdmx(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    """Run the command as the user would (in this process), giving (exit code, stdout, stderr)."""
    # The generic mappings name no buyer: the workbook's agency is given, as its data officer would.
    args = (*args, *AGENCY) if args and args[0] == "convert" else args
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "Internal error" not in text, text


def package(releases: list, **fields) -> dict:
    return {"uri": "urn:x", "publishedDate": "2024-10-01T00:00:00Z", "version": "1.1", **fields, "releases": releases}


def release(ocid: str = "ocds-87sd3t-1", rid: str = "1", **fields) -> dict:
    return {"ocid": ocid, "id": rid, "date": "2024-10-01T00:00:00Z", "tag": ["tender"], "initiationType": "tender",
            **fields}  # fmt: skip


def write_json(path: Path, value) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


# --- Outputs: devices, directories, links, permissions ---------------------------------------------


# Never the real /dev/null here: on a version without the check, the test itself would replace it.
@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_a_device_as_output_is_refused_and_stays_a_device(tmp_path):
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    code, out, err = cdmx("merge", SAMPLE, "-o", device)
    assert code == 2 and "device" in err
    assert stat.S_ISCHR(device.stat().st_mode)
    no_traceback(out, err)


def test_a_fifo_or_a_link_to_standard_output_as_output_is_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, out, err = cdmx("merge", SAMPLE, "-o", fifo)
    assert code == 2 and "device" in err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    code, out, err = cdmx("merge", SAMPLE, "-o", link)
    assert code == 2 and "device" in err
    assert link.is_symlink()
    no_traceback(out, err)


def test_a_directory_as_output_is_refused(tmp_path):
    code, out, err = cdmx("merge", SAMPLE, "-o", tmp_path)
    assert code == 2 and "directory" in err
    code, out, err = cdmx("convert", XLSX, "-o", tmp_path, "--report", "text")
    assert code == 2 and "directory" in err
    no_traceback(out, err)
    assert os.listdir(tmp_path) == []


def test_a_symlinked_output_updates_the_file_it_points_at(tmp_path):
    (tmp_path / "v1").mkdir()
    target = tmp_path / "v1" / "records.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "records.json"
    link.symlink_to(target)
    code, _, err = cdmx("merge", SAMPLE, "-o", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text(encoding="utf-8"))["records"]


def test_the_replaced_file_keeps_its_mode_and_new_files_get_the_umasks(tmp_path):
    out = tmp_path / "records.json"
    out.write_text("{}", encoding="utf-8")
    out.chmod(0o644)
    assert cdmx("merge", SAMPLE, "-o", out)[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    out.chmod(0o640)
    assert cdmx("merge", SAMPLE, "-o", out)[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    old = os.umask(0o027)
    try:
        new = tmp_path / "new.json"
        assert cdmx("merge", SAMPLE, "-o", new)[0] == 0
        assert stat.S_IMODE(new.stat().st_mode) == 0o640
    finally:
        os.umask(old)
    new2 = tmp_path / "new2.json"
    assert cdmx("merge", SAMPLE, "-o", new2)[0] == 0
    assert stat.S_IMODE(new2.stat().st_mode) == 0o666 & ~old


def test_an_output_that_is_also_an_input_is_refused(tmp_path):
    rel = shutil.copy(SAMPLE, tmp_path / "rel.json")
    before = Path(rel).read_bytes()
    code, _out, err = cdmx("merge", "--linked-releases", rel, "-o", rel)
    assert code == 2 and "also an input" in err
    assert Path(rel).read_bytes() == before
    # Updating records in place is what --update is for: allowed.
    records = tmp_path / "records.json"
    assert cdmx("merge", rel, "-o", records)[0] == 0
    code, _, err = cdmx("merge", "--update", records, rel, "-o", records)
    assert code == 0, err


def test_a_read_only_output_folder_is_a_message(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(output_module.tempfile, "mkstemp", refuse)
    code, out, err = cdmx("merge", SAMPLE, "-o", tmp_path / "records.json")
    assert code == 2 and "Read-only file system" in err
    no_traceback(out, err)


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EMFILE, "Too many open files"),
    ],
)
def test_a_full_disk_or_too_many_open_files_while_writing_is_a_message_and_the_old_output_stays(tmp_path, error):
    out = tmp_path / "records.json"
    out.write_text("previous", encoding="utf-8")
    real = output_module.PackageWriter.write_texts

    def failing(self, texts):
        real(self, texts)
        raise error

    with pytest.MonkeyPatch.context() as m:
        m.setattr(output_module.PackageWriter, "write_texts", failing)
        code, stdout, err = cdmx("merge", SAMPLE, "-o", out)
    assert code == 2 and error.strerror in err
    no_traceback(stdout, err)
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["records.json"]


def test_a_full_tmpdir_is_a_message(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    import ocds_cdmx.io.tempfiles as tempfiles

    monkeypatch.setattr(tempfiles.tempfile, "mkdtemp", full)
    for args in (["merge", SAMPLE, "-o", tmp_path / "r.json"], ["convert", XLSX, "-o", tmp_path / "c.json"]):
        code, out, err = cdmx(*args)
        assert code == 2 and "No space left" in err
        no_traceback(out, err)


# --- Inputs: nothing dropped without a word ---------------------------------------------------------


def test_an_unreadable_entry_of_an_input_directory_is_an_input_error(tmp_path):
    nights = tmp_path / "nights"
    nights.mkdir()
    shutil.copy(SAMPLE, nights / "a.json")
    (nights / "b.json").symlink_to(tmp_path / "gone.json")
    for command in (["validate"], ["merge", "-o", tmp_path / "records.json"]):
        code, out, err = cdmx(*command, nights)
        assert code == 2, (command, out, err)
        assert "b.json" in out + err
        no_traceback(out, err)
    assert not (tmp_path / "records.json").exists()


@pytest.mark.skipif(IS_ROOT, reason="root reads every directory")
def test_an_unreadable_subdirectory_is_an_input_error(tmp_path):
    nights = tmp_path / "nights"
    (nights / "locked").mkdir(parents=True)
    shutil.copy(SAMPLE, nights / "a.json")
    shutil.copy(SAMPLE, nights / "locked" / "b.json")
    (nights / "locked").chmod(0)
    try:
        code, out, err = cdmx("validate", nights)
        assert code == 2 and "locked" in out + err
    finally:
        (nights / "locked").chmod(0o755)


def test_an_unreadable_subdirectory_found_by_the_walk_is_an_input_error(tmp_path, monkeypatch):
    # What root cannot be shown: os.walk meeting a folder it may not list.
    nights = tmp_path / "nights"
    (nights / "locked").mkdir(parents=True)
    shutil.copy(SAMPLE, nights / "a.json")
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, _err = cdmx("validate", nights)
    assert code == 2 and "Permission denied" in out and "locked" in out


@pytest.mark.parametrize("key", ["releases", "version"])
def test_a_key_given_twice_in_a_package_is_an_error(tmp_path, key):
    first = json.dumps(release("ocds-87sd3t-1"))
    second = json.dumps(release("ocds-87sd3t-2"))
    if key == "releases":
        text = f'{{"uri": "urn:x", "version": "1.1", "releases": [{first}], "releases": [{second}]}}'
    else:
        text = f'{{"uri": "urn:x", "version": "1.1", "releases": [{first}], "version": "1.0"}}'
    path = tmp_path / "twice.json"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "records.json"
    for command in (["validate"], ["merge", "-o", out]):
        code, stdout, err = cdmx(*command, path)
        assert code == 2 and f'"{key}" appears twice' in stdout + err
    assert not out.exists()


@pytest.mark.parametrize("items", ['{"ocid": "ocds-87sd3t-1"}', '"x"', "null", "3"])
def test_releases_that_are_not_an_array_never_make_an_empty_output(tmp_path, items):
    path = tmp_path / "odd.json"
    path.write_text(f'{{"uri": "urn:x", "version": "1.1", "releases": {items}}}', encoding="utf-8")
    out = tmp_path / "records.json"
    out.write_text("previous", encoding="utf-8")
    code, stdout, err = cdmx("merge", path, "-o", out)
    assert code == 2 and "not an array" in err
    assert out.read_text(encoding="utf-8") == "previous"
    # validate says what the Review Tool says: the schema wants an array.
    code, stdout, err = cdmx("validate", "--format", "json", path)
    report = json.loads(stdout)
    assert code == 1 and any(
        f["field"] == "releases" and f["params"].get("type") == "array" for f in report["findings"]
    )


def test_a_package_with_both_releases_and_records_is_an_error(tmp_path):
    path = write_json(
        tmp_path / "both.json", {"uri": "urn:x", "version": "1.1", "releases": [release()], "records": []}
    )
    for command in (["validate"], ["merge", "-o", tmp_path / "out.json"]):
        code, out, err = cdmx(*command, path)
        assert code == 2 and "both" in out + err
        no_traceback(out, err)


def test_a_number_beyond_a_double_is_refused_never_written_as_infinity(tmp_path):
    text = json.dumps(package([release(awards=[{"id": "1", "value": {"amount": 1, "currency": "MXN"}}])]))
    path = tmp_path / "big.json"
    path.write_text(text.replace('"amount": 1', '"amount": 1e400'), encoding="utf-8")
    out = tmp_path / "records.json"
    code, stdout, err = cdmx("merge", path, "-o", out)
    assert code == 2 and "range of a double" in err
    assert not out.exists()
    code, stdout, err = cdmx("validate", "--format", "json", path)
    assert code == 2 and "Infinity" not in stdout
    json.loads(stdout)
    # Whole numbers of any size are exact in JSON and in Python: kept as they are.
    path.write_text(text.replace('"amount": 1', '"amount": 1' + "0" * 400), encoding="utf-8")
    code, stdout, err = cdmx("merge", path, "-o", out)
    assert code == 0, err
    assert "1" + "0" * 400 in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["title", "key"])
def test_a_lone_surrogate_is_a_message(tmp_path, where):
    text = json.dumps(package([release(tender={"id": "t", "title": "TITLE"})]))
    bad = text.replace("TITLE", "a\\ud800b") if where == "title" else text.replace('"title"', '"\\udfff"')
    path = tmp_path / "surrogate.json"
    path.write_text(bad, encoding="utf-8")
    for command in (["validate"], ["merge", "-o", tmp_path / "out.json"], ["validate", "--format", "json"]):
        code, out, err = cdmx(*command, path)
        assert code == 2 and "surrogate" in out + err, (command, out, err)
        no_traceback(out, err)
    # A pair is one character, and welcome.
    path.write_text(text.replace("TITLE", "\\ud83d\\ude00"), encoding="utf-8")
    assert cdmx("merge", path, "-o", tmp_path / "out.json")[0] == 0
    assert "😀" in (tmp_path / "out.json").read_text(encoding="utf-8")


def test_deep_nesting_is_a_message_in_validate_and_merge(tmp_path):
    deep = "[" * 5000 + "]" * 5000
    text = json.dumps(package([release(tender={"id": "t", "deep": "DEEP"})])).replace('"DEEP"', deep)
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    for command in (["validate"], ["merge", "-o", tmp_path / "out.json"]):
        code, out, err = cdmx(*command, path)
        assert code == 2 and "nest" in out + err, (command, out[-500:], err[-500:])
        no_traceback(out, err)


# --- Damaged and hostile files: a message, bounded memory ------------------------------------------


def flip_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def test_a_bit_flipped_gzip_is_a_message(tmp_path):
    data = gzip.compress(SAMPLE.read_bytes())
    path = tmp_path / "releases.json.gz"
    path.write_bytes(flip_byte(data, len(data) // 2))
    for command in (["validate"], ["merge", "-o", tmp_path / "out.json"]):
        code, out, err = cdmx(*command, path)
        assert code == 2 and "releases.json.gz" in out + err, (out, err)
        no_traceback(out, err)


def _member_offset(data: bytes, name: str) -> int:
    """Where the compressed bytes of a zip member start."""
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        info = z.getinfo(name)
    at = info.header_offset
    name_length = int.from_bytes(data[at + 26 : at + 28], "little")
    extra_length = int.from_bytes(data[at + 28 : at + 30], "little")
    return at + 30 + name_length + extra_length


def test_a_bit_flipped_xlsx_is_a_message(tmp_path):
    data = XLSX.read_bytes()
    with zipfile.ZipFile(XLSX) as z:
        sheet = next(i for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
    start = _member_offset(data, sheet.filename)
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(flip_byte(data, start + sheet.compress_size // 2))
    code, out, err = cdmx("convert", path, "-o", tmp_path / "out.json")
    assert code == 2 and "damaged" in err, err
    no_traceback(out, err)
    assert not (tmp_path / "out.json").exists()


def _with_part(source: Path, target: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info, z.read(info))
        out.writestr(name, data)
    return target


def _lie_about_size(path: Path, name: str, size: int) -> None:
    """Make the headers say that ``name`` inflates to ``size`` bytes."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    data[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    encoded = name.encode()
    central = data.rfind(b"PK\x01\x02" + bytes(data[info.header_offset + 4 : info.header_offset + 6]))
    while central >= 0:
        if data[central + 46 : central + 46 + len(encoded)] == encoded:
            data[central + 24 : central + 28] = size.to_bytes(4, "little")
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    path.write_bytes(bytes(data))


def ods_file(path: Path, content: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    return path


ODS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
)
ODS_TAIL = b"</office:spreadsheet></office:body></office:document-content>"


@pytest.mark.parametrize("kind", ["xlsx", "xlsm", "ods"])
def test_a_zip_bomb_is_refused_by_the_bytes_it_really_inflates_to(tmp_path, kind):
    zeros = b"\0" * (60 << 20)
    if kind == "ods":
        path = ods_file(tmp_path / "bomb.ods", ODS_HEAD + b"<!--" + zeros + b"-->" + ODS_TAIL)
    else:
        path = _with_part(XLSX, tmp_path / f"bomb.{kind}", "xl/media/zeros.bin", zeros)
    code, out, err = cdmx("convert", path, "-m", "transparencia-adjudicaciones", "-o", tmp_path / "out.json")
    assert code == 2 and "zip bombs" in err, err
    no_traceback(out, err)


def test_an_xlsx_that_lies_about_its_sizes_is_refused(tmp_path):
    path = _with_part(XLSX, tmp_path / "liar.xlsx", "xl/media/zeros.bin", b"\0" * (60 << 20))
    _lie_about_size(path, "xl/media/zeros.bin", 1000)
    code, _out, err = cdmx("convert", path, "-o", tmp_path / "out.json")
    assert code == 2 and ("zip bombs" in err or "damaged" in err), err
    assert not (tmp_path / "out.json").exists()


def test_entities_are_refused_anywhere_in_an_ods_part(tmp_path):
    table = b'<table:table table:name="Hoja1"><table:table-row><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row></table:table>'
    padding = b"<!--" + b"x" * 10_000 + b"-->"
    content = ODS_HEAD + padding + b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + table + ODS_TAIL
    path = ods_file(tmp_path / "entities.ods", content)
    code, _out, err = cdmx("convert", path, "-m", "transparencia-adjudicaciones", "-o", tmp_path / "out.json")
    assert code == 2 and "entities" in err, err


def test_blank_rows_of_an_ods_cost_nothing(tmp_path):
    from ocds_cdmx.io.workbook import Workbook

    row = b'<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    cells = b"<table:table-row><table:table-cell><text:p>last</text:p></table:table-cell></table:table-row>"
    content = ODS_HEAD + b'<table:table table:name="Hoja1">' + row + cells + b"</table:table>" + ODS_TAIL
    path = ods_file(tmp_path / "blank.ods", content)
    start = time.perf_counter()
    with Workbook(path) as book:
        rows = list(book.sheets()[0].rows())
    assert rows[-1] == (1048571, ["last"]) and len(rows) <= 2
    assert time.perf_counter() - start < 5


def test_a_csv_cell_of_any_length_is_read(tmp_path):
    from ocds_cdmx.io.workbook import Workbook

    long = "x" * 200_000
    path = tmp_path / "long.csv"
    path.write_text(f"a,b\n1,{long}\n", encoding="utf-8")
    with Workbook(path) as book:
        rows = list(book.sheets()[0].rows())
    assert rows[1] == (2, ["1", long])
    code, _out, err = cdmx("convert", path, "-m", "transparencia-adjudicaciones", "-o", tmp_path / "out.json")
    assert code == 2 and "Traceback" not in err and "field larger" not in err


def test_unknown_and_non_text_encodings_are_a_message(tmp_path):
    for encoding in ("rot13", "base64", "no-such-encoding"):
        code, out, err = cdmx("validate", "--encoding", encoding, SAMPLE)
        assert code == 2 and encoding in out, (encoding, out)
        no_traceback(out, err)
        code, out, err = cdmx("merge", "--encoding", encoding, SAMPLE, "-o", tmp_path / "out.json")
        assert code == 2
        no_traceback(out, err)
    csv_path = tmp_path / "data.csv"
    csv_path.write_text("a,b\n1,2\n", encoding="utf-8")
    code, out, err = cdmx("convert", csv_path, "--encoding", "rot13", "-m", "transparencia-adjudicaciones")
    assert code == 2
    no_traceback(out, err)


def test_a_fifo_as_input_is_read(tmp_path):
    fifo = tmp_path / "input.json"
    os.mkfifo(fifo)
    data = SAMPLE.read_bytes()

    def feed():
        with open(fifo, "wb") as f:
            f.write(data)

    import threading

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        code, _out, err = cdmx("merge", fifo, "-o", tmp_path / "records.json")
    finally:
        # A reader that gave up early would leave the writer blocked: open the FIFO once more to free it.
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        thread.join(timeout=30)
    assert code == 0, err
    assert json.loads((tmp_path / "records.json").read_text(encoding="utf-8"))["records"]


def run_cdmx(*args: str, stdin=None, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """The installed command in a child process, as cron runs it."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    args = (*args, *AGENCY) if args and args[0] == "convert" else args
    code = "import sys; from ocds_cdmx.cli import main; sys.argv[0] = 'cdmx'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], stdin=stdin, env=environment, capture_output=True, **kwargs
    )


def test_a_pipe_as_dev_stdin_is_read(tmp_path):
    with open(SAMPLE, "rb") as data:
        pipe = subprocess.Popen(["cat"], stdin=data, stdout=subprocess.PIPE)
        try:
            done = run_cdmx("merge", "/dev/stdin", "-o", tmp_path / "records.json", stdin=pipe.stdout, timeout=120)
        finally:
            pipe.stdout.close()  # a reader that gave up must not leave cat blocked
            pipe.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr


def test_standard_input_is_spooled_with_a_bound(tmp_path):
    done = run_cdmx(
        "merge", "-", "-o", tmp_path / "r.json", input=SAMPLE.read_bytes(), env={"CDMX_MAX_STDIN": "1000"}, timeout=120
    )
    assert done.returncode == 2 and b"CDMX_MAX_STDIN" in done.stderr, done.stderr
    assert not (tmp_path / "r.json").exists()


# --- Mappings and statistics -------------------------------------------------------------------------

MAPPING = ROOT / "ocds_cdmx" / "conversion" / "mappings" / "transparencia-adjudicaciones.yaml"

LAUGHS = "lol0: &l0 [lol]\n" + "".join(f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 10))


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(LAUGHS, id="billion-laughs"),
        pytest.param("loop: &loop [*loop]\n", id="recursive-alias"),
        pytest.param("big: " + "9" * 100_001 + "\n", id="huge-integer"),
        pytest.param("deep: " + "[" * 200 + "]" * 200 + "\n", id="deep"),
    ],
)
def test_a_hostile_yaml_mapping_is_refused_quickly(tmp_path, extra):
    path = tmp_path / "hostile.yaml"
    path.write_text(MAPPING.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    start = time.perf_counter()
    code, out, err = cdmx("mappings", "check", path)
    assert code in (1, 2) and "hostile.yaml" in out + err, (out, err)
    no_traceback(out, err)
    code, out, err = cdmx("convert", XLSX, "-m", path, "-o", tmp_path / "out.json")
    assert code == 2 and "hostile.yaml" in err, err
    no_traceback(out, err)
    assert time.perf_counter() - start < 20


@pytest.mark.parametrize(
    "fields",
    [
        {"awards": -1},
        {"awards": [{"id": "1", "suppliers": 3, "value": {"amount": "x", "currency": 5}}]},
        {"contracts": "x", "tag": 3, "buyer": [], "tender": 1, "date": 5},
        {"awards": [{"id": "1", "value": {"amount": 10**400, "currency": "MXN"}}]},
        {"awards": [{"id": str(i), "value": {"amount": 1.7e308, "currency": "MXN"}} for i in range(3)]},
    ],
)
def test_statistics_of_wrong_types_never_crash_and_stay_json(tmp_path, fields):
    path = write_json(tmp_path / "odd.json", package([release(**fields)]))
    code, out, err = cdmx("validate", path)
    assert code == 1, out
    no_traceback(out, err)
    code, out, err = cdmx("validate", "--format", "json", path)
    assert code == 1 and "Infinity" not in out
    json.loads(out)


# --- Streams, signals, other runs: what cron and the shell do --------------------------------------

SEFIN = sorted((REAL / "cdmx" / "sefin-2015-data").glob("*.json"))[:3]


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONIOENCODING": "cp1252"},
        {"PYTHONIOENCODING": "ascii"},
        {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
    ],
    ids=["cp1252", "ascii", "C-locale"],
)
def test_reports_are_encodable_in_any_locale(tmp_path, env):
    done = run_cdmx("validate", "--lang", "es", *SEFIN, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr and b"Internal error" not in done.stderr
    assert b"->" in done.stdout  # the advice arrow, spelt as the stream can
    # Data on standard output is JSON, so UTF-8, whatever the locale; the report beside it is readable.
    done = run_cdmx("merge", "--lang", "en", *SEFIN, env=env, timeout=120)
    assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr
    assert json.loads(done.stdout.decode("utf-8"))["records"]
    done = run_cdmx("validate", "--format", "json", *SEFIN, env=env, timeout=120)
    assert json.loads(done.stdout.decode("utf-8"))["exit_code"] == 1


def many_releases(path: Path, count: int = 3000) -> Path:
    """Releases whose every date is wrong: a report of thousands of lines, a package of a megabyte."""
    releases = [
        {**release(f"ocds-87sd3t-{i:05d}", "1", tender={"id": "t", "title": "obra " * 20}), "date": f"ayer {i}"}
        for i in range(count)
    ]
    return write_json(path, package(releases))


def test_a_broken_pipe_ends_quietly_with_exit_2(tmp_path):
    big = many_releases(tmp_path / "big.json")
    code = "import sys; from ocds_cdmx.cli import main; sys.argv[0] = 'cdmx'; main()"
    for args in (["merge", big, "--report", "none"], ["validate", "--format", "json", "--max-locations", "0", big]):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        child = subprocess.Popen(
            [sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        child.stdout.read(10)  # what `| head -c 10` reads
        child.stdout.close()
        err = child.stderr.read()
        assert child.wait(timeout=120) == 2, err
        assert b"Traceback" not in err and b"Exception ignored" not in err, err


def test_a_closed_standard_output_is_a_message(tmp_path):
    done = run_cdmx("merge", SAMPLE, "--report", "text", stdout=None, preexec_fn=lambda: os.close(1), timeout=120)
    assert done.returncode == 2
    assert b"closed" in done.stderr and b"Traceback" not in done.stderr


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _started_merge(tmp_path: Path, tmpdir: Path, out: Path) -> subprocess.Popen:
    """A merge reading a standard input that does not end yet: it is somewhere inside its run."""
    code = "import sys; from ocds_cdmx.cli import main; sys.argv[0] = 'cdmx'; main()"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir)}
    child = subprocess.Popen(
        [sys.executable, "-c", code, "merge", "-", "-o", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    child.stdin.write(SAMPLE.read_bytes()[:1000])
    child.stdin.flush()
    _wait_for(lambda: any(tmpdir.glob("cdmx-stdin-*/stdin.json")))
    return child


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_remove_temporary_files(tmp_path, sig):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "records.json"
    out.write_text("previous", encoding="utf-8")
    child = _started_merge(tmp_path, tmpdir, out)
    child.send_signal(sig)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 2, err
    assert b"Traceback" not in err and b"Interrupted" in err
    assert list(tmpdir.iterdir()) == []
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.json", "tmp"]


def test_what_sigkill_leaves_is_removed_by_the_next_run(tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "records.json"
    child = _started_merge(tmp_path, tmpdir, out)
    child.kill()
    child.communicate(timeout=60)
    assert any(tmpdir.glob("cdmx-*"))
    # A temporary output beside the target, as a run killed while writing leaves it.
    stale = tmp_path / ".records.json.cdmx-abc123.tmp"
    stale.write_text("half", encoding="utf-8")
    # A live run's files are left alone: this process holds their locks.
    import fcntl

    live_dir = tmpdir / "cdmx-merge-live"
    live_dir.mkdir()
    live_lock = open(live_dir / ".cdmx-lock", "w")  # noqa: SIM115
    fcntl.flock(live_lock, fcntl.LOCK_EX)
    live_tmp = open(tmp_path / ".records.json.cdmx-live.tmp", "w")  # noqa: SIM115
    fcntl.flock(live_tmp, fcntl.LOCK_EX)
    try:
        done = run_cdmx("merge", SAMPLE, "-o", out, env={"TMPDIR": str(tmpdir)}, timeout=120)
        assert done.returncode == 0, done.stderr
        assert [p.name for p in tmpdir.iterdir()] == ["cdmx-merge-live"]
        assert not stale.exists() and (tmp_path / ".records.json.cdmx-live.tmp").exists()
    finally:
        live_lock.close()
        live_tmp.close()


def test_workers_do_not_outlive_the_main_process(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(
        "import os, sys, time\n"
        "from ocds_cdmx.io.workers import WorkerPool\n"
        "pool = WorkerPool(2)\n"
        "results = [pool.submit(time.sleep, 120) for _ in range(2)]\n"
        "time.sleep(1)\n"
        "import multiprocessing\n"
        "print(' '.join(str(p.pid) for p in multiprocessing.active_children()), flush=True)\n"
        "time.sleep(120)\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env)
    pids = [int(p) for p in child.stdout.readline().split()]
    assert pids
    child.kill()
    child.wait(timeout=30)

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie waits for its parent (this test's process adopted it only if it is the subreaper).
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"

    _wait_for(lambda: all(gone(pid) for pid in pids), seconds=10)


def test_two_overlapping_updates_lose_no_night(tmp_path):
    from ocds_cdmx.publishing.locks import FileLock

    records = tmp_path / "records.json"
    assert cdmx("merge", SAMPLE, "-o", records)[0] == 0
    tonight = write_json(tmp_path / "tonight.json", package([release("ocds-87sd3t-new", "n1")]))
    lock = FileLock(tmp_path / ".records.json.lock")
    lock.acquire()
    code = "import sys; from ocds_cdmx.cli import main; sys.argv[0] = 'cdmx'; main()"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", code, "merge", "--update", str(records), str(tonight), "-o", str(records)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip

    def waiting() -> bool:
        # The kernel lists a process blocked on a lock with "->" before its entry.
        blocked = [line for line in Path("/proc/locks").read_text().splitlines() if "->" in line]
        return any(line.split()[5] == str(child.pid) for line in blocked if len(line.split()) > 5)

    try:
        _wait_for(lambda: waiting() or child.poll() is not None, seconds=60)
        assert child.poll() is None, child.communicate()  # it waits for the run that holds the output
    finally:
        lock.release()
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    ocids = {r["ocid"] for r in json.loads(records.read_text(encoding="utf-8"))["records"]}
    assert "ocds-87sd3t-new" in ocids and len(ocids) == 3


@pytest.mark.skipif(not (IS_ROOT and shutil.which("unshare")), reason="needs a mount namespace")
def test_a_read_only_dev_shm_with_jobs_works_in_one_process(tmp_path):
    script = (
        "mount -t tmpfs -o ro tmpfs /dev/shm || exit 77; "
        f'exec "{sys.executable}" -c "import sys; from ocds_cdmx.cli import main; sys.argv[0] = \'cdmx\'; main()" "$@"'
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["validate", "--jobs", "2", *SEFIN], ["merge", "--jobs", "2", *SEFIN, "-o", tmp_path / "r.json"]):
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", script, "sh", *map(str, args)], env=env, capture_output=True, timeout=120
        )
        if done.returncode == 77:
            pytest.skip("cannot mount in this container")
        assert done.returncode == 1, done.stderr
        assert b"Traceback" not in done.stderr


# --- Memory: concatenated packages -------------------------------------------------------------------


def test_concatenated_packages_are_read_in_one_pass_with_memory_of_one_package(tmp_path, monkeypatch):
    import tracemalloc

    from ocds_cdmx.io import jsonin

    # The README's `cat *.json | cdmx merge -`: 16 packages of about 1 MB, their version after the releases.
    path = tmp_path / "nights.json"
    with path.open("w", encoding="utf-8") as f:
        for night in range(16):
            releases = [release(f"ocds-87sd3t-{night}-{i}", "1", tender={"title": "x" * 900}) for i in range(1000)]
            f.write(json.dumps({"uri": f"urn:{night}", "releases": releases, "version": "1.1"}) + "\n")
    size = path.stat().st_size
    read = []
    real_open = jsonin.open_text

    class Counting:
        def __init__(self, text):
            self.text = text

        def read(self, n):
            chunk = self.text.read(n)
            read.append(len(chunk))
            return chunk

    def counting_open(*args, **kwargs):
        manager = real_open(*args, **kwargs)

        class Wrapper:
            def __enter__(self):
                return Counting(manager.__enter__())

            def __exit__(self, *exc):
                return manager.__exit__(*exc)

        return Wrapper()

    monkeypatch.setattr(jsonin, "open_text", counting_open)
    tracemalloc.start()
    try:
        versions = []
        for doc in jsonin.iter_documents(str(path)):
            versions.append(doc.metadata.get("version"))
            for _ in doc.items:
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert versions == ["1.1"] * 16
    assert sum(read) <= 2 * size + (4 << 20)  # each cursor reads the stream once
    assert peak < 10 << 20, peak  # a few chunks of a megabyte, not the 16 MB stream


def test_blank_rows_of_an_xlsx_cost_nothing(tmp_path):
    # The agency's workbook with one more value on the sheet's last row (1,048,576): calamine alone
    # would hold a grid of a million rows (850 MB, 9 s).
    with zipfile.ZipFile(XLSX) as z:
        sheet = next(i.filename for i in z.infolist() if i.filename.startswith("xl/worksheets/sheet"))
        xml = z.read(sheet)
    last = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>fin</t></is></c></row>'
    with zipfile.ZipFile(XLSX) as z, zipfile.ZipFile(tmp_path / "padded.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            out.writestr(
                info, data.replace(b"</sheetData>", last + b"</sheetData>") if info.filename == sheet else data
            )
    padded = tmp_path / "padded.xlsx"
    assert xml.count(b"<row ") < 1000
    script = (
        "import re, sys\n"
        "from ocds_cdmx.io.workbook import Workbook\n"
        "with Workbook(sys.argv[1]) as book:\n"
        "    rows = [list(s.rows()) for s in book.sheets()]\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, from the (large) test process.
        "peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
        "print(rows[0][-1][0], rows[0][-1][1][0], peak)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, padded], capture_output=True, env=env, timeout=120)
    seconds = time.perf_counter() - start
    number, value, kilobytes = done.stdout.split()
    assert (int(number), value) == (1048576, b"fin"), done.stderr
    assert int(kilobytes) < 300 << 10 and seconds < 8
    # The rows before it are read as they were.
    from ocds_cdmx.io.workbook import Workbook

    with Workbook(XLSX) as book:
        before = list(book.sheets()[0].rows())
    with Workbook(padded) as book:
        after = list(book.sheets()[0].rows())
    assert [r for r in after if r[0] < 1048576] == [r for r in before if any(v is not None for v in r[1])]


def test_another_runs_cleaner_never_removes_a_file_or_folder_in_use(tmp_path, monkeypatch):
    """Two runs on one machine (two agencies publishing from one server): the cleaner of stale leftovers
    that each run starts with may come between the making of a scratch folder or a temporary output and
    its lock. It must pass over them, never remove them from under the run."""
    from ocds_cdmx.io import output, tempfiles

    real = output.try_lock

    def cleaner_first(fd: int) -> bool:
        # Another run cleans up just before this one takes its lock.
        tempfiles.remove_stale_scratch(tmp_path)
        output.remove_stale(tmp_path, f".*.{output.TMP_MARK}*.tmp")
        return real(fd)

    monkeypatch.setattr(tempfiles, "try_lock", cleaner_first)
    monkeypatch.setattr(output, "try_lock", cleaner_first)
    with tempfiles.scratch_dir("convert", tmp_path) as folder:
        assert os.path.isdir(folder)
        monkeypatch.setattr(tempfiles, "try_lock", real)
        tempfiles.remove_stale_scratch(tmp_path)  # held: still there
        assert os.path.isdir(folder)
    with output.AtomicFile(tmp_path / "records.json") as out:
        out.file.write("{}")
        assert os.path.exists(out.tmp)
        out.commit()
    assert (tmp_path / "records.json").read_text(encoding="utf-8") == "{}"
