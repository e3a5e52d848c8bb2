"""Energy: published per-operation and per-access energies, fits to any format and width,
technology scaling, and the pricing of a result's action counts."""
