"""The package version, which results and sweep caches record (no imports: any layer reads it)."""

__version__ = "0.1.0"
