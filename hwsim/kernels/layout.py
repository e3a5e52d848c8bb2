"""What the mapping search (`hwsim.kernels.mapping`) minimises, the columns of what it returns and
the kinds of convolution rows it reads.

Kept apart from the kernels so that Python reading their results (`hwsim.evaluate`,
`hwsim.mapping`) needs no Numba: with the ahead-of-time compiled kernels
(`hwsim.kernels.compiled`) an estimate never imports it.
"""

OBJ_ENERGY, OBJ_LATENCY, OBJ_EDP, OBJ_DRAM = 0, 1, 2, 3
# Mapping columns: fold chunk t0, buffer tile M, N, K, innermost dim of level 0 and level 1;
# a search result adds the fold's M, N, K extents (the array's tile).
MAP_WIDTH = 9
# Result columns per (design, problem): objective, compute cycles, stall cycles, energy pJ,
# the array's A reads, B reads and output writes at its innermost holders (elements), folds.
R_OBJ, R_CYCLES, R_STALL, R_PJ, R_ARRAY_A, R_ARRAY_B, R_ARRAY_OUT, R_FOLDS = range(8)
RESULT_WIDTH = 8
# conv[14], the kind of a convolution row (`hwsim.mapping.geometry`): A the im2col view of the
# input (forward), A the output gradient read as a transposed convolution (backward-data), B
# the im2col view of the input with its pixels along K and channels x taps along N
# (backward-weight).
CONV_FORWARD, CONV_TRANSPOSED, CONV_WEIGHT_GRAD = 0, 1, 2
