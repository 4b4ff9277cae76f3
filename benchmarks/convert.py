"""Time `cdmx convert` on a large transparency workbook, and against flattentool on an OCDS-path one.

In one run:
1. builds a format-43335 upload-template workbook (sheet "Reporte de Formatos" plus its Tabla_334271
   quotes) of ``--rows`` rows and converts it with ``mappings/transparencia-adjudicaciones.yaml``;
2. flattens ``--flatten`` of the resulting releases into an OCDS-path workbook with
   ``flattentool flatten``, and converts that same workbook with ``cdmx convert -m ocds-template`` and
   with ``flattentool unflatten``, comparing their releases.
Prints rows/s, releases/s, the peak memory of each tool's process tree and the ratio to flattentool.

    pip install -e .[bench]
    python benchmarks/convert.py --rows 100000 --flatten 10000 --schema-dir ../shared/ocds
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

from ocds_cdmx.io.jsonin import iter_documents

PUBLISHED = "2024-10-16T00:00:00-06:00"


def write_transparency_workbook(path: Path, rows: int) -> None:
    """``rows`` rows of format 43335 (the samples' rows, renumbered), with three quotes each."""
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
        row[5] = f"SAF/DGRMSG/AD-{n:06d}/2024"  # expediente: one process per row
        row[9] = str(n + 1)  # its quotes
        row[17] = f"CS-{n:06d}-2024"
        row[34] = row[36] = ""  # no works data, no amendments
        sheet.append(row)
        for quote in quotes[:3]:
            table.append([str(n + 1), *quote[1:]])
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--flatten", type=int, default=10000, help="releases flattened for the flattentool comparison")
    parser.add_argument("--schema-dir", default=os.environ.get("CDMX_SCHEMA_DIR", "../shared/ocds"))
    args = parser.parse_args()
    schema_dir = Path(args.schema_dir).resolve()
    schema = schema_dir / "1__1__5" / "release-schema.json"
    env = {**os.environ, "CDMX_SCHEMA_DIR": str(schema_dir), "CDMX_OFFLINE": "1"}
    cdmx = shutil.which("cdmx") or sys.exit("cdmx is not installed: pip install -e .[bench]")
    flattentool = shutil.which("flatten-tool") or sys.exit("flattentool is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        workbook = tmp / "A121Fr30B.xlsx"
        write_transparency_workbook(workbook, args.rows)
        converted = tmp / "converted.json"
        ours = run([cdmx, "convert", str(workbook), "-m", "transparencia-adjudicaciones", "--agency",
                    "Secretaría de Administración y Finanzas", "--agency-key", "SAF", "-o", str(converted),
                    "--published-date", PUBLISHED, "--report", "none"], env)  # fmt: skip
        # Read the output one release at a time: loading it whole would make this process big, and a
        # big parent skews the memory measured of the commands it starts.
        total, kept = 0, []
        for doc in iter_documents(str(converted)):
            for _, _, release in doc.items:
                total += 1
                if len(kept) < args.flatten:
                    kept.append(release)
        print(f"transparency workbook: {args.rows} rows → {total} releases in {ours[0]:.1f} s "
              f"({args.rows / ours[0]:.0f} rows/s, {total / ours[0]:.0f} releases/s), peak {ours[1]:.0f} MB, "
              f"exit {ours[2]}")  # fmt: skip
        sample = tmp / "sample.json"
        sample.write_text(json.dumps({"releases": kept}, ensure_ascii=False), encoding="utf-8")
        del kept
        flat = tmp / "flattened.xlsx"
        done = run([flattentool, "flatten", "-f", "xlsx", "-s", str(schema), "--root-list-path", "releases",
                    "--root-id", "ocid", "-o", str(flat), str(sample)], env)  # fmt: skip
        if done[2] != 0:
            sys.exit("flattentool flatten failed")
        ours_out, ref_out = tmp / "cdmx.json", tmp / "flattentool.json"
        ours = run([cdmx, "convert", str(flat), "-m", "ocds-template", "-o", str(ours_out), "--report", "none",
                    "--no-validate", "--published-date", PUBLISHED], env)  # fmt: skip
        ref = run([flattentool, "unflatten", "-f", "xlsx", "-s", str(schema), "--root-list-path", "releases",
                   "--root-id", "ocid", "-o", str(ref_out), str(flat)], env)  # fmt: skip
        same = (
            json.loads(ours_out.read_text(encoding="utf-8"))["releases"]
            == json.loads(ref_out.read_text(encoding="utf-8"))["releases"]
        )
        count = args.flatten
        print(f"OCDS-path workbook of {count} releases: cdmx {ours[0]:.2f} s ({count / ours[0]:.0f} releases/s, "
              f"{ours[1]:.0f} MB); flattentool unflatten {ref[0]:.2f} s ({count / ref[0]:.0f} releases/s, "
              f"{ref[1]:.0f} MB); ratio {ref[0] / ours[0]:.1f}; same releases: {'yes' if same else 'NO'}")  # fmt: skip


if __name__ == "__main__":
    main()
