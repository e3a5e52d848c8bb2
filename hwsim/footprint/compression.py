"""Activation compression for training: what stored saved activations cost in bits per element,
and the vector-unit work of compressing and decompressing them.

Two schemes:

- **Quantisation** (GACT, Liu et al. ICML 2022; Mesa, Pan et al. 2021; COMET): a saved
  activation is stored in the layer's `saved` format (``--precision s=int4``, or ``saved:`` in
  a policy rule, per layer) instead of the activations' format, in groups of `GROUP_SIZE`
  values that each keep a minimum and a scale in fp32 (ActNN's per-group quantisation, Chen et
  al., ICML 2021, which GACT builds on): `GROUP_META_BITS / GROUP_SIZE` = 0.25 bit more per
  value, counted in memory (the metadata's DRAM traffic, 1/(4 x bits) of the payload, is not).
- **Frequency split** (DIVISION, Wang et al., ICLR 2023, Sec. 4; `FrequencySplit`, set in a
  `hwsim.training_config.TrainingConfig`): the low-frequency component
  (LFC), an average pool over ``block x block`` windows, is kept at `lfc_bits`; the
  high-frequency residual (HFC) is quantised to `hfc_bits` per element. Stored bits per element
  are ``hfc_bits + lfc_bits / block**2``.

Work per element on the vector unit (operations, one per lane per cycle):

- quantise: subtract the zero point, multiply by the scale, round, clamp (4), plus the min/max
  reduction that sets the range (2): `QUANTIZE_OPS` = 6;
- dequantise: multiply by the scale, add the zero point (2): `DEQUANTIZE_OPS`;
- frequency split: one add per element for the average pool, one subtract for the residual, then
  the residual's quantisation (6): `SPLIT_OPS` = 8; merging back upsamples the LFC (a copy,
  counted 0), dequantises the HFC (2) and adds the two (1): `MERGE_OPS` = 3.
"""

from __future__ import annotations

from hwsim.precision import TensorPrecision
from hwsim.training_config import FrequencySplit

GROUP_SIZE = 256
GROUP_META_BITS = 2 * 32
QUANTIZE_OPS = 6
DEQUANTIZE_OPS = 2
SPLIT_OPS = 8
MERGE_OPS = 3


def compresses(prec: TensorPrecision, split: FrequencySplit | None) -> bool:
    """Whether a layer stores its saved activations compressed: split by frequency, or in a
    `saved` format other than the activations' own."""
    return split is not None or (prec.saved is not None and prec.saved != prec.activations)
