"""A sweep's results: named numpy columns, one row per design, written as CSV or Parquet.

Columns: ``design`` (the design's index in sampling order), one column per swept path (named
by the path, e.g. ``compute.rows``), the metrics of `hwsim.sweep.metrics`, then ``feasible``
(every constraint holds) and ``pareto`` (on the front of the objectives among feasible designs).
Parameter columns are exactly the names with a dot in them.

CSV floats are written with Python's shortest round-trip repr, so reading a CSV back gives the
same numbers. Parquet needs pyarrow (``pip install 'hwsim[sweep]'``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hwsim.files import write_atomic
from hwsim.spec.errors import SpecError
from hwsim.sweep.metrics import Constraint, Objective, feasible
from hwsim.sweep.pareto import pareto_mask

Column = npt.NDArray[Any]
OUTPUT_SUFFIXES = (".csv", ".parquet")


@dataclass(slots=True)
class SweepTable:
    """Columns of equal length; `objectives` and `constraints` as the sweep was run with."""

    columns: dict[str, Column]
    objectives: tuple[Objective, ...] = ()
    constraints: tuple[Constraint, ...] = field(default=())

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> Column:
        return self.columns[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    @property
    def parameters(self) -> list[str]:
        return [name for name in self.columns if "." in name]

    def row(self, index: int) -> dict[str, Any]:
        return {name: column[index].item() for name, column in self.columns.items()}

    def select(self, mask: npt.NDArray[np.bool_]) -> SweepTable:
        return SweepTable({k: v[mask] for k, v in self.columns.items()}, self.objectives,
                          self.constraints)

    def front(self) -> SweepTable:
        """The feasible designs on the Pareto front."""
        return self.select(self.columns["pareto"])

    def to_csv(self, path: str | Path | None = None) -> str:
        """The table as CSV text; also written (atomically) to `path` if given."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(self.columns))
        writer.writerows(zip(*(c.tolist() for c in self.columns.values()), strict=True))
        text = buffer.getvalue()
        if path is not None:
            write_atomic(Path(path), text)
        return text

    def to_parquet(self, path: str | Path) -> None:
        """Write Parquet (typed columns) atomically; needs pyarrow."""
        pa, pq = _pyarrow()
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        pq.write_table(pa.table({k: pa.array(v) for k, v in self.columns.items()}), tmp)
        tmp.replace(path)

    def write(self, path: str | Path) -> None:
        """CSV or Parquet by the suffix of `path`."""
        if Path(path).suffix == ".parquet":
            self.to_parquet(path)
        else:
            self.to_csv(path)


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise SpecError.single("output", "", "Parquet output needs pyarrow: pip install "
                               "'hwsim[sweep]' (or write .csv)") from None
    return pa, pq


def _parse_column(values: list[str]) -> Column:
    if values and all(v in ("True", "False") for v in values):
        return np.asarray([v == "True" for v in values], dtype=np.bool_)
    for dtype in (np.int64, np.float64):
        try:
            return np.asarray([dtype(v) for v in values], dtype=dtype)
        except (ValueError, OverflowError):
            continue
    return np.asarray(values, dtype=np.str_)


def read_table(path: str | Path) -> SweepTable:
    """Read a table written by `SweepTable.write` (CSV or Parquet)."""
    path = Path(path)
    if path.suffix == ".parquet":
        _, pq = _pyarrow()
        data = pq.read_table(path)
        columns = {name: data.column(name).to_numpy() for name in data.column_names}
        return SweepTable({k: v.astype(np.str_) if v.dtype == object else v
                           for k, v in columns.items()})
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise SpecError.single(str(path), "", "expected a CSV with a header row, got nothing")
    header, body = rows[0], rows[1:]
    return SweepTable({name: _parse_column([r[i] for r in body])
                       for i, name in enumerate(header)})


def finish(columns: dict[str, Column], objectives: Sequence[Objective],
           constraints: Sequence[Constraint]) -> SweepTable:
    """Add ``feasible`` and ``pareto`` to evaluated columns."""
    ok = feasible(columns, constraints)
    on = np.zeros(len(ok), dtype=np.bool_)
    if objectives and ok.any():
        points = np.stack([columns[o.metric] for o in objectives], axis=1).astype(np.float64)
        on[ok] = pareto_mask(points[ok], [o.maximise for o in objectives])
    out = dict(columns)
    out["feasible"] = ok
    out["pareto"] = on
    return SweepTable(out, tuple(objectives), tuple(constraints))


def concat(parts: Sequence[dict[str, Column]]) -> dict[str, Column]:
    """Join chunk columns in order."""
    names = list(parts[0])
    return {name: np.concatenate([p[name] for p in parts]) for name in names}
