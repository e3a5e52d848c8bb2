"""ResNet-18 and ResNet-50 (He et al., CVPR 2016, Table 1) at 224x224, as hwsim workloads.

Shapes follow the torchvision implementation (stride on the 3x3 conv of a bottleneck, "ResNet
v1.5"; 1x1 projection shortcuts). Every conv is followed by batchnorm and relu, every residual
block ends with an add; the stem has a 3x3/2 max-pool, the head a global average pool and a
1000-way linear layer. Regenerate the committed files with::

    python -m hwsim.zoo.resnet workloads/
"""

from __future__ import annotations

import sys
from pathlib import Path

from hwsim.precision import TensorPrecision
from hwsim.spec.workload import POOL_OPS, VECTOR_OPS, Conv2d, Layer, Linear, VectorOp, Workload
from hwsim.spec.workload_io import workload_to_yaml

SOURCE = ("ResNet-{depth} (He et al., CVPR 2016, Table 1; torchvision v1.5 layout), "
          "224x224x3 input, shapes from hwsim/zoo/resnet.py")


class _Builder:
    """Appends layers while tracking the feature-map size (channels, height, width)."""

    def __init__(self) -> None:
        self.layers: list[Layer] = []
        self.c, self.h, self.w = 3, 224, 224

    def vector(self, name: str, op: str, window: int = 1) -> None:
        ops = VECTOR_OPS[op] * (window if op in POOL_OPS else 1)
        inputs = 2 if op == "add" else 1
        self.layers.append(VectorOp(name, op, self.c * self.h * self.w, ops, inputs))

    def conv(self, name: str, out: int, kernel: int, stride: int = 1, *, relu: bool = True,
             from_shape: tuple[int, int, int] | None = None) -> None:
        c, h, w = from_shape or (self.c, self.h, self.w)
        layer = Conv2d(name, c, out, h, w, kernel, kernel, stride, stride, kernel // 2,
                       kernel // 2)
        self.layers.append(layer)
        self.c, self.h, self.w = out, layer.out_h, layer.out_w
        self.vector(f"{name}_bn", "batchnorm")
        if relu:
            self.vector(f"{name}_relu", "relu")

    def maxpool(self, name: str) -> None:
        self.h, self.w = (self.h + 2 - 3) // 2 + 1, (self.w + 2 - 3) // 2 + 1
        self.vector(name, "maxpool", window=9)


def _block(b: _Builder, name: str, width: int, stride: int, bottleneck: bool) -> None:
    entry = (b.c, b.h, b.w)
    out = width * 4 if bottleneck else width
    if bottleneck:
        b.conv(f"{name}_conv1", width, 1)
        b.conv(f"{name}_conv2", width, 3, stride)
        b.conv(f"{name}_conv3", out, 1, relu=False)
    else:
        b.conv(f"{name}_conv1", width, 3, stride)
        b.conv(f"{name}_conv2", width, 3, relu=False)
    if stride != 1 or entry[0] != out:
        b.conv(f"{name}_downsample", out, 1, stride, relu=False, from_shape=entry)
    b.vector(f"{name}_add", "add")
    b.vector(f"{name}_relu", "relu")


def resnet(depth: int) -> Workload:
    """ResNet-18 (basic blocks 2-2-2-2) or ResNet-50 (bottlenecks 3-4-6-3)."""
    blocks, bottleneck = {18: ((2, 2, 2, 2), False), 50: ((3, 4, 6, 3), True)}[depth]
    b = _Builder()
    b.conv("conv1", 64, 7, 2)
    b.maxpool("maxpool")
    for stage, (count, width) in enumerate(zip(blocks, (64, 128, 256, 512), strict=True)):
        for index in range(count):
            stride = 2 if stage > 0 and index == 0 else 1
            _block(b, f"layer{stage + 1}.{index}", width, stride, bottleneck)
    b.layers.append(VectorOp("avgpool", "avgpool", b.c, VECTOR_OPS["avgpool"] * b.h * b.w))
    b.layers.append(Linear("fc", b.c, 1000))
    return Workload(f"resnet{depth}", SOURCE.format(depth=depth), 1, TensorPrecision.default(),
                    tuple(b.layers), "tpu_like")


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "workloads")
    for depth in (18, 50):
        (folder / f"resnet{depth}.yaml").write_text(workload_to_yaml(resnet(depth)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
