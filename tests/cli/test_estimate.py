"""`hwsim estimate` and `hwsim convert` end to end, as a user runs them (subprocess)."""

from __future__ import annotations

import csv
import json
import math

import pytest

from hwsim.api import shipped_arch_names
from tests_paths import SCALESIM_UPSTREAM, WORKLOADS, assert_one_line_error
from tests_paths import run_hwsim as hwsim


CASES = [("workloads/resnet18.yaml", arch) for arch in shipped_arch_names()] + [
    ("workloads/resnet50.yaml", "tpu_like"), ("workloads/scalesim/resnet18.csv", "tpu_like"),
    ("workloads/scalesim/resnet18.csv", "scalesim_default")]


@pytest.mark.parametrize(("workload", "arch"), CASES)
def test_estimate_shipped_workloads_on_every_arch(workload, arch):
    """Every shipped arch runs ResNet-18 (the LNS array in its LNS format); the other workloads
    run on the default arch (estimate on every zoo workload x arch: tests/unit/test_zoo.py)."""
    lns = ["--precision", "w=lns8_f3,a=lns8_f3,g=lns8_f3"] if arch.startswith("lns") else []
    run = hwsim("estimate", workload, "--arch", arch, "--json", *lns)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["arch"] == arch and result["mode"] == "inference"
    assert result["totals"]["cycles"] == sum(x["cycles"]["total"] for x in result["layers"])
    assert result["totals"]["macs"] == sum(x["macs"] for x in result["layers"])
    assert len(result["inputs"]["workload_sha256"]) == 64
    assert math.isclose(result["totals"]["energy_pj"],
                        sum(result["totals"]["energy_breakdown_pj"].values()))
    assert math.isclose(result["totals"]["energy_pj"],
                        sum(x["total_energy_pj"] for x in result["layers"]))


def test_default_arch_is_the_workloads_then_tpu_like(tmp_path):
    run = hwsim("estimate", "workloads/resnet50.yaml", "--json")
    assert json.loads(run.stdout)["arch"] == "tpu_like"
    table = hwsim("estimate", str(WORKLOADS / "resnet18.yaml"), cwd=tmp_path)
    assert table.returncode == 0 and "total_cycles" in table.stdout and "TOTAL" in table.stdout


def test_batch_override_scales_macs():
    one = json.loads(hwsim("estimate", "workloads/resnet18.yaml", "--json").stdout)
    four = json.loads(hwsim("estimate", "workloads/resnet18.yaml", "--json",
                            "--batch", "4").stdout)
    assert four["totals"]["macs"] == 4 * one["totals"]["macs"] and four["batch"] == 4


def test_csv_output(tmp_path):
    out = tmp_path / "r.csv"
    run = hwsim("estimate", "workloads/resnet18.yaml", "--csv", str(out))
    assert run.returncode == 0
    rows = list(csv.DictReader(out.open()))
    # ResNet-18's conv1: 7x7/2, pad 3 on 224x224x3 -> 112x112 outputs x 64 filters x 7*7*3 = 147
    assert rows[0]["name"] == "conv1" and int(rows[0]["macs"]) == 112 * 112 * 64 * 147


def test_scalesim_inputs_directly_match_its_calc_golden():
    """The upstream CALC golden run (AlexNet conv1, calc_ws.cfg): Total Cycles 112283, SRAM
    reads and writes as upstream/calc/DETAILED_ACCESS_REPORT.csv prints them (derived in
    tests/unit/test_kernels_systolic.py::test_upstream_calc_golden_layer)."""
    run = hwsim("estimate", str(SCALESIM_UPSTREAM / "alexnet_part.csv"), "--arch",
                str(SCALESIM_UPSTREAM / "calc_ws.cfg"), "--json")
    layer = json.loads(run.stdout)["layers"][0]
    assert layer["cycles"]["compute"] == 112283
    assert (layer["sram_reads"]["ifmap"], layer["sram_reads"]["filter"],
            layer["sram_writes"]["ofmap"]) == (3294225, 34848, 3484800)


