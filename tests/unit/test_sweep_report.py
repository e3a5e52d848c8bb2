"""The sweep summary's front listing and best design per objective (hwsim.sweep.report)."""

from __future__ import annotations

import re

import numpy as np

from hwsim.sweep.metrics import Objective
from hwsim.sweep.pareto import pareto_mask
from hwsim.sweep.report import FRONT_ROWS, summary
from hwsim.sweep.table import SweepTable

ENERGY, LATENCY = Objective("energy_pj", False), Objective("latency_s", False)


def table_of(design, energy, latency) -> SweepTable:
    """A results table with one swept parameter; cycles and tops_per_w as the summary shows."""
    n = len(design)
    return SweepTable({"design": np.asarray(design, dtype=np.int64),
                       "compute.rows": np.arange(n, dtype=np.int64) + 8,
                       "energy_pj": np.asarray(energy, dtype=np.float64),
                       "latency_s": np.asarray(latency, dtype=np.float64),
                       "cycles": np.arange(n, dtype=np.int64) + 100,
                       "tops_per_w": np.ones(n)})


def summary_of(table: SweepTable, objectives=(ENERGY, LATENCY)) -> str:
    points = np.stack([table[o.metric] for o in objectives], axis=1)
    front = table.select(pareto_mask(points))
    return summary(table, table, front, objectives, ["compute.rows"], "t.csv")


def best_lines(text: str) -> dict[str, int]:
    """Objective -> design index, from the '- min:x: value (design N: ...)' lines."""
    return {m[1]: int(m[2]) for m in re.finditer(r"^- (\S+): \S+ \(design (\d+):", text, re.M)}


def front_designs(text: str) -> list[int]:
    """Design indices of the rows of the summary's front table, in order."""
    section = text.split("## Pareto front")[1].split("## Best")[0]
    return [int(m[1]) for m in re.finditer(r"^\| (\d+) \|", section, re.M)]


def test_best_per_objective_skips_a_dominated_design_that_ties():
    # Designs 0 and 1 tie on energy; 1 is faster, so it dominates 0 and is the best-energy
    # design. Design 0 comes first in the table, where a plain argmin would stop.
    text = summary_of(table_of([0, 1, 2], [1.0, 1.0, 3.0], [5.0, 2.0, 1.0]))
    assert best_lines(text) == {"min:energy_pj": 1, "min:latency_s": 2}


def test_identical_designs_resolve_to_the_lowest_design_index_whatever_the_row_order():
    # Designs 5 and 3 are identical on both objectives (both on the front).
    for order in ([5, 3, 7], [3, 7, 5], [7, 5, 3]):
        energy = {5: 1.0, 3: 1.0, 7: 2.0}
        latency = {5: 4.0, 3: 4.0, 7: 1.0}
        table = table_of(order, [energy[d] for d in order], [latency[d] for d in order])
        assert best_lines(summary_of(table)) == {"min:energy_pj": 3, "min:latency_s": 7}


def test_best_is_on_the_front_and_best_on_its_objective_with_many_ties():
    from hwsim.sweep.report import best_per_objective
    rng = np.random.default_rng(20261203)
    for _ in range(100):
        n = int(rng.integers(1, 40))
        points = rng.integers(0, 4, size=(n, 3)).astype(float)  # few levels: many ties
        objectives = (ENERGY, LATENCY, Objective("tops_per_w", True))
        table = SweepTable({"design": rng.permutation(n).astype(np.int64),
                            "energy_pj": points[:, 0], "latency_s": points[:, 1],
                            "tops_per_w": points[:, 2]})
        minimised = points * np.array([1.0, 1.0, -1.0])
        on_front = pareto_mask(minimised)
        front = table.select(on_front)
        for k, i in enumerate(best_per_objective(front, objectives)):
            column = minimised[on_front][:, k]
            assert column[i] == minimised[:, k].min()


def test_a_cut_front_says_how_many_it_shows():
    n = FRONT_ROWS + 4  # every design on the front: energy rises as latency falls
    text = summary_of(table_of(range(n), np.arange(n) + 1.0, n - np.arange(n, dtype=float)))
    assert f"{n} on the Pareto front" in text
    assert f"The {FRONT_ROWS} of the {n} front designs with the lowest energy_pj." in text
    assert front_designs(text) == list(range(FRONT_ROWS))


def test_an_uncut_front_lists_every_design_without_a_cut_note():
    text = summary_of(table_of([0, 1, 2], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]))
    assert "front designs with the" not in text
    assert front_designs(text) == [0, 1, 2]
