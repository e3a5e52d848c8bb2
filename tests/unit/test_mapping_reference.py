"""The mapping model's closed forms (`hwsim.kernels.mapping`) against the literal loop-nest
walk of `hwsim.mapping.reference`, on seeded random small problems, designs and mappings: all
three dataflows, with and without accumulator, bypassing operands, unified and per-operand
buffers, plain GEMMs and convolutions (stride, dilation, padding, several images).

Every bit count (per level, operand, read and write), the compute cycles and the capacity
verdict must agree exactly. The widths are distinct primes so that a count landing at the
wrong width cannot agree by accident.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from hwsim.mapping import ConvGeometry, GemmProblem, Mapping, MappingDesign, evaluate
from hwsim.mapping.reference import fold_of, reference_counts
from hwsim.spec.workload import Conv2d

BITS = (3, 5, 7, 11)
DATAFLOWS = ("os", "ws", "is")


def random_conv(rng: random.Random) -> GemmProblem:
    r, s = rng.randint(1, 3), rng.randint(1, 3)
    sh, sw, dh, dw = rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 2), rng.randint(1, 2)
    ph, pw = rng.randint(0, 1), rng.randint(0, 2)
    h, w = rng.randint(dh * (r - 1) + 1, 7), rng.randint(dw * (s - 1) + 1, 7)
    p = (h + 2 * ph - dh * (r - 1) - 1) // sh + 1
    q = (w + 2 * pw - dw * (s - 1) - 1) // sw + 1
    geo = ConvGeometry(rng.randint(1, 2), p, q, r, s, sh, sw, dh, dw, ph, pw,
                       rng.randint(1, 3), h, w)
    m, k = geo.gemm
    return GemmProblem(m, rng.randint(1, 7), k, BITS, conv=geo)


def random_problem(rng: random.Random) -> GemmProblem:
    if rng.random() < 0.5:
        return random_conv(rng)
    return GemmProblem(rng.randint(1, 20), rng.randint(1, 20), rng.randint(1, 20), BITS)


def random_design(rng: random.Random, dataflow: str) -> MappingDesign:
    unified = rng.random() < 0.5
    cap = rng.choice([1e9, rng.uniform(50, 3000)])
    return MappingDesign(rng.randint(1, 5), rng.randint(1, 5), dataflow,
                         buffer_holds=(rng.random() < 0.7, rng.random() < 0.7,
                                       rng.random() < 0.7),
                         unified=unified, buffer_bits=(cap, cap, cap),
                         accumulator_bits=rng.choice([0.0, 1e9, rng.uniform(20, 400)]),
                         double_buffer=rng.random() < 0.5,
                         double_buffer_accumulator=rng.random() < 0.5)


def random_mapping(rng: random.Random, problem: GemmProblem, design: MappingDesign) -> Mapping:
    mnk = (problem.M, problem.N, problem.K)
    t_dim = {"os": 2, "ws": 0, "is": 1}[design.dataflow]
    t0 = rng.randint(1, mnk[t_dim])
    fold = fold_of(problem, design, t0)
    m, n, k = (min(e, f * rng.randint(1, -(-e // f) + 1)) for e, f in zip(mnk, fold,
                                                                          strict=True))
    return Mapping(t0, (m, n, k), (rng.randint(0, 2), rng.randint(0, 2)))


def reference_fits(problem: GemmProblem, design: MappingDesign, ref) -> bool:
    db = 2 if design.double_buffer else 1
    need = [b * db for b, held in zip(ref.buffer_tile_bits, design.buffer_holds, strict=True)
            if held]
    if design.unified:
        ok = sum(need) <= design.buffer_bits[0]
    else:
        ok = all(b * db <= cap for b, cap, held in zip(ref.buffer_tile_bits, design.buffer_bits,
                                                        design.buffer_holds, strict=True)
                 if held)
    dba = 2 if design.double_buffer_accumulator else 1
    return ok and (design.accumulator_bits == 0 or
                   ref.accumulator_tile_bits * dba <= design.accumulator_bits)



def walk_checked_cases(rng: random.Random, dataflow: str, make_problem):
    """Random (problem, design, mapping, kernel cost, loop-nest walk counts) cases, each
    checked first: the kernel's counts, cycles and fit equal the walk's. Mappings outside the
    space's rules (where the closed forms do not apply) are skipped."""
    while True:
        problem = make_problem(rng)
        design = random_design(rng, dataflow)
        mapping = random_mapping(rng, problem, design)
        cost = evaluate(problem, design, mapping)
        if cost.status == 1:
            continue
        ref = reference_counts(problem, design, mapping)
        np.testing.assert_array_equal(cost.counts_bits, ref.counts_bits,
                                      err_msg=f"{problem} {design} {mapping}")
        assert cost.cycles == ref.cycles
        assert (cost.status == 0) == reference_fits(problem, design, ref), (problem, mapping)
        yield problem, design, mapping, cost, ref