def test_convert_scalesim_round_trip(tmp_path):
    cfg, topo = SCALESIM_UPSTREAM / "calc_ws.cfg", WORKLOADS / "scalesim" / "resnet18.csv"
    assert hwsim("convert", "scalesim", str(cfg), str(topo), "-o", str(tmp_path)).returncode == 0
    direct = json.loads(hwsim("estimate", str(topo), "--arch", str(cfg), "--json").stdout)
    converted = json.loads(hwsim("estimate", str(tmp_path / "resnet18.yaml"), "--arch",
                                 str(tmp_path / "calc_ws.yaml"), "--json").stdout)
    assert direct["totals"] == converted["totals"]


@pytest.mark.parametrize(("args", "message"), [
    (["estimate", "missing.yaml"], "missing.yaml: cannot read file"),
    (["estimate", "workloads/resnet18.yaml", "--arch", "tpu_lik"],
     f"tpu_lik: no such file or shipped arch; expected a path or one of "
     f"{', '.join(shipped_arch_names())} (did you mean 'tpu_like'?)"),
    (["estimate", "workloads/resnet18.yaml", "--batch", "0"],
     "--batch: expected a positive integer, got 0"),
    (["estimate"], "the following arguments are required: workload"),
])
def test_bad_input_one_line_exit_2(args, message):
    assert_one_line_error(hwsim(*args), message)


