"""`sweep`: evaluate a design space for one workload, locally or on a Dask cluster.

    >>> import hwsim
    >>> table = hwsim.sweep("workloads/resnet50.yaml", "tpu_like",
    ...                     {"compute.rows": [64, 128, 256], "compute.dataflow": ["os", "ws"],
    ...                      "precision.weights": ["int4", "int8"]},
    ...                     objectives=("energy_pj", "latency_s"),
    ...                     constraints=("sram_bytes <= 2e7",))
    >>> table.front().to_csv()

Everything is checked first (`hwsim.sweep.plan.build_plan`); then the design points are split
into chunks of `chunk_size` rows, evaluated in order (``local``: in this process, Numba running
each chunk's kernels on all cores) or as Dask tasks (``dask``). With an `output` path each
finished chunk is written at once (`hwsim.sweep.store`) and a rerun skips finished chunks; the
joined table is written to `output` at the end. Progress goes to `progress(done, total)` (rows),
and a resumed sweep is logged on the ``hwsim.sweep`` logger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hwsim.api import load_inputs
from hwsim.spec.policy import Policy
from hwsim.spec.arch import Arch
from hwsim.spec.errors import SpecError, suggest
from hwsim.spec.workload import Workload
from hwsim.sweep.evaluator import Columns, Evaluator
from hwsim.sweep.metrics import parse_constraint, parse_objective
from hwsim.sweep.plan import Plan, build_plan
from hwsim.sweep.store import ChunkStore, parts_folder
from hwsim.sweep.table import OUTPUT_SUFFIXES, SweepTable, concat, finish
from hwsim.training_config import TrainingConfig

BACKENDS = ("local", "dask")
DEFAULT_CHUNK_SIZE = 512
LOG = logging.getLogger("hwsim.sweep")
Progress = Callable[[int, int], None]


def sweep(workload: Workload | str | Path, base_arch: Arch | str | Path | None,
          space: Mapping[str, Any], *,
          objectives: Sequence[str] = ("energy_pj", "latency_s"),
          constraints: Sequence[str] = (), sampler: str = "grid", n: int | None = None,
          seed: int = 0, training: TrainingConfig | None = None, backend: str = "local",
          scheduler: Any = None, output: str | Path | None = None,
          chunk_size: int = DEFAULT_CHUNK_SIZE, policy: Policy | None = None,
          batch: int | None = None,
          progress: Progress | None = None, file: str = "sweep") -> SweepTable:
    """Evaluate every design of `space` (dotted paths to values or ranges, see
    `hwsim.sweep.space` and `hwsim.sweep.design`) on `workload`, starting from `base_arch`:
    one inference each, or with `training` its steps (`training.iterations` of them, at the
    precisions of `training.schedule` when given), as `hwsim.training_run.training_run` costs
    them.

    Returns one row per design: its parameters, totals, derived metrics, ``feasible`` under
    `constraints` and ``pareto`` over `objectives` (`hwsim.sweep.metrics`). `scheduler` is a
    Dask scheduler address or a ``distributed.Client`` (default: a local cluster). `file`
    names the sweep in error messages.
    """
    workload, base_arch = load_inputs(workload, base_arch)
    if backend not in BACKENDS:
        raise SpecError.single(file, "backend", f"expected one of {', '.join(BACKENDS)}, got "
                               f"{backend!r}" + suggest(str(backend), BACKENDS))
    if output is not None and Path(output).suffix not in OUTPUT_SUFFIXES:
        raise SpecError.single(str(output), "", "expected an output ending in "
                               f"{' or '.join(OUTPUT_SUFFIXES)}")
    plan = build_plan(workload, base_arch, space, sampler=sampler, n=n, seed=seed,
                      training=training, policy=policy, batch=batch, chunk_size=chunk_size,
                      file=file)
    known = plan.numeric_columns()
    parsed_objectives = [parse_objective(o, known, file) for o in objectives]
    parsed_constraints = [parse_constraint(c, known, file) for c in constraints]
    if output is not None and Path(output).suffix == ".parquet":
        from hwsim.sweep.table import _pyarrow
        _pyarrow()  # fail now, not after the sweep
    parts = evaluate_plan(plan, backend, scheduler, output, progress)
    table = finish(parts, parsed_objectives, parsed_constraints)
    if output is not None:
        table.write(output)
    return table


def evaluate_plan(plan: Plan, backend: str = "local", scheduler: Any = None,
                  output: str | Path | None = None, progress: Progress | None = None) -> Columns:
    """Every chunk of `plan`, resumed from `output`'s chunk folder if there is one; the
    joined columns in design order."""
    store = None
    done: set[int] = set()
    if output is not None:
        store = ChunkStore(parts_folder(output), plan.fingerprint, plan.n_rows, plan.n_chunks)
        done = store.open()
        if done:
            LOG.info("resuming %s: %d of %d chunks already done", output, len(done),
                     plan.n_chunks)
    results: dict[int, Columns] = {}
    rows_done = sum(plan.chunk_rows(i)[1] - plan.chunk_rows(i)[0] for i in done)
    if progress is not None:
        progress(rows_done, plan.n_rows)

    def land(index: int, columns: Columns) -> None:
        nonlocal rows_done
        if store is not None:
            store.write(index, columns)
        else:
            results[index] = columns
        rows_done += len(columns["design"])
        if progress is not None:
            progress(rows_done, plan.n_rows)

    pending = [i for i in range(plan.n_chunks) if i not in done]
    if backend == "dask":
        from hwsim.sweep.distributed import run_dask
        run_dask(plan, pending, scheduler, land)
    else:
        evaluator = Evaluator(plan)
        for index in pending:
            land(index, evaluator.chunk(index))
    return concat([results[i] if store is None else store.read(i)
                   for i in range(plan.n_chunks)])
