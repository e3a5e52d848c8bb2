"""The array-kind registry: lookup, suggestions, and a kind's members against the loader."""

from __future__ import annotations

import pytest

from hwsim.api import load_arch
from hwsim.arrays import UnknownArrayKindError, array_kind, kind_names, mac_datapath_key
from hwsim.precision import parse_format


def test_shipped_kinds_in_code_order():
    # the order is the kernels' kind codes (hwsim.arrays.throughput.KIND_CODES)
    assert kind_names() == ("systolic", "bitserial", "bitfusion", "lns", "mx")


def test_unknown_kind_suggests_the_closest():
    with pytest.raises(UnknownArrayKindError, match=r"unknown array kind 'bitfusoin'; expected "
                       r"one of systolic, bitserial, bitfusion, lns, mx \(did you mean "
                       r"'bitfusion'\?\)"):
        array_kind("bitfusoin")


def test_default_native_formats_per_kind():
    assert array_kind("systolic").default_native_formats(8) == (parse_format("int8"),)
    assert array_kind("lns").default_native_formats(8) == (parse_format("lns8_f3"),)
    assert [f.name for f in array_kind("bitfusion").default_native_formats(4)] == \
        ["int1", "int2", "int3", "int4"]
    assert [f.name for f in array_kind("bitserial").default_native_formats(2)] == \
        ["int1", "int2", "binary"]


def test_options_yaml_is_what_the_kind_parses():
    loom = load_arch("loom_like").compute
    assert array_kind("bitserial").options_yaml(loom.options) == \
        {"serial": "both", "bits_per_cycle": 1, "window_lanes": 256}
    assert array_kind("systolic").options_yaml(load_arch("tpu_like").compute.options) == {}


def test_mac_datapath_key_separates_kind_options():
    stripes, loom = load_arch("stripes_like").compute, load_arch("loom_like").compute
    assert mac_datapath_key(stripes) != mac_datapath_key(loom)  # serial operands differ
    assert mac_datapath_key(stripes) == mac_datapath_key(load_arch("stripes_like").compute)
