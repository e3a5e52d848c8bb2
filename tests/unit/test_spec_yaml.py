"""Spec YAML at its edges: line numbers in errors, deep nesting, huge integers, a missing
`source`, and the parser agreeing with `yaml.safe_load` on what it builds."""

from __future__ import annotations

import pytest
import yaml

from hwsim.api import load_arch, load_workload
from hwsim.spec.errors import SpecError
from hwsim.spec.fields import MAX_INTEGER
from hwsim.spec.workload_io import MAX_LAYER_WORK, default_source
from hwsim.spec.yaml_io import MAX_DEPTH, parse_yaml, parse_yaml_marked
from tests_paths import WORKLOADS

HEAD = "version: 1\nname: w\nsource: test\nlayers:\n"


def issues(tmp_path, text, loader=load_workload):
    path = tmp_path / "w.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        loader(path)
    return path, info.value.issues


def test_errors_carry_the_line_of_their_key(tmp_path):
    text = HEAD + ("  - name: a\n"                 # line 5
                   "    op: matmul\n"
                   "    M: 4\n"
                   "    N: 4\n"
                   "    K: -1\n"                   # line 9
                   "  - {name: b, op: relu}\n"    # line 10: elements missing
                   "  - {name: c, op: relu, elements: 4, elemnts: 4}\n")  # line 11: unknown
    path, found = issues(tmp_path, text)
    assert [(i.line, i.field_path) for i in found] == [
        (9, "layers[0].K"), (10, "layers[1].elements"), (11, "layers[2].elemnts")]
    assert str(found[0]) == f"{path}:9: layers[0].K: expected a positive integer, got -1"


def test_arch_errors_carry_lines(tmp_path):
    text = ("version: 1\nname: a\n"
            "compute: {kind: systolic, rows: 4, cols: 4, dataflow: os, clock_mhz: 100}\n"
            "vector: {lanes: 4}\n"
            "memory:\n"
            "  sram: {unified: {size_kib: 1}}\n"
            "  dram:\n"
            "    bandwidth_bytes_per_cycle: -8\n")  # line 8
    _, found = issues(tmp_path, text, load_arch)
    assert [(i.line, i.field_path) for i in found] == [
        (8, "memory.dram.bandwidth_bytes_per_cycle")]


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_is_one_error_not_a_recursion(tmp_path, style):
    depth = 5000
    nested = "[" * depth + "]" * depth if style == "flow" else \
        "\n" + "".join("  " * (i + 1) + "-\n" for i in range(depth))
    _, found = issues(tmp_path, HEAD.replace("layers:\n", "layers: ") + nested + "\n")
    assert len(found) == 1
    assert f"nested deeper than {MAX_DEPTH} levels" in found[0].message
    assert found[0].line is not None and found[0].line >= 4


def test_nesting_at_the_limit_still_parses():
    text = "x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    data = parse_yaml(text, "t.yaml")
    for _ in range(MAX_DEPTH - 1):
        data = data["x"] if isinstance(data, dict) else data[0] if data else data
    assert data == []


def test_integer_beyond_int64_names_the_field(tmp_path):
    text = HEAD + ("  - {name: c, op: conv2d, in_channels: 3, input: 8, kernel: 3, "
                   "out_channels: 1000000000000000000000000000000}\n")
    _, found = issues(tmp_path, text)
    assert [(i.line, i.field_path) for i in found] == [(5, "layers[0].out_channels")]
    assert f"expected an integer <= {MAX_INTEGER}" in found[0].message
    assert MAX_INTEGER == 2**63 - 1  # numpy int64's largest value


def test_layer_work_beyond_the_bound_names_the_layer(tmp_path):
    side = 2**17  # 2**17 x 2**17 x 2**17 MACs = 2**51 > 2**48
    text = HEAD + (f"  - {{name: x, op: matmul, M: {side}, N: {side}, K: {side}}}\n")
    _, found = issues(tmp_path, text)
    assert [(i.line, i.field_path) for i in found] == [(5, "layers[0]")]
    assert f"got {side ** 3}" in found[0].message and str(MAX_LAYER_WORK) in found[0].message
    # the same layer at the bound loads (2**16 cubed is exactly 2**48)
    ok = tmp_path / "ok.yaml"
    ok.write_text(HEAD + "  - {name: x, op: matmul, M: 65536, N: 65536, K: 65536}\n")
    assert load_workload(ok).layers[0].M == 2**16


def test_infinite_number_is_rejected(tmp_path):
    text = ("version: 1\nname: a\n"
            "compute: {kind: systolic, rows: 4, cols: 4, dataflow: os, clock_mhz: .inf}\n"
            "vector: {lanes: 4}\nmemory: {sram: {unified: {size_kib: 1}}, "
            "dram: {bandwidth_bytes_per_cycle: 1e999}}\n")
    _, found = issues(tmp_path, text, load_arch)
    assert [i.field_path for i in found] == ["compute.clock_mhz",
                                             "memory.dram.bandwidth_bytes_per_cycle"]


def test_missing_source_defaults_to_the_file(tmp_path):
    path = tmp_path / "hand.yaml"
    path.write_text("version: 1\nname: hand\nlayers:\n"
                    "  - {name: fc, op: linear, in_features: 8, out_features: 8}\n")
    assert load_workload(path).source == default_source(path) == f"file: {path}"


def test_parser_builds_what_safe_load_builds():
    text = (WORKLOADS / "resnet18.yaml").read_text() + (
        "extra:\n  anchors: {a: &x [1, 2.5, true, null, '7', 0x10, 2001-12-14]}\n"
        "  alias: *x\n  'quoted': \"s\"\n  ? complex\n  : 1\n")
    data, marks = parse_yaml_marked(text, "t.yaml")
    assert data == yaml.safe_load(text)
    assert data["extra"]["alias"] is data["extra"]["anchors"]["a"]
    assert marks[id(data["layers"])].items[0] == text.splitlines().index("layers:") + 2


def test_merge_keys_and_tags_fall_back_to_the_safe_loader():
    text = "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\nset: !!set {a, b}\n"
    assert parse_yaml(text, "t.yaml") == yaml.safe_load(text)


@pytest.mark.parametrize(("text", "problem"), [
    ("a: !!python/object:os.system echo\n", "could not determine a constructor"),
    ("a: 1\n---\nb: 2\n", "but found another document"),
    ("a: *nowhere\n", "undefined alias"),
    ("? [1, 2]\n: x\n", "unhashable key"),
])
def test_unsafe_or_malformed_yaml_is_a_spec_error(text, problem):
    with pytest.raises(SpecError) as info:
        parse_yaml(text, "t.yaml")
    assert problem in str(info.value) and "malformed YAML" in str(info.value)


def test_integer_of_5000_digits_is_malformed_yaml(tmp_path):
    _, found = issues(tmp_path, HEAD + "  - {name: e, op: relu, elements: " + "9" * 5000 + "}\n")
    assert len(found) == 1 and found[0].line == 5
    assert "malformed YAML: cannot read '99999999999999999999'..." in found[0].message


def test_alias_bomb_is_described_briefly(tmp_path):
    """Nine aliases of nine aliases, eight levels: 9**8 leaves, never expanded."""
    rows = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{b}: &{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdefg", "bcdefgh",
                                                                    strict=True)]
    _, found = issues(tmp_path, "version: 1\n" + "\n".join(rows) + "\nname: *h\n")
    message = next(i.message for i in found if i.field_path == "name")
    assert message.startswith("expected a non-empty string, got [[[") and len(message) < 100
