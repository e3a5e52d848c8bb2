"""Run a sweep's chunks as tasks on a Dask cluster (``pip install 'hwsim[dask]'``).

The plan is scattered to every worker once; each task evaluates one chunk with its own
`Evaluator` and returns the chunk's columns, which the caller stores as they arrive (in any
order: chunks are keyed by index, so the joined table is the same as the local backend's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hwsim.spec.errors import SpecError
from hwsim.sweep.evaluator import Columns, Evaluator
from hwsim.sweep.plan import Plan


def evaluate_chunk(plan: Plan, index: int) -> tuple[int, Columns]:
    """One chunk, on a worker."""
    return index, Evaluator(plan).chunk(index)


def run_dask(plan: Plan, pending: Sequence[int], scheduler: Any,
             land: Callable[[int, Columns], None]) -> None:
    """Evaluate the `pending` chunks on the cluster at `scheduler` (an address such as
    ``tcp://host:8786``, or a ``distributed.Client``; None starts a local cluster of
    processes for the duration) and pass each result to `land` as it finishes."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SpecError.single("sweep", "backend", "the dask backend needs dask.distributed: pip "
                               "install 'hwsim[dask]'") from None
    if not pending:
        return
    cluster = None
    if isinstance(scheduler, Client):
        client, own_client = scheduler, False
    else:
        if scheduler is None:
            cluster = LocalCluster(processes=True, threads_per_worker=1)
            scheduler = cluster
        try:
            client, own_client = Client(scheduler), True
        except OSError as exc:
            raise SpecError.single("sweep", "scheduler", f"cannot reach the Dask scheduler at "
                                   f"{scheduler}: {exc}") from None
    try:
        shared = client.scatter(plan, broadcast=True)
        tag = plan.fingerprint[:12]
        futures = [client.submit(evaluate_chunk, shared, i, key=f"hwsim-sweep-{tag}-{i}")
                   for i in pending]
        for future in as_completed(futures):
            index, columns = future.result()
            land(index, columns)
            future.release()
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()
