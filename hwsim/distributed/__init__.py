"""Cost models of distributed training: links, collectives, ZeRO model-state memory,
pipeline partitioning and schedules, compressed communication, and the step-time breakdown.

Pure functions over plain numbers; bad input raises `hwsim.spec.errors.SpecError`.
docs/distributed.md states every model and its sources.
"""

from hwsim.distributed.collectives import (Collective, all_gather, reduce_scatter,
                                           ring_all_reduce, send)
from hwsim.distributed.compression import (ACSGD_DELTA, ACSGD_DIRECT, MAXMIN, NATURAL, NONE,
                                           Codec, VectorWork, acsgd_buffer_bytes,
                                           acsgd_message_bytes, bucketed_quantized_bytes,
                                           natural_compression_bytes, p2p_codec_work,
                                           ring_all_reduce_codec_work)
from hwsim.distributed.link import BOARD_LINK_PJ_PER_BIT, Link, transfer_energy_pj, transfer_s
from hwsim.distributed.pipeline import (Boundary, Partition, boundary, bubble_fraction,
                                        gpipe_time_s, in_flight, p2p_step_s, partition_layers,
                                        stage_activation_bytes)
from hwsim.distributed.step import StepBreakdown, data_parallel_step, pipeline_step
from hwsim.distributed.zero import (SCHEMES, ModelState, device_shares, model_state_bytes,
                                    zero_collectives)

__all__ = [
    "ACSGD_DELTA", "ACSGD_DIRECT", "BOARD_LINK_PJ_PER_BIT", "MAXMIN", "NATURAL", "NONE",
    "SCHEMES", "Boundary", "Codec", "Collective", "Link", "ModelState", "Partition",
    "StepBreakdown", "VectorWork", "acsgd_buffer_bytes", "acsgd_message_bytes", "all_gather",
    "boundary", "bubble_fraction", "bucketed_quantized_bytes", "data_parallel_step",
    "device_shares", "gpipe_time_s", "in_flight", "model_state_bytes", "natural_compression_bytes",
    "p2p_codec_work", "p2p_step_s", "partition_layers", "pipeline_step", "reduce_scatter",
    "ring_all_reduce", "ring_all_reduce_codec_work", "send", "stage_activation_bytes",
    "transfer_energy_pj", "transfer_s", "zero_collectives",
]
