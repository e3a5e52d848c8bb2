"""Chunk files and resuming (hwsim.sweep.store, hwsim.sweep.run.evaluate_plan) in-process."""

from __future__ import annotations

import io

import pytest

from hwsim.api import load_arch, load_workload
from hwsim.spec.errors import SpecError
from hwsim.sweep import evaluator
from hwsim.sweep.plan import build_plan
from hwsim.sweep.progress import ProgressBar
from hwsim.sweep.run import evaluate_plan
from hwsim.sweep.store import ChunkStore, parts_folder
from tests_paths import WORKLOADS


@pytest.fixture(scope="module")
def plan():
    return build_plan(load_workload(WORKLOADS / "resnet18.yaml"), load_arch("tpu_like"),
                      {"compute.rows": [8, 16, 32, 64, 128], "compute.dataflow": ["os", "ws"]},
                      chunk_size=3)


def test_resume_evaluates_only_missing_chunks(plan, tmp_path, monkeypatch):
    out = tmp_path / "r.csv"
    store = ChunkStore(parts_folder(out), plan.fingerprint, plan.n_rows, plan.n_chunks)
    assert store.open() == set() and plan.n_chunks == 4  # 10 rows in chunks of 3
    store.write(2, evaluator.Evaluator(plan).chunk(2))
    stale = parts_folder(out) / "chunk_000003.npz.tmp"
    stale.write_bytes(b"half a chunk")
    calls: list[int] = []
    original = evaluator.Evaluator.chunk

    def counting(self, index):
        calls.append(index)
        return original(self, index)

    monkeypatch.setattr(evaluator.Evaluator, "chunk", counting)
    seen: list[tuple[int, int]] = []
    columns = evaluate_plan(plan, output=out, progress=lambda d, t: seen.append((d, t)))
    assert sorted(calls) == [0, 1, 3] and not stale.exists()
    assert columns["design"].tolist() == list(range(10))
    # progress starts from the rows already done (chunk 2: rows 6..8) and ends at all rows
    assert seen[0] == (3, 10) and seen[-1] == (10, 10)
    whole = evaluate_plan(plan)
    for name in whole:
        assert columns[name].tolist() == whole[name].tolist(), name


def test_another_sweeps_folder_is_refused(plan, tmp_path):
    folder = tmp_path / "r.csv.parts"
    ChunkStore(folder, "another fingerprint", plan.n_rows, plan.n_chunks).open()
    with pytest.raises(SpecError, match="holds the chunks of a different sweep"):
        ChunkStore(folder, plan.fingerprint, plan.n_rows, plan.n_chunks).open()


def test_progress_line_rate_and_eta():
    bar = ProgressBar(io.StringIO(), width=10)
    bar.start, bar.first = 100.0, 20
    # 50 designs in 10 s since the start (20 were done before): 5 designs/s; 30 left: 6 s
    line = bar.line(70, 100, now=110.0)
    assert "[#######...] 70/100 designs  70.0%" in line
    assert "5 designs/s" in line and "elapsed 0:10" in line and "ETA 0:06" in line
    bar(100, 100)
    assert bar.stream.getvalue().count("\n") == 1  # the last update is always written
