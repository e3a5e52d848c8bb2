"""`hwsim.sweep` end to end in-process: rows equal `estimate` / `training_run` design by design,
chunking does not change results, bad input fails before any evaluation."""

from __future__ import annotations

import numpy as np
import pytest

import hwsim
from hwsim.api import estimate, load_arch, load_workload
from hwsim.area import arch_area
from hwsim.precision import parse_format
from hwsim.spec.policy import Policy, Rule
from hwsim.precision.schedule import Schedule
from hwsim.spec.errors import SpecError
from hwsim.sweep import design, read_table
from hwsim.training_config import TrainingConfig
from hwsim.training_run import training_run
from tests_paths import WORKLOADS

SPACE = {"compute.rows": [16, 64], "compute.dataflow": ["os", "ws", "is"],
         "memory.sram.unified.size_kib": [256, 4096],
         "precision.weights": ["int4", "int8"], "precision.rules.first.weights": [8]}


@pytest.fixture(scope="module")
def resnet18():
    return load_workload(WORKLOADS / "resnet18.yaml")


def _arch_and_policy(table, i, base):
    row = table.row(i)
    arch = design.apply_arch(base, {p: row[p] for p in table.parameters
                                    if not p.startswith(("precision", "schedule", "workload"))})
    policy = design.policy_for(Policy({}), {p: row[p] for p in table.parameters
                                            if p.startswith("precision")})
    return row, arch, policy


def test_inference_rows_equal_estimate(resnet18):
    base = load_arch("tpu_like")
    table = hwsim.sweep(resnet18, base, SPACE, constraints=["sram_bytes <= 1e6"], chunk_size=5)
    assert len(table) == 2 * 3 * 2 * 2 and table["design"].tolist() == list(range(24))
    for i in (0, 7, 13, 23):
        row, arch, policy = _arch_and_policy(table, i, base)
        totals = estimate(policy.apply(resnet18), arch).totals()
        for key in ("cycles", "compute_cycles", "stall_cycles", "macs", "bitops"):
            assert row[key] == totals[key], key
        assert row["dram_bytes"] == totals["dram_bytes_total"]
        assert row["energy_pj"] == pytest.approx(totals["energy_pj"], rel=1e-12)
        for component, value in totals["energy_breakdown_pj"].items():
            assert row[f"energy_{component}_pj"] == pytest.approx(value, rel=1e-12)
        assert row["latency_s"] == pytest.approx(totals["latency_s"], rel=1e-15)
        assert row["utilization"] == pytest.approx(totals["utilization"], rel=1e-12)
        # derived: EDP = E x t; TOPS/W = 2 MACs / (E in pJ) (two operations per MAC)
        assert row["edp_pj_s"] == pytest.approx(totals["energy_pj"] * totals["latency_s"])
        assert row["tops_per_w"] == pytest.approx(2 * totals["macs"] / totals["energy_pj"])
        assert row["sram_bytes"] == row["memory.sram.unified.size_kib"] * 1024
        assert row["area_mm2"] == arch_area(arch).total_mm2
        assert row["feasible"] == (row["sram_bytes"] <= 1e6)


def test_training_with_schedule_equals_training_run(resnet18):
    base = load_arch("scalesim_default")
    space = {"compute.cols": [8, 32], "schedule.bits": ["3:8", "4:6"],
             "precision.rules.last.weights": ["int8"]}
    table = hwsim.sweep(resnet18, base, space, batch=2, training=TrainingConfig(
        "adam", iterations=64, schedule=Schedule("cyclic", (3, 8), (8, 8), 4)))
    assert len(table) == 2 * 2  # compute.cols x schedule.bits (one rule value)
    for i in range(len(table)):
        row, arch, policy = _arch_and_policy(table, i, base)
        schedule = design.schedule_for(Schedule("cyclic", (3, 8), (8, 8), 4),
                                       {"schedule.bits": row["schedule.bits"]})
        run = training_run(resnet18, arch, TrainingConfig("adam", iterations=64,
                                                          schedule=schedule),
                           policy=policy, batch=2).totals()
        for key in ("cycles", "macs", "bitops"):
            assert row[key] == run[key], key
        assert row["energy_pj"] == pytest.approx(run["energy_pj"], rel=1e-12)
        assert row["latency_s"] == pytest.approx(run["latency_s"], rel=1e-15)


def test_chunking_and_order_do_not_change_rows(resnet18, tmp_path):
    base = load_arch("tpu_like")
    one = hwsim.sweep(resnet18, base, SPACE, chunk_size=1000)
    many = hwsim.sweep(resnet18, base, SPACE, chunk_size=7, output=tmp_path / "r.csv")
    assert list(one) == list(many)
    for name in one:
        assert one[name].tolist() == many[name].tolist(), name
    # the CSV written reads back to the same values (shortest round-trip floats)
    back = read_table(tmp_path / "r.csv")
    for name in one:
        assert back[name].tolist() == one[name].tolist(), name


def test_parquet_round_trip(resnet18, tmp_path):
    pytest.importorskip("pyarrow")
    table = hwsim.sweep(resnet18, "tpu_like", {"compute.rows": [32, 64],
                                               "compute.dataflow": ["os"]},
                        output=tmp_path / "r.parquet")
    back = read_table(tmp_path / "r.parquet")
    for name in table:
        assert back[name].tolist() == table[name].tolist(), name
        assert back[name].dtype.kind == table[name].dtype.kind, name
    assert back.row(1) == table.row(1)


