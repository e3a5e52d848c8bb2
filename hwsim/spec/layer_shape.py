"""Which layers of a workload lower alike: `shape_key` is the same for two layers exactly when
they differ in nothing but their name, so whatever is derived from a layer's shape and precision
(its problems, its saved tensors) can be derived once per distinct layer of a workload."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import fields
from operator import attrgetter
from typing import Any

from hwsim.spec.workload import Layer

_FIELDS: dict[type, Callable[[Any], Any]] = {}


def shape_key(layer: Layer) -> Hashable:
    """The layer's type, its fields other than the name and the identity of its own precision
    (None: the workload's). Keys compare within one workload (the precision by identity)."""
    getter = _FIELDS.get(type(layer))
    if getter is None:
        names = [f.name for f in fields(layer) if f.name not in ("name", "precision")]
        getter = _FIELDS[type(layer)] = attrgetter(*names)
    return type(layer), id(layer.precision), getter(layer)
