"""Errors raised when a spec file (workload, arch, SCALE-Sim topology or cfg) is invalid.

Validation collects every problem it finds in one file and raises a single `SpecError`, so a
user fixes a file in one pass. Each problem names the file, the line in it when the loader
knows it, the field path (``layers[3].K``) and what was expected
(``w.yaml:12: layers[3].K: expected a positive integer, got -1``); the CLI prints them one per
line and exits with status 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SpecIssue:
    """One problem in a spec file: where it is and what was expected."""

    file: str
    field_path: str
    message: str
    line: int | None = None  # 1-based line in `file`, when known

    def __str__(self) -> str:
        file = self.file if self.line is None else f"{self.file}:{self.line}"
        where = f"{file}: {self.field_path}: " if self.field_path else f"{file}: "
        return where + self.message


class SpecError(Exception):
    """A spec file failed validation; `issues` lists every problem found in it."""

    def __init__(self, issues: Iterable[SpecIssue]) -> None:
        self.issues: tuple[SpecIssue, ...] = tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    @classmethod
    def single(cls, file: str, field_path: str, message: str,
               line: int | None = None) -> SpecError:
        return cls([SpecIssue(file, field_path, message, line)])


def suggest(word: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
