"""The Python API: load specs, estimate a workload's cost on an arch.

    >>> import hwsim
    >>> result = hwsim.estimate("workloads/resnet18.yaml", "tpu_like")
    >>> result.total_cycles, result.latency_s
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from hwsim.area import AreaBreakdown, arch_area
from hwsim.energy.price import Executed, mac_unit_pj, price, relevant_components
from hwsim.energy.table import energy_table
from hwsim.energy.mapping_inputs import searched_inputs
from hwsim.evaluate import pack_designs, run_kernels, throughput
from hwsim.footprint import footprint, max_batch
from hwsim.lowering import Pass, ProblemTable, lower
from hwsim.precision.execution import UnsupportedFormatError, execution_format, operand_tensor
from hwsim.result import ProblemResults, Result
from hwsim.spec.arch import Arch
from hwsim.archfile.io import load_arch as _load_arch_yaml
from hwsim.spec.errors import SpecError, suggest
from hwsim.spec.workload import Conv2d, Linear, Workload
from hwsim.spec.workload_io import default_source
from hwsim.spec.workload_io import load_workload as _load_workload_yaml
from hwsim.training_config import TrainingConfig
from hwsim.workload.scalesim import load_scalesim_cfg, load_topology

DEFAULT_ARCH = "tpu_like"


def shipped_arch_names() -> list[str]:
    """Names of the arch configs that ship with hwsim (``arch_configs/*.yaml``)."""
    folder = resources.files("hwsim") / "arch_configs"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_workload(path: str | Path, *, batch: int | None = None) -> Workload:
    """A workload YAML, or a SCALE-Sim topology CSV (by the ``.csv`` suffix)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        workload = load_topology(path)
        if batch not in (None, 1):
            raise SpecError.single(str(path), "batch", "SCALE-Sim topologies have no batch "
                                   f"dimension: expected no --batch, got {batch}")
        return workload
    return _load_workload_yaml(path, batch=batch)


def load_arch(name_or_path: str | Path) -> Arch:
    """An arch YAML path, a SCALE-Sim ``.cfg`` path, or the name of a shipped arch config."""
    path = Path(name_or_path)
    if path.suffix.lower() == ".cfg":
        return load_scalesim_cfg(path)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        return _load_arch_yaml(path)
    name = str(name_or_path)
    if name not in shipped_arch_names():
        raise SpecError.single(name, "", "no such file or shipped arch; expected a path or one "
                               f"of {', '.join(shipped_arch_names())}"
                               + suggest(name, shipped_arch_names()))
    with resources.as_file(resources.files("hwsim") / "arch_configs" / f"{name}.yaml") as file:
        return _load_arch_yaml(file)


def load_inputs(workload: Workload | str | Path, arch: Arch | str | Path | None = None, *,
                batch: int | None = None) -> tuple[Workload, Arch]:
    """`workload` and `arch`, each loaded if given as a path or name (`batch` overrides a loaded
    workload's); no arch means the workload's `arch:`, else ``tpu_like``."""
    if not isinstance(workload, Workload):
        workload = load_workload(workload, batch=batch)
    if not isinstance(arch, Arch):
        arch = load_arch(arch or workload.arch or DEFAULT_ARCH)
    return workload, arch


def estimate(workload: Workload | str | Path, arch: Arch | str | Path | None = None, *,
             batch: int | None = None, training: TrainingConfig | None = None) -> Result:
    """Cost of one inference (or, with a `training` config, one training step: forward,
    backward and optimizer update) of `workload` on `arch` (default: the workload's `arch:`,
    else ``tpu_like``).

    Training also gives the step's memory (`Result.footprint`): saved activations stored in
    each layer's `saved` format or at the frequency split `training.split` (DIVISION), peak
    memory from live ranges and, with `training.device_memory_bytes`, the largest batch that
    fits (SpecError if not even batch 1 does). A step ignores `training.iterations` and
    `training.schedule` (`hwsim.training_run` uses them)."""
    workload, arch = load_inputs(workload, arch, batch=batch)
    used_batch = batch or workload.batch
    table = lower(workload, batch=used_batch, training=training)
    executed = executed_formats(table, workload, arch)
    tables = [energy_table(arch)]
    designs = pack_designs([arch])
    # layers alike share problems: count and price each distinct problem once, then spread
    distinct, rows = table.distinct()
    factors = throughput(distinct, designs)
    # one MAC's energy: the mapping search's inputs and pricing both need it
    mac_pj = mac_unit_pj(distinct, factors[0], factors[1], [arch], tables, [executed])
    counts = run_kernels(distinct, designs, searched_inputs(distinct, workload, designs, [arch],
                                                            tables, [executed], mac_pj=mac_pj),
                         factors=factors)
    energy = price(distinct, counts, [arch], tables, [executed], mac_pj=mac_pj)
    counts = counts.spread(rows)
    spread = np.stack(list(energy.values()))[:, :, rows]    # every component at once
    energy = relevant_components(dict(zip(energy, spread, strict=True)), arch)
    inputs = {"workload": workload.path, "workload_sha256": workload.sha256,
              "arch": arch.path, "arch_sha256": arch.sha256}
    if workload.path and workload.source == default_source(workload.path):
        inputs["workload_source"] = workload.source  # the file gave none: say so
    memory = None if training is None else footprint(workload, training=training, batch=used_batch)
    device_memory_bytes = None if training is None else training.device_memory_bytes
    if memory is not None and device_memory_bytes is not None:
        max_batch(memory, device_memory_bytes, source=workload.path or workload.name)
    return Result(workload, arch, "inference" if training is None else "training", used_batch,
                  ProblemResults.of(table, counts, energy, executed), inputs, memory,
                  device_memory_bytes, modelled_area(arch))


def modelled_area(arch: Arch) -> AreaBreakdown | None:
    """The arch's area, or None where the area data has no entry for it (e.g. a PE format
    without a published or derived area): area is reported where modelled."""
    try:
        return arch_area(arch)
    except SpecError:
        return None


def executed_formats(table: ProblemTable, workload: Workload, arch: Arch) -> Executed:
    """The formats the array executes the two operands of each distinct format tuple of
    `table` in (indexed by `ProblemTable.format_index`; tuples only vector problems use keep
    theirs); a format it cannot execute is a SpecError naming the first layer that uses it,
    the operand, its tensor and the arch."""
    natives, promote = arch.compute.native_formats, arch.compute.promote
    gemm = np.flatnonzero(table.is_vector == 0)
    codes, first = np.unique(table.format_index[gemm], return_index=True)
    first_use = dict(zip(codes.tolist(), gemm[first].tolist(), strict=True))
    out = [(formats[0], formats[1]) for formats in table.format_set]
    for code, p in sorted(first_use.items(), key=lambda item: item[1]):
        pair = []
        for operand, fmt in enumerate(table.format_set[code][:2]):
            try:
                pair.append(execution_format(fmt, natives, promote))
            except UnsupportedFormatError as exc:
                index = int(table.layer_index[p])
                layer = workload.layers[index]
                pass_name = Pass.from_code(int(table.pass_code[p]))
                tensor = operand_tensor(pass_name, isinstance(layer, (Conv2d, Linear)), operand)
                if pass_name in (Pass.DGRAD, Pass.WGRAD) and \
                        getattr(workload.layer_precision(layer), f"backward_{tensor}", None):
                    tensor = f"backward_{tensor}"
                raise SpecError.single(workload.path or workload.name,
                                       f"layers[{index}] ({table.names[p]}, operand "
                                       f"{'AB'[operand]})",
                                       f"{exc} for the {tensor} on arch {arch.name}") from None
        out[code] = (pair[0], pair[1])
    return tuple(out)
