"""Convolution geometry of a GEMM problem, for the halo of its input tiles.

A convolution pass lowered to a GEMM (`hwsim.lowering`) has an operand (the viewed operand)
one of whose dimensions runs over a pixel grid, ``batch*P*Q`` (q fastest, then p, then the
image), and another over channels and kernel taps, ``C*R*S`` (s fastest, then r, then the
channel c, per group); its element (pixel m, tap k) is a pixel of a C x H x W tensor or a zero
that is never fetched:

- forward (`FORWARD`, the im2col view of the input X): the grid is the layer's output, and
  (m, k) reads the input pixel ``(c, p*stride_h + r*dilation_h - pad_h,
  q*stride_w + s*dilation_w - pad_w)`` when it falls inside the H x W input (padding);
- backward-data (`TRANSPOSED`, the transposed convolution of the output gradient dY): the
  grid is the layer's input (P x Q here = the layer's in_h x in_w) and the tensor read is dY
  (H x W here = the layer's out_h x out_w, C its out_channels per group); (m, k) reads dY's
  pixel ``(c, y, x)`` with ``y*stride_h + r*dilation_h - pad_h = p`` and
  ``x*stride_w + s*dilation_w - pad_w = q`` when such y, x exist inside H x W (otherwise it
  is one of the zeros a dense array multiplies: stride insertion or padding);
- backward-weight (`WEIGHT_GRAD`): B, the im2col view of the input X as in the forward pass,
  with the pixels along K (``K = batch*P*Q``) and the channels x taps along N; A (the output
  gradient, one element per term) is plain.

In the forward and backward-data passes the viewed operand is A, with the pixels along M and
the channels x taps along K.

Both relations are the layer's own (output coordinate o, input coordinate i, tap r:
``i = o*stride + r*dilation - pad``), read in opposite directions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from hwsim.kernels.layout import CONV_FORWARD as FORWARD
from hwsim.kernels.layout import CONV_TRANSPOSED as TRANSPOSED
from hwsim.kernels.layout import CONV_WEIGHT_GRAD as WEIGHT_GRAD
from hwsim.spec.workload import Conv2d

__all__ = ["FORWARD", "NO_CONV", "TRANSPOSED", "WEIGHT_GRAD", "ConvGeometry"]


@dataclass(frozen=True, slots=True)
class ConvGeometry:
    """One group of a 2-D convolution pass (module doc): P x Q the viewed operand's pixel
    grid, R x S kernel, `channels` per group and H x W (unpadded) of the tensor it reads,
    `kind` `FORWARD`, `TRANSPOSED` or `WEIGHT_GRAD`; the field order is the kernels'
    `conv[15]` row."""

    batch: int
    P: int
    Q: int
    R: int
    S: int
    stride_h: int = 1
    stride_w: int = 1
    dilation_h: int = 1
    dilation_w: int = 1
    pad_h: int = 0
    pad_w: int = 0
    channels: int = 1
    H: int = 1
    W: int = 1
    kind: int = FORWARD

    @classmethod
    def from_layer(cls, layer: Conv2d, batch: int) -> ConvGeometry:
        """The forward pass's A (im2col of the input) of `layer` at `batch` images."""
        return cls(batch, layer.out_h, layer.out_w, layer.kernel_h, layer.kernel_w,
                   layer.stride_h, layer.stride_w, layer.dilation_h, layer.dilation_w,
                   layer.pad_h, layer.pad_w, layer.in_channels // layer.groups, layer.in_h,
                   layer.in_w)

    @classmethod
    def dgrad_of_layer(cls, layer: Conv2d, batch: int) -> ConvGeometry:
        """The backward-data pass's A (the output gradient read as a transposed convolution)
        of `layer` at `batch` images: M over the input's pixels, K = (out/groups)*R*S."""
        return cls(batch, layer.in_h, layer.in_w, layer.kernel_h, layer.kernel_w,
                   layer.stride_h, layer.stride_w, layer.dilation_h, layer.dilation_w,
                   layer.pad_h, layer.pad_w, layer.out_channels // layer.groups, layer.out_h,
                   layer.out_w, TRANSPOSED)

    @classmethod
    def wgrad_of_layer(cls, layer: Conv2d, batch: int) -> ConvGeometry:
        """The backward-weight pass's B (im2col of the input, pixels along K) of `layer` at
        `batch` images."""
        return replace(cls.from_layer(layer, batch), kind=WEIGHT_GRAD)

    @property
    def gemm(self) -> tuple[int, int]:
        """(pixels, channels x taps) of the viewed operand: (M, K) of A, or (K, N) of B in a
        backward-weight pass."""
        return self.batch * self.P * self.Q, self.channels * self.R * self.S

    @property
    def operand(self) -> int:
        """The viewed operand: 1 (B) in a backward-weight pass, 0 (A) otherwise."""
        return 1 if self.kind == WEIGHT_GRAD else 0

    @property
    def dims(self) -> tuple[int, int]:
        """The GEMM dimensions (0 = M, 1 = N, 2 = K) of the pixels and of the channels x taps."""
        return (2, 1) if self.kind == WEIGHT_GRAD else (0, 2)

    def as_row(self) -> npt.NDArray[np.int64]:
        """The fields in order as the kernels' `conv[15]` row (read by one getter of the
        field names: `astuple` deep-copies and takes ~50 us)."""
        return np.asarray(_FIELDS_IN_ORDER(self), dtype=np.int64)

    def input_pixel(self, m: int, k: int) -> tuple[int, int, int, int] | None:
        """(image, channel, h, w) of the H x W tensor read by the viewed operand's element at
        pixel m and tap k; None for a zero (padding, or a transposed convolution's inserted
        zeros)."""
        img, pq = divmod(m, self.P * self.Q)
        p, q = divmod(pq, self.Q)
        c, rs = divmod(k, self.R * self.S)
        r, s = divmod(rs, self.S)
        if self.kind == TRANSPOSED:
            h = _source(p, r, self.stride_h, self.dilation_h, self.pad_h)
            w = _source(q, s, self.stride_w, self.dilation_w, self.pad_w)
        else:
            h = p * self.stride_h + r * self.dilation_h - self.pad_h
            w = q * self.stride_w + s * self.dilation_w - self.pad_w
        if h is not None and w is not None and 0 <= h < self.H and 0 <= w < self.W:
            return img, c, h, w
        return None


def _source(i: int, r: int, stride: int, dilation: int, pad: int) -> int | None:
    """The output coordinate o with ``o*stride + r*dilation - pad = i``, None if none is an
    integer."""
    o, rem = divmod(i + pad - r * dilation, stride)
    return None if rem else o


_FIELDS_IN_ORDER = attrgetter(*(f.name for f in fields(ConvGeometry)))
NO_CONV = np.zeros(15, dtype=np.int64)
