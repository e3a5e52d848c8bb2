"""Start-up time: how long a user waits for `hwsim estimate` on a fresh install and afterwards.

    python bench/startup_speed.py [--repeats 3] [--base REV] [--mapping] [--no-compiler]
        -> reports/startup_speed.md

Each tree under test is installed as a user installs it: ``pip install TREE`` into a new
virtual environment (``--system-site-packages``, so the dependencies already on the machine are
reused and the install time is hwsim's own: its build, in pip's isolated build environment,
including the ahead-of-time compiled kernels of ``setup.py``, and its installation). Then each
measurement is a fresh process of that environment's Python, started in an empty folder with no
``PYTHONPATH``, so the installed package is what runs:

(a) first run: ``python -m hwsim estimate workloads/resnet50.yaml`` with ``NUMBA_CACHE_DIR`` set
    to a new, empty temporary directory, so every kernel the estimate needs that is not compiled
    ahead of time is compiled;
(b) cached run: the same command again with the same cache directory (kernels loaded);
(c) import: ``python -c "import hwsim"``;
(d) with `--mapping`, first mapping search: one `hwsim.mapping.search` of one GEMM on one
    design with a new, empty ``NUMBA_CACHE_DIR`` (the mapping kernels compiled by Numba's JIT:
    the search API is not compiled ahead of time; tens of seconds, so the case is opt-in).

`--no-compiler` also installs the working tree with no C compiler (``CC`` and ``LDSHARED``
pointing nowhere), where the package installs without the compiled kernels and an estimate
compiles them with Numba's JIT (the fallback). `--base REV` installs and measures a git
revision the same way (a temporary git worktree, as bench/output_identity.py makes),
interleaved with the working tree, for a before/after under the same load.

Each repeat uses a new empty cache directory; the report gives the median and the range of the
repeats in wall-clock seconds, and the median CPU seconds (user + system) of the process and
its children. On a machine shared with other work the wall times stretch with the load
(recorded before and after), the CPU times much less.
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

from _common import REPO, REPORTS, WORKLOADS, publish

ESTIMATE = ["-m", "hwsim", "estimate", str(WORKLOADS / "resnet50.yaml")]
IMPORT = ["-c", "import hwsim"]
MAPPING = ["-c", "import numpy as np; "
           "from hwsim.mapping import GemmProblem, MappingDesign, search; "
           "search([GemmProblem(128, 64, 256)], "
           "[MappingDesign(32, 32, 'ws', energy_pj_per_bit=np.ones((3, 3, 2)))])"]
# prints True when the entry kernels run compiled ahead of time (fails before they existed)
USES_COMPILED = ["-c", "from hwsim.kernels import compiled; print(compiled.aot_module() is not "
                 "None)"]
CASES = ("first run", "cached run", "import hwsim", "first mapping search")
NO_COMPILER = {"CC": "/nonexistent/cc", "LDSHARED": "/nonexistent/cc"}


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of it and its children) of `command`; fails loudly on error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


class Installed:
    """`tree` pip-installed into a new virtual environment under `root` (`extra_env` set for
    the install); `install` is its (wall, CPU) seconds."""

    def __init__(self, tree: Path, root: Path, extra_env: dict[str, str]) -> None:
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages",
                        str(root / "venv")], check=True)
        self.python = str(root / "venv" / "bin" / "python")
        self.install = timed([self.python, "-m", "pip", "install", "--quiet", str(tree)],
                             root, {**self.env, **extra_env})
        used = subprocess.run([self.python, *USES_COMPILED], cwd=root, env=self.env,
                              check=False, capture_output=True, text=True).stdout.strip()
        self.compiled = used == "True"

    def run(self, args: list[str], cache_dir: str) -> tuple[float, float]:
        """(wall, CPU) seconds of the environment's ``python ARGS`` in an empty folder."""
        return timed([self.python, *args], self.root,
                     {**self.env, "NUMBA_CACHE_DIR": cache_dir})


