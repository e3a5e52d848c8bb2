"""Area of an on-chip SRAM buffer at 45 nm (mm^2).

Up to 16 KiB, CACTI's macro areas at 45 nm (one read and one write port; ``data/area_45nm.yaml``)
as a piecewise power law in capacity, exact at 128 B, 1, 2, 4, 8 and 16 KiB (below 128 B the
first slope continues): small macros are less dense, their decoders and sense amplifiers
shared by fewer bits (0.0120 mm^2/KiB at 128 B, 0.0068 at 16 KiB). A larger buffer is taken to
be tiled from 16 KiB macros, so its area grows linearly from there (0.0068 mm^2/KiB): the
characterised macros end at 16 KiB, and extrapolating a monolithic array's density beyond them
would be a guess. Banking finer than that (Bit Fusion splits its weight buffer into 512 banks
of 128 B) costs more area than this model counts.
"""

from __future__ import annotations

from hwsim.fitting import power_law
from hwsim.unit_area.data import area_table


def sram_mm2(size_bytes: float) -> float:
    """45 nm area of an SRAM of `size_bytes` (see the module doc)."""
    points = area_table().sram_mm2
    macro_bytes, macro_mm2 = points[-1]
    if size_bytes <= macro_bytes:
        return power_law(points, size_bytes)
    return size_bytes / macro_bytes * macro_mm2
