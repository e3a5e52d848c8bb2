"""The Numba policy (hwsim.kernels._jit): where compiled kernels are cached, how calls between
kernels are typed, and the serial and parallel variants of a kernel over designs."""

from __future__ import annotations

import sysconfig
from dataclasses import replace
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numba.core import types

from hwsim import evaluate
from hwsim.api import load_arch, load_workload
from hwsim.kernels import memory, systolic
from hwsim.kernels._jit import _CheckoutLocator, _installed, jit, jit_over_designs
from hwsim.lowering import lower
from tests_paths import WORKLOADS


def test_an_installed_hwsim_never_caches_inside_its_package():
    """Beside the source in a checkout; never in site-packages, where pip would not remove the
    cache files on uninstall."""
    installed = str(Path(sysconfig.get_paths()["purelib"]) / "hwsim" / "kernels" / "systolic.py")
    checkout = systolic.__file__
    func = systolic.systolic_gemm.py_func
    assert _installed(installed) and not _installed(checkout)
    assert _CheckoutLocator.from_function(func, installed) is None
    locator = _CheckoutLocator.from_function(func, checkout)
    assert locator.get_cache_path() == str(Path(checkout).parent / "__pycache__")


def _add(a: int, b: int) -> int:
    return a + b


_add_jit: Any = jit(_add)  # the dispatcher, with its `signatures`


def test_a_kernel_called_with_different_constants_compiles_once():
    """Calls from kernels are typed by argument type, not value: one specialisation, not one per
    literal constant. (Asked the way Numba's type inference asks when a kernel calls
    ``_add_jit(x, 1)`` and ``_add_jit(x, 2)``; a cached caller would not ask at all.)"""
    for constant in (1, 2):
        _, _, args, _ = _add_jit.get_call_template([types.int64, types.literal(constant)], {})
        assert list(args) == [types.int64, types.int64]
    assert [str(s) for s in _add_jit.signatures] == ["(int64, int64)"]


def _double(x: int) -> int:
    return 2 * x


_double_jit: Any = jit(_double)


def test_a_kernel_called_from_kernels_compiles_without_python_entry_points():
    """Compiled for a call from another kernel (asked the way a calling kernel's type
    inference asks), a kernel has no CPython or C wrapper: they cost compile time and only
    Python calls need them. A call from Python compiles (or loads) its own variant with them."""
    _double_jit.get_call_template([types.int64], {})
    assert [str(s) for s in _double_jit.signatures] == ["(int64,)"]
    assert _double_jit.targetoptions["no_cpython_wrapper"]
    assert _double_jit.targetoptions["no_cfunc_wrapper"]
    assert _double_jit(5) == 10
    python = _double_jit.python_call()
    assert [str(s) for s in python.signatures] == ["(int64,)"]
    assert not python.targetoptions.get("no_cpython_wrapper", False)


def _scale_designs(rows: np.ndarray, factor: float) -> np.ndarray:
    out = np.zeros(rows.shape[0], dtype=np.float64)
    for d in numba.prange(rows.shape[0]):
        out[d] = rows[d] * factor
    return out


_scale = jit_over_designs("rows")(_scale_designs)


def test_one_design_runs_serially_and_more_run_in_parallel():
    """Only the variant a call needs is compiled; both come from the same function and cache in
    separate files."""
    np.testing.assert_array_equal(_scale(np.array([3]), 0.5), [1.5])
    assert _scale.serial.signatures and not _scale.parallel.signatures
    np.testing.assert_array_equal(_scale(rows=np.array([3, 4]), factor=0.5), [1.5, 2.0])
    assert _scale.parallel.signatures
    assert _scale.serial.py_func is _scale.parallel.py_func is _scale_designs
    serial_files = _scale.serial._cache._cache_file._index_name
    parallel_files = _scale.parallel._cache._cache_file._index_name
    assert serial_files != parallel_files


def test_serial_and_parallel_kernels_agree(monkeypatch):
    """The serial variants (estimates) return what the parallel ones (sweeps) return, bit for
    bit, on the arguments `run_kernels` passes for several designs."""
    results = []
    for module, name in ((systolic, "systolic_compute"), (memory, "memory_model")):
        kernel = getattr(module, name)

        def both(*args, kernel=kernel):
            serial, parallel = kernel.serial(*args), kernel.parallel(*args)
            results.append((serial, parallel))
            return parallel
        monkeypatch.setattr(module, name, both)
    base = load_arch("scalesim_default")
    archs = [replace(base, compute=replace(base.compute, rows=r, cols=c, dataflow=df))
             for r, c, df in [(32, 32, "ws"), (8, 64, "os"), (128, 16, "is")]]
    evaluate.run_kernels(lower(load_workload(WORKLOADS / "resnet18.yaml")),
                         evaluate.pack_designs([*archs, load_arch("tpu_like")]))
    assert len(results) == 2
    for serial, parallel in results:
        for s, p in zip(serial, parallel, strict=True):
            assert s.dtype == p.dtype and s.shape == p.shape
            assert s.tobytes() == p.tobytes()
