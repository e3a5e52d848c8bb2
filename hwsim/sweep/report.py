"""``hwsim report results.csv -o reports/NAME/``: plots and a markdown summary of a sweep.

Writes into the folder:

- ``pareto.png``: the feasible designs over the first two objectives, the Pareto front (over
  all the objectives) highlighted; with a third objective the points are coloured by it;
- ``sensitivity.png``: per swept parameter (columns) and objective (rows), the best and the
  median objective among the feasible designs at each value of the parameter (a parameter with
  more than eight distinct values is binned into eight quantile bins);
- ``summary.md``: counts, the front (up to 25 designs, best first objective first), the best
  design per objective (the front design best on it, ties broken by the other objectives in
  turn, then the design index), and the parameters ranked by how much the median of each
  objective moves across their values (largest median / smallest median).

Plots use matplotlib's object API with the Agg canvas: no pyplot state, no display needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hwsim.spec.errors import SpecError
from hwsim.sweep.metrics import Objective, parse_objective
from hwsim.sweep.pareto import pareto_mask
from hwsim.sweep.table import SweepTable, read_table

DEFAULT_OBJECTIVES = ("energy_pj", "latency_s")
MAX_BINS = 8
FRONT_ROWS = 25


def _levels(column: npt.NDArray[Any]) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Labels of a parameter's values (or quantile bins) and each row's level index."""
    unique = np.unique(column)
    if column.dtype.kind in "if" and len(unique) > MAX_BINS:
        edges = np.unique(np.quantile(column, np.linspace(0, 1, MAX_BINS + 1)))
        index = np.clip(np.searchsorted(edges, column, side="right") - 1, 0, len(edges) - 2)
        return [f"{edges[i]:.3g}-{edges[i + 1]:.3g}" for i in range(len(edges) - 1)], index
    index = np.searchsorted(unique, column)
    return [f"{u:.4g}" if isinstance(u, float) else str(u) for u in unique.tolist()], index


def sensitivity(table: SweepTable, objective: str, parameter: str, maximise: bool = False
                ) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per level of `parameter`: labels, best (minimum, or maximum if `maximise`) and median
    of `objective`."""
    labels, index = _levels(table[parameter])
    values = table[objective].astype(np.float64)
    best = np.full(len(labels), np.nan)
    median = np.full(len(labels), np.nan)
    for level in range(len(labels)):
        chosen = values[index == level]
        if len(chosen):
            best[level] = chosen.max() if maximise else chosen.min()
            median[level] = np.median(chosen)
    return labels, best, median


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(figure)
    return figure


def _log_if_wide(ax: Any, values: npt.NDArray[Any], axis: str) -> None:
    positive = values[values > 0]
    if len(positive) and positive.max() / positive.min() > 10:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")


def plot_pareto(table: SweepTable, front: npt.NDArray[np.bool_],
                objectives: Sequence[Objective], path: Path) -> None:
    figure = _figure(7, 5)
    ax = figure.add_subplot()
    x, y = table[objectives[0].metric], table[objectives[1].metric]
    if len(objectives) > 2:
        points = ax.scatter(x, y, c=table[objectives[2].metric], s=10, cmap="viridis",
                            alpha=0.7)
        figure.colorbar(points, ax=ax, label=objectives[2].metric)
    else:
        ax.scatter(x, y, s=10, color="0.6", alpha=0.6, label="feasible designs")
    label = f"Pareto front ({int(front.sum())})"
    if len(objectives) > 2:  # a 3-objective front is no line in this plane: circle its points
        ax.scatter(x[front], y[front], s=40, facecolors="none", edgecolors="crimson",
                   linewidths=1.2, label=label)
    else:
        order = np.argsort(x[front])
        ax.plot(x[front][order], y[front][order], "-o", color="crimson", markersize=5,
                markerfacecolor="none", label=label)
    _log_if_wide(ax, x, "x")
    _log_if_wide(ax, y, "y")
    ax.set_xlabel(str(objectives[0]))
    ax.set_ylabel(str(objectives[1]))
    ax.legend(loc="best")
    ax.set_title(f"{len(x)} feasible designs")
    figure.tight_layout()
    figure.savefig(path)


def plot_sensitivity(table: SweepTable, objectives: Sequence[Objective],
                     parameters: Sequence[str], path: Path) -> None:
    figure = _figure(3.2 * len(parameters) + 0.5, 2.6 * len(objectives) + 0.5)
    axes = figure.subplots(len(objectives), len(parameters), squeeze=False)
    for row, objective in enumerate(objectives):
        for col, parameter in enumerate(parameters):
            ax = axes[row][col]
            labels, best, median = sensitivity(table, objective.metric, parameter,
                                               objective.maximise)
            positions = np.arange(len(labels))
            ax.plot(positions, median, "-o", label="median", markersize=4)
            ax.plot(positions, best, "-s", label="best", markersize=4)
            ax.set_xticks(positions, labels, rotation=45, fontsize=7, ha="right")
            _log_if_wide(ax, np.concatenate([best, median]), "y")
            if row == len(objectives) - 1:
                ax.set_xlabel(parameter, fontsize=8)
            if col == 0:
                ax.set_ylabel(objective.metric, fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
    axes[0][0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path)


def _cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _minimised(table: SweepTable, objective: Objective) -> npt.NDArray[np.float64]:
    """The objective's column as a quantity to minimise (a maximised one negated)."""
    values = table[objective.metric].astype(np.float64)
    return -values if objective.maximise else values


