"""Convolution halos (`hwsim.kernels.mapping.m_tile_halo`) against a brute-force count of the
distinct tensor elements each tile reads, on seeded random small layers (strides, dilation,
padding, groups, several images, ceil-mode outputs):

- forward: a tile of output pixels x whole channels reads the input pixels
  ``i = o*stride + r*dilation - pad`` inside the input;
- backward-data: a tile of input-gradient pixels x whole output-gradient channels reads the
  output-gradient pixels o with ``o*stride + r*dilation - pad`` inside the tile for a tap r
  (the transposed convolution; the zeros a dense array inserts are never fetched);
- backward-weight: B, a tile of output pixels (along K) x whole input channels (along N),
  reads the input pixels as in the forward pass.

The brute force enumerates the layer's (output, tap) pairs directly; it shares no code with
the kernel nor with `ConvGeometry.input_pixel`, which is checked against it as well (the
reference loop-nest walker counts halos with it).
"""

from __future__ import annotations

import random
from itertools import product

import pytest

from hwsim.kernels import mapping as km
from hwsim.mapping import ConvGeometry
from hwsim.spec.workload import Conv2d


def random_layer(rng: random.Random) -> Conv2d:
    groups = rng.choice([1, 1, 2, 3])
    r, s = rng.randint(1, 4), rng.randint(1, 4)
    dh, dw = rng.randint(1, 2), rng.randint(1, 2)
    ph, pw = rng.randint(0, 2), rng.randint(0, 2)
    h = rng.randint(max(1, dh * (r - 1) + 1 - 2 * ph), 9)
    w = rng.randint(max(1, dw * (s - 1) + 1 - 2 * pw), 9)
    return Conv2d("c", groups * rng.randint(1, 2), groups * rng.randint(1, 2), h, w, r, s,
                  rng.randint(1, 3), rng.randint(1, 3), ph, pw, dh, dw, groups,
                  ceil_mode=rng.random() < 0.2)


def taps(layer: Conv2d) -> list[tuple[int, int, int, int]]:
    """Every (output row, output column, input row, input column) pair a kernel tap links,
    inside the input (padding excluded)."""
    out = []
    for p, q, r, s in product(range(layer.out_h), range(layer.out_w), range(layer.kernel_h),
                              range(layer.kernel_w)):
        h = p * layer.stride_h + r * layer.dilation_h - layer.pad_h
        w = q * layer.stride_w + s * layer.dilation_w - layer.pad_w
        if 0 <= h < layer.in_h and 0 <= w < layer.in_w:
            out.append((p, q, h, w))
    return out


def tile_sizes(rng: random.Random, row: int, pixels: int) -> list[int]:
    """M extents the halo applies to: divisors of a grid row and whole rows (a few)."""
    sizes = [d for d in range(1, row + 1) if row % d == 0]
    return sizes + sorted({row * rng.randint(1, pixels // row) for _ in range(3)})


def brute(layer: Conv2d, batch: int, sm: int, transposed: bool) -> tuple[int, int]:
    """(sum over tiles, largest tile) of the distinct pixels per channel that tiles of `sm`
    consecutive grid pixels (images one after another, columns fastest) read."""
    grid = (layer.in_h, layer.in_w) if transposed else (layer.out_h, layer.out_w)
    reads: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for p, q, h, w in taps(layer):
        at, read = ((h, w), (p, q)) if transposed else ((p, q), (h, w))
        reads.setdefault(at, set()).add(read)
    per_image = grid[0] * grid[1]
    total, biggest = 0, 0
    for m0 in range(0, batch * per_image, sm):
        seen = set()
        for m in range(m0, min(m0 + sm, batch * per_image)):
            img, pix = divmod(m, per_image)
            seen |= {(img, *x) for x in reads.get(divmod(pix, grid[1]), ())}
        total, biggest = total + len(seen), max(biggest, len(seen))
    return total, biggest


GEOMETRIES = {"forward": ConvGeometry.from_layer, "dgrad": ConvGeometry.dgrad_of_layer,
              "wgrad": ConvGeometry.wgrad_of_layer}


@pytest.mark.parametrize("pass_name", list(GEOMETRIES))
def test_tile_halo_is_the_brute_force_count(pass_name):
    transposed = pass_name == "dgrad"
    rng = random.Random(f"halo-{pass_name}")
    checked = {"stride": 0, "dilation": 0, "padding": 0, "groups": 0, "straddle": 0}
    for _ in range(400):
        layer = random_layer(rng)
        batch = rng.randint(1, 3)
        geo = GEOMETRIES[pass_name](layer, batch)
        m, k = geo.gemm                 # (pixels, channels x taps) of the viewed operand
        channels = (layer.out_channels if transposed else layer.in_channels) // layer.groups
        assert k == channels * layer.kernel_h * layer.kernel_w
        assert m == batch * (layer.in_h * layer.in_w if transposed
                             else layer.out_h * layer.out_w)
        for sm in tile_sizes(rng, geo.Q, m):
            expected = brute(layer, batch, sm, transposed)
            assert km.m_tile_halo(sm, geo.as_row()) == expected, (layer, batch, sm)
            checked["straddle"] += sm % geo.Q == 0 and geo.P % (sm // geo.Q) != 0
        # the kernels see the viewed operand and its dimensions as the geometry states them
        row = geo.as_row()
        viewed = (1, 2, 1) if pass_name == "wgrad" else (0, 0, 2)   # B: K x N; A: M x K
        assert (km.conv_operand(row), km.pixel_dim(row), km.channel_dim(row)) == viewed
        assert (geo.operand, *geo.dims) == viewed
        # input_pixel (the reference walker's element map) reads the same pixels
        whole = {px for mm in range(m) for kk in range(k)
                 if (px := geo.input_pixel(mm, kk)) is not None}
        assert len(whole) == channels * brute(layer, batch, m, transposed)[0]
        checked["stride"] += layer.stride_h * layer.stride_w > 1
        checked["dilation"] += layer.dilation_h * layer.dilation_w > 1
        checked["padding"] += layer.pad_h + layer.pad_w > 0
        checked["groups"] += layer.groups > 1
    assert min(checked.values()) >= 20, checked


def test_dgrad_halo_of_a_stride_two_layer_by_hand():
    """A 3 x 3, stride-2, pad-1 layer on an 8 x 8 input has 4 x 4 outputs. The backward-data
    GEMM runs over the 64 input-gradient pixels with K = 9 taps per channel. Grid row h reads
    the dY rows o with 2*o + r - 1 = h for a tap r in 0..2 (o in 0..3): rows 0, 1 read
    {0} and {0, 1}; rows 2, 3: {1}, {1, 2}; rows 4, 5: {2}, {2, 3}; rows 6, 7: {3}, {3}.
    Tiles of two grid rows (16 pixels) so read dY rows {0, 1}, {1, 2}, {2, 3}, {3}, each
    with all 4 dY columns (the whole width reads every column alike): 2, 2, 2, 1 rows x 4 =
    28 pixels in all, 8 at most; dY has 16, so 12 are read twice (the halo). Its im2col view
    would count 16 x 9 = 144 terms per tile."""
    layer = Conv2d("c", 1, 1, 8, 8, 3, 3, 2, 2, 1, 1)
    geo = ConvGeometry.dgrad_of_layer(layer, 1)
    assert geo.gemm == (64, 9)
    assert km.m_tile_halo(16, geo.as_row()) == (28, 8)
    assert km.m_tile_halo(64, geo.as_row()) == (16, 16)      # the whole dY once
