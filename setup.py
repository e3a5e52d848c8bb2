"""Build hook for the optional ahead-of-time compiled kernels; the metadata is in pyproject.toml.

Building the package (a wheel for `pip install .`, or in place for `pip install -e .`) compiles
the entry kernels into the extension ``hwsim.kernels._aot`` with ``numba.pycc``
(``hwsim/kernels/aot_build.py``; see `hwsim.kernels.compiled`). The extension is optional:
when it cannot be built (no C compiler, a Numba without ``pycc``), the package installs without
it and its kernels compile with Numba's JIT on first use, as in a source checkout.
"""

import os
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class BuildKernels(build_ext):
    """Compiles ``hwsim.kernels._aot``, or warns and leaves it out."""

    def build_extensions(self) -> None:
        # an extension left out is dropped from the list, which the copy into the source tree
        # (an editable install) and the list of outputs read afterwards
        self.extensions = [ext for ext in self.extensions if self.compile_kernels(ext)]

    def compile_kernels(self, ext: Extension) -> bool:
        """Build `ext` with ``hwsim/kernels/aot_build.py``; whether it was built."""
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(ROOT / "hwsim" / "kernels" / "aot_build.py"), "build",
                   str(target.parent), target.name]
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONNOUSERSITE": "1"},
                              capture_output=True, text=True, check=False)
        print(done.stdout + done.stderr, file=sys.stderr)
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            print(f"warning: {ext.name} not built (exit {done.returncode}); the kernels compile "
                  "with Numba's JIT on first use instead", file=sys.stderr)
        return done.returncode == 0


setup(ext_modules=[Extension("hwsim.kernels._aot", sources=[])],
      cmdclass={"build_ext": BuildKernels})
