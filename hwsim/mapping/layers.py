"""The searched mapping inside an estimate or a sweep: what the search takes beyond a problem
table.

`MappingInputs` holds the designs as the search models them (`mapping_design`: storage levels,
capacities and bandwidths from the arch, priced with the energies `hwsim.energy.price` charges,
assembled by `hwsim.energy.mapping_inputs.searched_inputs`), each GEMM's convolution geometry
(`conv_rows`) and the per-GEMM energies. `hwsim.evaluate.run_kernels` searches the GEMMs of
every design whose `Arch.mapping.strategy` is ``searched`` and puts the search's counts, cycles
and stalls in place of SCALE-Sim's fold order's. Identical GEMMs of a table (the same shape,
widths, formats, convolution geometry and so the same throughput factors and energies;
`problem_keys`) are searched once; the (design, problem) pairs run on all cores.

Arch to mapping design:

- an operand is held by the buffer that lists it in `holds` (default: a unified buffer holds
  every operand, a per-operand buffer its own); the others bypass it;
- capacities in bits; the buffer and the accumulator are double-buffered unless the arch says
  `double_buffered: false` (per-operand buffers: double-buffered if any of them is);
- bandwidths in bits per cycle, 0 unlimited: DRAM's, times three with a port per operand;
  the buffer's (per-operand buffers: the sum of their ports, unlimited if one is);
  the accumulator's;
- a GEMM where no mapping fits the capacities keeps SCALE-Sim's fold order (whose model spills
  instead of refusing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hwsim.lowering import Pass, ProblemTable
from hwsim.lowering.problem import distinct_rows
from hwsim.mapping.geometry import NO_CONV, ConvGeometry
from hwsim.mapping.model import MappingDesign, PackedDesigns
from hwsim.spec.arch import OPERANDS, Arch
from hwsim.spec.workload import Conv2d, Workload

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MappingInputs:
    """What the search needs beyond the problem table and the kernels' designs: `conv[P, 15]`
    (each GEMM's convolution geometry, `NO_CONV` for a plain one), the designs as mapping
    designs (`designs`, D of them), `fixed_pj[D, P]` (one GEMM's energy no mapping changes)
    and `array_pj[D, P, 3]` (pJ per element the array reads or writes at its innermost holder)."""

    conv: I64
    designs: PackedDesigns
    fixed_pj: F64
    array_pj: F64


def conv_rows(table: ProblemTable, workload: Workload) -> I64:
    """`ConvGeometry` rows of the GEMMs of `table` lowered from a convolution of `workload`,
    whose operands include a convolution view (`hwsim.mapping.geometry`): the forward pass's A
    (im2col of the input), the backward-data pass's A (the output gradient read as a
    transposed convolution) and the backward-weight pass's B (im2col of the input, pixels
    along K), with the batch pixels / (P*Q); `NO_CONV` for every other problem. One geometry
    per distinct layer and pass, spread over its GEMMs at once."""
    rows = np.tile(NO_CONV, (len(table), 1))
    mnk = np.stack([np.asarray(d, dtype=np.int64) for d in (table.M, table.N, table.K)], axis=1)
    for code, geometry in ((Pass.FWD.code, ConvGeometry.from_layer),
                           (Pass.DGRAD.code, ConvGeometry.dgrad_of_layer),
                           (Pass.WGRAD.code, ConvGeometry.wgrad_of_layer)):
        gemms = np.flatnonzero((table.from_conv == 1) & (table.is_vector == 0)
                               & (table.pass_code == code))
        layers, of_layer = np.unique(table.layer_index[gemms], return_inverse=True)
        per_layer = np.array([layer_geometry(workload.layers[int(i)], geometry)
                              for i in layers], dtype=np.int64).reshape(-1, NO_CONV.size)
        geo = per_layer[of_layer.reshape(-1)]
        pix_dim, tap_dim = (2, 1) if code == Pass.WGRAD.code else (0, 2)
        pix, taps = mnk[gemms, pix_dim], mnk[gemms, tap_dim]
        pixels = geo[:, 1] * geo[:, 2]              # P*Q; 0 for a layer that is no Conv2d
        viewed = (pixels > 0) & (pix % np.maximum(pixels, 1) == 0) & (
            taps == geo[:, 11] * geo[:, 3] * geo[:, 4])
        geo[:, 0] = pix // np.maximum(pixels, 1)
        rows[gemms[viewed]] = geo[viewed]
    return rows


def layer_geometry(layer: object,
                   geometry: Callable[[Conv2d, int], ConvGeometry]) -> I64:
    """The `ConvGeometry` row `geometry` gives a Conv2d layer with batch 0, `NO_CONV` for any
    other layer."""
    return geometry(layer, 0).as_row() if isinstance(layer, Conv2d) else NO_CONV


def mapping_design(arch: Arch, level_pj_per_bit: F64, static_pj_per_cycle: float) -> MappingDesign:
    """`arch` as the search models it (module doc), priced with `level_pj_per_bit[3, 3, 2]`."""
    mem = arch.memory
    held = mem.held_operands
    if mem.unified:
        buffer = mem.buffers[0]
        caps = (buffer.size_bytes * 8.0,) * 3
        buffer_bw = buffer.bandwidth_bytes_per_cycle * 8.0
    else:
        by_name = {b.name: b for b in mem.buffers}
        caps = tuple(by_name[o].size_bytes * 8.0 if o in by_name else 0.0 for o in OPERANDS)
        ports = [b.bandwidth_bytes_per_cycle for b in mem.buffers]
        buffer_bw = 0.0 if min(ports) <= 0 else sum(ports) * 8.0
    dram_bw = mem.dram_bandwidth_bytes_per_cycle * 8.0 * (3 if mem.dram_ports == "per_operand"
                                                          else 1)
    acc = mem.accumulator
    return MappingDesign(
        arch.compute.rows, arch.compute.cols, arch.compute.dataflow,
        buffer_holds=(OPERANDS[0] in held, OPERANDS[1] in held, OPERANDS[2] in held),
        unified=mem.unified, buffer_bits=(caps[0], caps[1], caps[2]),
        accumulator_bits=0.0 if acc is None else acc.size_bytes * 8.0,
        double_buffer=any(b.double_buffered for b in mem.buffers),
        double_buffer_accumulator=acc is None or acc.double_buffered,
        bandwidth_bits_per_cycle=(dram_bw, buffer_bw,
                                  0.0 if acc is None else acc.bandwidth_bytes_per_cycle * 8.0),
        energy_pj_per_bit=level_pj_per_bit, static_pj_per_cycle=static_pj_per_cycle)


def problem_keys(table: ProblemTable, conv: I64) -> tuple[I64, I64]:
    """(first problem of each distinct GEMM, the distinct GEMM of every GEMM problem): GEMMs
    agree when their shape, widths, formats and convolution geometry do, and so their
    throughput factors and energies on every design."""
    gemm = np.flatnonzero(table.is_vector == 0)
    columns = [table.M, table.N, table.K, table.a_bits, table.b_bits, table.b_store_bits,
               table.out_bits, table.acc_bits, table.format_index, table.from_conv]
    keys = np.concatenate([np.stack([np.asarray(c, dtype=np.float64) for c in columns],
                                    axis=1), conv.astype(np.float64)], axis=1)[gemm]
    first, inverse = distinct_rows(keys)
    return gemm[first], inverse
