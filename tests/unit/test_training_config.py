"""TrainingConfig checks itself when built: each bad field is a SpecError naming it."""

from __future__ import annotations

import pytest

from hwsim.spec.errors import SpecError
from hwsim.training_config import FrequencySplit, TrainingConfig


@pytest.mark.parametrize(("kwargs", "line"), [
    ({"optimizer": "x"}, "training: optimizer: expected one of sgd, adam, madam, got 'x'"),
    ({"iterations": 0}, "training: iterations: expected a positive integer, got 0"),
    ({"iterations": True}, "training: iterations: expected a positive integer, got True"),
    ({"device_memory_bytes": -1.0},
     "training: device_memory_bytes: expected a positive size, got -1.0"),
    ({"split": FrequencySplit(block=0)},
     "training: split.block: expected an integer in 1..65536, got 0"),
    ({"split": FrequencySplit(hfc_bits=33)},
     "training: split.hfc_bits: expected an integer in 1..32, got 33"),
])
def test_bad_field_is_named(kwargs, line):
    with pytest.raises(SpecError) as err:
        TrainingConfig(**kwargs)
    assert str(err.value) == line


def test_defaults_are_one_sgd_step_without_compression():
    config = TrainingConfig()
    assert (config.optimizer, config.split, config.device_memory_bytes, config.iterations,
            config.schedule) == ("sgd", None, None, 1, None)


def test_frozen():
    with pytest.raises(AttributeError):
        TrainingConfig().optimizer = "adam"  # type: ignore[misc]
