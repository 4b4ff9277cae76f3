"""Time `cdmx validate` and libcoveocds (the OCDS Data Review Tool) on the same generated packages.

Both run offline on the same OCDS 1.1.5 schema (libcoveocds through --standard-zip), each in its own
process, measured for wall time and peak memory (of the whole process tree), ``--repeat`` times each
(the machine is shared: the median and the range of the runs are printed, and the ratio of the
medians). ``cdmx validate`` runs every check, the quality checks included. Each size is measured on a
clean package and, with ``--broken``, on a package "full of errors": one release in ten broken, in
turn in each way of ``generate.BREAKAGES``.

    pip install -e .[bench]
    python benchmarks/validate.py --sizes 10000 50000 --reference-max 10000 --repeat 3 --broken
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
from measure import repeated, spread


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
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool on each package")
    parser.add_argument("--broken", action="store_true", help="also a package with one release in ten broken")
    args = parser.parse_args()
    schema_dir = Path(args.schema_dir).resolve()
    env = {**os.environ, "CDMX_SCHEMA_DIR": str(schema_dir), "CDMX_OFFLINE": "1"}
    cdmx = shutil.which("cdmx") or sys.exit("cdmx is not installed: pip install -e .[bench]")
    libcove = shutil.which("libcoveocds")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        zipped = standard_zip(schema_dir, tmp / "standard.zip")
        print(f"{'releases':>9} {'package':>8} {'MB':>5} {'cdmx':>22} {'cdmx MB':>8} {'libcoveocds':>24} "
              f"{'libcove MB':>10} {'ratio':>6} {'exit':>5}")  # fmt: skip
        for size in args.sizes:
            for kind in ("clean", "broken") if args.broken else ("clean",):
                data = tmp / f"releases-{size}-{kind}.json"
                write_package(size, str(data), broken_every=10 if kind == "broken" else 0)
                megabytes = data.stat().st_size / 1e6
                ours = repeated([cdmx, "validate", "--format", "json", "--no-statistics", str(data)], env, args.repeat)
                line = f"{size:>9} {kind:>8} {megabytes:>5.0f} {spread(ours):>22} {ours['peak']:>8.0f}"
                if libcove and size <= args.reference_max:
                    ref = repeated([libcove, "--standard-zip", str(zipped), str(data)], env, args.repeat)
                    ratio = ref["median"] / ours["median"]
                    line += f" {spread(ref):>24} {ref['peak']:>10.0f} {ratio:>6.1f}"
                else:
                    line += f" {'-':>24} {'-':>10} {'-':>6}"
                print(line + f" {','.join(map(str, ours['codes'])):>5}", flush=True)
                data.unlink()


if __name__ == "__main__":
    main()
