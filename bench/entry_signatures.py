"""The argument types of the ahead-of-time compiled entry kernels (`hwsim.kernels.compiled`),
derived from representative estimates rather than listed by hand.

    python bench/entry_signatures.py           # -> hwsim/kernels/entry_signatures.json
    python bench/entry_signatures.py --check   # exit 1 if the record no longer matches

Runs the `REPRESENTATIVE` estimates with every entry kernel on Numba's JIT (whatever extension
is built) and records the argument types each one's single-design variant was compiled for:
what ``setup.py`` compiles (``hwsim/kernels/aot_build.py``). Run it after changing an entry
kernel's arguments; tests/unit/test_kernels_compiled.py runs `--check`, so a changed kernel
whose record was not renewed fails the tests (until then the stale extension is not used: its
source digest no longer matches).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from typing import Any

from _common import REPO, WORKLOADS

import hwsim
from hwsim.api import shipped_arch_names
from hwsim.kernels import compiled
from hwsim.spec.errors import SpecError
from hwsim.training_config import TrainingConfig

# Estimates that call every entry kernel with the argument types a user's estimate passes:
# inference on every shipped arch that executes the workload's formats, and a training step.
REPRESENTATIVE = ("resnet18.yaml",)


def representative_signatures() -> dict[str, Any]:
    """Per entry kernel: its module, the position of its argument over designs and the
    signatures (per argument [dtype, dimensions]) the `REPRESENTATIVE` estimates compiled."""
    jit = {name: compiled.jit_kernel(name) for name in compiled.entry_signatures()}
    originals = {name: getattr(compiled, name) for name in jit}
    for name, kernel in jit.items():
        setattr(compiled, name, kernel)
    try:
        for workload in REPRESENTATIVE:
            for arch in shipped_arch_names():
                try:
                    hwsim.estimate(WORKLOADS / workload, arch)
                except SpecError:  # an arch that does not execute the workload's formats
                    continue
            hwsim.estimate(WORKLOADS / workload, "tpu_like", training=TrainingConfig())
    finally:
        for name, kernel in originals.items():
            setattr(compiled, name, kernel)
    record = {}
    for name, kernel in jit.items():
        signatures = []
        for sig in kernel.serial.signatures:
            if not all(hasattr(t, "ndim") and t.layout == "C" and t.mutable and t.aligned
                       for t in sig):
                raise TypeError(f"{name}: entry kernels take C-contiguous, aligned, writeable "
                                f"arrays only, got {sig}")
            signatures.append([[str(t.dtype), t.ndim] for t in sig])
        record[name] = {"module": kernel.py_func.__module__,
                        "designs_position": list(inspect.signature(kernel.py_func).parameters)
                        .index(kernel.designs),
                        "signatures": sorted(signatures)}
    return record


def as_text(record: dict[str, Any]) -> str:
    """The record as ``entry_signatures.json`` stores it: JSON, one signature a line."""
    entries = [f' {json.dumps(name)}: {{"module": {json.dumps(entry["module"])}, '
               f'"designs_position": {entry["designs_position"]}, "signatures": [\n  '
               + ",\n  ".join(json.dumps(sig) for sig in entry["signatures"]) + "]}"
               for name, entry in record.items()]
    return "{\n" + ",\n".join(entries) + "\n}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="Record the entry kernels' signatures.")
    parser.add_argument("--check", action="store_true",
                        help="compare with the record instead of writing it")
    args = parser.parse_args()
    record = representative_signatures()
    path = compiled.ENTRY_SIGNATURES
    if args.check:
        if record != compiled.entry_signatures():
            print(f"{path.relative_to(REPO)}: out of date; the kernels now compile for\n"
                  f"{as_text(record)}run python bench/entry_signatures.py", file=sys.stderr)
            return 1
        print(f"{path.relative_to(REPO)}: matches the kernels")
        return 0
    path.write_text(as_text(record))
    print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
