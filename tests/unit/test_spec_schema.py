"""The arch field tables: loader, writer and sweep agree because they read one declaration."""

from __future__ import annotations

import pytest
import yaml

from hwsim.api import load_arch, shipped_arch_names
from hwsim.archfile.fields import compute_section
from hwsim.archfile.io import arch_to_yaml
from hwsim.archfile.io import load_arch as load_arch_yaml
from hwsim.spec.errors import SpecError
from hwsim.spec.fields import Fields, IssueLog
from hwsim.spec.schema import Field, Section
from hwsim.sweep import design


@pytest.mark.parametrize("name", shipped_arch_names())
def test_every_written_key_is_a_sweep_path_and_applies_to_itself(name):
    base = load_arch(name)
    doc = yaml.safe_load(arch_to_yaml(base))
    written = [f"{s}.{k}" for s in ("compute", "vector") for k in doc[s]]
    written += [f"memory.sram.{b}.{k}" for b, keys in doc["memory"]["sram"].items()
                for k in keys]
    written += [f"memory.dram.{k}" for k in doc["memory"]["dram"]]
    written += [f"energy.{k}" for k in doc["energy"] if k != "sram"]
    paths = design.arch_fields(base)
    assert set(written) <= set(paths)
    for path in written:
        section, _, key = path.rpartition(".")
        value = doc
        for part in section.split("."):
            value = value[part]
        value = value[key]
        value = ",".join(value) if isinstance(value, list) else value
        assert design.apply_arch(base, {path: value}) == base, path


BAD = {"compute.rows": 0, "compute.dataflow": "xs", "compute.native_formats": "int8,int99",
       "compute.unsupported_formats": "warn", "compute.clock_mhz": -5.0, "vector.lanes": 1.5,
       "memory.sram.unified.size_kib": -1, "memory.dram.ports": "both",
       "memory.dram.bandwidth_bytes_per_cycle": -1, "energy.node_nm": 5, "energy.vdd_v": -1,
       "energy.pe_register_file": "yes"}
# (a DRAM bandwidth of 0 is valid: unlimited)
CASES = [("tpu_like", path, value) for path, value in sorted(BAD.items())] + [
    ("loom_like", "compute.serial", "weights"), ("loom_like", "compute.window_lanes", 0)]


@pytest.mark.parametrize(("arch", "path", "value"), CASES)
def test_sweep_check_gives_the_loaders_message_without_a_file(arch, path, value, tmp_path):
    base = load_arch(arch)
    with pytest.raises(SpecError) as swept:
        design.check_arch_values(base, {path: [value]}, "s.yaml")
    doc = yaml.safe_load(arch_to_yaml(base))
    target = doc
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value.split(",") if keys[-1] == "native_formats" else value
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(SpecError) as loaded:
        load_arch_yaml(tmp_path / "a.yaml")
    issue = loaded.value.issues[0]
    assert swept.value.issues[0].message == f"value {value!r}: {issue.field_path}: " \
                                            f"{issue.message}"


def test_unknown_arch_path_suggests_from_the_table():
    from hwsim.api import load_workload
    from tests_paths import WORKLOADS
    base, workload = load_arch("tpu_like"), load_workload(WORKLOADS / "resnet18.yaml")
    with pytest.raises(SpecError, match=r"did you mean 'energy.static_power_mw'"):
        design.path_kind("energy.static_power", design.arch_paths(base), workload, "s")


def test_a_kind_contributes_its_own_fields():
    """A sub-section declared in the same form joins the compute table: read, checked,
    written and listed like the common fields."""
    extra = Section((Field("lanes_per_pe", "integer", "lanes of one PE", "lanes", default=1),))
    table = compute_section(extra)
    assert table.keys()[-1] == "lanes_per_pe" and "compute.lanes_per_pe" in \
        table.paths("compute")
    log = IssueLog("a.yaml")
    values = table.read(Fields({"kind": "systolic", "rows": 2, "cols": 2, "dataflow": "os",
                                "clock_mhz": 1, "lanes_per_pe": 0}, "compute", log))
    assert values["lanes_per_pe"] == 1  # placeholder after the issue
    assert [str(i) for i in log.issues] == [
        "a.yaml: compute.lanes_per_pe: expected a positive integer, got 0"]
    assert table.field("lanes_per_pe").check(4, "compute.lanes_per_pe") is None