def test_pareto_and_feasible_columns(resnet18):
    table = hwsim.sweep(resnet18, "tpu_like", SPACE, objectives=["energy_pj", "latency_s"],
                        constraints=["sram_bytes <= 1e6"])
    ok = table["feasible"]
    assert ok.sum() == len(table) // 2  # the 256 KiB half of the buffer sizes
    front = table["pareto"]
    assert front.any() and not (front & ~ok).any()
    energy, latency = table["energy_pj"], table["latency_s"]
    for i in np.flatnonzero(ok):  # front rows are exactly the non-dominated feasible rows
        others = ok & (energy <= energy[i]) & (latency <= latency[i]) & \
            ((energy < energy[i]) | (latency < latency[i]))
        assert front[i] == (not others.any())


def test_area_constraint_and_objective(resnet18):
    """tpu_like at 16 nm (area factor 0.19 from 45 nm): a PE executes int8 and bf16, so it is
    the bf16 PE: the 16-bit integer PE (2203.24 um^2) x (bf16 mult 872.34 + add 859.65) /
    (16x16 int mult 992.77 + add 67) = 3600.75 um^2 at 45 nm (hwsim/unit_area/pe.py); the 16 MiB
    buffer (1024 16 KiB macros of 0.108577 mm^2) and 128 fp32 vector lanes (7700 + 4184 um^2
    each) add 21.414 mm^2 at 16 nm. 16x16 PEs: 21.414 + 256 x 3600.75e-6 x 0.19 = 21.59 mm^2;
    16x64: 22.11; 64x64: 24.22. Only the 16x16 design fits 22 mm^2."""
    space = {"compute.rows": [16, 64], "compute.cols": [16, 64]}
    table = hwsim.sweep(resnet18, "tpu_like", space, objectives=["latency_s", "area_mm2"],
                        constraints=["area_mm2 <= 22"])
    pes = table["compute.rows"] * table["compute.cols"]
    expected = (1024 * 0.108577 + 128 * 11884e-6 + pes * 3600.75e-6) * 0.19
    assert table["area_mm2"] == pytest.approx(expected, rel=1e-6)
    assert table["feasible"].tolist() == (pes == 256).tolist()
    assert table["pareto"].tolist() == (pes == 256).tolist()


@pytest.mark.parametrize("kwargs, message", [
    ({"space": {"compute.rowz": [8]}}, "did you mean 'compute.rows'"),
    ({"space": {"compute.rows": []}}, "got an empty list"),
    ({"space": {"compute.rows": {"start": 9, "stop": 8, "step": 1}}}, "empty range"),
    ({"space": {"compute.rows": [8]}, "constraints": ["sram_bytes <= 2e6 and 1"]},
     "cannot parse"),
    ({"space": {"compute.rows": [8]}, "objectives": ["energy"]}, "unknown objective"),
    ({"space": {"compute.dataflow": ["ws", "rs"]}}, "value 'rs': compute.dataflow"),
    ({"space": {"precision.weights": ["int4", "int99"]}}, "expected a number format"),
    ({"space": {"schedule.bits": [8]}}, "a schedule needs training: true"),
    ({"space": {"compute.rows": [8]}, "backend": "ray"}, "expected one of local, dask"),
    ({"space": {"compute.rows": [8]}, "output": "r.txt"}, "expected an output ending in"),
    ({"space": {"compute.native_formats": ["int8"], "compute.unsupported_formats": ["error"],
                "precision.weights": ["int8", "fp16"]}}, "expected a format the array"),
    ({"space": {"compute.kind": ["systolic", "bitfusion"]}},
     "compute.native_formats: expected integer formats on a bitfusion array"),
])
def test_bad_input_fails_before_any_evaluation(resnet18, monkeypatch, kwargs, message):
    from hwsim.sweep import evaluator

    def no_work(*args, **kw):
        raise AssertionError("evaluation started")

    monkeypatch.setattr(evaluator, "run_kernels", no_work)
    with pytest.raises(SpecError, match=message):
        hwsim.sweep(resnet18, "tpu_like", **kwargs)


def test_policy_argument_is_the_base(resnet18):
    base_policy = Policy({"weights": parse_format("int4")},
                         (Rule("first", {"weights": parse_format("int8")}),))
    table = hwsim.sweep(resnet18, "tpu_like", {"precision.activations": ["int4", "int8"]},
                        policy=base_policy)
    arch = load_arch("tpu_like")
    for i, act in enumerate(("int4", "int8")):
        policy = base_policy.with_default({"activations": parse_format(act)})
        assert table["bitops"][i] == estimate(policy.apply(resnet18), arch).totals()["bitops"]


def test_batch_and_glob_rules_equal_estimate(resnet18):
    table = hwsim.sweep(resnet18, "scalesim_default", {
        "workload.batch": [1, 3], "precision.rules[layer4.*].weights": [4, 8]})
    arch = load_arch("scalesim_default")
    for i in range(len(table)):
        row = table.row(i)
        policy = Policy({}, (Rule("layer4.*", {"weights": parse_format(
            f"int{row['precision.rules[layer4.*].weights']}")}),))
        totals = estimate(policy.apply(resnet18), arch, batch=row["workload.batch"]).totals()
        assert (row["cycles"], row["bitops"], row["dram_bytes"]) == \
            (totals["cycles"], totals["bitops"], totals["dram_bytes_total"])
        assert row["energy_pj"] == pytest.approx(totals["energy_pj"], rel=1e-12)
    # the rule changes the bits of layer4's weights only: bitops differ, MACs do not
    assert table["macs"][0] == table["macs"][1] and table["bitops"][0] < table["bitops"][1]
