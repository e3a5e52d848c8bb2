"""Ahead-of-time compilation of the entry kernels (`hwsim.kernels.compiled`) with ``numba.pycc``.

    python hwsim/kernels/aot_build.py build DIRECTORY [FILENAME]
        -> the extension hwsim.kernels._aot (``setup.py`` runs this when the package is built)

It compiles, from the kernels' own source, one exported function per signature of
``entry_signatures.json`` (`compiled.export_name`; the signatures are derived from
representative estimates by bench/entry_signatures.py), plus ``build_digest()``, the
`compiled.source_digest` of the sources it was built from. It imports only ``hwsim.kernels``
(not the ``hwsim`` package and its dependencies, absent from an isolated build environment)
and needs Numba, NumPy and a C compiler. The machine code is for the architecture's generic
CPU, so a built wheel runs on any CPU of its platform.
"""

from __future__ import annotations

import sys
import time
import types
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _kernels_only() -> None:
    """Make ``hwsim.kernels`` importable without running ``hwsim/__init__.py`` (when this file
    runs as a script, e.g. in an isolated build environment without hwsim's dependencies)."""
    if "hwsim" not in sys.modules:
        package = types.ModuleType("hwsim")
        package.__path__ = [str(REPO / "hwsim")]
        sys.modules["hwsim"] = package


def build(directory: Path, filename: str | None = None) -> Path:
    """Compile the extension into `directory` (file name `filename`, default the platform's
    name for ``_aot``); its path."""
    _kernels_only()
    from numba.core import types as nbtypes

    from hwsim.kernels import compiled

    with warnings.catch_warnings():  # numba.pycc announces its future deprecation on import
        warnings.simplefilter("ignore")
        from numba.pycc.cc import CC
    cc = CC(compiled.AOT_MODULE.rsplit(".", 1)[1])
    cc.output_dir = str(directory)
    if filename:
        cc.output_file = filename
    digest = compiled.source_digest()

    def build_digest() -> str:
        return digest

    cc.export("build_digest", "unicode_type()")(build_digest)
    for name, entry in compiled.entry_signatures().items():
        kernel = compiled.jit_kernel(name)
        for i, signature in enumerate(entry["signatures"]):
            args = tuple(nbtypes.Array(getattr(nbtypes, dtype), ndim, "C")
                         for dtype, ndim in signature)
            cc.export(compiled.export_name(name, i), args)(kernel.py_func)
    start = time.perf_counter()
    cc.compile()
    print(f"compiled {cc.output_file} in {time.perf_counter() - start:.1f} s")
    return Path(cc.output_dir) / cc.output_file


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"] and len(argv) in (2, 3):
        build(Path(argv[1]), argv[2] if len(argv) == 3 else None)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.path[0] = str(REPO)  # not this file's folder, whose modules are hwsim.kernels.*
    sys.exit(main(sys.argv[1:]))
