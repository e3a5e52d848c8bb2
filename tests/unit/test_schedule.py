"""Precision schedules, and CPT's published cost savings reproduced from the schedule alone."""

from __future__ import annotations

import numpy as np
import pytest

from hwsim.training_config import TrainingConfig
from hwsim.api import load_arch
from hwsim.precision import TensorPrecision
from hwsim.precision.schedule import Schedule, ScheduleError, iteration_groups
from hwsim.spec.workload import Linear, VectorOp, Workload
from hwsim.training_run import training_run


def cpt_reference(bmin, bmax, gmin, gmax, iterations, cycles):
    """CPT's cyclic_adjust_precision, line for line, one Python call per iteration."""
    period = int(iterations / cycles)
    out = []
    for i in range(iterations):
        b = np.rint(bmin + 0.5 * (bmax - bmin) * (1 + np.cos(np.pi * ((i % period) / period)
                                                             + np.pi)))
        g = np.rint(gmin + 0.5 * (gmax - gmin) * (1 + np.cos(np.pi * ((i % period) / period)
                                                             + np.pi)))
        out.append((int(b), int(g)))
    return out


def test_cyclic_matches_cpt_code_iteration_by_iteration():
    bits, grad = Schedule("cyclic", (3, 8), (6, 8), cycles=7).per_iteration(1000)
    assert list(zip(bits.tolist(), grad.tolist(), strict=True)) == \
        cpt_reference(3, 8, 6, 8, 1000, 7)


def test_groups_count_every_iteration_once():
    groups = iteration_groups(Schedule("cyclic", (3, 8), (8, 8)), 64000)
    assert sum(c for _, _, c in groups) == 64000
    assert sorted(b for b, _, _ in groups) == [3, 4, 5, 6, 7, 8]


def test_linear_and_list_schedules():
    bits, _ = Schedule("linear", (4, 8), (8,)).per_iteration(5)
    assert bits.tolist() == [4, 5, 6, 7, 8]
    bits, _ = Schedule("list", (8, 6, 4), (8,)).per_iteration(6)
    assert bits.tolist() == [8, 8, 6, 6, 4, 4]


@pytest.mark.parametrize(("kind", "bits", "grad", "message"), [
    ("cyclic", (8, 3), (8, 8), "min <= max"), ("static", (0,), (8,), "between 1 and 64"),
    ("cubic", (8,), (8,), "expected a schedule among")])
def test_bad_schedules(kind, bits, grad, message):
    with pytest.raises(ScheduleError, match=message):
        Schedule(kind, bits, grad)


def test_bad_iteration_counts():
    with pytest.raises(ScheduleError, match="positive number of iterations"):
        Schedule("static", (8,), (8,)).per_iteration(0)
    with pytest.raises(ScheduleError, match="at least as many iterations as cycles"):
        Schedule("cyclic", (3, 8), (8, 8), cycles=32).per_iteration(10)


def mlp() -> Workload:
    """Linear layers: forward, backward-data and backward-weight have equal MAC counts, which is
    the accounting of CPT's cost counter ((fw + eb + gc) / 3 with fw = b*b, eb = gc = b*g).
    An identity op stands for the input, which needs no gradient, so fc1 keeps its
    backward-data pass as the counter assumes."""
    layers = (VectorOp("input", "identity", 1, 0), Linear("fc1", 512, 512, rows=64),
              Linear("fc2", 512, 256, rows=64))
    return Workload("mlp", "test", 1, TensorPrecision.default(), layers)


def bitops_saving(bits, grad, iterations):
    arch = load_arch("scalesim_default")
    cyclic = training_run(mlp(), arch, TrainingConfig(
        iterations=iterations, schedule=Schedule("cyclic", bits, grad)))
    static = training_run(mlp(), arch, TrainingConfig(
        iterations=iterations, schedule=Schedule("static", (bits[1],), (grad[1],))))
    return 100 * (cyclic.totals()["bitops"] / static.totals()["bitops"] - 1)


@pytest.mark.parametrize(("bits", "grad", "paper_pct"), [
    # Fu et al., "CPT: Efficient Deep Neural Network Training via Cyclic Precision", ICLR 2021,
    # CIFAR-10/100 tables: 3-8/8 saves 36.67% of training cost, 3-6/6 saves 30.04%
    # (64,000 iterations, N = 32 cycles, as its cpt_cifar defaults).
    ((3, 8), (8, 8), -36.67), ((3, 6), (6, 6), -30.04)])
def test_cpt_cifar_savings(bits, grad, paper_pct):
    assert abs(bitops_saving(bits, grad, 64000) - paper_pct) < 0.05


@pytest.mark.parametrize(("bits", "grad", "computed_pct"), [
    # ImageNet (90 epochs x 5005 iterations of batch 256, N = 32): the schedule alone gives
    # -30.10% (4-8/8) and -20.68% (4-6/6); the paper reports -30.2 to -30.4% and -20.7 to
    # -21.1% per model. The formula and counter are the same code, so the 0.1-0.4 point gap
    # is not from the schedule (see reports/precision.md). Derivation: with b_i, g from
    # cpt_reference(bmin, bmax, g, g, 450450, 32), the saving is
    # mean_i(b_i^2 + 2 b_i g) / (bmax^2 + 2 bmax g) - 1 = -30.097% and -20.683%; the same
    # expression gives the CIFAR rows above, -36.673% and -30.046%.
    ((4, 8), (8, 8), -30.10), ((4, 6), (6, 6), -20.68)])
def test_cpt_imagenet_schedule_alone(bits, grad, computed_pct):
    assert abs(bitops_saving(bits, grad, 90 * 5005) - computed_pct) < 0.01