def test_bad_spec_file_keeps_existing_csv(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: b\nsource: t\nlayers:\n  - {name: m, op: matmul, M: 4, "
                   "N: 4, K: -1}\n")
    out = tmp_path / "keep.csv"
    out.write_text("previous results\n")
    run = hwsim("estimate", str(bad), "--csv", str(out))
    assert run.returncode == 2
    assert run.stderr.strip() == f"hwsim: error: {bad}:5: layers[0].K: expected a positive " \
                                 "integer, got -1"
    assert out.read_text() == "previous results\n"


def test_train_step_json_has_every_pass():
    run = hwsim("estimate", "workloads/resnet18.yaml", "--train", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["mode"] == "training"
    assert {x["pass"] for x in result["layers"]} == {"fwd", "dgrad", "wgrad", "update"}
    assert result["totals"]["bitops"] == sum(x["bitops"] for x in result["layers"])


def test_train_step_reports_memory_and_compression():
    """Stored at int2 (--precision s=int2) the saved activations shrink and compression work
    appears; the JSON carries the memory keys with units in their names."""
    plain = json.loads(hwsim("estimate", "workloads/resnet18.yaml", "--train", "--json",
                             "--device-memory-gib", "16").stdout)["totals"]
    packed = json.loads(hwsim("estimate", "workloads/resnet18.yaml", "--train", "--json",
                              "--device-memory-gib", "16", "--precision", "s=int2").stdout)
    totals = packed["totals"]
    assert totals["model_state_bytes"] == plain["model_state_bytes"]
    assert totals["activation_bytes"] < plain["activation_bytes"]
    assert totals["max_batch"] > plain["max_batch"]
    assert totals["peak_memory_bytes"] <= plain["peak_memory_bytes"]
    assert totals["activation_compression"]["cycles"] > 0
    assert any(x["name"] == "conv1.compress" for x in packed["layers"])


def test_distributed_step_json_names_units():
    run = hwsim("estimate", "workloads/resnet18.yaml", "--train", "--optimizer", "adam",
                "--precision", "w=fp16,a=fp16,g=fp16", "--arch", "baseline_fp8", "--devices", "8",
                "--parallel", "zero2", "--link-gbps", "25", "--comm-grad-bits", "8",
                "--device-memory-gib", "16", "--json")
    assert run.returncode == 0, run.stderr
    totals = json.loads(run.stdout)["totals"]
    for key in ("model_state_bytes", "activation_bytes", "peak_memory_bytes", "comm_bytes",
                "comm_s", "exposed_comm_s", "compute_s", "step_s", "energy_pj", "max_batch"):
        assert key in totals
    assert totals["step_s"] == pytest.approx(totals["compute_s"] + totals["exposed_comm_s"])


def test_cyclic_schedule_whole_training(tmp_path):
    run = hwsim("estimate", "workloads/resnet18.yaml", "--arch", "tpu_like", "--train",
                "--schedule", "cyclic", "--bits", "3:8", "--grad-bits", "8",
                "--iterations", "64000", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert sum(g["iterations"] for g in out["groups"]) == 64000
    assert out["totals"]["bitops"] == sum(g["iterations"] * g["step"]["bitops"]
                                          for g in out["groups"])


def test_policy_rule_matching_nothing_warns(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\ndefault: {weights: int4}\nrules:\n"
                      "  - {layers: 'nosuch*', weights: int8}\n")
    run = hwsim("estimate", "workloads/resnet18.yaml", "--policy", str(policy))
    assert run.returncode == 0
    assert "policy rule layers='nosuch*' matches no layer of resnet18" in run.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--train", "--schedule", "cyclic", "--bits", "8:3"], "min <= max"),
    (["--train", "--iterations", "0"], "--iterations: expected a positive integer, got 0"),
    (["--precision", "w=int0"], "--precision: expected a number format"),
    (["--schedule", "static", "--bits", "8", "--iterations", "5"], "expected --train"),
    (["--device-memory-gib", "16"], "--device-memory-gib: expected --train"),
    (["--train", "--device-memory-gib", "-1"], "expected a positive size, got -1.0"),
    (["--train", "--division", "block=0"], "--division: block: expected an integer in 1..65536"),
    (["--train", "--precision", "s=int0"], "--precision: expected a number format"),
    # resnet18's int8 weights alone are 11.7 MB (parameters x 1 byte): 0.001 GiB cannot hold them;
    # 0.001 GiB = 0.001 x 2^30 = 1073741.8 bytes, printed to the nearest byte
    (["--train", "--device-memory-gib", "0.001"], "to train at batch 1, got 1073742 bytes"),
    (["--devices", "8"], "--devices: expected --train"),
    (["--train", "--devices", "0"], "--devices: expected a positive integer, got 0"),
    (["--train", "--devices", "4", "--iterations", "9"], "expected one training step"),
    (["--train", "--devices", "8", "--parallel", "pp:3"], "expected a divisor of the 8 devices"),
    (["--train", "--devices", "128", "--parallel", "pp:128"],  # resnet18 has 68 layers
     "expected at most the workload's 68 layers, got 128"),
    (["--train", "--devices", "8", "--comm-grad-bits", "33"], "expected bits in 1..32, got 33"),
    (["--train", "--devices", "8", "--link-gbps", "0"],
     "--link-gbps: expected a finite number > 0, got 0.0"),
    (["--train", "--devices", "8", "--link-latency-us", "-1"],
     "--link-latency-us: expected a finite number >= 0, got -1.0"),
])
def test_bad_training_flags(args, message):
    run = hwsim("estimate", "workloads/resnet18.yaml", *args)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize(("args", "line"), [
    (["--parallel", "pp:3"], "--parallel: stages: expected a divisor of the 8 devices, got 3"),
    (["--parallel", "zero9"],
     "--parallel: expected dp, zero1, zero2, zero3 or pp:STAGES, got 'zero9'"),
    (["--comm-act-bits", "0"], "--comm-act-bits: expected bits in 1..32, got 0"),
    # --stage-cut conv1 matches one layer (the first), so one cut point and at most 2 stages
    (["--parallel", "pp:4", "--stage-cut", "conv1"],
     "--parallel: stages: expected at most 2 stages: the workload has 1 cut points "
     "(--stage-cut), got 4"),
])
def test_library_errors_name_the_flags(args, line):
    """The library names its parameters (`parallelism: stages`); the command line prints the
    flags that set them."""
    run = hwsim("estimate", "workloads/resnet18.yaml", "--train", "--devices", "8", *args)
    assert run.returncode == 2 and run.stderr == f"hwsim: error: {line}\n"


def test_total_beyond_int64_refused_in_one_line(tmp_path):
    # 40 layers of 2^16 x 2^16 x 2^16 = 2^48 MACs (the most a layer may hold) at fp32 x fp32:
    # 2^58 BitOPs each, 40 * 2^58 = 1.2e19 in total, beyond int64's 2^63 - 1 = 9.2e18
    path = tmp_path / "w.yaml"
    path.write_text("version: 1\nname: w\nsource: t\nprecision: {weights: fp32, "
                    "activations: fp32, accumulator: fp32}\nlayers:\n" +
                    "".join(f"- {{name: l{i}, op: matmul, M: 65536, N: 65536, K: 65536}}\n"
                            for i in range(40)))
    run = hwsim("estimate", str(path), "--arch", "baseline_fp32")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == f"hwsim: error: {path}: totals: bitops = 1.2e19 exceeds the " \
                                 "int64 range of the count model"
