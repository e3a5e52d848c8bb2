"""Readers for workloads in other tools' formats."""
