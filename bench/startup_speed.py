"""Start-up time: how long a user waits for `hwsim estimate` on a fresh install and afterwards.

    python bench/startup_speed.py [--repeats 3] [--base REV] [--mapping]
        -> reports/startup_speed.md

Each measurement is a fresh Python process started from the repository root with ``PYTHONPATH``
at the tree under test:

(a) first run: ``python -m hwsim estimate workloads/resnet50.yaml`` with ``NUMBA_CACHE_DIR`` set
    to a new, empty temporary directory, so every kernel the estimate needs is compiled;
(b) cached run: the same command again with the same cache directory (kernels loaded);
(c) import: ``python -c "import hwsim"``;
(d) with `--mapping`, first mapping search: one `hwsim.mapping.search` of one GEMM on one
    design with a new, empty ``NUMBA_CACHE_DIR`` (the mapping kernels compiled; they are not
    part of `estimate` yet, and take tens of seconds to compile, so the case is opt-in).

Each repeat uses a new empty cache directory; the report gives the median and the range of the
repeats in wall-clock seconds, and the median CPU seconds (user + system) of the process. On a
machine shared with other work the wall times stretch with the load (recorded before and after),
the CPU times much less. `--base REV` measures a git revision the same way, interleaved with the
working tree (a temporary git worktree, as bench/output_identity.py makes), for a before/after
under the same load.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, REPORTS, publish

ESTIMATE = ["-m", "hwsim", "estimate", "workloads/resnet50.yaml"]
IMPORT = ["-c", "import hwsim"]
MAPPING = ["-c", "import numpy as np; "
           "from hwsim.mapping import GemmProblem, MappingDesign, search; "
           "search([GemmProblem(128, 64, 256)], "
           "[MappingDesign(32, 32, 'ws', energy_pj_per_bit=np.ones((3, 3, 2)))])"]
CASES = ("first run", "cached run", "import hwsim", "first mapping search")


def timed(tree: Path, args: list[str], cache_dir: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``python ARGS`` run in `tree`; fails loudly on error."""
    env = {**os.environ, "PYTHONPATH": str(tree), "NUMBA_CACHE_DIR": cache_dir}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=tree, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def one_round(tree: Path, mapping: bool) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each case, with a new empty kernel cache (another one for the
    mapping search)."""
    with tempfile.TemporaryDirectory(prefix="hwsim-numba-") as cache_dir:
        out = {"first run": timed(tree, ESTIMATE, cache_dir),
               "cached run": timed(tree, ESTIMATE, cache_dir),
               "import hwsim": timed(tree, IMPORT, cache_dir)}
    if mapping:
        with tempfile.TemporaryDirectory(prefix="hwsim-numba-") as cache_dir:
            out["first mapping search"] = timed(tree, MAPPING, cache_dir)
    return out


def summary_rows(label: str, rounds: list[dict[str, tuple[float, float]]]) -> list[str]:
    rows = []
    for case in (c for c in CASES if c in rounds[0]):
        walls = [r[case][0] for r in rounds]
        cpus = [r[case][1] for r in rounds]
        rows.append(f"| {label} | {case} | {statistics.median(walls):.2f} | {min(walls):.2f} - "
                    f"{max(walls):.2f} | {statistics.median(cpus):.2f} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description="Start-up time of `hwsim estimate`.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--base", help="also measure this git revision (before/after)")
    parser.add_argument("--mapping", action="store_true",
                        help="also time a first mapping search (empty kernel cache)")
    parser.add_argument("--output", type=Path, default=REPORTS / "startup_speed.md")
    args = parser.parse_args()

    trees: dict[str, Path] = {"working tree": REPO}
    scratch = tempfile.TemporaryDirectory(prefix="hwsim-base-") if args.base else None
    if scratch is not None:
        base = Path(scratch.name) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet",
                        str(base), args.base], check=True)
        trees = {f"base {args.base}": base, **trees}
    load_start = os.getloadavg()
    rounds: dict[str, list[dict[str, tuple[float, float]]]] = {label: [] for label in trees}
    try:
        for i in range(args.repeats):
            for label, tree in trees.items():
                rounds[label].append(one_round(tree, args.mapping))
                seconds = ", ".join(f"{case} {wall:.2f} s" for case, (wall, _) in
                                    rounds[label][-1].items())
                print(f"[{i + 1}/{args.repeats}] {label}: {seconds}", file=sys.stderr)
    finally:
        if scratch is not None:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(Path(scratch.name) / "tree")], check=False)
            scratch.cleanup()
    load_end = os.getloadavg()

    base_flag = (f" --base {args.base}" if args.base else "") + \
        (" --mapping" if args.mapping else "")
    lines = [
        "# Start-up time of `hwsim estimate`",
        "",
        f"Command: `python bench/startup_speed.py --repeats {args.repeats}{base_flag}`; "
        f"machine: {os.cpu_count()} cores (nproc) ({platform.machine()}), Python "
        f"{platform.python_version()}; load average (1 min) {load_start[0]:.1f} at the start, "
        f"{load_end[0]:.1f} at the end.",
        "",
        "- first run: `python -m hwsim estimate workloads/resnet50.yaml` with an empty "
        "temporary `NUMBA_CACHE_DIR` (all kernels it needs compiled);",
        "- cached run: the same command again, same cache directory (kernels loaded);",
        "- import hwsim: `python -c \"import hwsim\"`"
        + (";\n- first mapping search: one `hwsim.mapping.search` (one GEMM, one design) with "
           "an empty temporary `NUMBA_CACHE_DIR`." if args.mapping else "."),
        "",
        f"Each a fresh process; median and range over {args.repeats} repeats, each repeat with "
        "a new cache directory. CPU seconds are user + system time of the process; wall "
        "seconds stretch with the machine's other load.",
        "",
        "| tree | case | wall s (median) | wall s (range) | CPU s (median) |",
        "|---|---|---:|---:|---:|",
    ]
    for label, measured in rounds.items():
        lines += summary_rows(label, measured)
    publish(args.output, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
