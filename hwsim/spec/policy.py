"""Precision policies: a default per tensor kind plus per-layer overrides by name or glob.

YAML (``--policy policy.yaml``)::

    version: 1
    default: {weights: int4, activations: int4, gradients: int8, accumulator: int32}
    rules:                                   # applied in order; later rules win
      - {layers: first, weights: int8, activations: int8}   # first MAC layer
      - {layers: last, weights: int8, activations: int8}    # last MAC layer
      - {layers: "layer4.*", gradients: int16}              # fnmatch glob on layer names

and from the command line, ``--precision w=int4,a=int4,g=int8,acc=int32`` sets the default
(``s=int2`` or ``saved: int2`` stores the activations kept for the backward pass at 2 bits;
``sw=int8`` or ``stored_weights: int8`` stores int8 weights used at the ``w`` width;
``bw=mxfp8_e4m3,ba=mxfp8_e4m3`` or ``backward_weights`` and ``backward_activations`` are the
formats the backward pass's GEMMs take weights and activations in, quantized from their
high-precision copies: `hwsim.lowering.block_scaling`).
A rule that matches no layer is reported (`unmatched_rules`) so the CLI can warn about it.

Shipped policies (``hwsim/policies/*.yaml``, loaded by name: ``--policy nvfp4``) are the
block-scaled training recipes ``mxfp8``, ``mxfp4_fwd_mxfp8_bwd`` and ``nvfp4``; each file cites
its recipe.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from hwsim.precision.formats import NumberFormat, parse_format
from hwsim.precision.tensors import TENSOR_KINDS
from hwsim.spec.fields import Fields
from hwsim.spec.workload import Conv2d, Layer, Linear, Matmul, Workload
from hwsim.spec.workload_io import tensor_formats
from hwsim.spec.yaml_io import open_document

SHORT_KINDS = {"w": "weights", "a": "activations", "g": "gradients", "acc": "accumulator",
               "s": "saved", "sw": "stored_weights", "bw": "backward_weights",
               "ba": "backward_activations",
               **{k: k for k in TENSOR_KINDS}}
SELECTORS = ("first", "last")


@dataclass(frozen=True, slots=True)
class Rule:
    """Overrides for the layers `pattern` selects (a glob, or ``first``/``last`` MAC layer)."""

    pattern: str
    formats: dict[str, NumberFormat]


@dataclass(frozen=True, slots=True)
class Policy:
    """A default (kinds it leaves out keep the workload's) and ordered per-layer rules."""

    default: dict[str, NumberFormat]
    rules: tuple[Rule, ...] = ()

    def with_default(self, formats: dict[str, NumberFormat]) -> Policy:
        return replace(self, default={**self.default, **formats})

    def at_schedule_bits(self, bits: int, grad_bits: int) -> Policy:
        """This policy with a schedule's bits as its default: weights and activations
        ``int<bits>``, gradients ``int<grad_bits>`` (per-layer rules still apply on top)."""
        return self.with_default({"weights": parse_format(f"int{bits}"),
                                  "activations": parse_format(f"int{bits}"),
                                  "gradients": parse_format(f"int{grad_bits}")})

    def selected(self, rule: Rule, workload: Workload) -> list[int]:
        mac_layers = [i for i, layer in enumerate(workload.layers) if _is_mac(layer)]
        if rule.pattern == "first":
            return mac_layers[:1]
        if rule.pattern == "last":
            return mac_layers[-1:]
        return [i for i, layer in enumerate(workload.layers)
                if fnmatch.fnmatchcase(layer.name, rule.pattern)]

    def unmatched_rules(self, workload: Workload) -> list[str]:
        return [r.pattern for r in self.rules if not self.selected(r, workload)]

    def apply(self, workload: Workload) -> Workload:
        """The workload with every layer's precision set by this policy."""
        default = workload.precision.with_overrides(self.default)
        per_layer = [workload.layer_precision(layer).with_overrides(self.default)
                     for layer in workload.layers]
        for rule in self.rules:
            for i in self.selected(rule, workload):
                per_layer[i] = per_layer[i].with_overrides(rule.formats)
        layers = tuple(replace(layer, precision=prec)
                       for layer, prec in zip(workload.layers, per_layer, strict=True))
        return replace(workload, precision=default, layers=layers)


def _is_mac(layer: Layer) -> bool:
    return isinstance(layer, (Conv2d, Linear, Matmul))


def parse_precision_flag(text: str) -> dict[str, NumberFormat]:
    """``w=int4,a=int4,g=int8,acc=int32`` -> formats by tensor kind; ValueError if malformed."""
    out: dict[str, NumberFormat] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in SHORT_KINDS:
            raise ValueError(f"expected kind=format with kind one of "
                             f"{', '.join(SHORT_KINDS)}, got {item!r}")
        out[SHORT_KINDS[key.strip()]] = parse_format(value.strip())
    return out


def shipped_policy_names() -> list[str]:
    """Names of the policies that ship with hwsim (``policies/*.yaml``)."""
    folder = resources.files("hwsim") / "policies"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy YAML file, or a shipped policy by name."""
    path = Path(path)
    if not path.exists() and path.suffix == "" and str(path) in shipped_policy_names():
        with resources.as_file(resources.files("hwsim") / "policies" / f"{path}.yaml") as file:
            return load_policy(file)
    top, log, _ = open_document(path)
    block = top.mapping("default", required=False)
    default = tensor_formats(block) if block is not None else {}
    rules: list[Rule] = []
    for index, item in (top.items("rules") if top.has("rules") else iter(())):
        f = Fields(item, f"rules[{index}]", log)
        if not f.valid:
            continue
        pattern = f.string("layers")
        formats = tensor_formats(f, skip=("layers",))
        if not formats:
            f.error("layers", "expected at least one tensor kind to set "
                              f"({', '.join(TENSOR_KINDS)})")
        rules.append(Rule(pattern, formats))
    top.finish()
    log.raise_if_any()
    return Policy(default, tuple(rules))

