"""The ahead-of-time compiled entry kernels (`hwsim.kernels.compiled`): results identical to
Numba's JIT bit for bit, used only when built from the current sources and called as recorded,
and a signature record that follows the kernels."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import hwsim
from hwsim.kernels import compiled
from hwsim.training_config import TrainingConfig
from tests_paths import REPO, WORKLOADS

pytestmark = pytest.mark.slow

# Estimates whose entry-kernel calls the comparison replays: convolutions (halo search) on two
# dataflows, a transformer (vector problems) and a training step.
CASES = (("resnet18.yaml", "tpu_like", None), ("resnet18.yaml", "eyeriss_like", None),
         ("bert_base.yaml", "tpu_like", None), ("resnet18.yaml", "tpu_like", TrainingConfig()))


@pytest.fixture(scope="module")
def aot(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The extension: the installed one when current, else one built here (skipped without a
    C compiler)."""
    module = compiled.aot_module()
    if module is not None:
        return module
    directory = tmp_path_factory.mktemp("aot")
    done = subprocess.run([sys.executable, str(REPO / "hwsim" / "kernels" / "aot_build.py"),
                           "build", str(directory)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"the extension cannot be built here: {done.stderr.strip()[-300:]}")
    spec = importlib.util.spec_from_file_location(compiled.AOT_MODULE,
                                                  next(directory.glob("_aot*")))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.pop(compiled.AOT_MODULE, None)  # loading registered it: other tests keep the JIT
    return module


@pytest.fixture(scope="module")
def calls() -> list[tuple[str, tuple[Any, ...]]]:
    """(entry kernel, arguments) of every entry-kernel call the `CASES` make, each run on
    Numba's JIT."""
    recorded: list[tuple[str, tuple[Any, ...]]] = []
    originals = {name: getattr(compiled, name) for name in compiled.entry_signatures()}

    def recorder(name: str) -> Any:
        def call(*args: Any) -> Any:
            recorded.append((name, tuple(np.copy(a) for a in args)))
            return compiled.jit_kernel(name)(*args)
        return call

    try:
        for name in originals:
            setattr(compiled, name, recorder(name))
        for workload, arch, training in CASES:
            hwsim.estimate(WORKLOADS / workload, arch, training=training)
    finally:
        for name, kernel in originals.items():
            setattr(compiled, name, kernel)
    assert {name for name, _ in recorded} == set(originals)
    return recorded


def signature_index(name: str, args: tuple[Any, ...]) -> int:
    """The recorded signature of `name` that `args` match (the export to call)."""
    for i, signature in enumerate(compiled.entry_signatures()[name]["signatures"]):
        if compiled._matches(args, signature):
            return i
    raise AssertionError(f"{name}: no recorded signature matches the call")


def test_record_matches_what_the_kernels_compile() -> None:
    """An entry kernel whose arguments changed without a new record fails here."""
    done = subprocess.run([sys.executable, str(REPO / "bench" / "entry_signatures.py"),
                           "--check"], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_extension_exports_one_function_per_recorded_signature(aot: ModuleType) -> None:
    assert aot.build_digest() == compiled.source_digest()
    exported = {name for name in dir(aot) if "__" in name.strip("_")}
    assert exported == {compiled.export_name(name, i)
                        for name, entry in compiled.entry_signatures().items()
                        for i in range(len(entry["signatures"]))}


def test_compiled_results_equal_jit_bit_for_bit(
        aot: ModuleType, calls: list[tuple[str, tuple[Any, ...]]]) -> None:
    for name, args in calls:
        expected = compiled.jit_kernel(name)(*args)
        got = getattr(aot, compiled.export_name(name, signature_index(name, args)))(*args)
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            assert g.dtype == e.dtype and g.shape == e.shape
            assert g.tobytes() == e.tobytes(), name


@pytest.fixture
def with_extension(aot: ModuleType, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """`aot` as the current extension; yields the names of the calls that went to the JIT."""
    to_jit: list[str] = []
    monkeypatch.setattr(compiled, "aot_module", lambda: aot)
    monkeypatch.setattr(compiled, "jit_kernel",
                        lambda name: lambda *args: to_jit.append(name))
    yield to_jit


def test_only_matching_single_design_calls_run_compiled(
        with_extension: list[str], calls: list[tuple[str, tuple[Any, ...]]]) -> None:
    name, args = next((n, a) for n, a in calls if n == "search_mappings")
    kernel = compiled.EntryKernel(name)
    position = compiled.entry_signatures()[name]["designs_position"]
    assert kernel(*args) is not None and with_extension == []  # the compiled result
    strided = tuple(np.asfortranarray(a) if a.ndim > 1 else a for a in args)
    as_int32 = tuple(a.astype(np.int32) if a.dtype == np.int64 else a for a in args)
    two_designs = tuple(np.concatenate([a, a]) if i == position else a
                        for i, a in enumerate(args))
    for other in (strided, as_int32, two_designs, args[:-1]):
        assert kernel(*other) is None
    assert with_extension == [name] * 4


def test_extension_of_other_sources_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled.aot_module.cache_clear()
    monkeypatch.setattr(compiled, "source_digest", lambda: "0" * 64)
    try:
        assert compiled.aot_module() is None
    finally:
        compiled.aot_module.cache_clear()


def test_source_digest_covers_every_kernel_source_and_the_record(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    for name in ("mapping.py", "entry_signatures.json"):
        (tmp_path / name).write_text("x")
    monkeypatch.setattr(compiled, "KERNELS_DIR", tmp_path)
    monkeypatch.setattr(compiled, "ENTRY_SIGNATURES", tmp_path / "entry_signatures.json")
    before = compiled.source_digest()
    for name in ("mapping.py", "entry_signatures.json"):
        (tmp_path / name).write_text("y")
        assert compiled.source_digest() != before
        before = compiled.source_digest()


def test_estimate_on_the_built_extension_imports_no_numba() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, hwsim; from hwsim.kernels import compiled; "
         "built = compiled.aot_module() is not None; "
         "hwsim.estimate('workloads/resnet18.yaml'); print(built, 'numba' in sys.modules)"],
        cwd=REPO, capture_output=True, text=True, check=True)
    built, numba_imported = done.stdout.split()
    if built == "False":
        pytest.skip("no current extension built in place (pip install builds it)")
    assert numba_imported == "False"