def best_per_objective(front: SweepTable, objectives: Sequence[Objective]) -> list[int]:
    """Per objective, the row of `front` that is best on it. Designs that tie on it are told
    apart by the other objectives in the order given, then by the lowest `design` index: the
    lexicographic best is never dominated (a design that dominated it would sort before it),
    and the choice does not depend on the row order."""
    chosen = []
    for o in objectives:
        keys = [_minimised(front, o), *(_minimised(front, other) for other in objectives
                                         if other is not o), front["design"]]
        chosen.append(int(np.lexsort(keys[::-1])[0]))
    return chosen


def summary(table: SweepTable, feasible: SweepTable, front: SweepTable,
            objectives: Sequence[Objective], parameters: Sequence[str], source: str) -> str:
    lines = [f"# Sweep report: {source}", "",
             f"{len(table)} designs, {len(feasible)} feasible, {len(front)} on the Pareto "
             f"front of {', '.join(map(str, objectives))}.", ""]
    shown = [*parameters, *dict.fromkeys([o.metric for o in objectives] +
                                         ["cycles", "energy_pj", "tops_per_w"])]
    first = objectives[0]
    order = np.lexsort([front["design"], _minimised(front, first)])[:FRONT_ROWS]
    lines += ["## Pareto front", ""]
    if len(front) > FRONT_ROWS:
        lines += [f"The {FRONT_ROWS} of the {len(front)} front designs with the "
                  f"{'highest' if first.maximise else 'lowest'} {first.metric}.", ""]
    lines += ["| design | " + " | ".join(shown) + " |", "|" + "---|" * (len(shown) + 1)]
    for i in order:
        row = front.row(int(i))
        lines.append(f"| {row['design']} | " + " | ".join(_cell(row[c]) for c in shown) + " |")
    lines += ["", "## Best design per objective", "",
              "Among the front designs best on an objective, the one best on the other "
              "objectives in turn (then the lowest design index).", ""]
    for o, i in zip(objectives, best_per_objective(front, objectives), strict=True):
        row = front.row(i)
        setting = ", ".join(f"{p}={_cell(row[p])}" for p in parameters)
        lines.append(f"- {o}: {_cell(row[o.metric])} (design {row['design']}: {setting})")
    lines += ["", "## Sensitivity", "",
              "Largest / smallest median of each objective over the feasible designs at each "
              "of a parameter's values (the other parameters vary underneath).", "",
              "| parameter | " + " | ".join(o.metric for o in objectives) + " |",
              "|" + "---|" * (len(objectives) + 1)]
    spreads = []
    for p in parameters:
        ratios = []
        for o in objectives:
            median = np.abs(sensitivity(feasible, o.metric, p)[2])
            median = median[np.isfinite(median) & (median > 0)]
            ratios.append(median.max() / median.min() if len(median) else float("nan"))
        spreads.append((p, ratios))
    spreads.sort(key=lambda item: -np.nan_to_num(item[1][0]))
    for p, ratios in spreads:
        lines.append(f"| {p} | " + " | ".join(f"{r:.3g}x" for r in ratios) + " |")
    lines += ["", "Plots: [pareto.png](pareto.png), [sensitivity.png](sensitivity.png).", ""]
    return "\n".join(lines)


def write_report(results: str | Path, folder: str | Path,
                 objectives: Sequence[str] | None = None, command: str = "") -> list[Path]:
    """Plots and summary of a results table (see the module doc); returns the files written.
    `command`, if given, is recorded in the summary as what made it."""
    table = read_table(results)
    names = [c for c in table if table[c].dtype.kind in "if"]
    missing = [m for m in ("design", "energy_pj", "cycles") if m not in table.columns]
    if missing:
        raise SpecError.single(str(results), "", f"expected a sweep results table, missing "
                               f"columns {', '.join(missing)}")
    parsed = [parse_objective(o, names, str(results))
              for o in (objectives or DEFAULT_OBJECTIVES)]
    if not 2 <= len(parsed) <= 3:
        raise SpecError.single(str(results), "objectives", f"expected two or three objectives, "
                               f"got {len(parsed)}")
    ok = table["feasible"] if "feasible" in table.columns else np.ones(len(table), bool)
    feasible = table.select(ok.astype(bool))
    if not len(feasible):
        raise SpecError.single(str(results), "feasible", "no feasible design to report on")
    points = np.stack([feasible[o.metric] for o in parsed], axis=1)
    on = pareto_mask(points, [o.maximise for o in parsed])
    parameters = [p for p in table.parameters if len(np.unique(table[p])) > 1]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "pareto.png", folder / "summary.md"]
    plot_pareto(feasible, on, parsed, written[0])
    if parameters:
        written.insert(1, folder / "sensitivity.png")
        plot_sensitivity(feasible, parsed, parameters, written[1])
    text = summary(table, feasible, feasible.select(on), parsed, parameters, str(results))
    if command:
        title, rest = text.split("\n", 1)
        text = f"{title}\n\nCommand: `{command}`\n{rest}"
    written[-1].write_text(text)
    return written
