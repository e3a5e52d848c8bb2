"""`hwsim sweep` and `hwsim report` as a user runs them (subprocess): output, bad input exit
codes, and resuming after SIGKILL without recomputing, losing or duplicating a chunk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from hwsim import sweep as hwsim_sweep
from hwsim.sweep import read_table
from hwsim.spec.errors import SpecError
from hwsim.sweep.spec import load_sweep
from tests_paths import REPO, WORKLOADS
from tests_paths import run_hwsim as hwsim


def write_spec(folder: Path, **overrides) -> Path:
    spec = {"version": 1, "workload": str(WORKLOADS / "resnet18.yaml"),
            "arch": "tpu_like",
            "space": {"compute.rows": [16, 32, 64, 128], "compute.cols": [32, 128],
                      "compute.dataflow": ["os", "ws", "is"],
                      "memory.sram.unified.size_kib": [512, 8192]},
            "objectives": ["energy_pj", "latency_s"], "constraints": ["sram_bytes <= 4e6"],
            "chunk_size": 8}
    spec.update(overrides)
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_sweep_writes_results_and_report(tmp_path):
    spec = write_spec(tmp_path)
    run = hwsim("sweep", str(spec), "-o", str(tmp_path / "r.csv"))
    assert run.returncode == 0, run.stderr
    # 4 x 2 x 3 x 2 designs; the 512 KiB half meets the 4e6-byte budget
    assert "48 designs, 24 feasible" in run.stdout
    assert "designs/s" in run.stderr and "ETA" in run.stderr and "48/48" in run.stderr
    table = read_table(tmp_path / "r.csv")
    assert table["design"].tolist() == list(range(48))
    assert table.parameters == ["compute.rows", "compute.cols", "compute.dataflow",
                                "memory.sram.unified.size_kib"]
    report = hwsim("report", str(tmp_path / "r.csv"), "-o", str(tmp_path / "rep"))
    assert report.returncode == 0, report.stderr
    for name in ("pareto.png", "sensitivity.png"):
        assert (tmp_path / "rep" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = (tmp_path / "rep" / "summary.md").read_text()
    assert "48 designs, 24 feasible" in summary and "## Pareto front" in summary


@pytest.mark.parametrize("change, message", [
    ({"space": {"compute.rowz": [8]}}, "space.compute.rowz: unknown field path (did you mean "
                                        "'compute.rows'?)"),
    ({"space": {"compute.rows": {"start": 64, "stop": 8, "step": 8}}},
     "space.compute.rows: empty range: start 64 > stop 8"),
    ({"constraints": ["sram_bytes <== 2e6"]}, "constraints: cannot parse 'sram_bytes <== 2e6'"),
    ({"samplr": "lhs"}, "samplr: unknown field (did you mean 'sampler'?)"),
])
def test_bad_sweep_files_exit_2_with_one_line(tmp_path, change, message):
    spec = write_spec(tmp_path, **change)
    run = hwsim("sweep", str(spec), "-o", str(tmp_path / "r.csv"))
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hwsim: error: ") and message in lines[0]
    assert not (tmp_path / "r.csv.parts").exists()  # nothing started


def test_bad_output_suffix_and_report_input(tmp_path):
    run = hwsim("sweep", str(write_spec(tmp_path)), "-o", str(tmp_path / "r.json"))
    assert run.returncode == 2 and "expected an output ending in .csv or .parquet" in run.stderr
    run = hwsim("sweep", str(write_spec(tmp_path)), "-o", str(tmp_path / "r.csv"),
                "--scheduler", "tcp://127.0.0.1:8786")
    assert run.returncode == 2 and "expected --backend dask with --scheduler" in run.stderr
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    run = hwsim("report", str(tmp_path / "x.csv"), "-o", str(tmp_path / "rep"))
    assert run.returncode == 2 and "expected a sweep results table" in run.stderr


def test_sigkill_mid_sweep_then_resume_matches_an_uninterrupted_run(tmp_path):
    # 64 one-design chunks: the first lands long before the last
    space = {"compute.rows": [8, 16, 32, 64], "compute.cols": [16, 128],
             "compute.dataflow": ["os", "ws"], "memory.sram.unified.size_kib": [256, 8192]}
    spec = write_spec(tmp_path, chunk_size=1, space=space | {"compute.clock_mhz": [700, 900]})
    out = tmp_path / "r.csv"
    parts = tmp_path / "r.csv.parts"
    args = [sys.executable, "-m", "hwsim", "sweep", str(spec), "-o", str(out), "--no-progress"]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(parts.glob("chunk_*.npz")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    finished = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in parts.glob("chunk_*.npz")}
    assert 0 < len(finished) < 64, len(finished)  # killed mid-sweep
    assert not out.exists()

    rerun = hwsim("sweep", str(spec), "-o", str(out), "--no-progress")
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(finished)} of 64 chunks already done" in rerun.stderr
    for path, stamp in finished.items():  # finished chunks were not recomputed
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp
    assert not list(parts.glob("*.tmp"))

    whole = hwsim_sweep(**load_sweep(spec).arguments(), output=tmp_path / "clean.csv")
    assert out.read_text() == (tmp_path / "clean.csv").read_text() == whole.to_csv()
    assert read_table(out)["design"].tolist() == list(range(64))  # no row lost or doubled


def test_a_different_sweep_in_the_same_output_is_refused(tmp_path):
    out = tmp_path / "r.csv"
    assert hwsim("sweep", str(write_spec(tmp_path)), "-o", str(out)).returncode == 0
    other = write_spec(tmp_path, space={"compute.rows": [16, 32]})
    run = hwsim("sweep", str(other), "-o", str(out))
    assert run.returncode == 2 and "holds the chunks of a different sweep" in run.stderr


def test_training_keys_become_one_training_config(tmp_path):
    spec = write_spec(tmp_path, training=True, optimizer="adam", iterations=40,
                      schedule={"kind": "cyclic", "bits": "3:8", "grad_bits": 8, "cycles": 4})
    training = load_sweep(spec).arguments()["training"]
    assert (training.optimizer, training.iterations) == ("adam", 40)
    assert (training.schedule.kind, training.schedule.bits, training.schedule.cycles) == \
        ("cyclic", (3, 8), 4)
    assert "training" not in load_sweep(write_spec(tmp_path)).arguments()  # inference


@pytest.mark.parametrize("change, line", [
    ({"schedule": {"kind": "static", "bits": 8}}, "training: a schedule needs training: true"),
    ({"iterations": 5}, "iterations: expected training: true with iterations, got 5 iterations "
                        "of an inference"),
])
def test_training_keys_without_training_are_refused(tmp_path, change, line):
    spec = write_spec(tmp_path, **change)
    with pytest.raises(SpecError) as err:
        load_sweep(spec)
    assert str(err.value) == f"{spec}: {line}"
