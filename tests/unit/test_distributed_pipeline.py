"""Pipeline partitioning (exact), GPipe time and bubble, boundary traffic, in-flight memory."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hwsim.distributed.link import Link
from hwsim.distributed.pipeline import (Boundary, boundary, bubble_fraction, gpipe_time_s,
                                        in_flight, p2p_step_s, partition_layers,
                                        stage_activation_bytes)
from hwsim.spec.errors import SpecError


def brute_force_slowest(costs: list[float], stages: int) -> float:
    """Slowest stage of the best split, trying every set of stages - 1 cut points."""
    n = len(costs)
    return min(max(sum(costs[a:b]) for a, b in itertools.pairwise((0, *cuts, n)))
               for cuts in itertools.combinations(range(1, n), stages - 1))


def test_partition_is_optimal_against_brute_force():
    rng = np.random.default_rng(20240611)
    for _ in range(300):
        n = int(rng.integers(1, 9))
        p = int(rng.integers(1, n + 1))
        integral = bool(rng.integers(0, 2))   # integers sum exactly; floats within rounding
        costs = (rng.integers(0, 10, n) if integral else rng.random(n)).astype(float).tolist()
        part = partition_layers(costs, p)
        assert part.slowest_stage_s == pytest.approx(brute_force_slowest(costs, p),
                                                     rel=0 if integral else 1e-12)
        # The reported split is that partition: p non-empty stages whose sums are stage_s.
        bounds = (*part.starts, n)
        assert part.starts[0] == 0 and len(part.starts) == p
        assert all(a < b for a, b in itertools.pairwise(bounds))
        assert part.stage_s == pytest.approx([sum(costs[a:b])
                                              for a, b in itertools.pairwise(bounds)])


def test_partition_of_one_to_nine_in_three_stages():
    # 1..9 sums to 45. If 9 is alone, 1..8 (36) in two stages needs >= 18; with 8 and 9 together
    # (17) the rest, 1..7 (28), splits as 1..5 (15) and 6..7 (13): the optimum is 17.
    part = partition_layers(list(range(1, 10)), 3)
    assert part.slowest_stage_s == 17
    assert part.stage_s == (15, 13, 17)


@pytest.mark.parametrize(("costs", "stages", "message"), [
    ([1.0, 2.0, 3.0], 4, "stages: expected at most the number of layers \\(3\\), got 4"),
    ([1.0, 2.0, 3.0], 0, "stages: expected an integer >= 1, got 0"),
    ([1.0, -2.0], 1, "layer_s: expected a list of finite times >= 0"),
])
def test_bad_partitions(costs, stages, message):
    with pytest.raises(SpecError, match=message):
        partition_layers(costs, stages)


def test_gpipe_time_and_bubble():
    # p = 4, m = 8, slowest stage 0.5 s per micro-batch: (8 + 4 - 1) * 0.5 = 5.5 s,
    # of which (4 - 1) * 0.5 = 1.5 s idle: bubble fraction 3 / 11.
    assert gpipe_time_s(0.5, 4, 8) == 5.5
    assert bubble_fraction(4, 8) == pytest.approx(3 / 11)
    # One stage is no pipeline: m slots, no bubble.
    assert (gpipe_time_s(0.5, 1, 8), bubble_fraction(1, 8)) == (4.0, 0.0)


def test_boundary_bytes_at_their_own_bits_and_p2p_time():
    # A GPT2-XL boundary (DS3Lab/AC-SGD run_lm.sh: micro-batch 1, sequence 1024, hidden 1600):
    # 1,638,400 values; forward at 4 bits = 819,200 bytes, backward at 8 bits = 1,638,400.
    b = boundary(1 * 1024 * 1600, activation_bits=4, gradient_bits=8)
    assert (b.forward_bytes, b.backward_bytes) == (819_200, 1_638_400)
    # 100 Mbit/s, no latency, m = 8: 8 * (819,200 + 1,638,400) * 8 bits / 1e8 = 1.572864 s.
    # A second, smaller boundary runs on its own link at the same time: the busiest decides.
    small = Boundary(1.0, 1.0)
    assert p2p_step_s([b, small], Link(0.1), 8) == pytest.approx(1.572864, rel=1e-12)
    assert p2p_step_s([], Link(0.1), 8) == 0.0


def test_in_flight_micro_batches_gpipe_and_1f1b():
    # GPipe keeps all m; 1F1B stage s keeps min(p - s, m): p = 4 -> 4, 3, 2, 1 (m = 8),
    # and 2, 2, 2, 1 with only m = 2 micro-batches.
    assert in_flight("gpipe", 4, 8) == (8, 8, 8, 8)
    assert in_flight("1f1b", 4, 8) == (4, 3, 2, 1)
    assert in_flight("1f1b", 4, 2) == (2, 2, 2, 1)


def test_stage_activation_bytes():
    # Saved bytes per micro-batch 100, 200, 300, 400 on p = 4 stages, m = 8:
    # 1F1B holds 4, 3, 2, 1 -> 400, 600, 600, 400; GPipe holds 8 each -> 800 ... 3200.
    saved = [100.0, 200.0, 300.0, 400.0]
    assert stage_activation_bytes(saved, "1f1b", 8) == (400, 600, 600, 400)
    assert stage_activation_bytes(saved, "gpipe", 8) == (800, 1600, 2400, 3200)
    with pytest.raises(SpecError, match="schedule: expected one of gpipe, 1f1b, got 'zb'"):
        stage_activation_bytes(saved, "zb", 8)


def test_bad_bits_and_micro_batches():
    with pytest.raises(SpecError, match="activation_bits: expected an integer number of bits "
                                        "from 1 to 32, got 0"):
        boundary(10, 0, 8)
    with pytest.raises(SpecError, match="micro_batches: expected an integer >= 1, got 0"):
        bubble_fraction(4, 0)
