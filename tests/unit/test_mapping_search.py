"""The mapping search: it finds the minimum of its space (checked against a plain enumeration
of the same space, mapping by mapping), breaks ties as documented, never does worse than
SCALE-Sim's fold order, and SCALE-Sim's order reproduces hwsim's compute model."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from hwsim.dataflow.systolic import (DATAFLOW_CODES, OFMAP_WRITE_QUIRK, ROLE_DIMS, ROW_COEF,
                                     UTIL_COEFS)
from hwsim.kernels import mapping as km
from hwsim.kernels.systolic import systolic_gemm
from hwsim.mapping import (ConvGeometry, GemmProblem, Mapping, MappingDesign, evaluate,
                           scalesim_mapping, search)
from hwsim.mapping.reference import fold_of

ENERGY = np.random.default_rng(7).uniform(0.1, 5.0, (3, 3, 2))
ENERGY[0] *= 20.0   # DRAM costs more per bit than the buffer, the buffer more than the acc.


def design(rows, cols, dataflow, cap_bits, **kw):
    return MappingDesign(rows, cols, dataflow, buffer_bits=(cap_bits,) * 3,
                         energy_pj_per_bit=ENERGY, mac_pj=0.5, static_pj_per_cycle=2.0,
                         bandwidth_bits_per_cycle=(64.0, 0.0, 0.0), **kw)


def candidates(func, *args) -> list[int]:
    out = np.zeros(km.MAX_CANDS, dtype=np.int64)
    return [int(x) for x in out[:func(*args, out)]]


def enumerate_space(problem: GemmProblem, d: MappingDesign):
    """Every candidate of the space in the search's order (see `hwsim.mapping`); those that
    break its nesting rules (status 1) are skipped by the search and by the test alike."""
    dims = [int(x) for x in ROLE_DIMS[DATAFLOW_CODES[d.dataflow]]]
    mnk = (problem.M, problem.N, problem.K)
    conv = problem.conv.as_row() if problem.conv else np.zeros(14, dtype=np.int64)
    geo = problem.conv
    halo = geo is not None and d.buffer_holds[geo.operand]
    t = mnk[dims[2]]
    grain = 1
    if geo is not None and halo:  # whole grid rows along the viewed pixels, channels along taps
        pix, taps = geo.dims
        grain = (int(conv[2]) if dims[2] == pix else
                 int(conv[3] * conv[4]) if dims[2] == taps else 1)
    floor = min(t, max(d.rows, d.cols))
    for t0 in sorted({*candidates(km.chunk_candidates, t, t // grain, grain), floor},
                     reverse=True):
        if t0 < floor:
            break
        fold = fold_of(problem, d, t0)
        lists = [candidates(km.size_candidates, mnk[dm], fold[dm],
                            km.alignment(dm, fold[dm], conv, halo)) for dm in dims]
        for st in lists[2]:
            for sr in lists[0]:
                for sc in lists[1]:
                    tile = [0, 0, 0]
                    tile[dims[0]], tile[dims[1]], tile[dims[2]] = sr, sc, st
                    for i0 in order_choices(mnk, tile):
                        for i1 in (order_choices(tile, fold) if d.accumulator_bits else [2]):
                            yield Mapping(t0, (tile[0], tile[1], tile[2]), (i0, i1))


def order_choices(outer, inner) -> list[int]:
    dims = [d for d in range(3) if math.ceil(outer[d] / inner[d]) > 1]
    return dims or [2]


CASES = [
    (GemmProblem(40, 24, 36, (8, 8, 8, 24)), design(8, 4, "ws", 6000.0)),
    (GemmProblem(40, 24, 36, (8, 8, 8, 24)), design(4, 8, "os", 4000.0,
                                                    accumulator_bits=3000.0)),
    (GemmProblem(30, 50, 20, (8, 4, 8, 24)), design(8, 8, "is", 9000.0, unified=False)),
    (GemmProblem(36, 8, 18, (8, 8, 8, 24),
                 conv=ConvGeometry(1, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, 6, 6)),
     design(4, 4, "ws", 5000.0, buffer_holds=(True, False, True))),
    (GemmProblem(18, 6, 27, (8, 8, 8, 24),
                 conv=ConvGeometry(2, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 3, 6, 6)),
     design(3, 4, "os", 3000.0, accumulator_bits=2000.0)),
]


@pytest.mark.parametrize("objective", ["energy", "latency", "edp", "dram"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_search_finds_the_first_minimum_of_its_space(case, objective):
    problem, d = CASES[case]
    found = search([problem], [d], objective)
    best, first = math.inf, None
    for mapping in enumerate_space(problem, d):
        cost = evaluate(problem, d, mapping, objective)
        if cost.status == 0 and cost.objective < best:
            best, first = cost.objective, mapping
    assert first is not None
    assert found.objective[0, 0] == pytest.approx(best, rel=1e-12)
    assert found.mappings[0][0] == first


def first_minimum(problem: GemmProblem, d: MappingDesign, objective: str):
    """(objective, mapping) of the first minimum of `enumerate_space`, every candidate
    evaluated (`evaluate`'s kernel, without its per-call packing): the search without any of
    its pruning."""
    from hwsim.mapping.model import pack_designs, pack_problems
    from hwsim.mapping.search import objective_code
    pp, pd = pack_problems([problem]), pack_designs([d])
    macs = float(problem.M * problem.N * problem.K)
    counts = np.zeros((3, 3, 2))
    best, first = math.inf, None
    for mapping in enumerate_space(problem, d):
        status, value, _, _, _ = km.evaluate_mapping(
            pp.mnk[0], pp.bits[0], pp.conv[0], np.ones(4, dtype=np.int64), macs * d.mac_pj,
            np.zeros(3), pd.ints[0], pd.floats[0], pd.energy[0], ROLE_DIMS, ROW_COEF,
            objective_code(objective), mapping.as_row(), counts)
        if status == 0 and value < best:
            best, first = value, mapping
    return best, first



def search_is_first_minimum(problem: GemmProblem, d: MappingDesign) -> int:
    """Check, under every objective, that the pruned search returns exactly the unpruned
    enumeration's first minimum (same mapping, equal objective); returns how many objectives
    had a mapping that fits (so a caller can see the comparison was not vacuous)."""
    fitted = 0
    for objective in ("energy", "latency", "edp", "dram"):
        best, first = first_minimum(problem, d, objective)
        found = search([problem], [d], objective)
        assert found.mappings[0][0] == first
        assert found.objective[0, 0] == best
        fitted += first is not None
    return fitted

def random_case(rng: random.Random) -> tuple[GemmProblem, MappingDesign]:
    """A small GEMM or convolution on a random design: array shape, dataflow, unified or
    per-operand buffer of random capacities (often too small for some tiles), bypassed
    operands, accumulator, bandwidths (0: unlimited) and per-bit energies (some 0)."""
    bits = rng.choice([(8, 8, 8, 24), (4, 8, 16, 32), (8, 4, 8, 8), (16, 16, 16, 32)])
    if rng.random() < 0.5:
        r, s, stride, dil, pad = (rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 2),
                                  rng.randint(1, 2), rng.randint(0, 1))
        h, w = rng.randint(3, 9), rng.randint(3, 9)
        p_out = (h + 2 * pad - dil * (r - 1) - 1) // stride + 1
        q_out = (w + 2 * pad - dil * (s - 1) - 1) // stride + 1
        if p_out < 1 or q_out < 1:
            r = s = dil = 1
            p_out, q_out = (h + 2 * pad - 1) // stride + 1, (w + 2 * pad - 1) // stride + 1
        geo = ConvGeometry(rng.randint(1, 2), p_out, q_out, r, s, stride, stride, dil, dil,
                           pad, pad, rng.randint(1, 4), h, w)
        m, k = geo.gemm
        problem = GemmProblem(m, rng.randint(1, 40), k, bits, conv=geo)
    else:
        problem = GemmProblem(rng.randint(1, 60), rng.randint(1, 60), rng.randint(1, 60), bits)
    unified = rng.random() < 0.5
    caps = tuple(2.0 ** rng.uniform(10, 17) for _ in range(3))
    energy = np.array([rng.choice([0.0, rng.uniform(0.0, 30.0)]) for _ in range(18)])
    d = MappingDesign(
        rng.randint(1, 8), rng.randint(1, 8), rng.choice(["os", "ws", "is"]),
        buffer_holds=(rng.random() < 0.8, rng.random() < 0.8, rng.random() < 0.8),
        unified=unified, buffer_bits=(caps[0],) * 3 if unified else caps,
        accumulator_bits=rng.choice([0.0, 2.0 ** rng.uniform(8, 14)]),
        bandwidth_bits_per_cycle=tuple(rng.choice([0.0, 2.0 ** rng.uniform(2, 8)])
                                       for _ in range(3)),
        energy_pj_per_bit=energy.reshape(3, 3, 2), mac_pj=rng.choice([0.0, 0.5]),
        static_pj_per_cycle=rng.choice([0.0, rng.uniform(0.0, 20.0)]))
    return problem, d


@pytest.mark.parametrize("seed", range(8))
def test_pruned_search_equals_the_plain_enumeration_on_random_cases(seed):
    """The search's bounds (per fold chunk, per buffer tile over its loop orders, the probe's
    upper bound) and capacity breaks skip only candidates that cannot be strictly better, so
    it returns exactly the first minimum of the unpruned enumeration: the same objective (same
    arithmetic, so equal, not close) and the same mapping, on 25 random cases per seed, each
    under every objective."""
    rng = random.Random(seed)
    fitted = 0
    for _ in range(25):
        problem, d = random_case(rng)
        fitted += search_is_first_minimum(problem, d)
    assert fitted >= 50       # most cases have a mapping that fits: the comparison is not vacuous


@pytest.mark.parametrize("objective", ["energy", "latency", "edp", "dram"])
def test_search_is_never_worse_than_scalesim_order(objective):
    rng = random.Random(objective)
    problems, designs = [], []
    for _ in range(12):
        problems.append(GemmProblem(rng.randint(1, 300), rng.randint(1, 300),
                                    rng.randint(1, 300), (8, 8, 8, 32)))
    for c, hw, r, stride in ((3, 30, 5, 2), (16, 14, 3, 1), (8, 9, 1, 1)):
        p = (hw - r) // stride + 1
        geo = ConvGeometry(1, p, p, r, r, stride, stride, channels=c, H=hw, W=hw)
        m, k = geo.gemm
        problems.append(GemmProblem(m, rng.randint(8, 64), k, (8, 8, 8, 32), conv=geo))
    for df in ("os", "ws", "is"):
        designs.append(design(rng.randint(2, 32), rng.randint(2, 32), df, 8 * 2.0**16,
                              accumulator_bits=rng.choice([0.0, 8 * 2.0**14])))
    found = search(problems, designs, objective)
    compared = 0
    for i, d in enumerate(designs):
        for j, p in enumerate(problems):
            base = evaluate(p, d, scalesim_mapping(p, d), objective)
            if base.status == 0:
                assert found.objective[i, j] <= base.objective * (1 + 1e-12)
                compared += 1
    assert compared >= 25


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_scalesim_order_has_hwsim_compute_cycles_and_sram_reads(dataflow):
    """t0 = T: one fold per (row fold, column fold), `systolic_gemm`'s cycles; the array reads
    A and B from the buffer as often as `systolic_gemm` counts SRAM reads."""
    rng = random.Random(dataflow)
    df = DATAFLOW_CODES[dataflow]
    for _ in range(30):
        m, n, k = rng.randint(1, 200), rng.randint(1, 200), rng.randint(1, 200)
        d = design(rng.randint(1, 16), rng.randint(1, 16), dataflow, 1e12)
        p = GemmProblem(m, n, k, (1, 1, 1, 1))
        cost = evaluate(p, d, scalesim_mapping(p, d))
        cycles, _, a_reads, b_reads, _, _, _ = systolic_gemm(
            m, n, k, d.rows, d.cols, df, ROLE_DIMS, ROW_COEF, UTIL_COEFS, OFMAP_WRITE_QUIRK)
        assert cost.status == 0
        assert cost.cycles == cycles
        assert cost.counts_bits[1, 0, 0] == a_reads
        assert cost.counts_bits[1, 1, 0] == b_reads


def test_large_buffer_reaches_compulsory_dram_traffic():
    """With room for everything, DRAM moves every tensor once: A's used input pixels (a 3x3,
    pad-1 convolution of a 6x6 input uses all 36 pixels of each of 2 channels: 72), B
    (18 x 8 = 144) and the output (36 x 8 = 288), one byte each."""
    geo = ConvGeometry(1, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, 6, 6)
    p = GemmProblem(36, 8, 18, (8, 8, 8, 32), conv=geo)
    for df in ("os", "ws", "is"):
        found = search([p], [design(4, 4, df, 1e9)], "dram")
        assert found.dram_bytes[0, 0] == 72 + 144 + 288


def test_search_is_deterministic_and_independent_of_batching():
    problems = [p for p, _ in CASES]
    designs = [d for _, d in CASES]
    together = search(problems, designs, "edp")
    again = search(problems, designs, "edp")
    np.testing.assert_array_equal(together.objective, again.objective)
    assert together.mappings == again.mappings
    alone = search([problems[2]], [designs[1]], "edp")
    assert alone.mappings[0][0] == together.mappings[1][2]
    assert alone.objective[0, 0] == together.objective[1, 2]


def test_count_scales_totals_not_the_objective():
    p1 = GemmProblem(40, 24, 36)
    p3 = GemmProblem(40, 24, 36, count=3)
    d = design(8, 8, "ws", 1e6)
    one, three = search([p1], [d], "energy"), search([p3], [d], "energy")
    assert one.objective[0, 0] == three.objective[0, 0]
    assert three.cycles[0, 0] == 3 * one.cycles[0, 0]
    assert three.dram_bytes[0, 0] == 3 * one.dram_bytes[0, 0]


def test_unknown_objective_is_refused():
    with pytest.raises(ValueError, match="objective"):
        search([GemmProblem(4, 4, 4)], [design(2, 2, "os", 1e6)], "area")


def test_bad_design_is_refused():
    with pytest.raises(ValueError, match="dataflow"):
        MappingDesign(4, 4, "rs")
    with pytest.raises(ValueError, match="rows"):
        MappingDesign(0, 4, "ws")


def test_workload_problems_carry_conv_geometry():
    """AlexNet (workloads/alexnet.yaml): five convolutions, whose geometry gives their GEMM
    (conv1: 55 x 55 outputs, 3 x 11 x 11 = 363 reduction terms, 64 filters), and three linear
    layers without geometry."""
    import hwsim
    from hwsim.mapping.problems import workload_problems
    from tests_paths import WORKLOADS
    names, problems = workload_problems(hwsim.load_workload(WORKLOADS / "alexnet.yaml"))
    convs = [p for p in problems if p.conv is not None]
    assert len(convs) == 5 and len(problems) == 8
    assert (convs[0].M, convs[0].N, convs[0].K) == (55 * 55, 64, 363)
    assert names[0] == "features.0"


def test_stable_order_is_numpys_stable_argsort():
    """The search's bound order equals np.argsort(kind="mergesort"): ascending, ties by index
    (keys drawn from few values, with infinities, so ties and runs are common)."""
    rng = np.random.default_rng(3)
    order = np.zeros(km.BOUND_SLOTS, dtype=np.int64)
    work = np.zeros(km.BOUND_SLOTS, dtype=np.int64)
    for n in [0, 1, 2, 3, 7, 64, 333, km.BOUND_SLOTS]:
        keys = rng.integers(0, 9, km.BOUND_SLOTS).astype(np.float64)
        keys[rng.random(km.BOUND_SLOTS) < 0.05] = np.inf
        km.stable_order(keys, n, order, work)
        assert order[:n].tolist() == np.argsort(keys[:n], kind="mergesort").tolist()


@pytest.mark.parametrize("pass_name", ["dgrad", "wgrad"])
def test_pruned_search_equals_the_plain_enumeration_on_backward_convolutions(pass_name):
    """As above on backward convolutions, whose viewed operand (backward-data: A, the output
    gradient read as a transposed convolution; backward-weight: B, the input's im2col view
    with its pixels along K) moves its halo: the search's aligned candidates, capacity breaks
    and bounds (the compulsory halo of the viewed operand) keep the first minimum."""
    from hwsim.spec.workload import Conv2d
    rng = random.Random(f"search-{pass_name}")
    fitted = 0
    for _ in range(30):
        case, d = random_case(rng)
        r, s, stride, dil, pad = (rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 2),
                                  rng.randint(1, 2), rng.randint(0, 1))
        layer = Conv2d("c", rng.randint(1, 4), rng.randint(1, 4),
                       rng.randint(max(1, dil * (r - 1) + 1 - 2 * pad), 9),
                       rng.randint(max(1, dil * (s - 1) + 1 - 2 * pad), 9), r, s, stride,
                       stride, pad, pad, dil, dil)
        batch = rng.randint(1, 2)
        if pass_name == "dgrad":
            geo = ConvGeometry.dgrad_of_layer(layer, batch)
            m, k = geo.gemm
            problem = GemmProblem(m, rng.randint(1, 40), k, case.bits, conv=geo)
        else:
            geo = ConvGeometry.wgrad_of_layer(layer, batch)
            k, n = geo.gemm
            problem = GemmProblem(rng.randint(1, 40), n, k, case.bits, conv=geo)
        fitted += search_is_first_minimum(problem, d)
    assert fitted >= 60
