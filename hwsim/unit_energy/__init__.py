"""Per-unit energy: published per-operation and per-access energies, fits to any format and
width, and technology scaling: pure functions of bit widths, sizes and node, below the array
kinds that are built from them."""
