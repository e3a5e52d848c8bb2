"""The SCALE-Sim harness itself: report parsing against SCALE-Sim's own golden reports, input
validation, and (marked ``peer``, needs scalesim==3.0.0) that the compute-only shortcut and the
frozen fixtures still agree with live full runs."""

from __future__ import annotations

import configparser
import csv
from pathlib import Path

import pytest

from peers.scalesim_runner import (COMPUTE_FIELDS, ConvLayer, GemmLayer, ScaleSimError,
                                   check_environment, compute_only_report, parse_reports,
                                   run_compute_only, run_full, write_cfg, write_conv_topology,
                                   write_gemm_topology)
from tests_paths import SCALESIM_FIXTURES as FIXTURES
from tests_paths import SCALESIM_UPSTREAM as UPSTREAM


@pytest.fixture
def scalesim_env() -> None:
    try:
        check_environment()
    except ScaleSimError as exc:
        pytest.skip(f"SCALE-Sim not usable here: {exc}")


def test_parse_reports_reads_upstream_user_os_by_header() -> None:
    """The values upstream/user_os's COMPUTE and DETAILED_ACCESS reports print (SCALE-Sim's
    own golden run), cycles as integers whether printed as `1` or `1.0`."""
    (row,) = parse_reports(UPSTREAM / "user_os")
    assert row["layer_id"] == 0
    assert (row["total_cycles_incl_prefetch"], row["total_cycles"], row["stall_cycles"]) == \
        (59000, 52447, 42272)
    assert row["mapping_efficiency_pct"] == 100.0
    assert row["sram_ifmap_start_cycle"] == 1 and isinstance(row["sram_ifmap_start_cycle"], int)
    assert row["dram_ifmap_start_cycle"] == -3277
    assert {key for key, _ in COMPUTE_FIELDS.values()} <= row.keys()


def test_write_cfg_has_the_default_sections(tmp_path: Path) -> None:
    cfg = write_cfg(tmp_path / "a.cfg", rows=8, cols=4, dataflow="is", ifmap_kib=2,
                    filter_kib=3, ofmap_kib=4, bandwidth_mode="USER", bandwidth_words=7,
                    run_name="x")
    parser = configparser.ConfigParser()
    parser.read(cfg)
    assert parser.sections() == ["general", "architecture_presets", "layout", "sparsity",
                                 "run_presets"]
    arch = parser["architecture_presets"]
    assert (arch["ArrayHeight"], arch["ArrayWidth"], arch["Dataflow"], arch["Bandwidth"]) == \
        ("8", "4", "is", "7")
    assert parser["run_presets"]["InterfaceBandwidth"] == "USER"
    assert parser["layout"]["IfmapCustomLayout"] == "False"
    assert parser["sparsity"]["SparsitySupport"] == "false"


def test_topologies_have_trailing_commas(tmp_path: Path) -> None:
    conv = write_conv_topology(tmp_path / "c.csv", [ConvLayer("a", 5, 6, 3, 2, 4, 7, 2),
                                                   ("b", 4, 4, 1, 1, 1, 1, 1)])
    gemm = write_gemm_topology(tmp_path / "g.csv", [GemmLayer("g", 3, 4, 5)])
    assert conv.read_text().splitlines()[1] == "a, 5, 6, 3, 2, 4, 7, 2,"
    assert gemm.read_text().splitlines() == ["Layer, M, N, K,", "g, 3, 4, 5,"]


@pytest.mark.parametrize("layers", [[GemmLayer("g", 1, 2, 3)], [("a", 1, 2)]])
def test_wrong_layer_kind_is_rejected(tmp_path: Path, layers: list) -> None:
    with pytest.raises(ValueError, match="expected a conv"):
        write_conv_topology(tmp_path / "c.csv", layers)


@pytest.mark.peer
def test_compute_only_rejects_depthwise(scalesim_env: None) -> None:
    with pytest.raises(ValueError, match="depthwise"):
        run_compute_only(4, 4, "os", ConvLayer("DP1", 5, 5, 3, 3, 2, 1, 1), gemm=False)


@pytest.mark.peer
@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_compute_only_equals_full_calc_run(tmp_path: Path, scalesim_env: None,
                                           dataflow: str) -> None:
    layers = [ConvLayer("c", 9, 7, 3, 2, 3, 5, 2), ConvLayer("big_array", 4, 4, 1, 1, 2, 3, 1)]
    cfg = write_cfg(tmp_path / "r.cfg", rows=6, cols=5, dataflow=dataflow, ifmap_kib=64,
                    filter_kib=64, ofmap_kib=64)
    full = run_full(cfg, write_conv_topology(tmp_path / "t.csv", layers), gemm=False,
                    out_dir=tmp_path / "out")
    assert [row["layer_name"] for row in full] == ["c", "big_array"]
    for layer, row in zip(layers, full, strict=True):
        short = compute_only_report(run_compute_only(6, 5, dataflow, layer, gemm=False), 6, 5)
        assert short == {key: row[key] for key in short}


@pytest.mark.peer
def test_scalesim_failure_becomes_scalesim_error(tmp_path: Path, scalesim_env: None) -> None:
    cfg = write_cfg(tmp_path / "r.cfg", rows=4, cols=4, dataflow="os", ifmap_kib=64,
                    filter_kib=64, ofmap_kib=64)
    topo = write_conv_topology(tmp_path / "t.csv", [ConvLayer("too_big", 2, 2, 3, 3, 1, 1, 1)])
    with pytest.raises(ScaleSimError, match="Filter height"):
        run_full(cfg, topo, gemm=False, out_dir=tmp_path / "out")


@pytest.mark.peer
def test_frozen_random_fixture_still_reproduces(tmp_path: Path, scalesim_env: None) -> None:
    """One case of random_calc.csv re-run live: catches a changed SCALE-Sim or numpy."""
    with (FIXTURES / "random_calc.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["case"] == "random_gemm_4x16_ws"]
    layers = [GemmLayer(r["layer_name"], int(r["gemm_m"]), int(r["gemm_n"]), int(r["gemm_k"]))
              for r in rows]
    cfg = write_cfg(tmp_path / "r.cfg", rows=4, cols=16, dataflow="ws", ifmap_kib=64,
                    filter_kib=64, ofmap_kib=64)
    live = run_full(cfg, write_gemm_topology(tmp_path / "t.csv", layers), gemm=True,
                    out_dir=tmp_path / "out")
    for frozen, now in zip(rows, live, strict=True):
        for key in ("total_cycles_incl_prefetch", "total_cycles", "sram_ifmap_reads",
                    "dram_ifmap_reads", "dram_ofmap_writes"):
            assert int(frozen[key]) == now[key], (frozen["layer_name"], key)
        assert float(frozen["compute_util_pct"]) == now["compute_util_pct"]
