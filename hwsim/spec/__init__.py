"""Specs: the workload, arch and precision-policy files, read into checked dataclasses, and
the errors that name what was wrong in them."""
