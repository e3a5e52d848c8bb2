"""Generate the shipped workload zoo (``workloads/*.yaml``) by tracing the zoo's modules.

    python -m hwsim.zoo.build workloads/            # needs torch (pip install 'hwsim[torch]')

Each network is defined in code (`hwsim.zoo.cnn`, `hwsim.zoo.transformers`), built on the
``meta`` device (shapes, no weights, nothing computed) and traced with
`hwsim.trace.from_torch`; the YAML files it writes are committed, so using them needs no torch.
Every workload is batch 1 and names ``tpu_like`` as its arch.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hwsim.spec.workload import Workload
from hwsim.spec.workload_io import workload_to_yaml

log = logging.getLogger(__name__)
ARCH = "tpu_like"
IMAGE = (1, 3, 224, 224)


@dataclass(frozen=True, slots=True)
class ZooEntry:
    """One shipped workload: the module to build, its input shapes (token ids for the language
    models) and where its architecture comes from."""

    build: Callable[[], object]
    inputs: tuple[tuple[int, ...], ...]
    paper: str
    tokens: bool = False


def _entries() -> dict[str, ZooEntry]:
    from hwsim.zoo import cnn, transformers as tf
    return {
        "resnet18": ZooEntry(cnn.resnet18, (IMAGE,),
                             "ResNet-18 (He et al., CVPR 2016, Table 1; torchvision layout)"),
        "resnet50": ZooEntry(cnn.resnet50, (IMAGE,), "ResNet-50 (He et al., CVPR 2016, Table 1; "
                             "torchvision v1.5 layout, stride on the 3x3 conv)"),
        "mobilenet_v2": ZooEntry(cnn.MobileNetV2, (IMAGE,),
                                 "MobileNetV2 1.0 (Sandler et al., CVPR 2018, Table 2)"),
        "vgg16": ZooEntry(cnn.VGG16, (IMAGE,),
                          "VGG-16 (Simonyan & Zisserman, ICLR 2015, configuration D)"),
        "alexnet": ZooEntry(cnn.AlexNet, (IMAGE,),
                            "AlexNet (Krizhevsky et al. 2012; torchvision's one-tower variant)"),
        "vit_b16": ZooEntry(tf.ViT, (IMAGE,), "ViT-B/16 (Dosovitskiy et al., ICLR 2021)"),
        "bert_base": ZooEntry(tf.Bert, ((1, 128),), "BERT-base (Devlin et al., NAACL 2019), "
                              "sequence 128", tokens=True),
        "gpt2_seq128": ZooEntry(tf.GPT2, ((1, 128),), "GPT-2 small, 124M (Radford et al. 2019) "
                                "with its LM head, sequence 128", tokens=True),
        "gpt2_seq1024": ZooEntry(tf.GPT2, ((1, 1024),), "GPT-2 small, 124M (Radford et al. "
                                 "2019) with its LM head, sequence 1024", tokens=True),
        "transformer_base": ZooEntry(tf.Transformer, ((1, 128), (1, 128)),
                                     "Transformer base encoder-decoder (Vaswani et al., NeurIPS "
                                     "2017, Table 3), source 128 and target 128 tokens",
                                     tokens=True),
    }


def zoo_names() -> list[str]:
    """The shipped workload names, in the order they are generated."""
    return list(_entries())


def build_workload(name: str) -> Workload:
    """Build zoo network `name` on the meta device and trace it."""
    import torch

    from hwsim.trace import from_torch
    entry = _entries()[name]
    with torch.device("meta"):
        model = entry.build()
        assert isinstance(model, torch.nn.Module)
        model.eval()
        dtype = torch.long if entry.tokens else torch.float32
        inputs = tuple(torch.zeros(shape, dtype=dtype) for shape in entry.inputs)
    shapes = ", ".join("x".join(map(str, s)) for s in entry.inputs)
    source = (f"{entry.paper}; defined in hwsim/zoo and traced by hwsim.trace.from_torch, "
              f"input {shapes}")
    return from_torch(model, inputs, name=name, source=source, arch=ARCH, strict=True)


def main(argv: list[str]) -> int:
    """Write every zoo workload (or those named after the folder) into the folder."""
    logging.basicConfig(level=logging.INFO, format="hwsim.zoo: %(message)s")
    folder = Path(argv[0] if argv else "workloads")
    folder.mkdir(parents=True, exist_ok=True)
    for name in argv[1:] or zoo_names():
        path = folder / f"{name}.yaml"
        path.write_text(workload_to_yaml(build_workload(name)))
        log.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
