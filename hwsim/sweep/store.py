"""Chunks of a sweep on disk, so an interrupted sweep resumes where it stopped.

For an output ``results.csv`` the chunks live in ``results.csv.parts/``:

- ``manifest.json``: the sweep's fingerprint (a hash of everything that decides the rows:
  workload, arch, space, sampler, seed, chunk size, hwsim version), rows and chunk count;
- ``chunk_000012.npz``: the columns of chunk 12, written to a temporary file, flushed to disk
  and renamed into place, so a chunk file is either whole or absent.

A killed sweep leaves finished chunks and at most some ``*.tmp`` files; the next run with the
same inputs deletes the temporary files, keeps the finished chunks and evaluates only the rest.
A folder holding another sweep's chunks is an error rather than a silent mix. Constraints and
objectives are not in the fingerprint: they are applied after the chunks are joined.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from hwsim.spec.errors import SpecError

Columns = dict[str, npt.NDArray[Any]]


def parts_folder(output: str | Path) -> Path:
    output = Path(output)
    return output.with_name(output.name + ".parts")


class ChunkStore:
    """The chunk folder of one sweep (see the module doc)."""

    def __init__(self, folder: Path, fingerprint: str, n_rows: int, n_chunks: int) -> None:
        self.folder = folder
        self.manifest = {"fingerprint": fingerprint, "rows": n_rows, "chunks": n_chunks}

    def path(self, index: int) -> Path:
        return self.folder / f"chunk_{index:06d}.npz"

    def open(self) -> set[int]:
        """Create or check the folder; return the indices of the finished chunks."""
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest = self.folder / "manifest.json"
        if manifest.exists():
            try:
                found = json.loads(manifest.read_text())
            except (OSError, ValueError):
                found = None
            if found != self.manifest:
                raise SpecError.single(str(self.folder), "manifest.json", "holds the chunks of "
                                       "a different sweep (other inputs or chunk size); delete "
                                       "the folder or choose another output")
        else:
            with _atomic(manifest) as fh:
                fh.write(json.dumps(self.manifest).encode())
        for stale in self.folder.glob("*.tmp"):
            stale.unlink()
        return {i for i in range(self.manifest["chunks"]) if self.path(i).exists()}

    def write(self, index: int, columns: Columns) -> None:
        names = list(columns)
        arrays = {f"c{i}": columns[name] for i, name in enumerate(names)}
        with _atomic(self.path(index)) as fh:
            np.savez(fh, allow_pickle=False, __names__=np.asarray(names, dtype=np.str_),
                     **arrays)  # `read` loads without pickles, so none are written

    def read(self, index: int) -> Columns:
        with np.load(self.path(index), allow_pickle=False) as data:
            names = data["__names__"].tolist()
            return {name: data[f"c{i}"] for i, name in enumerate(names)}


@contextmanager
def _atomic(path: Path) -> Iterator[BinaryIO]:
    """A binary file that appears at `path` whole, or not at all: written to ``<path>.tmp``,
    flushed to disk, then renamed into place."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
