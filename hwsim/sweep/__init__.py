"""Design-space sweeps: many archs and precisions x one workload, evaluated in bulk.

`sweep` (run.py) is the entry point; `space` reads value lists and ranges and samples them,
`design` knows the field paths, `plan` checks everything up front, `evaluator` evaluates
chunks of designs in bulk (through the one pricing path, `hwsim.energy.price`), `store` keeps
finished chunks on disk, `distributed` runs chunks on Dask, `pareto` finds fronts, `report`
plots a results table.
"""

from hwsim.sweep.pareto import pareto_mask
from hwsim.sweep.run import sweep
from hwsim.sweep.table import SweepTable, read_table

__all__ = ["SweepTable", "pareto_mask", "read_table", "sweep"]
