"""The shipped area tables (``hwsim/unit_area/data/*.yaml``), read once into plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

Points = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class AreaTable:
    """The 45 nm base table: unit and PE areas in um^2, SRAM macros in mm^2 (by bytes)."""

    node_nm: int
    sources: dict[str, str]
    int_add_um2: Points            # (bits, um^2)
    int_mult_um2: Points           # (bits of each operand, um^2)
    fp_add_um2: dict[str, float]
    fp_mult_um2: dict[str, float]
    flip_flop_um2: float
    fixed_pe_um2: Points           # (bits, um^2)
    fusion_unit_um2: float
    sram_mm2: Points               # (bytes, mm^2)
    pe_register_file_words: int
    lns_accumulator_bits: int


@dataclass(frozen=True, slots=True)
class NodeScaling:
    """Area factors from `from_nm` to each node; nodes in `classical` are scaled from another
    node by the square of the feature-size ratio."""

    from_nm: int
    factor_by_node: dict[int, float]
    classical: dict[int, int]      # node -> the tabulated node it is scaled from
    source: str


def _read(name: str) -> Any:
    return yaml.safe_load((resources.files("hwsim.unit_area") / "data" / name).read_text())


def _points(mapping: dict[Any, float]) -> Points:
    return tuple(sorted((float(k), float(v)) for k, v in mapping.items()))


@cache
def area_table() -> AreaTable:
    doc = _read("area_45nm.yaml")
    return AreaTable(
        node_nm=doc["node_nm"], sources=doc["sources"],
        int_add_um2=_points(doc["int_add_um2"]), int_mult_um2=_points(doc["int_mult_um2"]),
        fp_add_um2=doc["fp_add_um2"], fp_mult_um2=doc["fp_mult_um2"],
        flip_flop_um2=doc["flip_flop_um2"], fixed_pe_um2=_points(doc["fixed_pe_um2"]),
        fusion_unit_um2=doc["fusion_unit_um2"], sram_mm2=_points(doc["sram_mm2"]),
        pe_register_file_words=doc["pe_register_file_words"],
        lns_accumulator_bits=doc["lns_accumulator_bits"])


@cache
def node_scaling() -> NodeScaling:
    doc = _read("stillmaker_baas_2017_area.yaml")
    return NodeScaling(doc["from_nm"], {int(k): float(v) for k, v in
                                        doc["factor_by_node"].items()},
                       {int(k): int(v["via_nm"]) for k, v in doc["classical_beyond"].items()},
                       doc["source"])
