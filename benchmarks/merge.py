"""Time `cdmx merge` and `ocdskit compile --package` on the same generated nightly packages.

Each size is written as several release packages (one per night), a process's cumulative releases
spread over the nights, about 8 KB a release. Both tools merge them into one record package, compiled
only and with versioned releases, offline with the same OCDS 1.1.5 release schema (and the same
package ``uri``: the reference's empty one); the outputs are
compared byte for byte. Prints wall time (the median and range of ``--repeat`` runs: the machine is
shared), the peak memory of each tool's whole process tree (workers included), and the ratio of the
medians.

    pip install -e .[bench]
    python benchmarks/merge.py --sizes 10000 100000 --repeat 3 --reference-repeat 1 --schema-dir ../shared/ocds
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import iter_releases
from measure import repeated, spread

PUBLISHED = "2024-06-30T00:00:00-06:00"


def write_nights(count: int, nights: int, folder: Path) -> list[Path]:
    """``count`` releases as ``nights`` release packages, written one release at a time."""
    paths = [folder / f"night-{n:02d}.json" for n in range(nights)]
    files = [p.open("w", encoding="utf-8") for p in paths]
    first = [True] * nights
    for n, f in enumerate(files):
        f.write(f'{{"uri":"https://datos.cdmx.gob.mx/ocds/night-{n:02d}.json","version":"1.1",')
        f.write(f'"publishedDate":"2024-01-{n + 1:02d}T00:00:00-06:00",')
        f.write('"publisher":{"name":"Gobierno de la Ciudad de México","scheme":"MX-RFC","uid":"GDF9712054NA"},')
        f.write('"releases":[')
    for i, release in enumerate(iter_releases(count)):
        n = i % nights
        files[n].write(("" if first[n] else ",") + json.dumps(release))
        first[n] = False
    for f in files:
        f.write("]}\n")
        f.close()
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--nights", type=int, default=10, help="release packages per size")
    parser.add_argument("--schema-dir", default=os.environ.get("CDMX_SCHEMA_DIR", "../shared/ocds"))
    parser.add_argument("--reference-max", type=int, default=100000, help="largest size to run ocdskit on")
    parser.add_argument("--jobs", type=int, default=None, help="cdmx merge --jobs (default: every CPU)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of cdmx merge for each size and mode")
    parser.add_argument("--reference-repeat", type=int, default=None, help="runs of ocdskit (default: --repeat)")
    args = parser.parse_args()
    schema_dir = Path(args.schema_dir).resolve()
    schema = schema_dir / "1__1__5" / "release-schema.json"
    env = {**os.environ, "CDMX_SCHEMA_DIR": str(schema_dir), "CDMX_OFFLINE": "1"}
    cdmx = shutil.which("cdmx") or sys.exit("cdmx is not installed: pip install -e .[bench]")
    ocdskit = shutil.which("ocdskit")
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    print(f"{'releases':>9} {'MB':>6} {'mode':>9} {'cdmx':>22} {'cdmx MB':>8} {'rel/s':>7}"
          f" {'ocdskit':>24} {'ocdskit MB':>10} {'ratio':>6} {'same':>5}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for size in args.sizes:
            folder = tmp / str(size)
            folder.mkdir()
            nights = write_nights(size, args.nights, folder)
            together = folder / "all.json"
            with together.open("wb") as out:
                for path in nights:
                    out.write(path.read_bytes())
            megabytes = together.stat().st_size / 1e6
            for mode, extra in (("compiled", []), ("versioned", ["--versioned"])):
                ours_out, ref_out = folder / f"cdmx-{mode}.json", folder / f"ocdskit-{mode}.json"
                ours = repeated(
                    [cdmx, "merge", *map(str, nights), "-o", str(ours_out), "--published-date", PUBLISHED,
                     "--uri", "", "--report", "none", *jobs, *extra],
                    env, args.repeat,
                )  # fmt: skip
                rate = size / ours["median"]
                line = f"{size:>9} {megabytes:>6.0f} {mode:>9} {spread(ours):>22} {ours['peak']:>8.0f} {rate:>7.0f}"
                if ocdskit and size <= args.reference_max:
                    cmd = [ocdskit, "compile", "--package", "--schema", str(schema),
                           "--published-date", PUBLISHED, *extra]  # fmt: skip
                    ref = repeated(cmd, env, args.reference_repeat or args.repeat, together, ref_out)
                    same = "yes" if filecmp.cmp(ours_out, ref_out, shallow=False) else "NO"
                    ratio = ref["median"] / ours["median"]
                    line += f" {spread(ref):>24} {ref['peak']:>10.0f} {ratio:>6.1f} {same:>5}"
                    ref_out.unlink()
                else:
                    line += f" {'-':>24} {'-':>10} {'-':>6} {'-':>5}"
                print(line, flush=True)
                ours_out.unlink()
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