def one_round(installed: Installed, mapping: bool) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each case, with a new empty kernel cache (another one for the
    mapping search)."""
    with tempfile.TemporaryDirectory(prefix="hwsim-numba-") as cache_dir:
        out = {"first run": installed.run(ESTIMATE, cache_dir),
               "cached run": installed.run(ESTIMATE, cache_dir),
               "import hwsim": installed.run(IMPORT, cache_dir)}
    if mapping:
        with tempfile.TemporaryDirectory(prefix="hwsim-numba-") as cache_dir:
            out["first mapping search"] = installed.run(MAPPING, cache_dir)
    return out


def summary_rows(label: str, installed: Installed,
                 rounds: list[dict[str, tuple[float, float]]]) -> list[str]:
    wall, cpu = installed.install
    compiled = "yes" if installed.compiled else "no"
    rows = [f"| {label} | {compiled} | install | {wall:.2f} | - | {cpu:.2f} |"]
    for case in (c for c in CASES if c in rounds[0]):
        walls = [r[case][0] for r in rounds]
        cpus = [r[case][1] for r in rounds]
        rows.append(f"| {label} | {compiled} | {case} | {statistics.median(walls):.2f} | "
                    f"{min(walls):.2f} - {max(walls):.2f} | {statistics.median(cpus):.2f} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description="Start-up time of `hwsim estimate`.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--base", help="also install and measure this git revision")
    parser.add_argument("--mapping", action="store_true",
                        help="also time a first mapping search (empty kernel cache)")
    parser.add_argument("--no-compiler", action="store_true",
                        help="also install the working tree without a C compiler")
    parser.add_argument("--output", type=Path, default=REPORTS / "startup_speed.md")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="hwsim-startup-")
    root = Path(scratch.name)
    trees: dict[str, tuple[Path, dict[str, str]]] = {"working tree": (REPO, {})}
    if args.base:
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet",
                        str(root / "base"), args.base], check=True)
        trees = {f"base {args.base}": (root / "base", {}), **trees}
    if args.no_compiler:
        trees["working tree, no C compiler"] = (REPO, NO_COMPILER)
    load_start = os.getloadavg()
    installed: dict[str, Installed] = {}
    rounds: dict[str, list[dict[str, tuple[float, float]]]] = {label: [] for label in trees}
    try:
        for n, (label, (tree, extra_env)) in enumerate(trees.items()):
            (root / str(n)).mkdir()
            installed[label] = Installed(tree, root / str(n), extra_env)
            print(f"{label}: installed in {installed[label].install[0]:.1f} s, compiled "
                  f"kernels: {installed[label].compiled}", file=sys.stderr)
        for i in range(args.repeats):
            for label in trees:
                rounds[label].append(one_round(installed[label], args.mapping))
                seconds = ", ".join(f"{case} {wall:.2f} s" for case, (wall, _) in
                                    rounds[label][-1].items())
                print(f"[{i + 1}/{args.repeats}] {label}: {seconds}", file=sys.stderr)
    finally:
        if args.base:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(root / "base")], check=False)
        scratch.cleanup()
    load_end = os.getloadavg()

    flags = (f" --base {args.base}" if args.base else "") + \
        (" --mapping" if args.mapping else "") + (" --no-compiler" if args.no_compiler else "")
    lines = [
        "# Start-up time of `hwsim estimate`",
        "",
        f"Command: `python bench/startup_speed.py --repeats {args.repeats}{flags}`; "
        f"machine: {os.cpu_count()} cores (nproc) ({platform.machine()}), Python "
        f"{platform.python_version()}; load average (1 min) {load_start[0]:.1f} at the start, "
        f"{load_end[0]:.1f} at the end.",
        "",
        "Each tree is installed as a user installs it, `pip install TREE` into a new virtual "
        "environment that reuses the machine's dependencies (`--system-site-packages`), so "
        "`install` is hwsim's own build and installation (pip's isolated build environment, "
        "and the ahead-of-time compiled kernels where the tree builds them); `compiled "
        "kernels` says whether the installed package runs its entry kernels from that "
        "extension (else Numba compiles them on first use). Then, each a fresh process of "
        "that environment's Python in an empty folder:",
        "",
        "- first run: `python -m hwsim estimate workloads/resnet50.yaml` with an empty "
        "temporary `NUMBA_CACHE_DIR`;",
        "- cached run: the same command again, same cache directory;",
        "- import hwsim: `python -c \"import hwsim\"`"
        + (";\n- first mapping search: one `hwsim.mapping.search` (one GEMM, one design) with "
           "an empty temporary `NUMBA_CACHE_DIR` (Numba's JIT)." if args.mapping else "."),
        "",
        f"Install: one per tree. Runs: median and range over {args.repeats} repeats, each "
        "with a new cache directory. CPU seconds are user + system time of the process and "
        "its children; wall seconds stretch with the machine's other load.",
        "",
        "| tree | compiled kernels | case | wall s (median) | wall s (range) | "
        "CPU s (median) |",
        "|---|---|---|---:|---:|---:|",
    ]
    for label, measured in rounds.items():
        lines += summary_rows(label, installed[label], measured)
    publish(args.output, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
