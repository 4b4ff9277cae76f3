"""Time `cdmx validate` and libcoveocds (the OCDS Data Review Tool) on the same generated packages.

Both run offline on the same OCDS 1.1.5 schema (libcoveocds through --standard-zip), each in its own
process, measured for wall time and peak memory (of the whole process tree). Prints the ratio.

    pip install -e .[bench]
    python benchmarks/validate.py --sizes 10000 50000 --schema-dir ../shared/ocds
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import write_package
from measure import run


def standard_zip(schema_dir: Path, target: Path) -> Path:
    """A zip laid out as libcoveocds' --standard-zip expects: <top>/schema/…"""
    with zipfile.ZipFile(target, "w") as z:
        z.writestr("standard-1__1__5/", "")
        for path in sorted((schema_dir / "1__1__5").rglob("*")):
            name = "standard-1__1__5/schema/" + str(path.relative_to(schema_dir / "1__1__5"))
            z.write(path, name + ("/" if path.is_dir() else ""))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--schema-dir", default=os.environ.get("CDMX_SCHEMA_DIR", "../shared/ocds"))
    parser.add_argument("--reference-max", type=int, default=50000, help="largest size to run libcoveocds on")
    args = parser.parse_args()
    schema_dir = Path(args.schema_dir).resolve()
    env = {**os.environ, "CDMX_SCHEMA_DIR": str(schema_dir), "CDMX_OFFLINE": "1"}
    cdmx = shutil.which("cdmx") or sys.exit("cdmx is not installed: pip install -e .[bench]")
    libcove = shutil.which("libcoveocds")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        zipped = standard_zip(schema_dir, tmp / "standard.zip")
        print(
            f"{'releases':>9} {'MB':>6} {'cdmx s':>8} {'cdmx MB':>8} {'libcove s':>10} {'libcove MB':>10} {'ratio':>6}"
        )
        for size in args.sizes:
            data = tmp / f"releases-{size}.json"
            write_package(size, str(data))
            megabytes = data.stat().st_size / 1e6
            ours = run([cdmx, "validate", "--format", "json", "--no-statistics", str(data)], env)
            line = f"{size:>9} {megabytes:>6.0f} {ours[0]:>8.2f} {ours[1]:>8.0f}"
            if libcove and size <= args.reference_max:
                ref = run([libcove, "--standard-zip", str(zipped), str(data)], env)
                line += f" {ref[0]:>10.2f} {ref[1]:>10.0f} {ref[0] / ours[0]:>6.1f}"
            else:
                line += f" {'-':>10} {'-':>10} {'-':>6}"
            print(line, flush=True)
            data.unlink()


if __name__ == "__main__":
    main()
