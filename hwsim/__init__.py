"""hwsim: what does this network, at these precisions, cost on that accelerator?"""

__version__ = "0.1.0"

from hwsim.api import estimate, load_arch, load_workload  # noqa: E402
from hwsim.result import Result  # noqa: E402

__all__ = ["estimate", "load_arch", "load_workload", "Result", "__version__"]
