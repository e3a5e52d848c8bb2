"""Lower a workload to its `ProblemTable`: every layer's forward pass and, for a training step,
the compression of saved activations, the backward passes and the optimizer updates.

Training adds, per MAC layer, backward-data and backward-weight GEMMs
(`hwsim.lowering.training.backward_problems`), backward vector work, and one optimizer update per
parameter-holding layer (`hwsim.lowering.training.optimizer_update`). Block-scaled formats add
their quantization and re-quantization work (`hwsim.lowering.block_scaling`).
"""

from __future__ import annotations

from hwsim.lowering.block_scaling import quantize_outputs, requantize_operands
from hwsim.lowering.compression import compression_problems
from hwsim.lowering.forward import forward_problem, operand_formats, weight_store_bits
from hwsim.lowering.problem import Pass, Problem, ProblemTable, pack
from hwsim.lowering.training import backward_problems, optimizer_update
from hwsim.spec.workload import Workload
from hwsim.training_config import TrainingConfig


def lower(workload: Workload, *, batch: int | None = None,
          training: TrainingConfig | None = None) -> ProblemTable:
    """Lower every layer of `workload`: the forward pass, plus, with a `training` config, the
    compression of saved activations (when stored compressed: a layer's `saved` format, or the
    frequency split `training.split`), backward passes and the updates of
    `training.optimizer`. The first layer reads the network's input, which needs no gradient:
    its backward-data work is left out, as autograd skips inputs that do not require
    gradients."""
    batch = batch or workload.batch
    source = workload.path or workload.name
    forwards = [forward_problem(layer, i, operand_formats(layer, workload), batch,
                                weight_store_bits(layer, workload))
                for i, layer in enumerate(workload.layers)]
    if training is None:
        return pack(quantize_outputs(forwards), source)
    split = training.split
    compression = [compression_problems(layer, i, workload.layer_precision(layer), batch, split)
                   for i, layer in enumerate(workload.layers)]  # (compress, decompress)
    forward_pass: list[Problem] = []
    backwards: list[Problem] = []
    updates: list[Problem] = []
    for forward, (compress, _) in zip(forwards, compression, strict=True):
        forward_pass += [forward, *compress]
    for index in reversed(range(len(workload.layers))):  # backward runs last layer first
        layer = workload.layers[index]
        prec = workload.layer_precision(layer)
        backwards += compression[index][1]
        backward = [p for p in backward_problems(layer, index, forwards[index], prec, split)
                    if index > 0 or p.pass_name is not Pass.DGRAD]
        backwards += requantize_operands(backward, forwards[index])
        update = optimizer_update(layer, index, prec, training.optimizer)
        if update is not None:
            updates.append(update)
    return pack(quantize_outputs(forward_pass + backwards + updates), source)
