"""Precision policies: defaults, globs, first/last rules, the --precision flag, bad input."""

from __future__ import annotations

import pytest

from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.policy import Policy, Rule, load_policy, parse_precision_flag
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Conv2d, Linear, VectorOp, Workload

F = parse_format
WORKLOAD = Workload("t", "test", 1, TensorPrecision.default(), (
    Conv2d("stem", 3, 8, 8, 8, 3, 3), VectorOp("relu", "relu", 512, 1),
    Conv2d("layer1.conv", 8, 8, 6, 6, 3, 3), Linear("head", 128, 10)))


def bits(workload, kind):
    return [getattr(workload.layer_precision(x), kind).bits for x in workload.layers]


def test_first_and_last_mac_layers_at_8_bits():
    policy = Policy(parse_precision_flag("w=int4,a=int4"),
                    (Rule("first", {"weights": F("int8"), "activations": F("int8")}),
                     Rule("last", {"weights": F("int8"), "activations": F("int8")})))
    out = policy.apply(WORKLOAD)
    assert bits(out, "weights") == [8, 4, 4, 8]   # the vector op is not a MAC layer
    assert bits(out, "gradients") == [8, 8, 8, 8]  # untouched kinds keep the workload's


def test_glob_rules_apply_in_order_and_unmatched_are_reported():
    policy = Policy({}, (Rule("layer1.*", {"gradients": F("int16")}),
                         Rule("*conv", {"gradients": F("fp16")}),
                         Rule("nothing*", {"weights": F("int2")})))
    out = policy.apply(WORKLOAD)
    assert out.layer_precision(out.layers[2]).gradients.name == "fp16"  # later rule wins
    assert policy.unmatched_rules(WORKLOAD) == ["nothing*"]


def test_precision_flag_errors():
    assert parse_precision_flag("g=bf16,acc=fp32")["accumulator"].name == "fp32"
    with pytest.raises(ValueError, match="expected kind=format"):
        parse_precision_flag("x=int4")
    with pytest.raises(ValueError, match="expected a number format"):
        parse_precision_flag("w=int99")


def test_policy_yaml(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\ndefault: {weights: int4}\nrules:\n"
                    "  - {layers: first, weights: int8}\n")
    policy = load_policy(path)
    assert bits(policy.apply(WORKLOAD), "weights") == [8, 4, 4, 4]
    path.write_text("version: 1\nrules:\n  - {layers: first, weigths: int8}\n")
    with pytest.raises(SpecError) as info:
        load_policy(path)
    assert any("rules[0].weigths: unknown field (did you mean 'weights'?)" in str(i)
               for i in info.value.issues)
