"""The energy model: published points reproduced, fits, node scaling, pricing, arch configs."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from hwsim.api import estimate, load_arch
from hwsim.energy.table import energy_table
from hwsim.precision import TensorPrecision, parse_format
from hwsim.spec.errors import SpecError
from hwsim.spec.workload import Linear, Workload
from hwsim.technology import node_table
from hwsim.unit_energy import memory, ops
from hwsim.unit_energy.data import base_table
from hwsim.unit_energy.scaling import UnknownNodeError, energy_scale

F = parse_format


@pytest.mark.parametrize(("fmt", "add_pj", "mult_pj"), [
    # Horowitz, ISSCC 2014 (45 nm); the 16-bit add from Sze et al. 2017's restatement.
    ("int8", 0.03, 0.2), ("int16", 0.05, None), ("int32", 0.1, 3.1),
    ("fp16", 0.4, 1.1), ("fp32", 0.9, 3.7)])
def test_published_45nm_operation_points_exact(fmt, add_pj, mult_pj):
    assert math.isclose(ops.add_pj(F(fmt)), add_pj, rel_tol=1e-12)
    if mult_pj is not None:
        assert math.isclose(ops.mult_pj(F(fmt), F(fmt)), mult_pj, rel_tol=1e-12)


@pytest.mark.parametrize(("kib", "pj_per_64b"), [(8, 10.0), (32, 20.0), (1024, 100.0)])
def test_published_sram_points_exact(kib, pj_per_64b):
    assert math.isclose(memory.sram_pj_per_bit(kib * 1024) * 64, pj_per_64b, rel_tol=1e-12)


def test_register_file_and_dram_points():
    """EIE Table I: 1 pJ per 32-bit register-file access, 640 pJ per 32-bit DRAM access."""
    assert memory.register_file_pj_per_bit() * 32 == 1.0
    assert memory.dram_pj_per_bit() * 32 == 640.0


def test_single_power_law_would_miss_int16_add():
    """Why adders interpolate piecewise: a power law through 8 and 32 bits gives
    0.03 * 2^(ln(0.1/0.03)/ln 4) = 0.0548 pJ at 16 bits, 9.5% above the published 0.05, which
    the piecewise fit returns."""
    slope = math.log(0.1 / 0.03) / math.log(4)
    assert math.isclose(0.03 * 2 ** slope / ops.int_add_pj(16) - 1, 0.0954, abs_tol=5e-4)


def test_integer_multiply_scales_with_product_of_widths():
    """E depends on wa*wb only: 4x16 costs what 8x8 costs; 8x32 the geometric mean of 8x8
    and 32x32 in log space, sqrt(0.2 * 3.1)."""
    assert math.isclose(ops.int_mult_pj(4, 16), ops.int_mult_pj(8, 8))
    assert math.isclose(ops.int_mult_pj(8, 32), math.sqrt(0.2 * 3.1))


def test_float_fits_order_formats_sensibly():
    mults = [ops.mult_pj(F(f), F(f)) for f in ("fp8_e5m2", "fp8_e4m3", "bf16", "fp16", "fp32")]
    assert mults == sorted(mults)
    assert ops.add_pj(F("bf16")) < ops.add_pj(F("fp16"))  # 8-bit vs 11-bit significand


def test_mac_is_multiply_plus_accumulator_add():
    assert math.isclose(ops.mac_pj(F("int8"), F("int8"), F("int32")), 0.2 + 0.1)


def test_stillmaker_baas_corrigendum_example():
    """The authors' corrigendum: 32 nm at 0.9 V gives 0.4571, 65 nm at 1.3 V gives 2.604."""
    table = node_table()
    assert math.isclose(table[32].energy_factor(0.9), 0.4571, abs_tol=1e-4)
    assert math.isclose(table[65].energy_factor(1.3), 2.604, abs_tol=1e-3)


def test_scaling_identity_and_direction():
    assert energy_scale(45, 45) == 1.0
    assert energy_scale(45, 7) < energy_scale(45, 16) < 1.0 < energy_scale(45, 65)
    assert math.isclose(energy_scale(45, 65) * energy_scale(65, 45), 1.0)
    with pytest.raises(UnknownNodeError, match="got 28"):
        energy_scale(45, 28)


