"""Paths of the repository's data folders, for tests."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = REPO / "workloads"
ARCH_CONFIGS = REPO / "arch_configs"
