"""Architecture spec: compute array, vector unit and memory hierarchy.

An arch file (``arch_configs/*.yaml``, ``version: 1``)::

    version: 1
    name: scalesim_default
    description: "SCALE-Sim v3 default scale.cfg"
    compute: {kind: systolic, rows: 32, cols: 32, dataflow: os, clock_mhz: 1000, word_bits: 8}
    vector: {lanes: 32}
    memory:
      sram:                       # either per operand (ifmap, filter, ofmap) or `unified`
        ifmap:  {size_kib: 64}
        filter: {size_kib: 64}
        ofmap:  {size_kib: 64}
      dram: {bandwidth_bytes_per_cycle: 10, ports: per_operand}

Sizes are KiB (1024 bytes); bandwidths are bytes per array clock cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.precision.formats import NumberFormat

DATAFLOWS = ("os", "ws", "is")
OPERANDS = ("ifmap", "filter", "ofmap")
DRAM_PORTS = ("shared", "per_operand")
# DRAM classes with a sourced energy per bit (hwsim/unit_energy/data/dram_technologies.yaml)
DRAM_TECHNOLOGIES = ("lpddr4", "gddr5", "hbm2")
MAPPING_STRATEGIES = ("scalesim", "searched")
MAPPING_OBJECTIVES = ("energy", "latency", "edp", "dram")
KIB = 1024  # bytes per KiB, the unit of buffer sizes in arch files
ACCUMULATOR = "accumulator"  # the name of the accumulator's per-bit energies (`BufferEnergy`)


@dataclass(frozen=True, slots=True)
class KindOptions:
    """The `compute:` fields of one array kind beyond those every kind has. Each kind
    (`hwsim.arrays`) parses its own into a frozen subclass; this base, with no fields, is the
    options of kinds that have none."""


@dataclass(frozen=True, slots=True)
class ComputeArray:
    """A 2-D MAC array: `rows` x `cols` PEs, a dataflow, a clock, a native operand width.

    `kind` names an array kind of `hwsim.arrays`, which parsed `options` (its own fields) and
    gave the default `native_formats`: the operand formats the MACs execute; other formats are
    an error or promoted (`promote`), see `hwsim.precision.execution`.
    """

    kind: str
    rows: int
    cols: int
    dataflow: str
    clock_mhz: float
    word_bits: int
    native_formats: tuple[NumberFormat, ...] = ()
    promote: bool = True
    options: KindOptions = KindOptions()


@dataclass(frozen=True, slots=True)
class VectorUnit:
    """SIMD unit for element-wise work: `lanes` operations per cycle."""

    lanes: int


@dataclass(frozen=True, slots=True)
class SramBuffer:
    """One on-chip buffer. `bandwidth_bytes_per_cycle` 0 means not limiting."""

    name: str
    size_bytes: int
    bandwidth_bytes_per_cycle: float = 0.0
    # Operands (`OPERANDS` names) the buffer keeps; the others bypass it between DRAM and the
    # array. None: the default, every operand for a unified buffer, its own for a per-operand one.
    holds: tuple[str, ...] | None = None
    # Whether the searched mapping keeps two tiles per operand (one filling while the other is
    # used): capacity for tiles is then half the size. SCALE-Sim's fold order always double-buffers.
    double_buffered: bool = True

    @property
    def held(self) -> tuple[str, ...]:
        """The operands the buffer keeps (`OPERANDS` names), `holds` with its default resolved:
        every operand for the unified buffer, its own for a per-operand one."""
        if self.holds is not None:
            return self.holds
        return OPERANDS if self.name == "unified" else (self.name,)


@dataclass(frozen=True, slots=True)
class Accumulator:
    """An accumulator at the array's edge (TPU-style): partial sums add up there across the
    reduction's folds instead of in the buffer. `bandwidth_bytes_per_cycle` 0: not limiting."""

    size_bytes: int
    bandwidth_bytes_per_cycle: float = 0.0
    double_buffered: bool = True   # as `SramBuffer.double_buffered`


@dataclass(frozen=True, slots=True)
class Memory:
    """On-chip buffers (three per-operand ones, or one `unified`) and the DRAM interface.

    With ``dram_ports = per_operand`` each operand has its own DRAM port of the given bandwidth
    (SCALE-Sim's USER mode); with ``shared`` all operands share one.
    """

    buffers: tuple[SramBuffer, ...]
    dram_bandwidth_bytes_per_cycle: float   # 0: unlimited (for comparisons with tools
                                            # that do not model DRAM bandwidth)
    dram_ports: str = "shared"
    accumulator: Accumulator | None = None
    dram_technology: str | None = None      # one of DRAM_TECHNOLOGIES; None: hwsim's default

    @property
    def unified(self) -> bool:
        return len(self.buffers) == 1

    @property
    def held_operands(self) -> tuple[str, ...]:
        """The operands (in `OPERANDS` order) some buffer keeps (`SramBuffer.holds`; by
        default a unified buffer keeps every operand, a per-operand buffer its own); the
        others bypass the buffers between DRAM and the array."""
        held: set[str] = set()
        for buffer in self.buffers:
            default = OPERANDS if self.unified else (buffer.name,)
            held.update(buffer.holds if buffer.holds is not None else default)
        return tuple(o for o in OPERANDS if o in held)


@dataclass(frozen=True, slots=True)
class BufferEnergy:
    """Per-bit access energies (pJ, at the arch's node) that override the SRAM fit of one
    buffer, or of the accumulator (`name` "accumulator", `ACCUMULATOR`)."""

    name: str
    read_pj_per_bit: float
    write_pj_per_bit: float


@dataclass(frozen=True, slots=True)
class EnergySpec:
    """The arch's `energy:` section. Zero or None means "use hwsim's fitted model".

    Overrides are given at the arch's own node and are not rescaled. `pe_register_file`:
    each MAC reads both operands from and reads and writes its partial sum in a PE-local
    register file (Eyeriss's row-stationary PEs); otherwise operands hop between PEs.
    `register_file_pj_per_bit` is per operand, in `OPERANDS` order (a single number in the
    arch file gives all three the same). `mac_pj` is the energy of one MAC whose operands are
    in the array's first native format (`ComputeArray.native_formats[0]`), whatever its
    accumulator; other formats cost it times the array kind's fitted energy ratio (see
    `hwsim.energy.price`).
    """

    node_nm: int = 45
    vdd_v: float | None = None
    static_power_mw: float = 0.0
    dram_pj_per_bit: float | None = None
    register_file_pj_per_bit: tuple[float, float, float] | None = None   # ifmap, filter, ofmap
    forwarding_pj_per_bit: float | None = None
    pe_register_file: bool = False
    buffers: tuple[BufferEnergy, ...] = ()
    mac_pj: float | None = None   # energy per MAC at the array's native format, pJ


@dataclass(frozen=True, slots=True)
class MappingSpec:
    """How each GEMM's loops are mapped onto the memory hierarchy (`hwsim.mapping`):
    `strategy` "scalesim" (SCALE-Sim's fixed fold order, its counts exactly) or "searched"
    (tile sizes and loop orders searched per layer minimising `objective`)."""

    strategy: str = "searched"
    objective: str = "energy"


@dataclass(frozen=True, slots=True)
class Arch:
    """A validated architecture."""

    name: str
    description: str
    compute: ComputeArray
    vector: VectorUnit
    memory: Memory
    path: str = ""
    sha256: str = ""
    energy: EnergySpec = EnergySpec()
    mapping: MappingSpec = MappingSpec()
