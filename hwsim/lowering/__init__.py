"""Lowering: a workload's layers become problems (GEMMs and vector work) in a `ProblemTable`,
the only thing the kernels see. `lower` runs the whole network (`hwsim.lowering.network`)."""

from hwsim.lowering.network import lower
from hwsim.lowering.problem import Pass, ProblemKind, ProblemTable

__all__ = ["Pass", "ProblemKind", "ProblemTable", "lower"]
