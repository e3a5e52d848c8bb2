"""The shipped energy tables (``hwsim/unit_energy/data/*.yaml``), read once into plain
dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Point:
    """One published energy: `x` is the width in bits or the size in KiB, `energy_pj` in pJ."""

    x: float
    energy_pj: float
    source: str


@dataclass(frozen=True, slots=True)
class BaseTable:
    """The 45 nm base table (Horowitz, ISSCC 2014, and the tables that restate it)."""

    node_nm: int
    sources: dict[str, str]
    int_add: tuple[Point, ...]
    int_mult: tuple[Point, ...]
    fp_add: dict[str, Point]
    fp_mult: dict[str, Point]
    sram_64bit_read: tuple[Point, ...]
    register_file_32bit_pj: float
    dram_pj_per_bit: float


def _read(name: str) -> Any:
    return yaml.safe_load((resources.files("hwsim.unit_energy") / "data" / name).read_text())


@cache
def base_table() -> BaseTable:
    doc = _read("horowitz_45nm.yaml")
    ops = doc["operations_pj"]

    def points(op: str, fmt: str) -> tuple[Point, ...]:
        rows = [r for r in ops if r["op"] == op and r["format"] == fmt]
        return tuple(sorted((Point(r["bits"], r["energy_pj"], r["source"]) for r in rows),
                            key=lambda p: p.x))

    def named(op: str) -> dict[str, Point]:
        return {r["format"]: Point(r["bits"], r["energy_pj"], r["source"])
                for r in ops if r["op"] == op and r["format"] != "int"}

    mem = doc["memory_pj"]
    return BaseTable(
        node_nm=doc["node_nm"], sources=doc["sources"], int_add=points("add", "int"),
        int_mult=points("mult", "int"), fp_add=named("add"), fp_mult=named("mult"),
        sram_64bit_read=tuple(Point(r["size_kib"], r["energy_pj"], r["source"])
                              for r in mem["sram_64bit_read"]),
        register_file_32bit_pj=mem["register_file_32bit_access"]["energy_pj"],
        dram_pj_per_bit=mem["dram_per_bit"]["energy_pj"])


@dataclass(frozen=True, slots=True)
class DramTechnology:
    """One DRAM class: its access energy in pJ per bit, the key of its source (`cite`) and
    the full reference (`source`)."""

    name: str
    energy_pj_per_bit: float
    cite: str
    source: str


@cache
def dram_technologies() -> dict[str, DramTechnology]:
    """The DRAM classes of ``dram_technologies.yaml`` by name."""
    doc = _read("dram_technologies.yaml")
    return {name: DramTechnology(name, row["energy_pj_per_bit"], row["source"],
                                 doc["sources"][row["source"]])
            for name, row in doc["technologies"].items()}


@cache
def fusion_unit_pj_per_cycle() -> float:
    """Energy of one Bit Fusion Fusion Unit cycle at 45 nm (pJ): its power, a multiple of the
    fixed 8-bit PE's, over the synthesis clock (``bitfusion_45nm.yaml``)."""
    doc = _read("bitfusion_45nm.yaml")
    power_uw = doc["fixed_pe_power_uw"][8] * doc["fusion_unit_power_vs_fixed8"]
    return power_uw * 1e-6 / (doc["clock_mhz"] * 1e6) * 1e12
