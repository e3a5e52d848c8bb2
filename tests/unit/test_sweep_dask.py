"""The Dask backend on a local cluster of two worker processes gives the local backend's rows."""

from __future__ import annotations

import pytest

import hwsim
from hwsim.api import load_workload
from tests_paths import WORKLOADS

distributed = pytest.importorskip("distributed", reason="the dask extra: pip install "
                                  "'hwsim[dask]' (in the test extra)")


def test_dask_backend_equals_local(tmp_path):
    workload = load_workload(WORKLOADS / "resnet18.yaml")
    space = {"compute.rows": [16, 64], "compute.dataflow": ["os", "ws", "is"],
             "precision.weights": ["int4", "int8"], "memory.sram.unified.size_kib": [256, 4096]}
    kwargs = {"constraints": ["sram_bytes <= 1e6"], "chunk_size": 5}
    local = hwsim.sweep(workload, "tpu_like", space, **kwargs)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = hwsim.sweep(workload, "tpu_like", space, **kwargs, backend="dask",
                             scheduler=cluster.scheduler_address, output=tmp_path / "r.csv")
    assert list(remote) == list(local)
    for name in local:
        assert remote[name].tolist() == local[name].tolist(), name
    assert len(list((tmp_path / "r.csv.parts").glob("chunk_*.npz"))) == 5  # 24 rows / 5
