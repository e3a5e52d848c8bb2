"""Hostile spec files through the CLI: one line naming file, line and field, exit 2, no
traceback (a 5000-deep list used to end in a RecursionError, a 31-digit channel count in an
OverflowError)."""

from __future__ import annotations

import pytest

from tests_paths import assert_one_line_error
from tests_paths import run_hwsim as hwsim

HEAD = "version: 1\nname: w\nsource: test\nlayers:"


@pytest.mark.parametrize(("body", "expected"), [
    (" " + "[" * 5000 + "]" * 5000, "w.yaml:4: malformed YAML: mappings and lists nested deeper"),
    ("\n  - {name: c, op: conv2d, in_channels: 3, input: 8, kernel: 3, "
     "out_channels: 1000000000000000000000000000000}",
     "w.yaml:5: layers[0].out_channels: expected an integer <= 9223372036854775807"),
])
def test_hostile_workload_is_one_line_exit_2(tmp_path, body, expected):
    path = tmp_path / "w.yaml"
    path.write_text(HEAD + body + "\n")
    assert_one_line_error(hwsim("estimate", str(path), "--arch", "tpu_like"), expected)


def test_workload_without_source_says_it_defaulted(tmp_path):
    path = tmp_path / "hand.yaml"
    path.write_text("version: 1\nname: hand\nlayers:\n"
                    "  - {name: fc, op: linear, in_features: 8, out_features: 8}\n")
    run = hwsim("estimate", str(path), "--arch", "tpu_like", "--json")
    assert run.returncode == 0, run.stderr
    assert f'"workload_source": "file: {path}"' in run.stdout
