"""Lower a workload to its `ProblemTable`: every layer's forward pass and, for a training step,
the compression of saved activations, the backward passes and the optimizer updates.

Training adds, per MAC layer, backward-data and backward-weight GEMMs
(`hwsim.lowering.training.backward_problems`), backward vector work, and one optimizer update per
parameter-holding layer (`hwsim.lowering.training.optimizer_update`).

Networks repeat layers (a transformer's blocks, a ResNet stage's bottlenecks): layers equal in
everything but their name (`hwsim.spec.layer_shape`) lower to the same problems, named after
each layer. So each distinct layer is lowered once (`_LayerProblems`) and the table repeats its
problems for every layer like it (`hwsim.lowering.problem.pack_repeated`), which keeps the cost
per problem of a large network to a few microseconds.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from hwsim.lowering.block_scaling import (master_copy_bits, quantize_backward_copy,
                                         quantize_outputs, requantize_operands)
from hwsim.lowering.compression import compression_problems
from hwsim.lowering.forward import forward_problem, operand_formats, weight_store_bits
from hwsim.lowering.problem import Pass, Problem, ProblemTable, pack_repeated
from hwsim.lowering.training import backward_problems, optimizer_update
from hwsim.spec.layer_shape import shape_key
from hwsim.spec.workload import Layer, Workload
from hwsim.training_config import TrainingConfig


@dataclass(frozen=True, slots=True)
class _LayerProblems:
    """One distinct layer's problems as indices into the list of distinct problems, by where
    the step runs them: the forward section (its forward pass, then compressing what it saves),
    the backward section (decompressing, then its backward passes; `first_backward` for the
    network's first layer, without backward-data work) and its optimizer update."""

    forward: tuple[int, ...]
    backward: tuple[int, ...]
    first_backward: tuple[int, ...]
    update: tuple[int, ...]


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
    distinct: list[Problem] = []
    suffixes: list[str] = []   # each distinct problem's name after its layer's name
    by_shape: dict[Hashable, _LayerProblems] = {}

    def add(layer: Layer, problems: list[Problem]) -> tuple[int, ...]:
        start, prefix = len(distinct), len(layer.name)
        distinct.extend(problems)
        suffixes.extend([p.name[prefix:] for p in problems])
        return tuple(range(start, len(distinct)))

    def lower_layer(layer: Layer, index: int) -> _LayerProblems:
        fwd = forward_problem(layer, index, operand_formats(layer, workload), batch,
                              weight_store_bits(layer, workload))
        if training is None:
            return _LayerProblems(add(layer, quantize_outputs([fwd])), (), (), ())
        prec = workload.layer_precision(layer)
        compress, decompress = compression_problems(layer, index, prec, batch, training.split)
        backward = quantize_outputs(requantize_operands(
            backward_problems(layer, index, fwd, prec, training.split), fwd, layer, prec,
            master_copy_bits(training.optimizer, prec.weights)))
        update = optimizer_update(layer, index, prec, training.optimizer)
        forward_ids = add(layer, quantize_outputs(
            [fwd, *quantize_backward_copy(layer, fwd, prec, training.split), *compress]))
        decompress_ids = add(layer, decompress)
        backward_ids = add(layer, backward)
        first = tuple(i for i, p in zip(backward_ids, backward, strict=True)
                      if p.pass_name is not Pass.DGRAD)
        return _LayerProblems(forward_ids, decompress_ids + backward_ids, decompress_ids + first,
                              add(layer, quantize_outputs([update]))
                              if update is not None else ())

    per_layer = []
    for index, layer in enumerate(workload.layers):
        key = shape_key(layer)
        problems = by_shape.get(key)
        if problems is None:
            problems = by_shape[key] = lower_layer(layer, index)
        per_layer.append(problems)

    # the table's problems as indices into `distinct`, and the layer each comes from
    order = list(range(len(per_layer)))
    backward = [per_layer[i].backward if i > 0 else per_layer[i].first_backward
                for i in reversed(order)]    # backward runs last layer first
    sections = [[p.forward for p in per_layer], backward,
                [per_layer[i].update for i in reversed(order)]]
    rows = [r for section in sections for ids in section for r in ids]
    layer_of = np.concatenate([
        np.repeat(np.asarray(layers, dtype=np.int64), [len(ids) for ids in section])
        for section, layers in zip(sections, (order, order[::-1], order[::-1]), strict=True)])
    layer_names = [layer.name for layer in workload.layers]
    names = [layer_names[i] + suffixes[r] for r, i in zip(rows, layer_of.tolist(), strict=True)]
    return pack_repeated(distinct, rows, layer_of, names, source)
