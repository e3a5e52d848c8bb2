"""Check that a change leaves hwsim's results unchanged: `hwsim estimate --json` on every zoo
workload x shipped arch (inference and one training step), plus training runs, memory and
distributed cases, compared output for output between a base revision and the working tree.

    python bench/output_identity.py                 # base: HEAD
    python bench/output_identity.py --base 1b25ebf  # any revision git knows
    python bench/output_identity.py --base e710cdd --extra-args="--mapping scalesim"
                                        # the working tree's side only gets the extra flags
    python bench/output_identity.py --base a94dde2 --base-args="--mapping scalesim" \
        --extra-args="--mapping scalesim"   # one flag on both sides

The base revision is checked out into a temporary git worktree; each tree runs the same
command lines in its own Python process (``PYTHONPATH`` pointing at that tree, the working
directory at its root, so input paths in the JSON read the same; absolute paths inside the
tree are compared relative to its root). A case that fails with an
input error records its exit code and message, which must be the same on both sides too.
Exit status 0 when every case is identical, 1 otherwise (the differing cases are listed).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO

# Runs inside each tree: every case's stdout, or its exit code and stderr, as one JSON object.
RECORDER = r"""
import contextlib, io, json, sys
from hwsim.cli import main
request = json.load(sys.stdin)
cases, extra = request["cases"], request["extra"]
out = {}
for i, argv in enumerate(cases):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv + extra) or 0
        except SystemExit as exc:
            code = exc.code
    out[" ".join(argv)] = {"code": code, "stdout": stdout.getvalue(),
                           "stderr": stderr.getvalue() if code else ""}
    print(f"[{i + 1}/{len(cases)}] {' '.join(argv)}", file=sys.__stderr__, flush=True)
json.dump(out, sys.__stdout__)
"""

# Extra command lines beyond the zoo x arch grid: whole-training runs, memory, compression,
# distributed training and precision flags (each exercises a path the grid does not).
EXTRA_CASES = [
    ["workloads/resnet18.yaml", "--arch", "tpu_like", "--train", "--schedule", "cyclic",
     "--bits", "3:8", "--grad-bits", "8", "--iterations", "64000", "--json"],
    ["workloads/resnet18.yaml", "--arch", "stripes_like", "--train", "--schedule", "list",
     "--bits", "8,6,4", "--iterations", "300", "--json"],
    ["workloads/resnet50.yaml", "--train", "--batch", "64", "--device-memory-gib", "16",
     "--json"],
    ["workloads/resnet50.yaml", "--train", "--precision", "s=int2", "--json"],
    ["workloads/resnet50.yaml", "--train", "--division", "block=8,hfc_bits=2,lfc_bits=8",
     "--json"],
    ["workloads/resnet18.yaml", "--precision", "w=int4,a=int4,g=int8,acc=int32", "--json"],
    ["workloads/resnet18.yaml", "--precision", "w=int4,sw=int8", "--arch", "loom_like",
     "--json"],
    ["workloads/resnet18.yaml", "--arch", "lns_madam_like", "--train", "--optimizer", "madam",
     "--json"],
    ["workloads/bert_base.yaml", "--arch", "baseline_fp8", "--train", "--optimizer", "adam",
     "--precision", "w=fp16,a=fp16,g=fp16", "--devices", "8", "--parallel", "zero2",
     "--link-gbps", "25", "--comm-grad-bits", "4", "--overlap", "--device-memory-gib", "16",
     "--json"],
    ["workloads/gpt2_seq128.yaml", "--arch", "baseline_fp8", "--train", "--devices", "8",
     "--parallel", "pp:4", "--micro-batches", "16", "--link-gbps", "0.5", "--comm-act-bits",
     "4", "--comm-act-grad-bits", "8", "--json"],
    ["workloads/resnet18.yaml", "--arch", "scalesim_default", "--batch", "8"],
    ["workloads/scalesim/resnet18.csv", "--arch", "scalesim_default", "--json"],
    ["workloads/resnet18.yaml", "--devices", "0", "--train"],
]


def cases(tree: Path) -> list[list[str]]:
    """The command lines to compare: the grid of `tree`'s zoo x shipped archs, then extras."""
    workloads = sorted(p.name for p in (tree / "workloads").glob("*.yaml"))
    archs = sorted(p.stem for p in (tree / "arch_configs").glob("*.yaml"))
    grid = [["estimate", f"workloads/{w}", "--arch", a, "--json", *mode]
            for w in workloads for a in archs for mode in ([], ["--train"])]
    return grid + [["estimate", *argv] for argv in EXTRA_CASES]


def record(tree: Path, argvs: list[list[str]],
           extra: list[str] | None = None) -> dict[str, dict[str, object]]:
    """Run every case in `tree` (one Python process), each with `extra` arguments appended,
    and return its outputs by command line (without the extra arguments)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.setdefault("NUMBA_CACHE_DIR", str(tree / "build" / "numba_cache"))
    request = json.dumps({"cases": argvs, "extra": extra or []})
    done = subprocess.run([sys.executable, "-c", RECORDER], input=request, cwd=tree,
                          env=env, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode:
        sys.exit(f"output_identity: recording in {tree} failed (its output is above)")
    # shipped archs are read from inside the tree, so their paths name it: compare them
    # relative to the tree's root
    return json.loads(done.stdout.replace(str(tree.resolve()), "<tree>"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="revision to compare with (HEAD)")
    parser.add_argument("--extra-args", default="", metavar="ARGS",
                        help="arguments appended to every command line of the working tree "
                        "only, e.g. --extra-args='--mapping scalesim'")
    parser.add_argument("--base-args", default="", metavar="ARGS",
                        help="arguments appended to every command line of the base revision, "
                        "e.g. --base-args='--mapping scalesim' with the same --extra-args "
                        "to compare that path on both sides")
    args = parser.parse_args()
    extra = shlex.split(args.extra_args)
    base_extra = shlex.split(args.base_args)
    argvs = cases(REPO)
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet",
                        str(base_tree), args.base], check=True)
        try:
            print(f"recording {len(argvs)} cases at {args.base}"
                  + (f" with {' '.join(base_extra)}" if base_extra else ""), flush=True)
            before = record(base_tree, argvs, base_extra)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(base_tree)], check=True)
    print(f"recording {len(argvs)} cases in the working tree"
          + (f" with {' '.join(extra)}" if extra else ""), flush=True)
    after = record(REPO, argvs, extra)
    changed = [key for key in before if before[key] != after.get(key)]
    for key in changed:
        print(f"CHANGED: hwsim {key}")
    print(f"{len(argvs) - len(changed)} of {len(argvs)} cases identical to {args.base}")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
