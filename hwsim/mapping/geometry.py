"""Convolution geometry of a GEMM problem, for the halo of its input tiles.

A convolution lowered to a GEMM (`hwsim.lowering`, im2col view) has ``M = batch*P*Q`` output
pixels (q fastest, then p, then the image) and ``K = C*R*S`` reduction terms (s fastest, then
r, then the channel c, per group). An A tile covering a range of M and a range of K reads the
input pixels ``(c, p*stride_h + r*dilation_h - pad_h, q*stride_w + s*dilation_w - pad_w)`` of
its positions that fall inside the H x W input (padding is zeros, never fetched).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from hwsim.spec.workload import Conv2d


@dataclass(frozen=True, slots=True)
class ConvGeometry:
    """One group of a 2-D convolution: `channels` is C/groups; P x Q outputs, R x S kernel,
    H x W input (unpadded); the field order is the kernels' `conv[14]` row."""

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

    @classmethod
    def from_layer(cls, layer: Conv2d, batch: int) -> ConvGeometry:
        return cls(batch, layer.out_h, layer.out_w, layer.kernel_h, layer.kernel_w,
                   layer.stride_h, layer.stride_w, layer.dilation_h, layer.dilation_w,
                   layer.pad_h, layer.pad_w, layer.in_channels // layer.groups, layer.in_h,
                   layer.in_w)

    @property
    def gemm(self) -> tuple[int, int]:
        """(M, K) of the im2col view."""
        return self.batch * self.P * self.Q, self.channels * self.R * self.S

    def as_row(self) -> npt.NDArray[np.int64]:
        """The fields in order as the kernels' `conv[14]` row (read one by one: `astuple`
        deep-copies and takes ~50 us)."""
        return np.asarray([getattr(self, f.name) for f in fields(self)], dtype=np.int64)

    def input_pixel(self, m: int, k: int) -> tuple[int, int, int, int] | None:
        """(image, channel, h, w) read by im2col element (m, k); None on padding."""
        img, pq = divmod(m, self.P * self.Q)
        p, q = divmod(pq, self.Q)
        c, rs = divmod(k, self.R * self.S)
        r, s = divmod(rs, self.S)
        h = p * self.stride_h + r * self.dilation_h - self.pad_h
        w = q * self.stride_w + s * self.dilation_w - self.pad_w
        if 0 <= h < self.H and 0 <= w < self.W:
            return img, c, h, w
        return None


NO_CONV = np.zeros(14, dtype=np.int64)
