"""Training memory: model state, saved activations, peak over live ranges, largest batch,
activation compression (hwsim.footprint)."""

from __future__ import annotations

import math

import pytest

from hwsim.training_config import TrainingConfig
from hwsim.api import estimate, load_arch
from hwsim.footprint import FrequencySplit, footprint, max_batch, parse_frequency_split
from hwsim.footprint.saved import saved_tensors
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Conv2d, Embedding, Linear, VectorOp, Workload

F = parse_format
INT8 = TensorPrecision(F("int8"), F("int8"), F("int8"), F("int32"))


def chain(prec: TensorPrecision = INT8, batch: int = 1) -> Workload:
    return Workload("chain", "test", batch, prec,
                    (Linear("a", 8, 16), VectorOp("r", "relu", 16, 1), Linear("b", 16, 4)))


def test_model_state_is_zero_mixed_precision_adam():
    """fp16 weights and gradients with Adam: 2 + 2 + 12 bytes per parameter (ZeRO, Sec. 3.1:
    fp32 master weights, momentum and variance, K = 12)."""
    prec = TensorPrecision(F("fp16"), F("fp16"), F("fp16"), F("fp32"))
    fp = footprint(Workload("w", "t", 1, prec, (Linear("fc", 1000, 1000),)),
                   training=TrainingConfig("adam"))
    assert (fp.weights_bytes, fp.gradients_bytes, fp.optimizer_state_bytes) == \
        (2e6, 2e6, 12e6)
    assert fp.model_state_bytes == 16e6


def test_saved_tensors_per_op():
    """What each op keeps, per sample: a conv its input (3*8*8 int8 = 192 elements), ReLU a
    1-bit mask, a 3x3 maxpool the argmax (ceil(log2 9) = 4 bits), a layernorm its input and
    2 fp32 statistics per row (768-wide rows: 1536/768 = 2 rows -> 4 values), an embedding its
    token ids (ceil(log2 50257) = 16 bits), an add nothing."""
    conv = saved_tensors(Conv2d("c", 3, 4, 8, 8, 3, 3), INT8)
    assert [(t.what, t.elements, t.bits) for t in conv] == [("input", 192, 8.0)]
    (mask,) = saved_tensors(VectorOp("r", "relu", 100, 1), INT8)
    assert (mask.what, mask.bits, mask.compressible) == ("mask", 1, False)
    (argmax,) = saved_tensors(VectorOp("p", "maxpool", 100, 9), INT8)
    assert argmax.bits == 4
    x, stats = saved_tensors(VectorOp("ln", "layernorm", 1536, 5, channels=768), INT8)
    assert (x.elements, stats.elements, stats.bits) == (1536, 4, 32)
    (ids,) = saved_tensors(Embedding("e", 50257, 768, 128), INT8)
    assert (ids.elements, ids.bits) == (128, 16)
    assert saved_tensors(VectorOp("s", "add", 100, 1, inputs=2), INT8) == ()


def test_batchnorm_statistics_are_shared_by_the_batch():
    """2 fp32 values per channel whatever the batch: 2*64*4 = 512 bytes."""
    x, stats = saved_tensors(VectorOp("bn", "batchnorm", 64 * 56 * 56, 2, channels=64), INT8)
    assert stats.bytes(1) == stats.bytes(256) == 512
    assert x.bytes(2) == 2 * 64 * 56 * 56


# Hand-derived timeline of `chain` at batch 1 (bytes; int8 everything, SGD):
#   weights a 8*16 = 128, b 16*4 = 64 -> 192; gradients 192; SGD state per parameter = fp32
#   momentum + fp32 master copy (int8 < fp32) = 8 bytes -> 1536. Always live: 192 + 1536 = 1728.
#   Saved per sample: a its input 8 B, r a mask 16 bits = 2 B, b its input 16 B.
#   a.fwd   saved 8            + output 16 (input is the saved copy)        -> 1728 + 24
#   r.fwd   saved 8+2          + input 16 + output 16                        -> 1728 + 42
#   b.fwd   saved 8+2+16       + output 4                                    -> 1728 + 30
#   b.bwd   grad b 64, saved 26 + gradients out 4 + in 16                    -> 1792 + 46
#   r.bwd   grad 64, saved 10  + 16 + 16                                     -> 1792 + 42
#   a.bwd   grads 192, saved 8 + 16 + 8                                      -> 1920 + 32
#   update  grads 192                                                        -> 1920
TIMELINE = [1752, 1770, 1758, 1838, 1834, 1952, 1920]


def test_peak_memory_follows_live_ranges():
    fp = footprint(chain())
    assert fp.steps == ("a.fwd", "r.fwd", "b.fwd", "b.bwd", "r.bwd", "a.bwd", "update")
    assert list(fp.memory_bytes()) == TIMELINE
    assert fp.peak_memory_bytes() == 1952 and fp.peak_step() == "a.bwd"
    assert fp.activation_bytes() == 26
    # the peak is not the plain sum of everything (weights, gradients, states, saved: 1946 +
    # every working tensor)
    assert fp.peak_memory_bytes() < fp.model_state_bytes + fp.activation_bytes() + 16 + 16 + 4


def test_micro_batches_in_flight_keep_their_saved_tensors():
    """A pipeline stage holding 3 micro-batches: the 2 earlier ones' saved tensors (26 bytes
    each, see TIMELINE) wait for their backward at every step: 2 * 26 = 52 bytes more at each
    step, and 3 * 26 = 78 bytes of saved activations."""
    fp = footprint(chain(), in_flight=3)
    assert list(fp.memory_bytes()) == [b + 52 for b in TIMELINE]
    assert fp.activation_bytes() == 78 and fp.peak_step() == "a.bwd"


