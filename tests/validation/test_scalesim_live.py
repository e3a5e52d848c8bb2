"""hwsim against SCALE-Sim v3.0.0 run live, in CALC bandwidth mode: per-layer `Total Cycles`,
SRAM reads and writes (DETAILED_ACCESS_REPORT), mapping efficiency, compute and overall
utilisation must be equal, for all three dataflows and several array shapes (square,
non-square, larger than the layer), conv (strided, depthwise) and GEMM topologies."""

from __future__ import annotations

import pytest

from hwsim.api import estimate, load_arch, load_workload
from peers.scalesim_runner import (ConvLayer, GemmLayer, run_full, write_cfg,
                                   write_conv_topology, write_gemm_topology)
from tests_paths import assert_matches_scalesim

pytestmark = pytest.mark.peer

CONV_LAYERS = [ConvLayer("conv_s1", 12, 12, 3, 3, 4, 10, 1),
               ConvLayer("conv_s2", 11, 9, 3, 2, 3, 5, 2),
               ConvLayer("DPconv", 8, 8, 3, 3, 3, 4, 1)]  # depthwise: one layer per channel
GEMM_LAYERS = [GemmLayer("gemm_a", 20, 13, 30), GemmLayer("gemm_b", 7, 40, 9)]
ARRAYS = [(8, 8), (4, 16), (16, 3), (1, 5), (64, 64)]


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
@pytest.mark.parametrize(("rows", "cols"), ARRAYS, ids=lambda v: str(v))
@pytest.mark.parametrize("gemm", [False, True], ids=["conv", "gemm"])
def test_calc_mode_equal_per_layer(tmp_path, dataflow, rows, cols, gemm):
    cfg = write_cfg(tmp_path / "run.cfg", rows=rows, cols=cols, dataflow=dataflow,
                    ifmap_kib=64, filter_kib=64, ofmap_kib=64, bandwidth_mode="CALC")
    topo = (write_gemm_topology(tmp_path / "t.csv", GEMM_LAYERS) if gemm
            else write_conv_topology(tmp_path / "t.csv", CONV_LAYERS))
    peer = run_full(cfg, topo, gemm=gemm, out_dir=tmp_path / "out")
    ours = estimate(load_workload(topo), load_arch(cfg)).layers
    assert [p["layer_name"] for p in peer] == [o.name for o in ours]
    for p, o in zip(peer, ours, strict=True):
        assert p["stall_cycles"] == 0
        assert_matches_scalesim(o, p, rows * cols, o.name)
