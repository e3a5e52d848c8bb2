"""The arch file: its field table (`fields`) and its reader and writer (`io`). It sits above the
array kinds, whose registry names the values of ``compute.kind`` and reads each kind's options,
while the arch dataclasses it fills (`hwsim.spec.arch`) sit below them."""
