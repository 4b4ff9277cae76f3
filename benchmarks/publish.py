"""Time `cdmx publish` on two nights of several agencies, against the naive way, in the same run.

Each agency files a format-43335 workbook (upload template, three quotes a row) of ``--rows`` rows and
has its own mapping (``extends: transparencia-adjudicaciones`` with its key in the OCID). Then:

1. first night: ``cdmx publish`` on every agency (SQLite store);
2. ``--changed`` of the rows (1 %, spread over every agency) get a new contract amount;
3. second night, ours: ``cdmx publish`` again: it converts every file, but publishes, merges and writes
   only what changed (unchanged record files are hard links to the previous build's: counted here);
4. second night, the naive way: ``cdmx convert`` every workbook (with its validation), then ``cdmx
   merge --versioned`` every night's packages from scratch into records.

Prints wall time and the peak memory of each command's whole process tree, and the ratio.

    pip install -e .[bench]
    python benchmarks/publish.py --agencies 6 --rows 20000 --schema-dir ../shared/ocds
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples"))
from make_samples import COLUMNS, COTIZACIONES, rows_43335
from measure import run

NIGHTS = ("2024-10-16T02:00:00-06:00", "2024-10-17T02:00:00-06:00")
AMOUNT = 20  # "Monto total del contrato con impuestos incluidos" in COLUMNS


def write_workbook(path: Path, agency: str, rows: int, changed: set[int]) -> None:
    """``rows`` rows of format 43335 for one agency, three quotes each; rows in ``changed`` get another amount."""
    template, quotes, _, _ = rows_43335()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Reporte de Formatos")
    for line in (["43335"], [], [], [c for _, c, _ in COLUMNS], [f for f, _, _ in COLUMNS], ["Tabla Campos"],
                 [label for _, _, label in COLUMNS]):  # fmt: skip
        sheet.append(line)
    table = book.create_sheet("Tabla_334271")
    table.append([])
    table.append([])
    table.append(COTIZACIONES)
    for n in range(rows):
        row = list(template[n % len(template)])
        row[5] = f"{agency}/DGRMSG/AD-{n:06d}/2024"
        row[9] = str(n + 1)
        row[17] = f"CS-{n:06d}-2024"
        row[34] = row[36] = ""
        if n in changed:
            row[AMOUNT] = 1234567.89 + n
        sheet.append(row)
        for quote in quotes[:3]:
            table.append([str(n + 1), *quote[1:]])
    book.save(path)


def write_setup(folder: Path, agencies: list[str], rows: int, changed: int) -> Path:
    (folder / "mappings").mkdir()
    lines = [
        "publisher: {name: Gobierno de la Ciudad de México, scheme: MX-RFC, uid: GDF9712054NA}",
        "license: https://datos.cdmx.gob.mx/licencia",
        "base_url: https://datos.cdmx.gob.mx/ocds/",
        "ocid_prefix: ocds-87sd3t",
        "output: publicacion",
        "store: publicacion.sqlite",
        "agencies:",
    ]
    for key in agencies:
        (folder / "mappings" / f"{key}.yaml").write_text(
            f"extends: transparencia-adjudicaciones\nagency:\n  key: {key}\n  name: Agencia {key}\n"
            f'ocid:\n  prefix: ocds-87sd3t\n  template: "{{agency}}-{{expediente}}"\n',
            encoding="utf-8",
        )
        lines.append(f"  - {{key: {key}, name: Agencia {key}, mapping: mappings/{key}.yaml, files: [{key}.xlsx]}}")
    (folder / "publicacion.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "publicacion.yaml"


def inodes(build: Path) -> dict[str, int]:
    return {str(p.relative_to(build)): p.stat().st_ino for p in (build / "records").iterdir()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=6)
    parser.add_argument("--rows", type=int, default=20000, help="rows per agency")
    parser.add_argument("--changed", type=float, default=0.01, help="share of rows changed on the second night")
    parser.add_argument("--schema-dir", default=os.environ.get("CDMX_SCHEMA_DIR", "../shared/ocds"))
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    schema_dir = Path(args.schema_dir).resolve()
    env = {**os.environ, "CDMX_SCHEMA_DIR": str(schema_dir), "CDMX_OFFLINE": "1"}
    cdmx = shutil.which("cdmx") or sys.exit("cdmx is not installed: pip install -e .[bench]")
    keys = [f"AG{i + 1}" for i in range(args.agencies)]
    step = max(1, round(1 / args.changed)) if args.changed else 0
    changed = set(range(0, args.rows, step)) if step else set()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = write_setup(tmp, keys, args.rows, len(changed))
        for key in keys:
            write_workbook(tmp / f"{key}.xlsx", key, args.rows, set())
        total = args.rows * len(keys)
        print(
            f"{len(keys)} agencies × {args.rows} rows = {total} processes; second night: {len(changed) * len(keys)} changed"
        )
        first = run([cdmx, "publish", str(config), "--night", NIGHTS[0], "--report", "none"], env)
        print(f"night 1, cdmx publish: {first[0]:.1f} s, {first[1]:.0f} MB, exit {first[2]}", flush=True)
        build1 = (tmp / "publicacion").resolve()
        before = inodes(build1)
        # The naive way's first night: every workbook converted (not timed: it is the second night that is
        # compared; so not validated either, which gives the same package in half the time).
        naive = tmp / "naive"
        naive.mkdir()
        if not args.skip_naive:
            for key in keys:
                run([cdmx, "convert", str(tmp / f"{key}.xlsx"), "-m", str(tmp / "mappings" / f"{key}.yaml"),
                     "-o", str(naive / f"{key}-1.json"), "--published-date", NIGHTS[0], "--report", "none",
                     "--no-validate"], env)  # fmt: skip
        for key in keys:
            write_workbook(tmp / f"{key}.xlsx", key, args.rows, changed)
        second = run([cdmx, "publish", str(config), "--night", NIGHTS[1], "--report", "none"], env)
        build2 = (tmp / "publicacion").resolve()
        after = inodes(build2)
        rewritten = sum(1 for name, inode in after.items() if before.get(name) != inode)
        manifest = json.loads((build2 / "manifest.json").read_text(encoding="utf-8"))
        updated = sum(a["last_publication"]["updated"] for a in manifest["agencies"].values())
        print(f"night 2, cdmx publish: {second[0]:.1f} s, {second[1]:.0f} MB, exit {second[2]}; "
              f"processes updated: {updated}; record files rewritten: {rewritten} of {len(after)}", flush=True)  # fmt: skip
        if args.skip_naive:
            return
        # The naive second night: convert everything, then merge every night's packages from scratch.
        import time

        start = time.perf_counter()
        peak = 0.0
        for key in keys:
            done = run([cdmx, "convert", str(tmp / f"{key}.xlsx"), "-m", str(tmp / "mappings" / f"{key}.yaml"),
                        "-o", str(naive / f"{key}-2.json"), "--published-date", NIGHTS[1], "--report", "none"], env)  # fmt: skip
            peak = max(peak, done[1])
        merged = run([cdmx, "merge", str(naive), "--versioned", "-o", str(tmp / "naive-records.json"),
                      "--report", "none"], env)  # fmt: skip
        peak = max(peak, merged[1])
        elapsed = time.perf_counter() - start
        print(f"night 2, naive (convert {len(keys)} workbooks + merge every night): {elapsed:.1f} s "
              f"(merge {merged[0]:.1f} s), {peak:.0f} MB; ratio {elapsed / second[0]:.1f}×", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
