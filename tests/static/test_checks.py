"""The static checks run with the tests, so CI's ``python -m pytest`` runs them: ruff (the rules
of pyproject's [tool.ruff]), lint-imports (the layers of [tool.importlinter], and no import
cycle in any package) and pyright ([tool.pyright]). Each runs on the repository as a
subprocess and a failure shows the tool's own report."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECKS = {"ruff": ["ruff", "check", "."], "lint-imports": ["lint-imports"], "pyright": ["pyright"]}


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`command` in `cwd`, importing the package from `cwd` (not from an installed copy)."""
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not installed: pip install -e '.[test]'")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(cwd), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("tool", CHECKS)
def test_check_passes(tool: str) -> None:
    run = _run(CHECKS[tool], REPO)
    assert run.returncode == 0, f"{' '.join(CHECKS[tool])} failed:\n{run.stdout}{run.stderr}"


def test_lint_imports_rejects_a_cycle(tmp_path: Path) -> None:
    """The contracts catch what they are for: a package whose two modules import each other
    breaks the no-cycles contract, and a lower layer importing a higher one breaks the layers
    contract, with the offending import named."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("from pkg import high\n")
    (package / "high.py").write_text("from pkg import low\n")
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.importlinter]
        root_package = "pkg"

        [[tool.importlinter.contracts]]
        name = "layers"
        type = "layers"
        containers = ["pkg"]
        layers = ["high", "low"]

        [[tool.importlinter.contracts]]
        name = "no cycles"
        type = "acyclic_siblings"
        ancestors = ["pkg"]
        """))
    run = _run(["lint-imports", "--no-cache"], tmp_path)
    assert run.returncode != 0
    assert "2 broken" in run.stdout and "pkg.low -> pkg.high" in run.stdout, run.stdout
