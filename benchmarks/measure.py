"""Run a command and measure its wall time and the peak memory of its whole process tree.

Worker processes count: the peak is the largest sum of the resident sets of the command and all its
descendants, sampled every 20 ms from /proc (Linux). Elsewhere, the peak of the command alone.
"""

from __future__ import annotations

import contextlib
import functools
import os
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import IO


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    """The resident memory of ``pid`` and its descendants, in MB."""
    tree = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss_kb(current)
        todo.extend(tree.get(current, []))
    return total / 1024


@functools.cache
def _compile_once() -> None:
    """Write the bytecode of the installed toolkit, as pip does when it installs a wheel."""
    import compileall

    import ocds_cdmx

    compileall.compile_dir(str(Path(ocds_cdmx.__file__).parent), quiet=1)


def run(
    cmd: list[str], env: dict | None = None, stdin: IO | None = None, stdout: IO | None = None
) -> tuple[float, float, int]:
    """Wall seconds, peak MB of the process tree, and exit code of ``cmd`` (output discarded unless
    ``stdout`` is given)."""
    # Commands run as installed ones do, from compiled bytecode: a machine that sets
    # PYTHONDONTWRITEBYTECODE (this one does) would have every run compile the toolkit's modules
    # again, which its users' installs never do.
    env = {k: v for k, v in (os.environ if env is None else env).items() if k != "PYTHONDONTWRITEBYTECODE"}
    _compile_once()
    start = time.perf_counter()
    out = stdout if stdout is not None else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=subprocess.DEVNULL, env=env)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if Path("/proc").exists():
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    if sampler.is_alive():
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    # Where /proc was sampled, trust the samples: a child's ru_maxrss counts the pages it shared with
    # this process between fork and exec, so a big benchmark process would inflate it.
    return elapsed, peak[0] if peak[0] else usage.ru_maxrss / 1024, proc.returncode


def repeated(
    cmd: list[str], env: dict | None, repeat: int, stdin_path: Path | None = None, stdout_path: Path | None = None
) -> dict:
    """``cmd`` run ``repeat`` times (the machine is shared: one run says little): median and spread of
    the wall time, median of the peak memory, and the exit codes."""
    times, peaks, codes = [], [], []
    for _ in range(repeat):
        with contextlib.ExitStack() as stack:
            stdin = stack.enter_context(stdin_path.open("rb")) if stdin_path else None
            stdout = stack.enter_context(stdout_path.open("wb")) if stdout_path else None
            elapsed, peak, code = run(cmd, env, stdin, stdout)
        times.append(elapsed)
        peaks.append(peak)
        codes.append(code)
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "peak": statistics.median(peaks),
        "codes": sorted(set(codes)),
        "times": times,
    }


def spread(result: dict) -> str:
    """``4.21 s (3.98–4.60)``: the median and the range of the runs."""
    if len(result["times"]) == 1:
        return f"{result['median']:.2f} s"
    return f"{result['median']:.2f} s ({result['min']:.2f}–{result['max']:.2f})"
