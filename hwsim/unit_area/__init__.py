"""Per-unit area: published unit, PE and SRAM areas at 45 nm, fits to any width and format, and
node scaling: pure functions of bit widths, sizes and node, below the array kinds that are
built from them."""
