"""Area of an arch by component (`arch_area`), from the per-unit models of `hwsim.unit_area` and
each array kind's PE area."""

from hwsim.area.model import AreaBreakdown, arch_area

__all__ = ["AreaBreakdown", "arch_area"]
