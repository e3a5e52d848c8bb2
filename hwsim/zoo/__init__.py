"""Network shape generators for the shipped workloads (no framework needed)."""
