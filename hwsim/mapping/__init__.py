"""Mapping search for GEMMs on a systolic array: tile sizes and loop orders per storage level.

The model
---------
A GEMM C[M x N] = A[M x K] B[K x N] runs on a rows x cols array with a fixed dataflow, which
puts one dimension on the rows (Sr), one on the columns (Sc) and one in time (T)
(`hwsim.dataflow.systolic.ROLE_DIMS`). Storage levels, outermost first:

0. DRAM, holding everything;
1. the on-chip buffer, unified (the operands it holds share one capacity) or one capacity per
   operand; operands it does not hold bypass it and go between DRAM and the array directly;
2. optionally an accumulator at the array edge holding one fold's outputs (partial sums);
then the array: a fold is rows x cols x t0 (Sr x Sc x T), t0 elements of T streamed through it.

A mapping is: the fold chunk t0; the buffer tile (M, N, K extents; the spatial ones multiples
of rows or cols, or the whole dimension; the temporal one a multiple of t0 or whole); and a loop
order per level of loops. Level-0 loops (at DRAM) walk the buffer tiles of the problem,
level-1 loops (at the buffer) walk the folds of a buffer tile. Only the innermost loop of a
level matters for reuse; the other two run in ascending dimension order (M, N, K),
outermost first. Double buffering is declared per storage level by the design.

The counting rule
-----------------
Operand o depends on two of M, N, K and not on the third, e (A: N, B: M, output: K). For a
storage level l holding o, walk the loops of all levels above l from the innermost outwards,
skipping loops of trip count 1. Loops over e met before any loop over a dimension o depends on
leave o's tile in place (reuse); the first loop over a relevant dimension and every loop
outside it replace it. So each element of o is brought into l

    r_l(o) = ceil(extent_e / tile_e(j*))

times, where j* is the level of the outermost skipped e-loop (no skipped e-loop: j* = l, the
number of l-tiles along e). Over the problem this moves |o| * r_l(o) elements, because tiles
partition every dimension regularly (the space only holds tiles that do; see below).

- Inputs (A, B): each fill of level l is a read at its parent (the next level outwards that
  holds o) and a write at l. The array reads, every fold, the fold's tile from the innermost
  level holding o: |o| * folds_e elements (folds_e = ceil(extent_e / fold_e)), as
  `hwsim.kernels.systolic` counts SRAM reads.
- A convolution's viewed operand (`GemmProblem.conv`, `hwsim.mapping.geometry`: A of a
  forward pass, im2col of the input; A of a backward-data pass, the output gradient read as a
  transposed convolution; B of a backward-weight pass, im2col of the input with its pixels
  along K): a buffer tile moves its halo, the distinct tensor pixels its pixels and channels
  read (stride, dilation and padding exact; padding and inserted zeros are never fetched)
  when it spans whole channels along its taps dimension and, along its pixel dimension, whole
  grid rows (possibly straddling images) or a divisor of a row; any other tile of it moves
  its block of the GEMM view. The array reads the GEMM view's stream.
- Output: the array delivers each fold's increments to the innermost holder h, which adds
  them: M*N*fK writes (fK = ceil(K / fold_K), at the accumulator width when fK > 1, else the
  output width) and M*N*(fK - 1) reads. A storage level l holding the output is occupied
  E_l = M*N*r_l(output) times: each occupation ends with a drain to its parent (a read at l,
  a write at the parent; final values, M*N of them, at the output width, the other E_l - M*N
  at the accumulator width) and each occupation but an element's first starts with a
  read-back of the partial sum from the parent (E_l - M*N reads at the parent and writes at
  l, accumulator width). Capacities count the output at the accumulator width when fK > 1.

Compute cycles: every fold costs `fold_length(row_coef, rows, cols, t, 1, 1)` with t its T
extent, less one cycle overall; with T untiled this is `systolic_gemm`'s count.
Stalls, per storage boundary (DRAM, buffer, accumulator): the level's traffic is spread
evenly over its steps (buffer tiles at DRAM, folds below); double-buffered, each step costs
the slower of compute and transfer and the first transfer is exposed; otherwise all
transfers are exposed. Boundaries add.

The search space
----------------
t0: even splits ceil(T/2^k), the array's longer side and, for a convolution whose viewed
operand the buffer holds, splits aligned to grid rows or channels; none shorter than the
array's longer side. Buffer tile per dimension, in units of the fold extent (n units in
all): powers of two, aligned powers of two for convolutions, and n. Tiles must nest
regularly (a buffer tile is a multiple of the fold or the whole dimension) and an edge tile
must keep more than one fold wherever a full tile has more than one (so the closed forms
above are exact). Orders: per level, every dimension whose loop has a trip count above 1 as
the innermost (the distinct reuse classes); level 1 only matters with an accumulator.
SCALE-Sim's fold order (`scalesim_mapping`: t0 = T, the buffer holding one fold, Sr loop
innermost at DRAM) is always in the space when it fits. Pruning never changes the result:
capacity needs grow with every extent (an overflow ends the scan of larger ones), and a
lower bound per t0 (no stall, only MAC and static energy, compulsory DRAM bytes) grows as t0
shrinks (the search ends once reached). Lower bounds per t0 and per buffer tile (each
operand's least reuse over the loop orders) skip only candidates that cannot win; a t0's
tiles are evaluated in ascending bound, the earlier tile winning ties, so the result is the
first minimum of the order below.

Tie-break: the first mapping met with the smallest objective, in the order t0 descending, then
buffer T, Sr, Sc extents ascending (Sc innermost), then innermost dims ascending.
"""

from hwsim.mapping.geometry import ConvGeometry
from hwsim.mapping.model import GemmProblem, Mapping, MappingDesign
from hwsim.mapping.search import MappingCost, MappingSearch, evaluate, scalesim_mapping, search

__all__ = ["ConvGeometry", "GemmProblem", "Mapping", "MappingCost", "MappingDesign",
           "MappingSearch", "evaluate", "scalesim_mapping", "search"]
