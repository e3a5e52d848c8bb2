"""What the bench scripts share: the repository's folders, the peer-tool runners, and how a
report is published.

A script run as ``python bench/NAME.py`` has its own folder first on ``sys.path``, so it
imports this module as ``from _common import ...``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REPORTS = REPO / "reports"
WORKLOADS = REPO / "workloads"


def use_peers() -> None:
    """Make the peer-tool runners under tests/ importable (``from peers.scalesim_runner ...``)."""
    tests = str(REPO / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)


def publish(path: Path, text: str) -> None:
    """Write a report atomically (creating its folder) and print it."""
    from hwsim.files import write_atomic
    write_atomic(path, text)
    print(text)