def test_micro_batches_in_flight_keep_their_own_batchnorm_statistics():
    """A batchnorm over 4 channels keeps 2 fp32 values per channel per micro-batch (32 bytes,
    whatever the micro-batch size): with 3 in flight, 2 * 32 = 64 more fixed bytes at every
    step, beside the 2 waiting copies of its 8-element int8 input per sample."""
    bn = Workload("bn", "t", 1, INT8, (VectorOp("bn", "batchnorm", 8, 2, channels=4),))
    one, three = footprint(bn), footprint(bn, in_flight=3)
    assert list(three.fixed_bytes - one.fixed_bytes) == [64] * len(one.steps)
    assert list(three.per_sample_bytes - one.per_sample_bytes) == [16] * len(one.steps)


def test_max_batch_is_the_smallest_per_step_bound():
    """4000 bytes: per step floor((4000 - fixed) / per_sample) = a.fwd 94, r.fwd 54, b.fwd 75,
    b.bwd (4000 - 1792) / 46 = 48, r.bwd 52, a.bwd 65 -> 48; then the peak fits at 48 and not 49."""
    fp = footprint(chain())
    assert max_batch(fp, 4000) == 48
    assert fp.peak_memory_bytes(48) <= 4000 < fp.peak_memory_bytes(49)


def test_a_device_too_small_for_batch_one_names_what_is_needed():
    with pytest.raises(SpecError, match="expected at least 1952 bytes"):
        max_batch(footprint(chain()), 1000)


def test_saved_format_compresses_what_can_be_compressed():
    """s=int2 in groups of 256 with an fp32 min and scale each: 2 + 64/256 = 2.25 bits per
    value; a's input 8*2.25 bits = 2.25 B, b's input 16*2.25 bits = 4.5 B, the mask stays 2 B."""
    prec = TensorPrecision(F("int8"), F("int8"), F("int8"), F("int32"), saved=F("int2"))
    assert footprint(chain(prec)).activation_bytes() == 2.25 + 2 + 4.5


def test_frequency_split_bits_per_element():
    """DIVISION: HFC at 2 bits plus an 8-bit LFC per 2x2 block: 2 + 8/4 = 4 bits per element."""
    split = FrequencySplit(block=2, hfc_bits=2, lfc_bits=8)
    assert split.bits_per_element() == 4
    fp = footprint(chain(), training=TrainingConfig(split=split))
    assert fp.activation_bytes() == (8 + 16) * 4 / 8 + 2
    assert parse_frequency_split("block=2,hfc_bits=2") == FrequencySplit(2, 2, 8)
    with pytest.raises(ValueError, match=r"hfc_bits: expected an integer in 1\.\.32"):
        parse_frequency_split("hfc_bits=0")


def test_compression_work_moves_the_compressed_size_through_dram():
    """A conv saving 3*8*8 inputs per sample at batch 2 stored at int4: compress writes
    2*192*4/8 = 192 bytes of DRAM at 6 vector ops per element; the wgrad reads its activation
    operand at 4 bits instead of 8 (half the bytes: the tiny layer fits on chip either way, so
    each operand crosses DRAM once), and the decompressor in front of the array costs 2 ops per
    element and no DRAM of its own."""
    prec = TensorPrecision(F("int8"), F("int8"), F("int8"), F("int32"), saved=F("int4"))
    wl = Workload("c", "t", 2, prec, (Conv2d("c", 3, 4, 8, 8, 3, 3, pad_h=1, pad_w=1),))
    arch = load_arch("tpu_like")
    step = {layer.name: layer for layer in estimate(wl, arch, training=TrainingConfig()).layers}
    compress, decompress = step["c.compress"], step["c.decompress"]
    assert compress.pass_name == "fwd" and decompress.pass_name == "dgrad"
    assert compress.dram_bytes["ofmap_write"] == 192 and compress.dram_bytes["ifmap_read"] == 0
    assert sum(decompress.dram_bytes.values()) == 0
    lanes = arch.vector.lanes
    assert compress.compute_cycles == math.ceil(2 * 192 * 6 / lanes)
    assert decompress.compute_cycles == math.ceil(2 * 192 * 2 / lanes)
    plain = {layer.name: layer for layer in estimate(Workload("c", "t", 2, INT8, wl.layers),
                                                     arch, training=TrainingConfig()).layers}
    assert not any(name.endswith("compress") for name in plain)
    assert 2 * step["c.wgrad"].dram_bytes["filter_read"] == plain["c.wgrad"].dram_bytes[
        "filter_read"] > 0


def test_vector_backward_reads_what_the_forward_saved():
    """ReLU's backward reads the incoming gradient (8 b) and its 1-bit mask; GELU's reads the
    gradient and its saved input, at the saved format (int4) when compressed."""
    from hwsim.lowering import lower
    prec = TensorPrecision(F("int8"), F("int8"), F("int8"), F("int32"), saved=F("int4"))
    wl = Workload("v", "t", 1, prec, (VectorOp("x", "identity", 64, 0),
                                      VectorOp("r", "relu", 64, 1), VectorOp("g", "gelu", 64, 8)))
    t = lower(wl, training=TrainingConfig())
    reads = {t.names[i]: int(t.vector_read_bits[i]) for i in range(len(t))}
    assert reads["r.dgrad"] == 8 + 1 and reads["g.dgrad"] == 8 + 4


def test_state_shares_scale_what_a_device_holds():
    """ZeRO-2 over 4 devices: a device keeps all weights and a quarter of the gradients and
    optimizer states: 192 + 192/4 + 1536/4 bytes of `chain`'s model state."""
    from hwsim.footprint import StateShares
    fp = footprint(chain(), shares=StateShares(1.0, 0.25, 0.25))
    assert fp.model_state_bytes == 192 + 48 + 384
