"""Paths of the repository's data folders, for tests."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = REPO / "workloads"
ARCH_CONFIGS = REPO / "arch_configs"


def for_arch(workload, arch_name):
    """`workload` in a precision the arch executes: an LNS-only array runs its own LNS format
    (every other shipped arch runs the zoo's int8)."""
    from hwsim.api import load_arch
    from hwsim.precision.policy import Policy

    arch = load_arch(arch_name)
    if arch.compute.kind != "lns":
        return workload
    native = arch.compute.native_formats[0]
    return Policy({"weights": native, "activations": native, "gradients": native}).apply(
        workload)
