"""Specs: the workload and precision-policy files read into checked dataclasses, the arch
dataclasses (`hwsim.archfile` reads the arch file into them), the field schema both readers
share, and the errors that name what was wrong in a file."""
