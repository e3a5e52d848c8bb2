"""Numba kernels: arrays and scalars in, arrays out; no objects, no I/O."""
