"""`hwsim sweep --backend dask --scheduler ADDRESS` against a local cluster of processes."""

from __future__ import annotations

import os

import pytest

from hwsim import sweep as hwsim_sweep
from hwsim.sweep.spec import load_sweep
from test_sweep import write_spec
from tests_paths import run_hwsim as hwsim

distributed = pytest.importorskip("distributed", reason="the dask extra: pip install "
                                  "'hwsim[dask]' (in the test extra)")


def test_cli_dask_backend_writes_the_local_result(tmp_path):
    spec = write_spec(tmp_path)
    local = hwsim_sweep(**load_sweep(spec).arguments())
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = hwsim("sweep", str(spec), "-o", str(tmp_path / "dask.csv"), "--backend",
                       "dask", "--scheduler", cluster.scheduler_address, "--no-progress")
    assert remote.returncode == 0, remote.stderr
    assert (tmp_path / "dask.csv").read_text() == local.to_csv()


def test_unreachable_scheduler_is_a_one_line_error(tmp_path):
    # nothing listens on the discard port; Dask's connect timeout shortened through its config
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}
    run = hwsim("sweep", str(write_spec(tmp_path)), "-o", str(tmp_path / "r.csv"), "--backend",
                "dask", "--scheduler", "tcp://127.0.0.1:9", "--no-progress", env=env)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith("hwsim: error: --scheduler")
