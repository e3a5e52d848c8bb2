"""The vector-op table (hwsim.spec.vector_ops) drives the loader, the backward pass, the saved
tensors and both tracers: every row reaches each of them."""

from __future__ import annotations

import pytest

from hwsim.footprint.saved import saved_tensors
from hwsim.lowering.problem import Pass, vector
from hwsim.lowering.training import backward_problems
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.vector_ops import (ONNX_OPS, ONNX_POOLS, TABLE, TORCH_FUNCTIONS, TORCH_MODULES,
                                   VECTOR_OP_SPECS)
from hwsim.spec.workload import VectorOp

F = parse_format
INT8 = TensorPrecision(F("int8"), F("int8"), F("int8"), F("int32"))
# what each `saves` value stores, by the saved tensor's name (hwsim.footprint.saved)
SAVED_NAMES = {"nothing": [], "input": ["input"], "inputs": ["inputs"], "output": ["output"],
               "mask": ["mask"], "argmax": ["argmax"]}


@pytest.mark.parametrize("spec", TABLE, ids=lambda s: s.name)
def test_every_op_saves_what_its_row_says_and_has_a_backward(spec):
    layer = VectorOp("v", spec.name, 64, spec.ops_per_element * (9 if spec.pool else 1),
                     spec.inputs, channels=0)
    assert [t.what for t in saved_tensors(layer, INT8)] == SAVED_NAMES[spec.saves]
    fwd = vector("v", 0, Pass.FWD, (INT8.activations,) * 3 + (INT8.accumulator,), 64,
                 layer.ops_per_element, 8, 8)
    (dgrad,) = backward_problems(layer, 0, fwd, INT8)
    assert dgrad.vector_ops_per_element == spec.backward_ops


@pytest.mark.parametrize("spec", [s for s in TABLE if s.statistics], ids=lambda s: s.name)
def test_norms_keep_statistics(spec):
    # 2 fp32 values (mean, reciprocal std) per channel (batch-shared) or per normalised row
    layer = VectorOp("n", spec.name, 64, spec.ops_per_element, channels=16)
    stats = saved_tensors(layer, INT8)[-1]
    assert stats.what == "statistics" and stats.bits == 32
    assert (stats.elements, stats.per_sample) == \
        ((2 * 16, False) if spec.statistics == "channel" else (2 * 64 // 16, True))


def test_traced_names_map_to_table_ops():
    for table in (TORCH_FUNCTIONS, TORCH_MODULES, ONNX_OPS):
        assert all(not VECTOR_OP_SPECS[op].pool for op in table.values())
    assert {VECTOR_OP_SPECS[op].pool for op in ONNX_POOLS.values()} == {True}
    # binary framework ops read two operands: Sub costs an add, Div a multiply
    assert (ONNX_OPS["Sub"], ONNX_OPS["Div"], TORCH_FUNCTIONS["rsub"]) == ("add", "mul", "add")
