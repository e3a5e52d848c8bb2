"""Where compiled kernels are cached (hwsim.kernels._jit)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from hwsim.kernels import systolic
from hwsim.kernels._jit import _CheckoutLocator, _installed


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
