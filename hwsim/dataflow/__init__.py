"""Dataflow tables: which GEMM dimension each array axis carries, per dataflow."""
