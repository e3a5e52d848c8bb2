"""Test-wide setup: a Numba cache dir that is writable, and peers importable from tests/."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / "build" / "numba_cache"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
