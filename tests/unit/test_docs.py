"""The documents point only at files that exist in this repository.

Every repository path a document names in backticks (``hwsim/...``, ``docs/...``, ``tests/...``
and the other top-level folders in `ROOTS`, also inside a quoted command) and every relative
Markdown link target must exist; a ``*`` in a path must match at least one file, and a
``<placeholder>`` segment (``hwsim/arrays/<kind>.py``) is a pattern, checked by its folder.
Every dotted ``hwsim.<module>.<name>`` a document names in backticks must import. No document
may point outside the repository (``../``).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([*REPO.glob("docs/*.md"), REPO / "README.md"])
ROOTS = ("hwsim", "docs", "bench", "tests", "reports", "arch_configs", "workloads", "rtl",
         "examples")
BACKTICKED = re.compile(r"`([^`\n]+)`")
PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(ROOTS)})/[\w./*<>-]*)")
DOTTED = re.compile(r"(?<![\w.])hwsim(?:\.\w+)+")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def named_paths(text: str) -> list[str]:
    """The repository paths named in backticks in `text`, trailing punctuation removed, a
    pytest node id (``::name``) cut off."""
    paths = []
    for span in BACKTICKED.findall(text):
        for match in PATH.findall(span.split("::")[0]):
            paths.append(match.rstrip(".,;:"))
    return paths


def link_targets(text: str) -> list[str]:
    """Relative Markdown link targets of `text` (web addresses and anchors left out)."""
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def exists(path: str) -> bool:
    """True when `path` (relative to the repository) names a file or folder, a ``*`` pattern
    matches one, or the folder of a ``<placeholder>`` segment exists."""
    if "<" in path:
        return (REPO / path.split("<")[0]).parent.is_dir()
    if "*" in path:
        return any(REPO.glob(path))
    return (REPO / path).exists()


def resolves(name: str) -> bool:
    """True when the dotted `name` is a module of hwsim or an attribute of one."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_the_checks_see_paths_and_links() -> None:
    """The extraction finds paths in backticks and commands, skips prose, and `exists`
    tells real paths from missing ones (so the document test below can fail)."""
    text = ("See `hwsim/api.py`, run `python bench/output_identity.py --base 1` and "
            "`tests/unit/test_docs.py::test_x`; hwsim/not_in_backticks.py is prose. "
            "[memory](memory_model.md) [web](https://example.org) [here](#top)")
    assert named_paths(text) == ["hwsim/api.py", "bench/output_identity.py",
                                 "tests/unit/test_docs.py"]
    assert link_targets(text) == ["memory_model.md"]
    assert exists("hwsim/api.py") and exists("hwsim/unit_energy/data/*.yaml")
    assert exists("hwsim/arrays/<kind>.py")
    assert not exists("hwsim/no_such_module.py") and not exists("docs/*.nothing")
    assert DOTTED.findall("`hwsim.lowering.ProblemTable` and `hwsim estimate`") == \
        ["hwsim.lowering.ProblemTable"]
    assert resolves("hwsim.lowering.ProblemTable") and resolves("hwsim.energy.price")
    assert not resolves("hwsim.lowering.NoSuchName") and not resolves("hwsim.no_module.x")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_named_paths_exist(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    missing = [p for p in named_paths(text) if not exists(p)]
    missing += [t for t in link_targets(text) if not (document.parent / t).exists()]
    assert not missing, f"{document.name} names files that do not exist: {missing}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_named_modules_exist(document: Path) -> None:
    names = {n for span in BACKTICKED.findall(document.read_text(encoding="utf-8"))
             for n in DOTTED.findall(span)}
    missing = sorted(n for n in names if not resolves(n))
    assert not missing, f"{document.name} names modules or attributes that do not exist: {missing}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_nothing_outside_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    outside = [line.strip() for line in text.splitlines() if "../" in line]
    assert not outside, f"{document.name} points outside the repository: {outside}"
