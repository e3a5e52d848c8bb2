"""hwsim: what does this network, at these precisions, cost on that accelerator?"""

from hwsim.api import estimate, load_arch, load_workload
from hwsim.result import Result
from hwsim.training_config import FrequencySplit, TrainingConfig
from hwsim.sweep import sweep  # the function: `hwsim.sweep(...)`; its modules are hwsim.sweep.*
from hwsim.version import __version__

__all__ = ["FrequencySplit", "Result", "TrainingConfig", "__version__", "estimate", "load_arch",
           "load_workload", "sweep"]
