"""Compressed communication sizes (CGX, Natural Compression, AC-SGD) and codec work."""

from __future__ import annotations

import pytest

from hwsim.distributed.compression import (ACSGD_BACKWARD_BITS, ACSGD_DELTA, ACSGD_FORWARD_BITS,
                                           MAXMIN, NONE, acsgd_buffer_bytes,
                                           acsgd_message_bytes, bucketed_quantized_bytes,
                                           natural_compression_bytes, p2p_codec_work,
                                           ring_all_reduce_codec_work)
from hwsim.spec.errors import SpecError


def test_cgx_bucketed_quantisation_bytes():
    # 1e6 fp32 gradients at CGX's 4 bits in buckets of 1024: values 1e6 * 4 / 8 = 500,000
    # bytes; ceil(1e6 / 1024) = 977 buckets, each with min and max in fp32: 977 * 2 * 4 = 7,816.
    # Total 507,816 bytes against 4e6 uncompressed: 7.88x.
    assert bucketed_quantized_bytes(1_000_000) == 507_816
    # torch_cgx's default bucket of 512 with fp16 gradients (meta 16 bits), 8 bits:
    # 1e6 values -> 1e6 bytes; ceil(1e6 / 512) = 1954 buckets * 2 * 2 = 7,816 bytes.
    assert bucketed_quantized_bytes(1_000_000, bits=8, bucket_size=512, meta_bits=16) == \
        1_007_816


def test_natural_compression_sends_sign_and_exponent():
    # fp32: 1 + 8 = 9 bits; 1000 values -> 9000 bits = 1125 bytes, 4000 / 1125 = 32 / 9
    # (the paper's 3.56x). fp16 (5 exponent bits): 6 bits -> 750 bytes.
    assert natural_compression_bytes(1000) == 1125
    assert 4000 / natural_compression_bytes(1000) == pytest.approx(32 / 9)
    assert natural_compression_bytes(1000, exponent_bits=5) == 750


def test_acsgd_message_and_buffer_bytes():
    # A GPT2-XL boundary message (micro-batch 1 x sequence 1024 x hidden 1600 = 1,638,400
    # values) with one fp16 scale per hidden channel (1600 * 2 = 3,200 bytes):
    # forward at 4 bits: 819,200 + 3,200 = 822,400; backward at 8 bits: 1,638,400 + 3,200.
    n = 1024 * 1600
    assert acsgd_message_bytes(n, ACSGD_FORWARD_BITS, scales=1600) == 822_400
    assert acsgd_message_bytes(n, ACSGD_BACKWARD_BITS, scales=1600) == 1_641_600
    # The compress-the-change buffer: 20,000 training examples (the reference code's default
    # max cache size) x 1,638,400 values x 2 bytes = 65.536e9 bytes on each side of a boundary.
    assert acsgd_buffer_bytes(20_000, n) == 65.536e9
    assert acsgd_buffer_bytes(20_000, n, buffer_bits=4) == 65.536e9 / 4


def test_ring_all_reduce_codec_work():
    # D = 4, N = 1000 values: compress N = 1000 (x 6 ops), decompress 2 * 3/4 * 1000 = 1500
    # (x 2), reduce adds 3/4 * 1000 = 750 (x 1).
    work = ring_all_reduce_codec_work(1000, 4, MAXMIN)
    assert [(w.elements, w.ops_per_element, w.ops) for w in work] == \
        [(1000, 6, 6000), (1500, 2, 3000), (750, 1, 750)]
    # One device: nothing sent, nothing compressed or reduced.
    assert [w.elements for w in ring_all_reduce_codec_work(1000, 1, MAXMIN)] == [0, 0, 0]
    # Uncompressed: only the reduction adds remain.
    assert [w.ops for w in ring_all_reduce_codec_work(1000, 4, NONE)] == [0, 0, 750]


def test_acsgd_delta_codec_work():
    # 100 values: the sender subtracts, quantises and updates its buffer (13 ops each),
    # the receiver dequantises and adds (4 each).
    sender, receiver = p2p_codec_work(100, ACSGD_DELTA)
    assert (sender.ops, receiver.ops) == (1300, 400)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: bucketed_quantized_bytes(10, bits=0), "bits: expected an integer number of bits "
                                                   "from 1 to 32, got 0"),
    (lambda: bucketed_quantized_bytes(10, bucket_size=0), "bucket_size: expected an integer"),
    (lambda: natural_compression_bytes(-1), "elements: expected an integer >= 0, got -1"),
    (lambda: acsgd_message_bytes(10, 33, 1), "bits: expected an integer number of bits"),
])
def test_bad_compression_arguments(call, message):
    with pytest.raises(SpecError, match=message):
        call()
