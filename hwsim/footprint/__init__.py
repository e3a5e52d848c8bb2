"""Training memory on one device: model state, the activations each op saves for its backward
pass (optionally compressed), and the peak over a training step's live ranges."""

from hwsim.footprint.model_state import StateShares
from hwsim.footprint.peak import Footprint, footprint, max_batch
from hwsim.footprint.saved import SavedTensor, saved_tensors
from hwsim.training_config import FrequencySplit, parse_frequency_split

__all__ = ["Footprint", "FrequencySplit", "SavedTensor", "StateShares", "footprint", "max_batch",
           "parse_frequency_split", "saved_tensors"]
