"""Area: published unit, PE and SRAM areas at 45 nm, fits to any width and format, node
scaling, and an arch's area by component (`arch_area`)."""

from hwsim.area.model import AreaBreakdown, arch_area

__all__ = ["AreaBreakdown", "arch_area"]
