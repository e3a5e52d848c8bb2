"""What a training step or run is, apart from the workload and the arch: `TrainingConfig`.

`hwsim.estimate(..., training=TrainingConfig())` costs one training step instead of an
inference; the same object carries the optimizer, the storage of saved activations (DIVISION's
frequency split, `FrequencySplit`), the device memory to fit a batch into, and, for a whole run
(`hwsim.training_run`), the iterations and the precision schedule. It checks itself when built:
a bad field is a SpecError naming it (``training: optimizer: expected one of sgd, adam, madam,
got 'x'``), which the command line reports under the flag that set it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from hwsim.optimizers import OPTIMIZERS
from hwsim.precision.schedule import Schedule
from hwsim.spec.errors import SpecError

TRAINING = "training"   # errors in a `TrainingConfig` field read "training: <field>: ..."


@dataclass(frozen=True, slots=True)
class FrequencySplit:
    """DIVISION's dual-precision storage of saved activations (Wang et al., ICLR 2023, Sec. 4):
    the low-frequency component, an average pool over ``block x block`` windows, at `lfc_bits`;
    the high-frequency residual at `hfc_bits` per element."""

    block: int = 8
    hfc_bits: int = 2
    lfc_bits: int = 8

    def bits_per_element(self) -> float:
        """Stored bits per saved activation element: the HFC plus the LFC shared by a block."""
        return self.hfc_bits + self.lfc_bits / self.block ** 2


LIMITS = {"block": 1 << 16, "hfc_bits": 32, "lfc_bits": 32}


def parse_frequency_split(text: str) -> FrequencySplit:
    """``block=8,hfc_bits=2,lfc_bits=8`` (any subset; the rest keep DIVISION's defaults) ->
    FrequencySplit; ValueError naming what was expected."""
    values = asdict(FrequencySplit())
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or key not in values:
            raise ValueError(f"expected key=value with key one of {', '.join(values)}, "
                             f"got {item!r}")
        if not value.isdigit() or not 1 <= int(value) <= LIMITS[key]:
            raise ValueError(f"{key}: expected an integer in 1..{LIMITS[key]}, got {value!r}")
        values[key] = int(value)
    return FrequencySplit(**values)


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    """A training step (forward, backward, optimizer update) and, for a whole run, how many
    steps at which precisions.

    - `optimizer`: a name of `hwsim.optimizers.OPTIMIZERS` (its update work and state bytes);
    - `split`: store saved activations as DIVISION's frequency split (None: in each layer's
      `saved` format);
    - `device_memory_bytes`: device memory in bytes; given, the step's footprint reports the
      largest batch that fits (a SpecError if not even batch 1 does);
    - `iterations`, `schedule`: steps of a whole training run and the precision schedule over
      them (None: every step at the policy's precision); a single step ignores them.
    """

    optimizer: str = "sgd"
    split: FrequencySplit | None = None
    device_memory_bytes: float | None = None
    iterations: int = 1
    schedule: Schedule | None = None

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise SpecError.single(TRAINING, "optimizer", f"expected one of "
                                   f"{', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int) \
                or self.iterations < 1:
            raise SpecError.single(TRAINING, "iterations", f"expected a positive integer, got "
                                   f"{self.iterations!r}")
        memory = self.device_memory_bytes
        if memory is not None and not (isinstance(memory, (int, float)) and memory > 0):
            raise SpecError.single(TRAINING, "device_memory_bytes", f"expected a positive size, "
                                   f"got {memory!r}")
        if self.split is not None:
            _check_split(self.split)


DEFAULT_TRAINING = TrainingConfig()   # SGD with momentum, saved activations as the policy says


def _check_split(split: FrequencySplit) -> None:
    """SpecError naming the first field of `split` outside `LIMITS`."""
    for f in fields(split):
        value = getattr(split, f.name)
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 1 <= value <= LIMITS[f.name]:
            raise SpecError.single(TRAINING, f"split.{f.name}", f"expected an integer in "
                                   f"1..{LIMITS[f.name]}, got {value!r}")