@pytest.mark.parametrize("dataflow", DATAFLOWS)
def test_closed_forms_match_the_loop_nest_walk(dataflow):
    rng = random.Random(f"mapping-{dataflow}")
    checked = {"conv": 0, "gemm": 0, "acc": 0, "bypass": 0, "over": 0, "psum_dram": 0}
    for problem, design, _, cost, ref in walk_checked_cases(rng, dataflow, random_problem):
        if checked["conv"] + checked["gemm"] >= 300:
            break
        checked["conv" if problem.conv else "gemm"] += 1
        checked["acc"] += design.accumulator_bits > 0
        checked["bypass"] += not all(design.buffer_holds)
        checked["over"] += cost.status == 2
        checked["psum_dram"] += ref.counts_bits[0, 2, 0] > 0
    assert min(checked.values()) >= 20, checked   # every feature was exercised


@pytest.mark.parametrize("dataflow", DATAFLOWS)
def test_closed_forms_match_the_walk_with_throughput_factors(dataflow):
    """Precision-scalable PEs: a fold spans rows x m_pack (M) or rows x k_pack (K) elements
    along a packed spatial dimension and streams ceil(t / pack) steps of t_steps cycles after
    a preload stretched by `preload`; counts and cycles still agree with the walk."""
    rng = random.Random(f"mapping-factors-{dataflow}")
    checked = {"k_pack": 0, "t_steps": 0, "m_pack": 0, "preload": 0, "t_tiled": 0}
    while min(checked.values()) < 20 or sum(checked.values()) < 150:
        problem = random_problem(rng)
        design = random_design(rng, dataflow)
        factors = (rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3))
        mnk = (problem.M, problem.N, problem.K)
        t_dim = {"os": 2, "ws": 0, "is": 1}[dataflow]
        t0 = rng.randint(1, mnk[t_dim])
        fold = fold_of(problem, design, t0, factors)
        tile = tuple(min(e, f * rng.randint(1, -(-e // f) + 1))
                     for e, f in zip(mnk, fold, strict=True))
        mapping = Mapping(t0, (tile[0], tile[1], tile[2]), (rng.randint(0, 2), rng.randint(0, 2)))
        cost = evaluate(problem, design, mapping, factors=factors)
        if cost.status == 1:
            continue
        ref = reference_counts(problem, design, mapping, factors)
        np.testing.assert_array_equal(cost.counts_bits, ref.counts_bits,
                                      err_msg=f"{problem} {design} {mapping} {factors}")
        assert cost.cycles == ref.cycles, (problem, mapping, factors)
        for name, value in zip(("k_pack", "t_steps", "m_pack", "preload"), factors, strict=True):
            checked[name] += value > 1
        checked["t_tiled"] += t0 < mnk[t_dim]



def random_backward(rng: random.Random, pass_name: str) -> GemmProblem:
    """A backward GEMM of a random small layer: backward-data (A the output gradient read as a
    transposed convolution, M over the input's pixels) or backward-weight (B the im2col view
    of the input, K over the output pixels, N over channels x taps)."""
    r, s = rng.randint(1, 3), rng.randint(1, 3)
    dh, dw, ph, pw = rng.randint(1, 2), rng.randint(1, 2), rng.randint(0, 1), rng.randint(0, 2)
    layer = Conv2d("c", rng.randint(1, 2), rng.randint(1, 3),
                   rng.randint(max(1, dh * (r - 1) + 1 - 2 * ph), 7),
                   rng.randint(max(1, dw * (s - 1) + 1 - 2 * pw), 7), r, s,
                   rng.randint(1, 3), rng.randint(1, 3), ph, pw, dh, dw)
    batch = rng.randint(1, 2)
    if pass_name == "dgrad":
        geo = ConvGeometry.dgrad_of_layer(layer, batch)
        m, k = geo.gemm
        return GemmProblem(m, rng.randint(1, 7), k, BITS, conv=geo)
    geo = ConvGeometry.wgrad_of_layer(layer, batch)
    k, n = geo.gemm
    return GemmProblem(rng.randint(1, 7), n, k, BITS, conv=geo)


@pytest.mark.parametrize("pass_name", ["dgrad", "wgrad"])
@pytest.mark.parametrize("dataflow", DATAFLOWS)
def test_backward_halos_match_the_loop_nest_walk(dataflow, pass_name):
    """Backward convolutions (strides, dilation, padding): every count, the cycles and the
    capacity verdict agree with the walk, which materialises the tensor pixels each buffer
    tile of the viewed operand reads; aligned tiles move fewer elements than their block."""
    rng = random.Random(f"mapping-{pass_name}-{dataflow}")
    viewed = 0 if pass_name == "dgrad" else 1
    checked = {"cases": 0, "halo_below_block": 0, "over": 0}
    cases = walk_checked_cases(rng, dataflow, lambda r: random_backward(r, pass_name))
    for _, design, mapping, cost, ref in cases:
        if checked["cases"] >= 150:
            break
        checked["cases"] += 1
        checked["over"] += cost.status == 2
        tile = mapping.buffer_tile
        block = (tile[0] * tile[2] if viewed == 0 else tile[2] * tile[1]) * BITS[viewed]
        checked["halo_below_block"] += (design.buffer_holds[viewed]
                                        and ref.buffer_tile_bits[viewed] < block)
    assert min(checked.values()) >= 10, checked