def test_eyeriss_like_reproduces_normalized_costs():
    """Sze et al.: per 16-bit access, RF 1x, PE network 2x, global buffer 6x, DRAM 200x the
    energy of a 16-bit MAC (the YAML rounds to 5 significant digits)."""
    arch = load_arch("eyeriss_like")
    table = energy_table(arch)
    word = F("int16")
    mac = table.mac_pj(word, word, word)
    ratios = [16 * x / mac for x in (table.register_file_pj_per_bit,
                                      table.forwarding_pj_per_bit,
                                      table.buffer_read_pj_per_bit["unified"],
                                      table.dram_pj_per_bit)]
    assert ratios == pytest.approx([1, 2, 6, 200], rel=1e-4)


def _one_linear(fmt: str) -> Workload:
    prec = TensorPrecision(F(fmt), F(fmt), F(fmt), F("int32"))
    return Workload("t", "test", 1, prec, (Linear("fc", 256, 256, rows=64),))


def test_layer_energy_sums_components_and_mac_energy_follows_precision():
    base = load_arch("scalesim_default")
    arch = replace(base, compute=replace(base.compute, native_formats=(F("int4"), F("int8"))))
    r8, r4 = estimate(_one_linear("int8"), arch), estimate(_one_linear("int4"), arch)
    layer = r8.layers[0]
    assert math.isclose(layer.total_energy_pj, sum(layer.energy_pj.values()))
    assert math.isclose(layer.energy_pj["mac"],
                        64 * 256 * 256 * ops.mac_pj(F("int8"), F("int8"), F("int32")))
    assert r4.layers[0].energy_pj["mac"] < layer.energy_pj["mac"]
    assert math.isclose(layer.energy_pj["dram"],
                        sum(layer.dram_bytes.values()) * 8 * memory.dram_pj_per_bit(),
                        rel_tol=1e-3)  # dram_bytes are rounded up to whole bytes


def test_static_energy_is_power_times_time():
    arch = load_arch("scalesim_default")
    powered = replace(arch, energy=replace(arch.energy, static_power_mw=250.0))
    layer = estimate(_one_linear("int8"), powered).layers[0]
    seconds = layer.total_cycles / (arch.compute.clock_mhz * 1e6)
    # The result rounds stall cycles up to whole cycles; pricing uses the exact stall time.
    assert math.isclose(layer.energy_pj["static"], 250e-3 * seconds * 1e12, rel_tol=1e-3)


@pytest.mark.parametrize(("energy_yaml", "message"), [
    ("{node_nm: 28}", "energy.node_nm: expected a node of the scaling table"),
    ("{dram_pj_per_bit: -1}", "energy.dram_pj_per_bit: expected a positive number, got -1"),
    ("{sram: {ifmap: {write_pj_per_bit: 1}}}",
     "energy.sram.ifmap.read_pj_per_bit: required field is missing"),
    ("{nod_nm: 45}", "energy.nod_nm: unknown field (did you mean 'node_nm'?)")])
def test_bad_energy_sections(tmp_path, energy_yaml, message):
    text = Path(load_arch("scalesim_default").path).read_text()
    text = text[:text.index("energy:")] + f"energy: {energy_yaml}\n"
    path = tmp_path / "a.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_arch(path)
    assert any(message in str(issue) for issue in info.value.issues), info.value


def test_sources_recorded_for_every_base_entry():
    table = base_table()
    cited = {p.source for p in (*table.int_add, *table.int_mult, *table.sram_64bit_read,
                                *table.fp_add.values(), *table.fp_mult.values())}
    assert cited <= set(table.sources)


def test_promoted_format_saves_movement_not_mac_energy_or_cycles():
    """int4 on an int8-only array runs as int8: MACs cost int8 energy, cycles are unchanged,
    data moves at 4 bits; with promotion off it is an error naming the layer."""
    arch = load_arch("scalesim_default")
    r8, r4 = estimate(_one_linear("int8"), arch), estimate(_one_linear("int4"), arch)
    l8, l4 = r8.layers[0], r4.layers[0]
    assert l4.energy_pj["mac"] == l8.energy_pj["mac"]
    assert l4.total_cycles <= l8.total_cycles and l4.compute_cycles == l8.compute_cycles
    assert l4.energy_pj["dram"] < l8.energy_pj["dram"]
    assert l4.precision["a_executed_as"] == "int8" and "a_executed_as" not in l8.precision
    strict = replace(arch, compute=replace(arch.compute, promote=False))
    with pytest.raises(SpecError, match=r"layers\[0\] \(fc, operand A\): expected a format the "
                                        r"array executes natively \(int8\), got int4"):
        estimate(_one_linear("int4"), strict)
